// Package features tells which BPF features the running kernel has, the
// way libbpf's feature detection does: each feature is a tiny named probe
// (one or two bpf() calls), run lazily, at most once per process, and
// cached. bpfc decides by these probes, not by version numbers; the first
// upstream kernel recorded with each feature only serves error messages
// ("... first in Linux 5.14"), and the decision for the few things no probe
// can tell.
//
// The backends use it to fall back where the kernel lacks something
// (map fds instead of fd_array, RLIMIT_MEMLOCK before memcg accounting,
// CO-RE in bpfc before kernel CO-RE, no blob hash before 6.18); `bpfc
// -probe` prints every probe.
package features

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/bpfc/bpfc/internal/errs"
)

// ErrNotSupported is wrapped by every error saying the kernel lacks a
// feature; it is the same value as bpfc.ErrNotSupported.
var ErrNotSupported error = &errs.NotSupported

// MissingError says the running kernel lacks something bpfc or the object
// needs, naming it and the first upstream kernel that has it.
type MissingError struct {
	What    string // e.g. "fd_array in BPF_PROG_LOAD", "map type bloom_filter"
	Since   string // first upstream Linux version with it, e.g. "5.14"
	Release string // the running kernel's release
	// Detail, when set, says more (e.g. "not built into this kernel").
	Detail string
}

// Error names what is missing, the running kernel's release and the first
// kernel that has it.
func (e *MissingError) Error() string {
	msg := fmt.Sprintf("%s is not supported by this kernel (%s)", e.What, e.Release)
	if e.Since != "" {
		msg += fmt.Sprintf("; it first appeared in Linux %s", e.Since)
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrNotSupported) true.
func (e *MissingError) Unwrap() error { return ErrNotSupported }

// Feature is one probed kernel feature.
type Feature struct {
	Name  string // short name, as `bpfc -probe` prints it, e.g. "fd_array"
	Desc  string // what it is, e.g. "fd_array in BPF_PROG_LOAD"
	Since string // first upstream Linux version with it

	probe func() (bool, error)
	once  sync.Once
	done  atomic.Bool // err is set
	err   error
}

// Check probes the feature (once per process) and returns nil when the
// kernel has it, a *MissingError (wrapping ErrNotSupported) when it lacks
// it, or another error when the probe could not tell (no permission to use
// bpf(), for one).
func (f *Feature) Check() error {
	f.once.Do(func() {
		ok, err := f.probe()
		if (!ok || err != nil) && f != MemcgAccount {
			// Every probe answers "missing" or "cannot tell" where
			// RLIMIT_MEMLOCK refused it (before 5.11): raise the
			// limit where the kernel charges BPF memory to it, and
			// ask again. A kernel that has the feature, or memcg
			// accounting, is asked once. (A failure to raise the
			// limit shows in the probe's answer.)
			BumpMemlock()
			if memlockRaised.Load() {
				ok, err = f.probe()
			}
		}
		var nb notBuilt
		switch {
		case errors.As(err, &nb):
			f.err = &MissingError{What: f.Desc, Since: f.Since, Release: Release(), Detail: string(nb)}
		case err != nil:
			f.err = fmt.Errorf("probing %s: %w", f.Desc, err)
		case !ok:
			f.err = &MissingError{What: f.Desc, Since: f.Since, Release: Release()}
		}
		f.done.Store(true)
	})
	return f.err
}

// Known reports whether the feature has been probed in this process, and
// then what Check returns, without probing. A caller that can try the
// feature at no extra cost (a load that a kernel lacking it refuses) tries
// it first and asks Check only when the kernel refuses: a kernel that has
// the feature is then never probed for it.
func (f *Feature) Known() (bool, error) {
	if !f.done.Load() {
		return false, nil
	}
	return true, f.err
}

// notBuilt is what a probe returns when the kernel knows the feature but
// was built without it (the detail names the config option).
type notBuilt string

func (n notBuilt) Error() string { return string(n) }

// Has reports whether the kernel has the feature. A probe that could not
// tell counts as missing.
func (f *Feature) Has() bool { return f.Check() == nil }

// Missing reports whether the probe says the kernel lacks the feature (an
// inconclusive probe is not missing: callers then keep the default path
// and let the kernel's own error speak).
func (f *Feature) Missing() bool { return errors.Is(f.Check(), ErrNotSupported) }
