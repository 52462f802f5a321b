// This file raises RLIMIT_MEMLOCK where the kernel charges BPF memory to
// it, as libbpf does before its loads and probes.

package features

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

var (
	memlockOnce sync.Once
	memlockErr  error
)

// BumpMemlock raises RLIMIT_MEMLOCK to infinity, once per process, when
// the kernel charges BPF maps and programs to it rather than to the memory
// cgroup (before 5.11): the default 64 KiB refuses all but the smallest
// maps with EPERM, which would also make probes answer wrongly. It does
// nothing on newer kernels.
func BumpMemlock() error {
	memlockOnce.Do(func() {
		if !MemcgAccount.Missing() {
			return
		}
		lim := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil {
			memlockErr = fmt.Errorf("raise RLIMIT_MEMLOCK (this kernel charges BPF memory to it: %v): %w", MemcgAccount.Check(), err)
		}
	})
	return memlockErr
}
