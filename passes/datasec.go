// This file is the datasec pass. clang leaves the DATASECs of .BTF
// unsized and the offsets of their global VARs at zero; the pass fills them
// from the ELF section sizes and symbol table the frontend recorded
// (ir.Object.DataSections), as libbpf's btf_fixup_datasec does. It also
// prepares the extern-backing datasecs the way libbpf's
// bpf_object__collect_externs does: .kconfig externs are laid out in a
// .kconfig map (sorted by alignment, then size, then name) that the pass
// creates, and the .ksyms VARs and FUNCs are rewritten into a form the
// kernel accepts (4-byte int VARs, FUNCs with global linkage, a
// "dummy_ksym" VAR in the datasec for each kfunc).

package passes

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// Names of the extern-backing sections.
const (
	kconfigSec = ".kconfig"
	ksymsSec   = ".ksyms"
)

// Kernel constants the datasec pass needs (uapi/linux/bpf.h).
const (
	mapTypeArray    = 2       // BPF_MAP_TYPE_ARRAY
	mapFRdonlyProg  = 1 << 7  // BPF_F_RDONLY_PROG
	mapFMmapable    = 1 << 10 // BPF_F_MMAPABLE
	varGlobalAlloc  = 1       // BTF_VAR_GLOBAL_ALLOCATED
	dummyKsymName   = "dummy_ksym"
	ksymSlotSize    = 4 // each .ksyms entry becomes a 4-byte int
	maxKconfigAlign = 8
)

func runDatasec(ctx *Context, obj *ir.Object) error {
	spec := obj.BTF
	if spec == nil {
		if len(obj.Externs) > 0 {
			return fmt.Errorf("extern %s: externs need the object's BTF, and it has none: %w", obj.Externs[0].Name, ErrNotSupported)
		}
		return nil
	}
	var kconfigID, ksymsID btf.TypeID
	for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
		if spec.TypeKind(id) != btf.KindDatasec {
			continue
		}
		switch name := spec.TypeName(id); name {
		case kconfigSec:
			kconfigID = id
		case ksymsSec:
			ksymsID = id
		default:
			if err := fixDatasec(obj, id); err != nil {
				return fmt.Errorf("datasec %s: %w", name, err)
			}
		}
	}
	if err := layoutKconfig(obj, kconfigID); err != nil {
		return fmt.Errorf("datasec %s: %w", kconfigSec, err)
	}
	if err := fixKsyms(obj, ksymsID); err != nil {
		return fmt.Errorf("datasec %s: %w", ksymsSec, err)
	}
	return fixMmapable(obj)
}

// fixDatasec completes one ordinary DATASEC: its size and, when clang left
// the size zero, the offsets of its global VARs; hidden global VARs become
// static; the entries are sorted by offset.
func fixDatasec(obj *ir.Object, id btf.TypeID) error {
	spec := obj.BTF
	orig, err := spec.Type(id)
	if err != nil {
		return err
	}
	t := orig.Copy()
	sec := obj.DataSection(t.Name)
	fixOffsets := false
	if t.Size == 0 {
		if sec != nil {
			t.Size = sec.Size
		}
		if m, _ := obj.Map(t.Name); t.Size == 0 && m != nil && m.Kind == ir.MapData {
			t.Size = m.ValueSize
		}
		if t.Size == 0 {
			return fmt.Errorf("cannot determine the section size from the ELF file: %w", ErrNotFound)
		}
		fixOffsets = true
	}
	for i, vs := range t.Vars {
		vt, err := spec.Type(vs.Type)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		if vt.Kind != btf.KindVar {
			return fmt.Errorf("entry %d: %s %q is not a VAR: %w", i, vt.Kind, vt.Name, btf.ErrInvalid)
		}
		if vt.Linkage == btf.LinkageStatic || vt.Linkage == btf.LinkageExtern {
			// clang places static VARs itself; externs have no storage.
			continue
		}
		v, ok := findDataVar(obj, sec, vt.Name)
		if !ok {
			return fmt.Errorf("VAR %s: no ELF symbol for the variable: %w", vt.Name, ErrNotFound)
		}
		if fixOffsets {
			t.Vars[i].Offset = v.Offset
			if t.Vars[i].Size == 0 {
				t.Vars[i].Size = v.Size
			}
		}
		if v.Hidden {
			c := vt.Copy()
			c.Linkage = btf.LinkageStatic
			if err := spec.Set(vs.Type, c); err != nil {
				return fmt.Errorf("VAR %s: %w", vt.Name, err)
			}
		}
	}
	for _, vs := range t.Vars {
		if uint64(vs.Offset)+uint64(vs.Size) > uint64(t.Size) {
			return fmt.Errorf("VAR %s at offset %d size %d does not fit the %d-byte section: %w",
				spec.TypeName(vs.Type), vs.Offset, vs.Size, t.Size, btf.ErrInvalid)
		}
	}
	sortVars(t.Vars)
	return spec.Set(id, t)
}

