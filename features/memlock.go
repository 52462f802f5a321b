// This file raises RLIMIT_MEMLOCK where the kernel charges BPF memory to
// it, as libbpf does before its loads and probes.

package features

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

var (
	memlockOnce sync.Once
	memlockErr  error
)

// BumpMemlock raises RLIMIT_MEMLOCK to infinity, once per process, unless
// the kernel is known to charge BPF maps and programs to the memory cgroup
// (5.11+): before that the default 64 KiB refuses all but the smallest
// maps with EPERM, which would also make probes answer wrongly. As libbpf
// does, a probe that failed counts as no memcg accounting: on a kernel
// without it the probe's own program is charged to RLIMIT_MEMLOCK, and a
// user whose locked memory is still held by BPF objects another process
// just closed (the kernel frees them later, from a work queue) gets EPERM
// from the probe. Raising the limit there is harmless; failing to raise it
// is an error only where the accounting is known to be missing.
func BumpMemlock() error {
	memlockOnce.Do(func() {
		probeErr := MemcgAccount.Check()
		if probeErr == nil {
			return
		}
		lim := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil && errors.Is(probeErr, ErrNotSupported) {
			memlockErr = fmt.Errorf("raise RLIMIT_MEMLOCK (this kernel charges BPF memory to it: %v): %w", probeErr, err)
		}
	})
	return memlockErr
}
