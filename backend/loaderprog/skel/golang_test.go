// This file tests the Go emitter's checks of its arguments; the generated
// skeletons are compiled and run by package skeltest.

package skel

import (
	"errors"
	"io"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog"
)

func TestWriteGoPackageNames(t *testing.T) {
	obj := compileObject(t, "xdp_globals.o")
	l, err := loaderprog.Generate(obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"_", "func", "1abc", "a-b"} {
		if err := WriteGo(io.Discard, l, obj, pkg); !errors.Is(err, ErrBadName) {
			t.Errorf("package %q: %v, want ErrBadName", pkg, err)
		}
	}
	if err := WriteGo(io.Discard, l, obj, "skel"); err != nil {
		t.Errorf("package skel: %v", err)
	}
}
