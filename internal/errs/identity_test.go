// This file checks that every package's re-export of a shared error is the
// same value, so that errors.Is matches whichever name a caller uses.

package errs_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/passes/core"
)

func TestIdentities(t *testing.T) {
	for _, tc := range []struct {
		name  string
		want  error
		names map[string]error
	}{
		{"ErrNotSupported", errs.ErrNotSupported, map[string]error{
			"bpfc": bpfc.ErrNotSupported, "passes": passes.ErrNotSupported, "core": core.ErrNotSupported,
			"direct": direct.ErrNotSupported, "loaderprog": loaderprog.ErrNotSupported,
			"attach": attach.ErrNotSupported,
		}},
		{"ErrNotFound", errs.ErrNotFound, map[string]error{
			"bpfc": bpfc.ErrNotFound, "passes": passes.ErrNotFound, "btf": btf.ErrNotFound,
			"attach": attach.ErrNotFound,
		}},
		{"ErrInvalidObject", errs.ErrInvalidObject, map[string]error{
			"bpfc": bpfc.ErrInvalidObject, "direct": direct.ErrInvalidObject,
			"loaderprog": loaderprog.ErrInvalidObject, "elf": elf.ErrInvalidObject,
		}},
	} {
		for pkg, err := range tc.names {
			if err != tc.want {
				t.Errorf("%s.%s is not errs.%s", pkg, tc.name, tc.name)
			}
		}
	}
	// The frontend's sentinels and attach.ErrBadSection keep their identity
	// and message and are kinds of ErrInvalidObject.
	for _, e := range []error{elf.ErrBadELF, elf.ErrBadBTF, elf.ErrBadReloc, elf.ErrMissingFunc, elf.ErrBadMap, elf.ErrBadExtern, attach.ErrBadSection} {
		err := fmt.Errorf("x.o: %w", e)
		if !errors.Is(err, e) || !errors.Is(err, direct.ErrInvalidObject) || errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%q: errors.Is does not match its own sentinel and ErrInvalidObject only", err)
		}
	}
}

// TestOpenBadELF: a real frontend error matches ErrInvalidObject.
func TestOpenBadELF(t *testing.T) {
	_, err := elf.Parse(bytes.NewReader([]byte("not an ELF file")), "garbage.o")
	if !errors.Is(err, elf.ErrBadELF) || !errors.Is(err, bpfc.ErrInvalidObject) {
		t.Errorf("Parse(garbage): %v, want ErrBadELF and ErrInvalidObject", err)
	}
}
