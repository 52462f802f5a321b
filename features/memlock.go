// This file raises RLIMIT_MEMLOCK where the kernel charges BPF memory to
// it, as libbpf does, but only once the kernel refused something: a load
// the kernel takes never probes for memcg accounting.

package features

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

var (
	memlockOnce   sync.Once
	memlockErr    error
	memlockRaised atomic.Bool // BumpMemlock raised the limit
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
		err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &lim)
		switch {
		case err == nil:
			memlockRaised.Store(true)
		case errors.Is(probeErr, ErrNotSupported):
			memlockErr = fmt.Errorf("raise RLIMIT_MEMLOCK (this kernel charges BPF memory to it: %v): %w", probeErr, err)
		}
	})
	return memlockErr
}

// MemlockRetry decides about a map, program or BTF the kernel refused with
// err, for loaders that call BumpMemlock only once the kernel refused
// something (on a kernel with memcg accounting, only for an EPERM of
// another cause: lockdown, capabilities): where err is EPERM
// it calls BumpMemlock and reports whether BumpMemlock raised the limit,
// so that the caller tries once more. Where raising it failed on a kernel
// that charges BPF memory to it, it returns BumpMemlock's error.
func MemlockRetry(err error) (bool, error) {
	if !errors.Is(err, unix.EPERM) {
		return false, nil
	}
	if err := BumpMemlock(); err != nil {
		return false, err
	}
	return memlockRaised.Load(), nil
}
