// This file tests how the run-time leaves a loader's blob check out.

package rt

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

func TestUncheckedInsns(t *testing.T) {
	insns := make([]byte, 8*6)
	for i := range 6 {
		insns[8*i] = byte(i)
	}
	s := &Spec{Insns: insns, IntegrityCheck: [2]int{1, 4}}
	got, err := s.uncheckedInsns()
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]byte(nil), insns[:8]...), insns[32:]...)
	if !bytes.Equal(got, want) {
		t.Errorf("uncheckedInsns = % x, want % x", got, want)
	}
	if !bytes.Equal(s.Insns, insns) || s.Insns[8] != 1 {
		t.Error("uncheckedInsns changed the spec's instructions")
	}
	for _, r := range [][2]int{{0, 3}, {2, 2}, {3, 2}, {1, 7}, {0, 0}} {
		s.IntegrityCheck = r
		if _, err := s.uncheckedInsns(); !errors.Is(err, ErrIntegrityUnsupported) {
			t.Errorf("range %v: %v, want ErrIntegrityUnsupported", r, err)
		}
	}
}

func TestSyscallVerdict(t *testing.T) {
	for _, c := range []struct {
		err     error
		release string
		want    bool
	}{
		{nil, "5.10.0-46-cloud-amd64", true},
		{unix.EINVAL, "6.18.44", false},
		{unix.EINVAL, "5.10.0", false},
		{unix.E2BIG, "5.10.0", true},
		// EPERM: RLIMIT_MEMLOCK exhausted before 5.11, or no privileges;
		// the release decides.
		{unix.EPERM, "5.10.0-46-cloud-amd64", false},
		{unix.EPERM, "5.13.19", false},
		{unix.EPERM, "5.14.0", true},
		{unix.EPERM, "6.1.0-57-cloud-amd64", true},
		{unix.EPERM, "garbage", true},
	} {
		if got := syscallVerdict(c.err, c.release); got != c.want {
			t.Errorf("syscallVerdict(%v, %q) = %v, want %v", c.err, c.release, got, c.want)
		}
	}
}
