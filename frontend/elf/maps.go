// This file decodes map definitions: BTF-defined maps in ".maps" (the
// __uint/__type/__array convention of libbpf's bpf_helpers.h, with inner
// map templates and `.values` initial slots taken from the relocations of
// ".maps"), and legacy struct bpf_map_def records in "maps".

package elf

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// Legacy struct bpf_map_def: five u32 fields.
const (
	legacyMapMinSize = 16 // type, key_size, value_size, max_entries
	legacyMapSize    = 20 // ... map_flags
)

// btfMapLoc places a BTF-defined map in .maps, for its .values slots.
type btfMapLoc struct {
	m         *ir.Map
	off, size uint64
	valuesOff int64 // byte offset of the "values" member, -1 if none
}

// dataSymbols returns the named non-section symbols defined in section idx,
// sorted by offset.
func (rd *reader) dataSymbols(idx int) []*symbol {
	var syms []*symbol
	for k := 1; k < len(rd.syms); k++ {
		s := &rd.syms[k]
		if int(s.Section) != idx || s.Name == "" {
			continue
		}
		switch s.Type() {
		case elffile.STT_SECTION, elffile.STT_FILE, elffile.STT_FUNC:
			continue
		}
		syms = append(syms, s)
	}
	slices.SortStableFunc(syms, byValue)
	return syms
}

// addMap records a map defined at offset off of section idx.
func (rd *reader) addMap(idx int, off uint64, m *ir.Map) {
	at := rd.mapAt[idx]
	if at == nil {
		at = make(map[uint64]*ir.Map)
		rd.mapAt[idx] = at
	}
	at[off] = m
	m.Offset = uint32(off)
	rd.obj.Maps = append(rd.obj.Maps, m)
}

// isLegacyMaps reports whether section i holds legacy struct bpf_map_def
// records: a data section called "maps" or, as cilium/ebpf reads them,
// "maps" followed by anything ("maps/xdp", as iproute2-era objects name
// theirs).
func (rd *reader) isLegacyMaps(i int) bool {
	s := rd.section(i)
	return s != nil && strings.HasPrefix(s.Name, "maps") && s.Flags&elffile.SHF_EXECINSTR == 0 && s.Type != elffile.SHT_REL && s.Type != elffile.SHT_RELA
}

// readLegacyMaps decodes the legacy map sections.
func (rd *reader) readLegacyMaps() error {
	for idx := range rd.f.Sections {
		if rd.isLegacyMaps(idx) {
			if err := rd.readLegacyMapSection(idx); err != nil {
				return err
			}
		}
	}
	return nil
}

// readLegacyMapSection decodes one legacy map section.
func (rd *reader) readLegacyMapSection(idx int) error {
	secName := rd.section(idx).Name
	raw, err := rd.sectionData(idx)
	if err != nil {
		return err
	}
	syms := rd.dataSymbols(idx)
	for _, s := range syms {
		size := s.Size
		if size == 0 {
			size = uint64(len(raw)) / uint64(len(syms))
		}
		// The errors' context, formatted only for an error.
		where := func() string { return fmt.Sprintf("section %q: map %s", secName, s.Name) }
		if size < legacyMapMinSize {
			return fmt.Errorf("%s: %d-byte definition, need at least %d: %w", where(), size, legacyMapMinSize, ErrBadMap)
		}
		if s.Value+size > uint64(len(raw)) || s.Value+size < s.Value {
			return fmt.Errorf("%s: [%d, +%d) crosses the end of the section (%d bytes): %w", where(), s.Value, size, len(raw), ErrBadMap)
		}
		def := raw[s.Value : s.Value+size]
		m := &ir.Map{
			Name:       s.Name,
			Kind:       ir.MapLegacy,
			Section:    secName,
			Type:       uapi.MapType(rd.order.Uint32(def[0:])),
			KeySize:    rd.order.Uint32(def[4:]),
			ValueSize:  rd.order.Uint32(def[8:]),
			MaxEntries: rd.order.Uint32(def[12:]),
		}
		if size >= legacyMapSize {
			m.Flags = uapi.MapFlags(rd.order.Uint32(def[16:]))
		}
		for i := legacyMapSize; i < len(def); i++ {
			if def[i] != 0 {
				return fmt.Errorf("%s: non-zero bytes after map_flags (offset %d) in a %d-byte definition: unknown fields: %w", where(), i, size, ErrBadMap)
			}
		}
		rd.addMap(idx, s.Value, m)
	}
	return nil
}

