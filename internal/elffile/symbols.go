// This file reads the symbol tables (SHT_SYMTAB, SHT_DYNSYM) with their
// names, and the GNU versions of dynamic symbols (.gnu.version,
// .gnu.version_d, .gnu.version_r).

package elffile

import "fmt"

// Symbol is an entry of a symbol table.
type Symbol struct {
	Name    string
	Info    byte // binding and type
	Other   byte // visibility
	Section SectionIndex
	Value   uint64
	Size    uint64
	// Version is a dynamic symbol's GNU version ("GLIBC_2.2.5"), "" if
	// it has none; Library is the library an undefined symbol's version
	// is needed from ("libc.so.6").
	Version string
	Library string
}

// Bind returns the symbol's binding.
func (s Symbol) Bind() SymBind { return SymBind(s.Info >> 4) }

// Type returns the symbol's type.
func (s Symbol) Type() SymType { return SymType(s.Info & 0xf) }

// Visibility returns the symbol's visibility.
func (s Symbol) Visibility() SymVis { return SymVis(s.Other & 3) }

// Symbols returns the symbol table (the first SHT_SYMTAB section), entry 0
// (the null symbol) included: Symbols()[i] is the symbol relocations and
// other references call i. Names are substrings of one copy of the string
// table. A file without the table gives ErrNoSymbols.
func (f *File) Symbols() ([]Symbol, error) {
	syms, _, err := f.symbols(f.SectionByType(SHT_SYMTAB))
	return syms, err
}

// DynamicSymbols returns the dynamic symbol table (the first SHT_DYNSYM
// section) as Symbols does, with each symbol's GNU version.
func (f *File) DynamicSymbols() ([]Symbol, error) {
	syms, strs, err := f.symbols(f.SectionByType(SHT_DYNSYM))
	if err != nil {
		return nil, err
	}
	if err := f.versions(syms, strs); err != nil {
		return nil, err
	}
	return syms, nil
}

// symbols decodes the symbol table tab (nil: ErrNoSymbols), returning its
// string table too.
func (f *File) symbols(tab *Section) ([]Symbol, string, error) {
	if tab == nil {
		return nil, "", ErrNoSymbols
	}
	raw, err := f.SectionData(tab)
	if err != nil {
		return nil, "", fmt.Errorf("symbol table: %w", err)
	}
	if len(raw) == 0 {
		return nil, "", ErrNoSymbols
	}
	size := Sym64Size
	if f.Class == ELFCLASS32 {
		size = Sym32Size
	}
	if len(raw)%size != 0 {
		return nil, "", fmt.Errorf("symbol table %q: %d bytes is not a whole number of %d-byte symbols: %w", tab.Name, len(raw), size, ErrMalformed)
	}
	if tab.Link == 0 || uint64(tab.Link) >= uint64(len(f.Sections)) {
		return nil, "", fmt.Errorf("symbol table %q: string table link %d is not a section: %w", tab.Name, tab.Link, ErrMalformed)
	}
	strRaw, err := f.SectionData(&f.Sections[tab.Link])
	if err != nil {
		return nil, "", fmt.Errorf("symbol table %q: string table: %w", tab.Name, err)
	}
	strs := string(strRaw)
	bo := f.ByteOrder
	syms := make([]Symbol, len(raw)/size)
	for i := range syms {
		e := raw[i*size : (i+1)*size]
		s := &syms[i]
		if size == Sym64Size {
			s.Info, s.Other, s.Section = e[4], e[5], SectionIndex(bo.Uint16(e[6:]))
			s.Value, s.Size = bo.Uint64(e[8:]), bo.Uint64(e[16:])
		} else {
			s.Value, s.Size = uint64(bo.Uint32(e[4:])), uint64(bo.Uint32(e[8:]))
			s.Info, s.Other, s.Section = e[12], e[13], SectionIndex(bo.Uint16(e[14:]))
		}
		s.Name, _ = cString(strs, bo.Uint32(e)) // "" if out of range, as debug/elf
	}
	return syms, strs, nil
}

// version is a GNU symbol version: a definition (.gnu.version_d) or a
// version needed from a library (.gnu.version_r, with the library).
type version struct{ name, lib string }

// addVersion records version v of index i unless i has one already: the
// needs come first, then the definitions.
func addVersion(vers map[uint16]version, i uint16, v version) {
	if _, dup := vers[i]; !dup {
		vers[i] = v
	}
}

