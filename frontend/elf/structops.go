// This file reads struct_ops maps: every variable of a ".struct_ops" or
// ".struct_ops.link" section (a "?" prefix: not created by default) is a
// BPF_MAP_TYPE_STRUCT_OPS map whose value is the variable's struct, as
// libbpf's init_struct_ops_maps reads them. The relocations of such a
// section set the struct's function pointers to programs (libbpf's
// bpf_object__collect_st_ops_relos); the data members keep the values the
// section holds.

package elf

import (
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// Section names of struct_ops maps.
const (
	structOpsSec     = ".struct_ops"
	structOpsLinkSec = ".struct_ops.link"
)

// structOpsSection reports whether a section name is one of struct_ops
// maps, whether its maps are registered through a BPF link, and whether
// they are created by default (no "?" prefix).
func structOpsSection(name string) (ok, link, autocreate bool) {
	autocreate = true
	if rest, cut := strings.CutPrefix(name, "?"); cut {
		name, autocreate = rest, false
	}
	switch name {
	case structOpsSec:
		return true, false, autocreate
	case structOpsLinkSec:
		return true, true, autocreate
	}
	return false, false, false
}

// structOpsLoc places a struct_ops map in its section, for the
// relocations that set its function pointers.
type structOpsLoc struct {
	m         *ir.Map
	off, size uint64
}

// readStructOps creates a map for every variable of the struct_ops
// sections and sets its function pointers from the sections' relocations.
// It runs after readCode: the relocations name programs. A struct_ops
// program's attach target is not its section's suffix (libbpf ignores
// it) but the "struct:member" it is set in, as cilium/ebpf names it (the
// last such member).
func (rd *reader) readStructOps() error {
	for _, p := range rd.obj.Programs {
		if p.Type == uapi.ProgTypeStructOps {
			p.AttachTo = ""
		}
	}
	for idx, s := range rd.f.Sections {
		ok, link, autocreate := structOpsSection(s.Name)
		if idx == 0 || !ok || s.Flags&elffile.SHF_EXECINSTR != 0 {
			continue
		}
		locs, err := rd.structOpsMaps(idx, link, autocreate)
		if err != nil {
			return fmt.Errorf("section %q: %w", s.Name, err)
		}
		err = rd.eachRelocation(idx, func(relSec string, n int, rel relocation) error {
			if err := rd.structOpsReloc(idx, locs, rel); err != nil {
				return fmt.Errorf("section %q: relocation %d at offset %d: %w", relSec, n, rel.Offset, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// structOpsMaps creates the maps of struct_ops section idx.
func (rd *reader) structOpsMaps(idx int, link, autocreate bool) ([]structOpsLoc, error) {
	syms := rd.dataSymbols(idx)
	if len(syms) == 0 {
		return nil, nil
	}
	sec := rd.section(idx)
	if rd.spec == nil {
		return nil, fmt.Errorf("struct_ops maps in an object without .BTF: %w", ErrBadBTF)
	}
	_, ds, err := rd.datasec(sec.Name)
	if err != nil {
		return nil, err
	}
	if ds == nil {
		return nil, fmt.Errorf("no DATASEC %s in BTF: %w", sec.Name, ErrBadBTF)
	}
	vars := make(map[string]btf.TypeID, len(ds.Vars))
	for _, v := range ds.Vars {
		if rd.spec.TypeKind(v.Type) == btf.KindVar {
			vars[rd.spec.TypeName(v.Type)] = v.Type
		}
	}
	raw, err := rd.sectionData(idx)
	if err != nil {
		return nil, err
	}
	var locs []structOpsLoc
	for _, s := range syms {
		where := func() string { return "map " + s.Name } // the errors' context
		vid, ok := vars[s.Name]
		if !ok {
			return nil, fmt.Errorf("%s: no VAR in BTF DATASEC %s: %w", where(), sec.Name, ErrBadBTF)
		}
		v, err := rd.spec.Type(vid)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", where(), err, ErrBadBTF)
		}
		sid, err := rd.spec.Skip(v.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", where(), err, ErrBadBTF)
		}
		st, err := rd.spec.Type(sid)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", where(), err, ErrBadBTF)
		}
		if st.Kind != btf.KindStruct {
			return nil, fmt.Errorf("%s: a %s, not a struct: %w", where(), st.Kind, ErrBadMap)
		}
		if st.Name == "" {
			return nil, fmt.Errorf("%s: an anonymous struct: the kernel type is found by the struct's name: %w", where(), ErrBadMap)
		}
		size := uint64(st.Size)
		if s.Value+size > sec.Size || s.Value+size < s.Value {
			return nil, fmt.Errorf("%s: struct %s [%d, +%d) crosses the end of the section (%d bytes): %w", where(), st.Name, s.Value, size, sec.Size, ErrBadMap)
		}
		members, err := rd.structOpsMembers(st)
		if err != nil {
			return nil, fmt.Errorf("%s: struct %s: %w", where(), st.Name, err)
		}
		data := make([]byte, size)
		if raw != nil { // SHT_NOBITS: all zero
			copy(data, raw[s.Value:s.Value+size])
		}
		m := &ir.Map{
			Name:         s.Name,
			Kind:         ir.MapStructOps,
			Section:      sec.Name,
			Type:         uapi.MapTypeStructOps,
			KeySize:      4,
			ValueSize:    uint32(size),
			MaxEntries:   1,
			ValueType:    sid,
			Data:         data,
			NoAutocreate: !autocreate,
			StructOps:    &ir.StructOps{Type: st.Name, Members: members},
		}
		if link {
			m.Flags = uapi.MapFlagLink
		}
		rd.addMap(idx, s.Value, m)
		locs = append(locs, structOpsLoc{m: m, off: s.Value, size: size})
	}
	return locs, nil
}

// structOpsMembers lists the members of a struct_ops struct.
func (rd *reader) structOpsMembers(st *btf.Type) ([]ir.StructOpsMember, error) {
	members := make([]ir.StructOpsMember, 0, len(st.Members))
	for _, mem := range st.Members {
		if mem.BitfieldSize != 0 || mem.BitOffset%8 != 0 {
			return nil, fmt.Errorf("member %s: bitfields are not supported in struct_ops maps: %w", mem.Name, ErrBadMap)
		}
		size, err := rd.spec.Sizeof(mem.Type)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w: %w", mem.Name, err, ErrBadBTF)
		}
		fn, err := rd.isFuncPtr(mem.Type)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w: %w", mem.Name, err, ErrBadBTF)
		}
		members = append(members, ir.StructOpsMember{Name: mem.Name, Offset: mem.BitOffset / 8, Size: size, Func: fn})
	}
	return members, nil
}

// isFuncPtr reports whether typ (modifiers and typedefs skipped) is a
// pointer to a function prototype.
func (rd *reader) isFuncPtr(typ btf.TypeID) (bool, error) {
	id, err := rd.spec.Skip(typ)
	if err != nil {
		return false, err
	}
	t, err := rd.spec.Type(id)
	if err != nil || t.Kind != btf.KindPtr {
		return false, err
	}
	id, err = rd.spec.Skip(t.Type)
	if err != nil {
		return false, err
	}
	return rd.spec.TypeKind(id) == btf.KindFuncProto, nil
}

// structOpsReloc sets the function pointer a relocation of struct_ops
// section idx points at to the program it names.
func (rd *reader) structOpsReloc(idx int, locs []structOpsLoc, rel relocation) error {
	var loc *structOpsLoc
	for i := range locs {
		if rel.Offset >= locs[i].off && rel.Offset-locs[i].off < locs[i].size {
			loc = &locs[i]
			break
		}
	}
	if loc == nil {
		return fmt.Errorf("not inside any struct_ops map: %w", ErrBadReloc)
	}
	m, so := loc.m, loc.m.StructOps
	moff := rel.Offset - loc.off
	var mem *ir.StructOpsMember
	for i := range so.Members {
		if uint64(so.Members[i].Offset) == moff {
			mem = &so.Members[i]
		}
	}
	if mem == nil {
		return fmt.Errorf("map %s: offset %d of struct %s is not at a member: %w", m.Name, moff, so.Type, ErrBadReloc)
	}
	where := func() string { return "map " + m.Name + ": member " + mem.Name } // the errors' context
	if !mem.Func {
		return fmt.Errorf("%s: not a function pointer: %w", where(), ErrBadReloc)
	}
	if rel.Type != elffile.R_BPF_64_ABS64 {
		return fmt.Errorf("%s: relocation type %d, want R_BPF_64_ABS64: %w", where(), rel.Type, ErrBadReloc)
	}
	if moff+8 > uint64(len(m.Data)) {
		return fmt.Errorf("%s: an 8-byte pointer at offset %d does not fit the %d-byte struct: %w", where(), moff, len(m.Data), ErrBadReloc)
	}
	sym, ok := rd.symbolAt(rel.Sym)
	if !ok {
		return fmt.Errorf("%s: symbol index %d out of range: %w", where(), rel.Sym, ErrBadReloc)
	}
	name := rd.symName(sym)
	if sym.Section == elffile.SHN_UNDEF && sym.Bind() != elffile.STB_LOCAL && name != "" {
		// A program of another object, which the merge pass finds
		// by name (libbpf's linker resolves the relocation).
		if !rd.externFunc(name) {
			return fmt.Errorf("%s: %q is undefined and the object's BTF has no extern function of that name: %w", where(), name, ErrBadReloc)
		}
		if rd.opsExterns == nil {
			rd.opsExterns = map[string]bool{}
		}
		rd.opsExterns[name] = true
		mem.Program, mem.Extern = name, true
		clear(m.Data[moff : moff+8])
		return nil
	}
	if sym.Section == elffile.SHN_UNDEF || sym.Section >= elffile.SHN_LORESERVE || !rd.isCode(int(sym.Section)) {
		return fmt.Errorf("%s: %q is not a function of this object: %w", where(), name, ErrBadReloc)
	}
	// A section symbol carries the function's offset as the implicit
	// addend stored in the pointer itself.
	off := sym.Value
	if sym.Type() == elffile.STT_SECTION {
		off += rd.order.Uint64(m.Data[moff:])
	}
	cs := rd.code[int(sym.Section)]
	var fn *ir.Function
	if cs != nil && off%ir.InsnSize == 0 {
		if f := cs.funcAt(int(off / ir.InsnSize)); f != nil && uint64(f.SectionOffset) == off/ir.InsnSize {
			fn = f
		}
	}
	if fn == nil {
		return fmt.Errorf("%s: %q (offset %d of section %q) is not the start of a function: %w", where(), name, off, rd.section(int(sym.Section)).Name, ErrMissingFunc)
	}
	if p := rd.obj.Program(fn.Name); p == nil || &p.Function != fn {
		return fmt.Errorf("%s: %s is a subprogram, not a program: %w", where(), fn.Name, ErrBadReloc)
	}
	mem.Program, mem.Extern = fn.Name, false
	if p := rd.obj.Program(fn.Name); p.Type == uapi.ProgTypeStructOps {
		p.AttachTo = so.Type + ":" + mem.Name
	}
	clear(m.Data[moff : moff+8])
	return nil
}

// externFunc reports whether the object's BTF has an extern FUNC called
// name: what clang writes for a function declared extern and set in a
// struct_ops map.
func (rd *reader) externFunc(name string) bool {
	if rd.spec == nil {
		return false
	}
	for _, id := range rd.spec.FindByNameKind(name, btf.KindFunc) {
		if t, err := rd.spec.Type(id); err == nil && t.Linkage == btf.LinkageExtern {
			return true
		}
	}
	return false
}