// findDataVar looks a global variable up by name: in its own section
// first, then, as libbpf does, anywhere in the symbol table.
func findDataVar(obj *ir.Object, sec *ir.DataSection, name string) (ir.DataVar, bool) {
	if sec != nil {
		for _, v := range sec.Vars {
			if v.Name == name {
				return v, true
			}
		}
	}
	for _, s := range obj.DataSections {
		for _, v := range s.Vars {
			if v.Name == name {
				return v, true
			}
		}
	}
	return ir.DataVar{}, false
}

func sortVars(vs []btf.VarSecinfo) {
	slices.SortStableFunc(vs, func(a, b btf.VarSecinfo) int { return cmp.Compare(a.Offset, b.Offset) })
}

// kconfigEntry is a .kconfig extern with its size and alignment.
type kconfigEntry struct {
	ext         *ir.Extern
	size, align uint32
}

// layoutKconfig places every .kconfig extern in the .kconfig map, like
// libbpf: descending alignment, then ascending size, then name; each at
// the next offset aligned for it. It completes the .kconfig DATASEC and
// creates (or updates) the .kconfig map.
func layoutKconfig(obj *ir.Object, secID btf.TypeID) error {
	spec := obj.BTF
	var ents []kconfigEntry
	for _, e := range obj.Externs {
		if e.Kind != ir.ExternKconfig {
			continue
		}
		if e.TypeID == 0 || spec.TypeKind(e.TypeID) != btf.KindVar {
			return fmt.Errorf("extern %s: no BTF VAR for the extern (type %d): %w", e.Name, e.TypeID, btf.ErrInvalid)
		}
		vt, err := spec.Type(e.TypeID)
		if err != nil {
			return fmt.Errorf("extern %s: %w", e.Name, err)
		}
		size, err := spec.Sizeof(vt.Type)
		if err != nil {
			return fmt.Errorf("extern %s: %w", e.Name, err)
		}
		align, err := alignof(spec, vt.Type)
		if err != nil {
			return fmt.Errorf("extern %s: %w", e.Name, err)
		}
		ents = append(ents, kconfigEntry{e, size, align})
	}
	if len(ents) == 0 {
		return nil
	}
	if secID == 0 {
		return fmt.Errorf("extern %s: the object's BTF has no %s DATASEC: %w", ents[0].ext.Name, kconfigSec, btf.ErrInvalid)
	}
	slices.SortStableFunc(ents, func(a, b kconfigEntry) int {
		if a.align != b.align {
			return cmp.Compare(b.align, a.align)
		}
		if a.size != b.size {
			return cmp.Compare(a.size, b.size)
		}
		return strings.Compare(a.ext.Name, b.ext.Name)
	})
	var off uint32
	for _, k := range ents {
		off = (off + k.align - 1) / k.align * k.align
		k.ext.Offset, k.ext.Size = off, k.size
		off += k.size
	}

	orig, err := spec.Type(secID)
	if err != nil {
		return err
	}
	t := orig.Copy()
	t.Size = off
	for i, vs := range t.Vars {
		vt, err := spec.Type(vs.Type)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		e := obj.Extern(vt.Name)
		if vt.Kind != btf.KindVar || e == nil || e.Kind != ir.ExternKconfig {
			return fmt.Errorf("%s %s: no extern definition for it: %w", vt.Kind, vt.Name, ErrNotFound)
		}
		c := vt.Copy()
		c.Linkage = varGlobalAlloc
		if err := spec.Set(vs.Type, c); err != nil {
			return fmt.Errorf("VAR %s: %w", vt.Name, err)
		}
		t.Vars[i].Offset = e.Offset
		t.Vars[i].Size = e.Size
	}
	sortVars(t.Vars)
	if err := spec.Set(secID, t); err != nil {
		return err
	}

	m, _ := obj.Map(kconfigSec)
	if m == nil {
		m = &ir.Map{Name: kconfigSec}
		obj.Maps = append(obj.Maps, m)
	}
	m.Kind = ir.MapKconfig
	m.Section = kconfigSec
	m.Type = mapTypeArray
	m.KeySize = 4
	m.ValueSize = off
	m.MaxEntries = 1
	m.Flags = mapFRdonlyProg | mapFMmapable // every .kconfig VAR is now global
	m.ReadOnly = true
	m.ValueType = secID
	if m.Data != nil && uint32(len(m.Data)) != off {
		m.Data = nil
	}
	return nil
}

