// This file asks package features what the running kernel can attach (each
// feature probed lazily, once per process, and shown by `bpfc -probe`) and
// reads the perf PMUs' sysfs entries kprobes and uprobes are created
// through.

package attach

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/features"
)

// have reports whether the kernel has feature f. A probe that could not
// tell (no permission to use bpf(), for one) is an error.
func have(f *features.Feature) (bool, error) {
	err := f.Check()
	if err != nil && !errors.Is(err, ErrNotSupported) {
		return false, err
	}
	return err == nil, nil
}

// HasBPFCookie reports whether the running kernel has BPF cookies
// (bpf_get_attach_cookie, 5.15), probed once per process as libbpf does.
// It is what usdt.bpf.h's LINUX_HAS_BPF_COOKIE must say: a light skeleton
// generated on another kernel can set its .kconfig value from it before
// Load.
func HasBPFCookie() bool { return features.BPFCookie.Has() }

// pmuType reads the perf event type of the kprobe or uprobe PMU.
func pmuType(pmu string) (uint32, error) {
	return readSysfsUint("/sys/bus/event_source/devices/"+pmu+"/type", "")
}

// pmuRetprobeBit reads which config bit makes a kprobe or uprobe a return
// probe ("config:0").
func pmuRetprobeBit(pmu string) (uint32, error) {
	return readSysfsUint("/sys/bus/event_source/devices/"+pmu+"/format/retprobe", "config:")
}

// readSysfsUint reads a number after prefix from a sysfs file.
func readSysfsUint(path, prefix string) (uint32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(strings.TrimSpace(string(b)), prefix)
	if !ok {
		return 0, fmt.Errorf("%s: %q does not start with %q", path, b, prefix)
	}
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return uint32(v), nil
}