// readBTFMaps decodes the ".maps" section.
func (rd *reader) readBTFMaps() error {
	idx := rd.sectionIndex(".maps")
	if idx < 0 {
		return nil
	}
	syms := rd.dataSymbols(idx)
	if len(syms) == 0 {
		return nil
	}
	if rd.spec == nil {
		return fmt.Errorf("section \".maps\": BTF-defined maps in an object without .BTF: %w", ErrBadBTF)
	}
	_, ds, err := rd.datasec(".maps")
	if err != nil {
		return err
	}
	if ds == nil {
		return fmt.Errorf("section \".maps\": no DATASEC .maps in BTF: %w", ErrBadBTF)
	}
	vars := make(map[string]btf.TypeID, len(ds.Vars))
	for _, v := range ds.Vars {
		if rd.spec.TypeKind(v.Type) == btf.KindVar {
			vars[rd.spec.TypeName(v.Type)] = v.Type
		}
	}
	secSize := rd.section(idx).Size
	end := uint64(0)
	for _, s := range syms {
		where := func() string { return "section \".maps\": map " + s.Name }
		if s.Value+s.Size > secSize || s.Value+s.Size < s.Value {
			return fmt.Errorf("%s: [%d, +%d) crosses the end of the section (%d bytes): %w", where(), s.Value, s.Size, secSize, ErrBadMap)
		}
		if s.Value < end {
			return fmt.Errorf("%s: at offset %d overlaps the map before: %w", where(), s.Value, ErrBadMap)
		}
		end = s.Value + s.Size
		vid, ok := vars[s.Name]
		if !ok {
			return fmt.Errorf("%s: no VAR in BTF DATASEC .maps: %w", where(), ErrBadBTF)
		}
		v, err := rd.spec.Type(vid)
		if err != nil {
			return fmt.Errorf("%s: %w: %w", where(), err, ErrBadBTF)
		}
		m, valuesOff, err := rd.mapDef(s.Name, v.Type, true)
		if err != nil {
			return fmt.Errorf("section \".maps\": %w", err)
		}
		m.Section = ".maps"
		rd.addMap(idx, s.Value, m)
		rd.btfMaps = append(rd.btfMaps, btfMapLoc{m: m, off: s.Value, size: s.Size, valuesOff: valuesOff})
	}
	return nil
}

// mapDef decodes the struct describing map name (after modifiers and
// typedefs). outer is false for an inner map template. It returns the
// byte offset of the "values" member, -1 if there is none.
func (rd *reader) mapDef(name string, typ btf.TypeID, outer bool) (*ir.Map, int64, error) {
	bad := func(format string, args ...any) (*ir.Map, int64, error) {
		return nil, -1, fmt.Errorf("map %s: %s: %w", name, fmt.Sprintf(format, args...), ErrBadMap)
	}
	sid, err := rd.spec.Skip(typ)
	if err != nil {
		return nil, -1, fmt.Errorf("map %s: %w: %w", name, err, ErrBadBTF)
	}
	st, err := rd.spec.Type(sid)
	if err != nil {
		return nil, -1, fmt.Errorf("map %s: %w: %w", name, err, ErrBadBTF)
	}
	if st.Kind != btf.KindStruct {
		return bad("definition is a %s, not a struct", st.Kind)
	}
	m := &ir.Map{Name: name, Kind: ir.MapBTF}
	valuesOff := int64(-1)
	var keySize, valueSize uint32
	for i, mem := range st.Members {
		switch mem.Name {
		case "type", "max_entries", "map_flags", "numa_node", "key_size", "value_size", "pinning":
			n, err := rd.intField(mem)
			if err != nil {
				return bad("%s: %v", mem.Name, err)
			}
			switch mem.Name {
			case "type":
				m.Type = uapi.MapType(n)
			case "max_entries":
				m.MaxEntries = n
			case "map_flags":
				m.Flags = uapi.MapFlags(n)
			case "numa_node":
				m.NumaNode = n
			case "key_size":
				if keySize != 0 && keySize != n {
					return bad("conflicting key size %d != %d", keySize, n)
				}
				keySize = n
			case "value_size":
				if valueSize != 0 && valueSize != n {
					return bad("conflicting value size %d != %d", valueSize, n)
				}
				valueSize = n
			case "pinning":
				if !outer {
					return bad("an inner map cannot be pinned")
				}
				if n > 1 {
					return bad("invalid pinning value %d", n)
				}
				m.Pinning = n
			}
		case "map_extra":
			n, err := rd.longField(mem)
			if err != nil {
				return bad("map_extra: %v", err)
			}
			m.MapExtra = n
		case "key", "value":
			t, err := rd.spec.Type(mem.Type)
			if err != nil {
				return nil, -1, fmt.Errorf("map %s: %s: %w: %w", name, mem.Name, err, ErrBadBTF)
			}
			if t.Kind != btf.KindPtr {
				return bad("%s spec is a %s, not a pointer", mem.Name, t.Kind)
			}
			sz, err := rd.spec.Sizeof(t.Type)
			if err != nil {
				return bad("cannot size %s type %d: %v", mem.Name, t.Type, err)
			}
			cur := &keySize
			if mem.Name == "value" {
				cur = &valueSize
				m.ValueType = t.Type
			} else {
				m.KeyType = t.Type
			}
			if *cur != 0 && *cur != sz {
				return bad("conflicting %s size %d != %d", mem.Name, *cur, sz)
			}
			*cur = sz
		case "values":
			if !outer {
				return bad("multi-level inner maps are not supported")
			}
			if i != len(st.Members)-1 {
				return bad("'values' must be the last member")
			}
			mt := m.Type
			mapInMap := mt == uapi.MapTypeArrayOfMaps || mt == uapi.MapTypeHashOfMaps
			if !mapInMap && mt != uapi.MapTypeProgArray {
				return bad("'values' in a %v map: only maps of maps and prog arrays take it", mt)
			}
			if valueSize != 0 && valueSize != 4 {
				return bad("conflicting value size %d != 4", valueSize)
			}
			valueSize = 4
			inner, err := rd.valuesType(name, mem.Type, mapInMap)
			if err != nil {
				return nil, -1, err
			}
			if inner != 0 {
				im, _, err := rd.mapDef(name+".inner", inner, false)
				if err != nil {
					return nil, -1, err
				}
				m.Inner = im
			}
			if mem.BitOffset%8 != 0 {
				return bad("'values' at bit offset %d", mem.BitOffset)
			}
			valuesOff = int64(mem.BitOffset / 8)
		default:
			// libbpf ignores unknown members outside strict mode.
		}
	}
	m.KeySize, m.ValueSize = keySize, valueSize
	return m, valuesOff, nil
}

