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
