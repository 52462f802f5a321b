// This file tests Load on real generated loaders: every failure path
// (blob map refused, write or freeze refused, hash refused, the loader
// program rejected, the run refused, a context too small for the loader)
// returns an error and leaves no descriptor behind, and several goroutines
// may load one Spec at once. (A failing step inside the loader:
// TestVerifierRejection and friends in package loaderprog.)

package rt_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

// spec generates the loader of a test object.
func spec(t *testing.T, name string) *rt.Spec {
	t.Helper()
	_, l, err := bpfc.GenerateLoader(filepath.Join("..", "..", "..", "testdata", name), &bpfc.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l.Spec()
}

// failOn makes the n-th (from 1) bpf(2) call with command cmd fail with
// errno; 0 fails every such call.
func failOn(cmd, n int, errno unix.Errno) func() {
	seen := 0
	return rt.SetSysBPF(func(c int, a []byte, size int) (int, error) {
		if c == cmd {
			seen++
			if n == 0 || seen == n {
				return -1, errno
			}
		}
		return rt.RealSysBPF(c, a, size)
	})
}

func TestLoadFailuresCloseEverything(t *testing.T) {
	testutil.RequireKernel(t)
	good := spec(t, "xdp_globals.o")
	for _, c := range []struct {
		name   string
		hook   bool // fail the n-th (0: every) call of cmd
		cmd, n int
		errno  unix.Errno
		spec   func() *rt.Spec
		want   string
		runs   bool // fails after the loader program loaded
	}{
		{name: "blob map refused", hook: true, cmd: rt.CmdMapCreate, errno: unix.EPERM, want: "create __loader.map"},
		{name: "blob write refused", hook: true, cmd: rt.CmdMapUpdateElem, n: 1, errno: unix.ENOMEM, want: "write __loader.map"},
		{name: "freeze refused", hook: true, cmd: rt.CmdMapFreeze, n: 1, errno: unix.EBUSY, want: "freeze __loader.map"},
		{name: "hash refused", hook: true, cmd: rt.CmdObjGetInfo, n: 1, errno: unix.EPERM, want: "hash of __loader.map"},
		{name: "loader rejected", hook: true, cmd: rt.CmdProgLoad, errno: unix.EACCES, want: "load __loader.prog"},
		{name: "run refused", hook: true, cmd: rt.CmdProgTestRun, errno: unix.EOPNOTSUPP, want: "run loader program", runs: true},
		{name: "context too small", errno: unix.EINVAL, spec: func() *rt.Spec {
			// The header only: the loader reads and writes past it.
			s := *good
			s.Maps, s.Progs = nil, nil
			return &s
		}, want: "run loader program", runs: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			if c.hook {
				defer failOn(c.cmd, c.n, c.errno)()
			}
			s := good
			if c.spec != nil {
				s = c.spec()
			}
			res, err := rt.Load(s, nil)
			if err == nil {
				res.Close()
				t.Fatal("Load succeeded")
			}
			if c.runs && features.SyscallProg.Missing() {
				// Before 5.14 the loader program itself is refused.
				if !errors.Is(err, rt.ErrNoSyscallPrograms) {
					t.Errorf("error %v, want ErrNoSyscallPrograms on %s", err, features.Release())
				}
				return
			}
			if !errors.Is(err, c.errno) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %v and %q", err, c.errno, c.want)
			}
		})
	}
}

// TestIntegrityPerKernel loads a loader with the blob check: verified where
// the kernel hashes maps (6.18+); elsewhere loaded without the check, or
// refused with RequireIntegrity; before 5.14 refused for want of syscall
// programs.
func TestIntegrityPerKernel(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	s := spec(t, "xdp_globals.o")
	if !s.CheckHash || s.IntegrityCheck[0] < 1 || s.IntegrityCheck[1] <= s.IntegrityCheck[0] {
		t.Fatalf("spec: CheckHash %v, IntegrityCheck %v", s.CheckHash, s.IntegrityCheck)
	}
	for _, require := range []bool{false, true} {
		res, err := rt.Load(s, &rt.Options{RequireIntegrity: require})
		switch {
		case features.SyscallProg.Missing():
			if !errors.Is(err, rt.ErrNoSyscallPrograms) {
				t.Errorf("require=%v on %s: %v, want ErrNoSyscallPrograms", require, features.Release(), err)
			}
		case features.MapHash.Missing() && require:
			if !errors.Is(err, rt.ErrIntegrityUnsupported) || !strings.Contains(err.Error(), "Linux 6.18") {
				t.Errorf("require=%v on %s: %v, want ErrIntegrityUnsupported", require, features.Release(), err)
			}
		case err != nil:
			t.Errorf("require=%v on %s: %v", require, features.Release(), err)
		case res.IntegrityVerified != features.MapHash.Has():
			t.Errorf("require=%v: IntegrityVerified %v on %s", require, res.IntegrityVerified, features.Release())
		}
		if err == nil {
			res.Close()
		}
	}
}

// TestLoadConcurrent loads one Spec from several goroutines at once.
func TestLoadConcurrent(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	s := spec(t, "xdp_globals.o")
	if features.SyscallProg.Missing() {
		res, err := rt.Load(s, nil)
		if err == nil {
			res.Close()
		}
		if !errors.Is(err, rt.ErrNoSyscallPrograms) || !strings.Contains(err.Error(), "Linux 5.14") {
			t.Fatalf("rt.Load on %s: %v; want the refusal naming syscall programs and 5.14", features.Release(), err)
		}
		return
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				res, err := rt.Load(s, nil)
				if err != nil {
					errs <- err
					return
				}
				for _, fd := range append(append([]int(nil), res.MapFDs...), res.ProgFDs...) {
					if fd <= 0 {
						errs <- errors.New("missing descriptor")
					}
				}
				res.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
