// This file extracts the .BTF section from ELF files (vmlinux images,
// object files) and parses it.

package btf

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
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

// ParseELF parses the .BTF section of an ELF file. The section is copied
// into memory, so r need not stay open.
func ParseELF(r io.ReaderAt) (spec *Spec, err error) {
	// debug/elf may panic on some malformed files; turn that into an error.
	defer func() {
		if p := recover(); p != nil {
			spec, err = nil, fmt.Errorf("btf: malformed ELF: %v: %w", p, ErrInvalid)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("btf: %w", err)
	}
	sec := f.Section(".BTF")
	if sec == nil {
		return nil, fmt.Errorf("btf: ELF has no .BTF section: %w", ErrNotFound)
	}
	if sec.Type == elf.SHT_NOBITS {
		return nil, fmt.Errorf("btf: .BTF section has no data: %w", ErrInvalid)
	}
	raw, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("btf: read .BTF: %w", err)
	}
	return Parse(raw)
}
