// This file extracts the .BTF section from ELF files (vmlinux images,
// object files) and parses it.

package btf

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/bpfc/bpfc/internal/elffile"
)

// LoadSpecFromELF parses the .BTF section of the ELF file at path.
func LoadSpecFromELF(path string) (*Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("btf: %w", err)
	}
	defer f.Close()
	spec, err := ParseELF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return spec, nil
}

// ParseELF parses the .BTF section of an ELF file. Only the ELF headers
// and the section are read; the section is copied into memory, so r need
// not stay open.
func ParseELF(r io.ReaderAt) (*Spec, error) {
	f, err := elffile.NewFile(r)
	if errors.Is(err, elffile.ErrMalformed) {
		return nil, fmt.Errorf("btf: %w: %w", err, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("btf: %w", err)
	}
	sec := f.Section(".BTF")
	if sec == nil {
		return nil, fmt.Errorf("btf: ELF has no .BTF section: %w", ErrNotFound)
	}
	if sec.Type == elffile.SHT_NOBITS {
		return nil, fmt.Errorf("btf: .BTF section has no data: %w", ErrInvalid)
	}
	raw, err := f.SectionData(sec)
	if errors.Is(err, elffile.ErrMalformed) {
		return nil, fmt.Errorf("btf: %w: %w", err, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("btf: read .BTF: %w", err)
	}
	return Parse(raw)
}