// valuesType checks the type of a "values" member, a zero-length array of
// pointers, and returns the inner map struct for maps of maps.
func (rd *reader) valuesType(name string, typ btf.TypeID, mapInMap bool) (btf.TypeID, error) {
	bad := func(format string, args ...any) (btf.TypeID, error) {
		return 0, fmt.Errorf("map %s: values: %s: %w", name, fmt.Sprintf(format, args...), ErrBadMap)
	}
	t, err := rd.spec.Type(typ)
	if err != nil {
		return 0, fmt.Errorf("map %s: values: %w: %w", name, err, ErrBadBTF)
	}
	if t.Kind != btf.KindArray || t.Array.Nelems != 0 {
		return bad("not a zero-sized array")
	}
	pid, err := rd.spec.Skip(t.Array.Type)
	if err != nil {
		return 0, fmt.Errorf("map %s: values: %w: %w", name, err, ErrBadBTF)
	}
	p, err := rd.spec.Type(pid)
	if err != nil {
		return 0, fmt.Errorf("map %s: values: %w: %w", name, err, ErrBadBTF)
	}
	if p.Kind != btf.KindPtr {
		return bad("element is a %s, not a pointer", p.Kind)
	}
	eid, err := rd.spec.Skip(p.Type)
	if err != nil {
		return 0, fmt.Errorf("map %s: values: %w: %w", name, err, ErrBadBTF)
	}
	k := rd.spec.TypeKind(eid)
	if !mapInMap {
		if k != btf.KindFuncProto {
			return bad("prog array element points to a %s, not a function", k)
		}
		return 0, nil
	}
	if k != btf.KindStruct {
		return bad("inner map definition is a %s, not a struct", k)
	}
	return eid, nil
}

// memberType returns the type of a map definition member, typedefs and
// modifiers skipped.
func (rd *reader) memberType(mem btf.Member) (*btf.Type, error) {
	id, err := rd.spec.Skip(mem.Type)
	if err != nil {
		return nil, err
	}
	return rd.spec.Type(id)
}

// intField decodes __uint(name, N): a pointer to an array of N elements.
func (rd *reader) intField(mem btf.Member) (uint32, error) {
	t, err := rd.memberType(mem)
	if err != nil {
		return 0, err
	}
	return rd.arrayPtrLen(t)
}

// arrayPtrLen returns N for t, a pointer to an array of N elements.
func (rd *reader) arrayPtrLen(t *btf.Type) (uint32, error) {
	if t.Kind != btf.KindPtr {
		return 0, fmt.Errorf("expected a pointer, got %s", t.Kind)
	}
	a, err := rd.spec.Type(t.Type)
	if err != nil {
		return 0, err
	}
	if a.Kind != btf.KindArray {
		return 0, fmt.Errorf("expected a pointer to an array, got a pointer to %s", a.Kind)
	}
	return a.Array.Nelems, nil
}

