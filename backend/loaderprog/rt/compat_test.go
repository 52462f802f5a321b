// This file tests how the run-time leaves a loader's blob check out.

package rt

import (
	"bytes"
	"errors"
	"testing"
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
