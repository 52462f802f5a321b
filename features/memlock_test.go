// This file checks that BumpMemlock lets a process whose RLIMIT_MEMLOCK is
// exhausted create maps on every kernel: before 5.11 its memcg probe is
// itself refused with EPERM then, and the limit must still be raised.

package features

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/uapi"
)

func TestBumpMemlockExhausted(t *testing.T) {
	testutil.RequireKernel(t)
	// A child process with RLIMIT_MEMLOCK 0: the limit and BumpMemlock's once are per process.
	testutil.InChild(t, memlockChild)
}

// memlockChild drops RLIMIT_MEMLOCK to 0 (as a user whose locked memory
// is used up), then does what a load does: BumpMemlock, and a 1 MiB map.
func memlockChild(t *testing.T) {
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{}); err != nil {
		t.Fatal(err)
	}
	if err := BumpMemlock(); err != nil {
		t.Fatalf("BumpMemlock: %v", err)
	}
	m, err := sys.MapCreate(&sys.MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 1024, MaxEntries: 1024})
	if err != nil {
		t.Fatalf("1 MiB array after BumpMemlock (memcg accounting: %v): %v", MemcgAccount.Check(), err)
	}
	m.Close()
}

func TestCheckMemlockExhausted(t *testing.T) {
	testutil.RequireKernel(t)
	// A child process with RLIMIT_MEMLOCK 0: a probe refused for it
	// (before 5.11) raises the limit and asks again; a kernel with memcg
	// accounting is not probed for it.
	testutil.InChild(t, func(t *testing.T) {
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{}); err != nil {
			t.Fatal(err)
		}
		if err := GlobalData.Check(); err != nil {
			t.Errorf("global data (5.2) with RLIMIT_MEMLOCK 0: %v", err)
		}
		if known, err := MemcgAccount.Known(); known && err == nil {
			t.Errorf("memcg accounting probed, and the kernel (%s) has it: a probe the kernel answered needs no RLIMIT_MEMLOCK", Release())
		}
	})
}

// TestProbedByVersion checks, on the running kernel, the answer of the
// features that the version answers from some release on against their
// probes: from that release on both say yes, before it the version says
// no (the guest kernels of the matrix cover both sides of 5.11 and 5.17).
func TestProbedByVersion(t *testing.T) {
	testutil.RequireKernel(t)
	for _, tc := range []struct {
		name  string
		since Version
		probe func() (bool, error)
	}{
		{"memcg accounting", Version{5, 11}, probeMemcgLoad},
		{"kernel CO-RE", Version{5, 17}, probeKernelCORELoad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.InChild(t, func(t *testing.T) {
				// A probe's own program may need locked memory before
				// 5.11 (where raising the limit is refused, the default
				// suffices).
				_ = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY})
				loaded, err := tc.probe()
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				byVersion := knownAtLeast(tc.since)
				if byVersion && !loaded {
					t.Errorf("Linux %s: the version says %s, the probe says none", Release(), tc.name)
				}
				if byVersion != !testutil.KernelOlderThan(tc.since.String()) {
					t.Errorf("Linux %s: the version was read as %s or later: %v", Release(), tc.since, byVersion)
				}
			})
		})
	}
}
