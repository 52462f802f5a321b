// This file reads the running kernel's release and version (uname), for
// error messages and the few decisions no probe can make.

package features

import (
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

var (
	unameOnce sync.Once
	release   string
)

// Release returns the running kernel's release (uname -r), e.g.
// "6.1.0-57-cloud-amd64".
func Release() string {
	unameOnce.Do(func() {
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			release = "unknown"
			return
		}
		release = unix.ByteSliceToString(u.Release[:])
	})
	return release
}

// Version is a kernel version, major and minor, e.g. {6, 1}.
type Version struct{ Major, Minor int }

// ParseVersion reads the leading "MAJOR.MINOR" of a release or of a Since
// string. It returns false when there is none.
func ParseVersion(s string) (Version, bool) {
	major, rest, ok := strings.Cut(s, ".")
	if !ok {
		return Version{}, false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(rest[:end])
	if err1 != nil || err2 != nil {
		return Version{}, false
	}
	return Version{ma, mi}, true
}

// Less orders versions.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

// String returns "major.minor".
func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// KernelVersion returns the running kernel's version from its release.
func KernelVersion() (Version, bool) { return ParseVersion(Release()) }

// atLeast reports whether the running kernel's version is since or newer:
// the fallback for what no probe can tell. An unparsable version counts as
// new enough (let the kernel's own error speak).
func atLeast(since string) bool {
	k, ok1 := KernelVersion()
	s, ok2 := ParseVersion(since)
	if !ok1 || !ok2 {
		return true
	}
	return !k.Less(s)
}

// knownAtLeast reports whether the running kernel's version is known to be
// v or newer: the probes of features every release from v on has answer
// by it without loading anything. Unlike atLeast, an unparsable version
// counts as older (then the probe runs).
func knownAtLeast(v Version) bool {
	k, ok := KernelVersion()
	return ok && !k.Less(v)
}
