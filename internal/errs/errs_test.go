// This file tests that Kind errors keep their own identity and message and
// match their parent.

package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestKind(t *testing.T) {
	bad := Kind("bad ELF", ErrInvalidObject)
	other := Kind("bad BTF", ErrInvalidObject)
	err := fmt.Errorf("x.o: section .text: %w", bad)
	if !errors.Is(err, bad) || !errors.Is(err, ErrInvalidObject) {
		t.Errorf("%v: does not match its kind and parent", err)
	}
	if errors.Is(err, other) || errors.Is(err, ErrNotFound) {
		t.Errorf("%v: matches an unrelated error", err)
	}
	if err.Error() != "x.o: section .text: bad ELF" {
		t.Errorf("message %q", err.Error())
	}
}