// longField decodes a 64-bit field: __uint (pointer to array) or __ulong
// (an enum with one value).
func (rd *reader) longField(mem btf.Member) (uint64, error) {
	t, err := rd.memberType(mem)
	if err != nil {
		return 0, err
	}
	switch t.Kind {
	case btf.KindPtr:
		n, err := rd.arrayPtrLen(t)
		return uint64(n), err
	case btf.KindEnum, btf.KindEnum64:
		if len(t.Enums) != 1 {
			return 0, fmt.Errorf("__ulong enum with %d values, want 1", len(t.Enums))
		}
		v := uint64(t.Enums[0].Value)
		if t.Kind == btf.KindEnum {
			v = uint64(uint32(v))
		}
		return v, nil
	}
	return 0, fmt.Errorf("expected a pointer or an enum, got %s", t.Kind)
}

// readMapSlots turns the relocations of .maps (the `.values = { ... }`
// initialisers of prog arrays and maps of maps) into Map.Slots.
func (rd *reader) readMapSlots() error {
	idx := rd.sectionIndex(".maps")
	if idx < 0 {
		return nil
	}
	if err := rd.eachRelocation(idx, rd.mapSlot); err != nil {
		return err
	}
	for _, l := range rd.btfMaps {
		slices.SortStableFunc(l.m.Slots, func(a, b ir.MapSlot) int { return cmp.Compare(a.Index, b.Index) })
	}
	return nil
}

func (rd *reader) mapSlot(relSec string, n int, rel relocation) error {
	// The errors' context, formatted only for an error.
	var mapName string
	where := func() string {
		w := fmt.Sprintf("section %q: relocation %d at offset %d", relSec, n, rel.Offset)
		if mapName != "" {
			w += ": map " + mapName
		}
		return w
	}
	var loc *btfMapLoc
	for i := range rd.btfMaps {
		l := &rd.btfMaps[i]
		if rel.Offset >= l.off && rel.Offset < l.off+l.size {
			loc = l
			break
		}
	}
	if loc == nil {
		return fmt.Errorf("%s: not inside any map definition: %w", where(), ErrBadReloc)
	}
	mapName = loc.m.Name
	if rel.Type != elffile.R_BPF_64_ABS64 && rel.Type != elffile.R_BPF_64_64 {
		return fmt.Errorf("%s: relocation type %d, want R_BPF_64_ABS64: %w", where(), rel.Type, ErrBadReloc)
	}
	if loc.valuesOff < 0 || int64(rel.Offset-loc.off) < loc.valuesOff || (int64(rel.Offset-loc.off)-loc.valuesOff)%8 != 0 {
		return fmt.Errorf("%s: not at an element of 'values': %w", where(), ErrBadReloc)
	}
	slot := uint64(int64(rel.Offset-loc.off)-loc.valuesOff) / 8
	if loc.m.MaxEntries != 0 && slot >= uint64(loc.m.MaxEntries) {
		return fmt.Errorf("%s: slot %d beyond max_entries %d: %w", where(), slot, loc.m.MaxEntries, ErrBadMap)
	}
	sym, ok := rd.symbolAt(rel.Sym)
	if !ok {
		return fmt.Errorf("%s: symbol index %d out of range: %w", where(), rel.Sym, ErrBadReloc)
	}
	var target string
	if uapi.MapType(loc.m.Type) == uapi.MapTypeProgArray {
		fn := rd.funcBySymbol(sym)
		if fn == nil || rd.obj.Program(fn.Name) == nil {
			return fmt.Errorf("%s: slot %d: %q is not a program: %w", where(), slot, rd.symName(sym), ErrBadReloc)
		}
		target = fn.Name
	} else {
		m := rd.mapAt[int(sym.Section)][sym.Value]
		if m == nil || sym.Section == elffile.SHN_UNDEF {
			return fmt.Errorf("%s: slot %d: %q is not a map: %w", where(), slot, rd.symName(sym), ErrBadReloc)
		}
		target = m.Name
	}
	loc.m.Slots = append(loc.m.Slots, ir.MapSlot{Index: uint32(slot), Target: target})
	return nil
}

// funcBySymbol returns the function a symbol names (a function symbol, or
// a section symbol at the start of one), or nil.
func (rd *reader) funcBySymbol(sym *symbol) *ir.Function {
	cs := rd.code[int(sym.Section)]
	if cs == nil || sym.Value%ir.InsnSize != 0 {
		return nil
	}
	fn := cs.funcAt(int(sym.Value / ir.InsnSize))
	if fn == nil || fn.SectionOffset != int(sym.Value/ir.InsnSize) {
		return nil
	}
	return fn
}
