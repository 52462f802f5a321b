// This file checks Load's refusal on a kernel without syscall programs
// when the process's RLIMIT_MEMLOCK is used up: before 5.11 every BPF
// object is charged to it, the syscall program probe gets EPERM too, and
// the refusal must still say that syscall programs are missing.

package rt_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestLoadMemlockExhausted(t *testing.T) {
	testutil.RequireKernel(t)
	// A child process with RLIMIT_MEMLOCK 0: the limit and the run-time's probe are per process.
	testutil.InChild(t, memlockChild)
}

// memlockChild generates a loader, drops RLIMIT_MEMLOCK to 0 and loads it:
// the loader runs where there are syscall programs (5.14+: memcg
// accounting, no limit), and is refused naming them elsewhere.
func memlockChild(t *testing.T) {
	s := spec(t, "xdp_globals.o")
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{}); err != nil {
		t.Fatal(err)
	}
	res, err := rt.Load(s, nil)
	if err == nil {
		res.Close()
	}
	if features.SyscallProg.Missing() {
		if !errors.Is(err, rt.ErrNoSyscallPrograms) || !strings.Contains(err.Error(), "Linux 5.14") {
			t.Fatalf("rt.Load on %s with RLIMIT_MEMLOCK 0: %v; want the refusal naming syscall programs and 5.14", features.Release(), err)
		}
		return
	}
	if err != nil {
		t.Fatalf("rt.Load on %s with RLIMIT_MEMLOCK 0: %v", features.Release(), err)
	}
}