// alignof returns the alignment of type id as libbpf's btf__align_of
// computes it for 64-bit BPF.
func alignof(spec *btf.Spec, id btf.TypeID) (uint32, error) {
	for depth := 0; depth < 32; depth++ {
		t, err := spec.Type(id)
		if err != nil {
			return 0, err
		}
		switch t.Kind {
		case btf.KindInt, btf.KindEnum, btf.KindEnum64, btf.KindFloat:
			return max(1, min(t.Size, maxKconfigAlign)), nil
		case btf.KindPtr:
			return btf.PointerSize, nil
		case btf.KindTypedef, btf.KindVolatile, btf.KindConst, btf.KindRestrict, btf.KindTypeTag, btf.KindVar:
			id = t.Type
		case btf.KindArray:
			id = t.Array.Type
		case btf.KindStruct, btf.KindUnion:
			a := uint32(1)
			for _, m := range t.Members {
				ma, err := alignof(spec, m.Type)
				if err != nil {
					return 0, err
				}
				a = max(a, ma)
			}
			return a, nil
		default:
			return 0, fmt.Errorf("type %d: %s has no alignment: %w", id, t.Kind, btf.ErrInvalid)
		}
	}
	return 0, fmt.Errorf("type %d: reference chain too long: %w", id, btf.ErrInvalid)
}

// fixKsyms rewrites the .ksyms DATASEC as libbpf does, because the kernel
// rejects extern VARs and FUNCs: each VAR becomes a global allocated
// 4-byte int, each FUNC gets global linkage and its datasec entry points
// at a "dummy_ksym" int VAR; unnamed parameters of a kfunc's prototype get
// the name "dummy_ksym". Entries are 4 bytes apart. The declared types are
// kept in each Extern's LocalType first.
func fixKsyms(obj *ir.Object, secID btf.TypeID) error {
	spec := obj.BTF
	for _, e := range obj.Externs {
		if e.Kind != ir.ExternKsym && e.Kind != ir.ExternKfunc || e.LocalType != 0 || e.TypeID == 0 {
			continue
		}
		t, err := spec.Type(e.TypeID)
		if err != nil {
			return fmt.Errorf("extern %s: %w", e.Name, err)
		}
		local := t.Type
		if t.Kind == btf.KindVar {
			if local, err = spec.Skip(t.Type); err != nil {
				return fmt.Errorf("extern %s: %w", e.Name, err)
			}
		}
		e.LocalType = local
	}
	// Kfuncs declared without __ksym have an extern FUNC but no .ksyms
	// entry; the kernel refuses extern linkage wherever it is.
	for _, e := range obj.Externs {
		if e.Kind != ir.ExternKfunc || e.TypeID == 0 || spec.TypeKind(e.TypeID) != btf.KindFunc {
			continue
		}
		if err := globalizeFunc(spec, e.TypeID); err != nil {
			return fmt.Errorf("FUNC %s: %w", e.Name, err)
		}
	}
	if secID == 0 {
		return nil
	}
	orig, err := spec.Type(secID)
	if err != nil {
		return err
	}
	if len(orig.Vars) == 0 {
		return nil
	}
	sec := orig.Copy()
	intID, err := findInt32(spec)
	if err != nil {
		return err
	}
	var dummy btf.TypeID
	for i, vs := range sec.Vars {
		vt, err := spec.Type(vs.Type)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		e := obj.Extern(vt.Name)
		if e == nil || (e.Kind != ir.ExternKsym && e.Kind != ir.ExternKfunc) {
			return fmt.Errorf("%s %s: no extern definition for it: %w", vt.Kind, vt.Name, ErrNotFound)
		}
		switch vt.Kind {
		case btf.KindFunc:
			if dummy == 0 {
				dummy = spec.Add(btf.Type{Kind: btf.KindVar, Name: dummyKsymName, Type: intID, Linkage: varGlobalAlloc})
			}
			if err := globalizeFunc(spec, vs.Type); err != nil {
				return fmt.Errorf("FUNC %s: %w", vt.Name, err)
			}
			sec.Vars[i].Type = dummy
		case btf.KindVar:
			vc := vt.Copy()
			vc.Linkage = varGlobalAlloc
			vc.Type = intID
			if err := spec.Set(vs.Type, vc); err != nil {
				return fmt.Errorf("VAR %s: %w", vt.Name, err)
			}
		default:
			return fmt.Errorf("entry %d: %s %s is neither VAR nor FUNC: %w", i, vt.Kind, vt.Name, btf.ErrInvalid)
		}
		sec.Vars[i].Offset = uint32(i * ksymSlotSize)
		sec.Vars[i].Size = ksymSlotSize
	}
	sec.Size = uint32(len(sec.Vars) * ksymSlotSize)
	return spec.Set(secID, sec)
}

