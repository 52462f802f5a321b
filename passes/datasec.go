// This file is the datasec pass. clang leaves the DATASECs of .BTF
// unsized and the offsets of their global VARs at zero; the pass fills them
// from the ELF section sizes and symbol table the frontend recorded
// (ir.Object.DataSections), as libbpf's btf_fixup_datasec does. It also
// prepares the extern-backing datasecs the way libbpf's
// bpf_object__collect_externs does: .kconfig externs are laid out in a
// .kconfig map that the pass creates (layoutKconfig, in kconfig.go), and
// the .ksyms VARs and FUNCs are rewritten into a form the kernel accepts
// (4-byte int VARs, FUNCs with global linkage, a "dummy_ksym" VAR in the
// datasec for each kfunc). Last, as libbpf's
// bpf_object__sanitize_and_load_btf does, it gives the BTF FUNC of every
// hidden global subprogram (ir.Function.Hidden) static linkage, so that
// the verifier checks the function with its callers' context.

package passes

import (
	"cmp"
	"fmt"
	"slices"

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
	mapTypeArray   = 2       // BPF_MAP_TYPE_ARRAY
	mapFRdonlyProg = 1 << 7  // BPF_F_RDONLY_PROG
	mapFMmapable   = 1 << 10 // BPF_F_MMAPABLE
	varGlobalAlloc = 1       // BTF_VAR_GLOBAL_ALLOCATED
	dummyKsymName  = "dummy_ksym"
	ksymSlotSize   = 4 // each .ksyms entry becomes a 4-byte int
)

func runDatasec(ctx *Context, obj *ir.Object) error {
	spec := obj.BTF
	if spec == nil {
		for _, e := range obj.Externs {
			if e.Kind != ir.ExternConst {
				return fmt.Errorf("extern %s: %s externs need the object's BTF, and it has none: %w", e.Name, e.Kind, ErrNotSupported)
			}
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
	if err := staticHidden(obj); err != nil {
		return err
	}
	return fixMmapable(obj)
}

// staticHidden gives static linkage to the BTF FUNC of each global
// subprogram of hidden (or internal) visibility, as libbpf does: the first
// FUNC of that name with global linkage. The verifier then checks such a
// function as part of each caller, knowing what the caller passes it,
// instead of alone with arguments it must assume to be anything (a pointer
// possibly NULL). Programs keep their linkage.
func staticHidden(obj *ir.Object) error {
	spec := obj.BTF
	for _, f := range obj.Subprogs {
		if !f.Global || !f.Hidden {
			continue
		}
		for _, id := range spec.FindByNameKind(f.Name, btf.KindFunc) {
			t, err := spec.Type(id)
			if err != nil {
				return fmt.Errorf("subprog %s: %w", f.Name, err)
			}
			if t.Linkage != btf.LinkageGlobal {
				continue
			}
			c := t.Copy()
			c.Linkage = btf.LinkageStatic
			if err := spec.Set(id, c); err != nil {
				return fmt.Errorf("subprog %s: FUNC %d: %w", f.Name, id, err)
			}
			break
		}
	}
	return nil
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
