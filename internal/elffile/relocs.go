// This file decodes relocation sections (SHT_REL, SHT_RELA) of either
// class.

package elffile

import "fmt"

// Reloc is an entry of a relocation section.
type Reloc struct {
	Offset uint64 // in the section the relocation applies to (sh_info)
	Sym    uint32 // symbol index in the linked symbol table (sh_link)
	Type   uint32 // machine-specific (R_BPF_64_64, ...)
	Addend int64  // 0 for SHT_REL
}

// Relocations decodes the SHT_REL or SHT_RELA section s.
func (f *File) Relocations(s *Section) ([]Reloc, error) {
	size := uint64(0)
	switch {
	case s.Type == SHT_REL && f.Class == ELFCLASS64:
		size = Rel64Size
	case s.Type == SHT_RELA && f.Class == ELFCLASS64:
		size = Rela64Size
	case s.Type == SHT_REL:
		size = Rel32Size
	case s.Type == SHT_RELA:
		size = Rela32Size
	default:
		return nil, fmt.Errorf("section %q is of type %v, not SHT_REL or SHT_RELA: %w", s.Name, s.Type, ErrMalformed)
	}
	if s.Entsize != 0 && s.Entsize != size {
		return nil, fmt.Errorf("section %q: entry size %d, want %d: %w", s.Name, s.Entsize, size, ErrMalformed)
	}
	raw, err := f.SectionData(s)
	if err != nil {
		return nil, err
	}
	if uint64(len(raw))%size != 0 {
		return nil, fmt.Errorf("section %q: %d bytes is not a whole number of %d-byte relocations: %w", s.Name, len(raw), size, ErrMalformed)
	}
	bo := f.ByteOrder
	rels := make([]Reloc, uint64(len(raw))/size)
	for i := range rels {
		e := raw[uint64(i)*size:]
		r := &rels[i]
		if f.Class == ELFCLASS64 {
			info := bo.Uint64(e[8:])
			r.Offset, r.Sym, r.Type = bo.Uint64(e), uint32(info>>32), uint32(info)
			if size == Rela64Size {
				r.Addend = int64(bo.Uint64(e[16:]))
			}
		} else {
			info := bo.Uint32(e[4:])
			r.Offset, r.Sym, r.Type = uint64(bo.Uint32(e)), info>>8, info&0xff
			if size == Rela32Size {
				r.Addend = int64(int32(bo.Uint32(e[8:])))
			}
		}
	}
	return rels, nil
}