// globalizeFunc gives the FUNC id of a kfunc global linkage and names the
// unnamed parameters of its prototype "dummy_ksym", as the kernel wants.
func globalizeFunc(spec *btf.Spec, id btf.TypeID) error {
	ft, err := spec.Type(id)
	if err != nil {
		return err
	}
	proto, err := spec.Type(ft.Type)
	if err != nil {
		return err
	}
	if proto.Kind == btf.KindFuncProto && slices.ContainsFunc(proto.Params, func(p btf.Param) bool { return p.Type != 0 && p.Name == "" }) {
		pc := proto.Copy()
		for j := range pc.Params {
			if pc.Params[j].Type != 0 && pc.Params[j].Name == "" {
				pc.Params[j].Name = dummyKsymName
			}
		}
		if err := spec.Set(ft.Type, pc); err != nil {
			return err
		}
	}
	fc := ft.Copy()
	fc.Linkage = btf.LinkageGlobal
	return spec.Set(id, fc)
}

// findInt32 returns the first 32-bit INT of spec (libbpf's
// find_int_btf_id), adding an "int" if there is none.
func findInt32(spec *btf.Spec) (btf.TypeID, error) {
	for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
		if spec.TypeKind(id) != btf.KindInt {
			continue
		}
		t, err := spec.Type(id)
		if err != nil {
			return 0, err
		}
		if t.IntBits == 32 {
			return id, nil
		}
	}
	return spec.Add(btf.Type{Kind: btf.KindInt, Name: "int", Size: 4, IntBits: 32, IntEncoding: btf.IntSigned}), nil
}

// fixMmapable sets BPF_F_MMAPABLE on global data maps exactly when their
// DATASEC has a non-static VAR, as libbpf's map_is_mmapable decides once
// hidden variables have been made static.
func fixMmapable(obj *ir.Object) error {
	for _, m := range obj.Maps {
		if m.Kind != ir.MapData {
			continue
		}
		mmapable := false
		if m.ValueType != 0 && obj.BTF.TypeKind(m.ValueType) == btf.KindDatasec {
			t, err := obj.BTF.Type(m.ValueType)
			if err != nil {
				return fmt.Errorf("map %s: %w", m.Name, err)
			}
			for _, vs := range t.Vars {
				if obj.BTF.TypeKind(vs.Type) != btf.KindVar {
					continue
				}
				vt, err := obj.BTF.Type(vs.Type)
				if err != nil {
					return fmt.Errorf("map %s: %w", m.Name, err)
				}
				if vt.Linkage != btf.LinkageStatic {
					mmapable = true
					break
				}
			}
		}
		if mmapable {
			m.Flags |= mapFMmapable
		} else {
			m.Flags &^= mapFMmapable
		}
	}
	return nil
}