// versions sets the GNU versions of the dynamic symbols syms, whose
// string table is strs, from .gnu.version (one index per symbol) and the
// definitions and needs it refers to. A file without .gnu.version has none.
func (f *File) versions(syms []Symbol, strs string) error {
	vs := f.SectionByType(SHT_GNU_VERSYM)
	if vs == nil {
		return nil
	}
	versym, err := f.SectionData(vs)
	if err != nil {
		return fmt.Errorf("symbol versions: %w", err)
	}
	vers := make(map[uint16]version)
	if s := f.SectionByType(SHT_GNU_VERNEED); s != nil {
		if err := f.versionNeeds(s, strs, vers); err != nil {
			return err
		}
	}
	if s := f.SectionByType(SHT_GNU_VERDEF); s != nil {
		if err := f.versionDefs(s, strs, vers); err != nil {
			return err
		}
	}
	for i := range syms {
		if 2*i+2 > len(versym) {
			break
		}
		ndx := f.ByteOrder.Uint16(versym[2*i:]) & 0x7fff // bit 15: hidden
		if ndx <= 1 {
			continue // local, or the base version
		}
		if v, ok := vers[ndx]; ok {
			syms[i].Version, syms[i].Library = v.name, v.lib
		}
	}
	return nil
}

// versionDefs adds the version definitions of the SHT_GNU_VERDEF
// section s to vers: Elf_Verdef entries (vd_version, vd_flags, vd_ndx,
// vd_cnt, vd_hash, vd_aux, vd_next) whose first Elf_Verdaux (vda_name,
// vda_next) names the version.
func (f *File) versionDefs(s *Section, strs string, vers map[uint16]version) error {
	d, err := f.SectionData(s)
	if err != nil {
		return fmt.Errorf("version definitions: %w", err)
	}
	bo := f.ByteOrder
	for i := uint64(0); i+20 <= uint64(len(d)); {
		e := d[i:]
		if v := bo.Uint16(e); v != 1 {
			return fmt.Errorf("section %q: version definition at offset %d has version %d, want 1: %w", s.Name, i, v, ErrMalformed)
		}
		if bo.Uint16(e[6:]) == 0 {
			return fmt.Errorf("section %q: version definition at offset %d has no name: %w", s.Name, i, ErrMalformed)
		}
		var v version
		if aux := i + uint64(bo.Uint32(e[12:])); aux+8 <= uint64(len(d)) {
			v.name, _ = cString(strs, bo.Uint32(d[aux:]))
		}
		addVersion(vers, bo.Uint16(e[4:]), v)
		next := bo.Uint32(e[16:])
		if next == 0 {
			break
		}
		i += uint64(next)
	}
	return nil
}

// versionNeeds adds the versions the SHT_GNU_VERNEED section s needs to
// vers: Elf_Verneed entries (vn_version, vn_cnt, vn_file, vn_aux,
// vn_next), each with vn_cnt Elf_Vernaux (vna_hash, vna_flags, vna_other,
// vna_name, vna_next). Entries of a well-formed section do not overlap:
// more of them than 16-byte slots is refused (it would loop long).
func (f *File) versionNeeds(s *Section, strs string, vers map[uint16]version) error {
	d, err := f.SectionData(s)
	if err != nil {
		return fmt.Errorf("version needs: %w", err)
	}
	bo := f.ByteOrder
	entries := 0
	for i := uint64(0); i+16 <= uint64(len(d)); {
		e := d[i:]
		if v := bo.Uint16(e); v != 1 {
			return fmt.Errorf("section %q: version need at offset %d has version %d, want 1: %w", s.Name, i, v, ErrMalformed)
		}
		lib, _ := cString(strs, bo.Uint32(e[4:]))
		j := i + uint64(bo.Uint32(e[8:]))
		for c := bo.Uint16(e[2:]); c > 0 && j+16 <= uint64(len(d)); c-- {
			if entries++; entries > len(d)/16 {
				return fmt.Errorf("section %q: more version need entries than fit in its %d bytes: %w", s.Name, len(d), ErrMalformed)
			}
			a := d[j:]
			name, _ := cString(strs, bo.Uint32(a[8:]))
			addVersion(vers, bo.Uint16(a[6:]), version{name: name, lib: lib})
			next := bo.Uint32(a[12:])
			if next == 0 {
				break
			}
			j += uint64(next)
		}
		next := bo.Uint32(e[12:])
		if next == 0 {
			break
		}
		i += uint64(next)
	}
	return nil
}
