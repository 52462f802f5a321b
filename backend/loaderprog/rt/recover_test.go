// This file injects the failure of BPF_PROG_TEST_RUN that comes after the
// loader ran (recover.go): the kernel cannot write the return value into
// the attribute, or the context back into user memory, because the test
// made that memory read-only (a copy in a page of its own, mprotected);
// Load must close every map and program the run created. Making the
// context unreadable instead fails the run before the loader runs: there
// is nothing to close.

package rt_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

// protectedRun makes the loader's BPF_PROG_TEST_RUN run with the
// attribute (what "attr") or the context ("ctx") copied into a page of its
// own, given protection prot before the call. With untilCreated, a run
// that created nothing is repeated (up to 5 times), as Load repeats a run
// whose loader answered EAGAIN (a signal pending during a load inside
// it), which it cannot see when the return value is lost.
func protectedRun(t *testing.T, what string, prot int, untilCreated bool) (restore func()) {
	t.Helper()
	return rt.SetSysBPF(func(c int, a []byte, size int) (int, error) {
		if c != rt.CmdProgTestRun {
			return rt.RealSysBPF(c, a, size)
		}
		for try := 1; ; try++ {
			before := len(bpfFDs(t))
			r, err := protectedCall(t, what, prot, c, append([]byte(nil), a...), size)
			if !untilCreated || len(bpfFDs(t)) > before {
				return r, err
			}
			if try == 5 {
				t.Fatalf("5 runs of the loader created nothing: %v", err)
			}
		}
	})
}

// protectedCall makes one call of protectedRun.
func protectedCall(t *testing.T, what string, prot, c int, a []byte, size int) (int, error) {
	t.Helper()
	page, err := unix.Mmap(-1, 0, os.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(page)
	switch what {
	case "attr":
		copy(page, a)
		a = page[:len(a)]
	case "ctx":
		// The context, read through /proc/self/mem: the hook has
		// only its address.
		n := int(binary.NativeEndian.Uint32(a[rt.OffRunCtxSizeIn:]))
		if n > len(page) {
			t.Fatalf("context of %d bytes does not fit a page", n)
		}
		mem, err := os.Open("/proc/self/mem")
		if err != nil {
			t.Fatal(err)
		}
		_, err = mem.ReadAt(page[:n], int64(binary.NativeEndian.Uint64(a[rt.OffRunCtxIn:])))
		mem.Close()
		if err != nil {
			t.Fatal(err)
		}
		binary.NativeEndian.PutUint64(a[rt.OffRunCtxIn:], uint64(uintptr(unsafe.Pointer(&page[0]))))
	}
	if err := unix.Mprotect(page, prot); err != nil {
		t.Fatal(err)
	}
	return rt.RealSysBPF(c, a, size)
}

// bpfFDs returns the fds of this process that are BPF objects.
func bpfFDs(t *testing.T) map[int]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	fds := map[int]bool{}
	for _, e := range ents {
		l, _ := os.Readlink("/proc/self/fd/" + e.Name())
		if fd, err := strconv.Atoi(e.Name()); err == nil && strings.HasPrefix(l, "anon_inode:bpf") {
			fds[fd] = true
		}
	}
	return fds
}

func TestLoadRunResultsLost(t *testing.T) {
	testutil.RequireKernel(t)
	s := spec(t, "xdp_globals.o")
	created := len(s.Maps) + len(s.Progs)
	for _, c := range []struct {
		name  string
		what  string
		prot  int
		want  string
		noRec bool // the spec keeps no fd record: the fds leak
	}{
		{name: "return value", what: "attr", prot: unix.PROT_READ, want: fmt.Sprintf("closed the %d fds it created", created)},
		{name: "context", what: "ctx", prot: unix.PROT_READ, want: fmt.Sprintf("closed the %d fds it created", created)},
		{name: "context unreadable", what: "ctx", prot: unix.PROT_NONE, want: "the loader left no fd open: it did not run"},
		{name: "no record", what: "ctx", prot: unix.PROT_READ, want: "this loader keeps no record of its fds", noRec: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := bpfFDs(t)
			if !c.noRec {
				defer testutil.CheckNoFDLeak(t)()
			}
			s := *s
			if c.noRec {
				s.FDs = nil
			}
			restore := protectedRun(t, c.what, c.prot, c.prot != unix.PROT_NONE)
			res, err := rt.Load(&s, nil)
			restore()
			if err == nil {
				res.Close()
				t.Fatal("Load succeeded")
			}
			if features.SyscallProg.Missing() {
				if !errors.Is(err, rt.ErrNoSyscallPrograms) {
					t.Errorf("error %v, want ErrNoSyscallPrograms on %s", err, features.Release())
				}
				return
			}
			t.Logf("Load: %v", err)
			if !errors.Is(err, unix.EFAULT) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want EFAULT and %q", err, c.want)
			}
			if c.noRec {
				// Without the record the run's fds are lost: find them
				// (this test opens no other BPF object meanwhile), check
				// that they are what the loader created, close them.
				leaked := 0
				for fd := range bpfFDs(t) {
					if !before[fd] {
						leaked++
						unix.Close(fd)
					}
				}
				if leaked != created {
					t.Errorf("%d BPF fds left open without the record, want the %d the loader created", leaked, created)
				}
			}
		})
	}
}
