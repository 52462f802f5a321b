// This file tests the Go emitter's checks of its arguments; the generated
// skeletons are compiled and run by package skeltest.

package skel

import (
	"errors"
	"go/token"
	"io"
	"strings"
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

// TestIsGoIdentifier checks isGoIdentifier against go/token (a second
// implementation).
func TestIsGoIdentifier(t *testing.T) {
	names := []string{"", "_", "a", "A1", "_x", "1a", "a-b", "a b", "é", "ünïcode", "x٣", "٣x", "日本", "a.b", "$"}
	for _, kw := range strings.Fields(goKeywords) {
		names = append(names, kw, kw+"x")
	}
	for i := token.Token(0); i < 100; i++ {
		if s := i.String(); !strings.HasPrefix(s, "token(") {
			names = append(names, s)
		}
	}
	for _, n := range names {
		if got, want := isGoIdentifier(n), token.IsIdentifier(n); got != want {
			t.Errorf("isGoIdentifier(%q) = %v, go/token says %v", n, got, want)
		}
	}
}
