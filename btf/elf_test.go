// This file checks reading .BTF out of ELF files, and the errors for ELF
// files that have none or are malformed.

package btf

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParseELF(t *testing.T) {
	raw, err := os.ReadFile("../testdata/tailcall.o")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ParseELF(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ParseELF: %v", err)
	}
	if ids := spec.FindByName("jump_table"); len(ids) != 1 {
		t.Errorf("tailcall.o's BTF has %d types jump_table, want 1 (its VAR)", len(ids))
	}
	cut := raw[:len(raw)/2] // section headers at the end
	if _, err := ParseELF(bytes.NewReader(cut)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "truncated ELF file") {
		t.Errorf("truncated ELF: %v, want ErrInvalid", err)
	}
	if _, err := LoadSpecFromELF("../internal/elffile/testdata/sample_i386.o"); !errors.Is(err, ErrNotFound) ||
		!strings.HasPrefix(err.Error(), "../internal/elffile/testdata/sample_i386.o: btf: ELF has no .BTF section") {
		t.Errorf("ELF without .BTF: %v, want ErrNotFound", err)
	}
}
