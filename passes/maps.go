// This file is the maps pass: it patches every instruction that refers to
// a map, to global data, to a kernel variable (ksym) or to a kernel
// function (kfunc). Maps are referenced by fd_array index, never by fd:
// both backends pass fd_array = the map fds in Object.Maps order (then the
// module BTF fds of Object.ModuleSlots), so the instructions bpfc produces
// are the same on every machine and every load. ksyms and kfuncs take the
// values the externs pass resolved; externs it deferred leave their
// instructions for the loader to patch.

package passes

import (
	"fmt"
	"slices"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

func runMaps(ctx *Context, obj *ir.Object) error {
	for _, p := range obj.Programs {
		if err := patchMapRefs(obj, "program", p.Name, &p.Code); err != nil {
			return err
		}
	}
	for _, f := range obj.Subprogs {
		if err := patchMapRefs(obj, "subprog", f.Name, &f.Code); err != nil {
			return err
		}
	}
	return nil
}

// patchMapRefs patches the pending map, map value, ksym and kfunc
// references of one piece of code; unit ("program", "subprog") and name
// name it in errors.
func patchMapRefs(obj *ir.Object, unit, name string, code *ir.Code) error {
	insns := code.Insns
	for _, r := range code.Relocs {
		if r.State != ir.Pending {
			continue
		}
		var err error
		switch r.Kind {
		case ir.RelocMap, ir.RelocMapValue:
			err = patchMap(obj, insns, r)
		case ir.RelocKsym:
			err = patchKsym(obj, insns, r)
		case ir.RelocKfunc:
			err = patchKfunc(obj, insns, r)
		case ir.RelocConst:
			err = patchConst(obj, insns, r)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("%s %s: insn %d: %w", unit, name, r.Insn, err)
		}
	}
	return nil
}

// isLdImm64 reports whether slot i starts a complete ld_imm64.
func isLdImm64(insns []ir.Insn, i int) bool {
	return i >= 0 && i+1 < len(insns) && insns[i].IsLdImm64()
}

func patchMap(obj *ir.Object, insns []ir.Insn, r *ir.Reloc) error {
	m, idx := obj.Map(r.Symbol)
	if m == nil {
		return fmt.Errorf("reference to map %s, which is not among the object's maps: %w", r.Symbol, ErrNotFound)
	}
	if !isLdImm64(insns, r.Insn) {
		return fmt.Errorf("%s reference to map %s: instruction is not a ld_imm64", r.Kind, r.Symbol)
	}
	in, in2 := &insns[r.Insn], &insns[r.Insn+1]
	in.Imm = int32(idx)
	if r.Kind == ir.RelocMap {
		in.Src = ir.PseudoMapIdx
		in2.Imm = 0
	} else {
		if r.Offset < 0 || r.Offset >= int64(m.ValueSize) {
			return fmt.Errorf("%s reference to map %s: offset %d outside the %d-byte value", r.Kind, r.Symbol, r.Offset, m.ValueSize)
		}
		in.Src = ir.PseudoMapIdxValue
		in2.Imm = int32(r.Offset)
		r.Note = varAt(obj, m, uint32(r.Offset))
	}
	r.State = ir.Resolved
	r.MapIndex = idx
	return nil
}

// externFor returns the extern a ksym or kfunc record refers to, or an
// error when it is missing or the externs pass has not handled it.
func externFor(obj *ir.Object, r *ir.Reloc) (*ir.Extern, int, error) {
	for i, e := range obj.Externs {
		if e.Name != r.Symbol {
			continue
		}
		if e.State == ir.Pending {
			return nil, 0, fmt.Errorf("%s reference to extern %s, which the externs pass has not resolved: %w", r.Kind, e.Name, ErrNotSupported)
		}
		return e, i, nil
	}
	return nil, 0, fmt.Errorf("%s reference to unknown extern %s: %w", r.Kind, r.Symbol, ErrNotFound)
}

// patchConst writes a constant extern's value plus the addend into its
// ld_imm64, as a plain 64-bit immediate.
func patchConst(obj *ir.Object, insns []ir.Insn, r *ir.Reloc) error {
	e, _, err := externFor(obj, r)
	if err != nil {
		return err
	}
	if !isLdImm64(insns, r.Insn) {
		return fmt.Errorf("constant %s: instruction is not a ld_imm64", e.Name)
	}
	v := e.Const + uint64(r.Offset)
	insns[r.Insn].Src = 0
	ir.SetImm64(insns, r.Insn, v)
	r.State = ir.Resolved
	r.Note = fmt.Sprintf("= %#x", v)
	return nil
}

func patchKsym(obj *ir.Object, insns []ir.Insn, r *ir.Reloc) error {
	e, _, err := externFor(obj, r)
	if err != nil {
		return err
	}
	if !isLdImm64(insns, r.Insn) {
		return fmt.Errorf("ksym %s: instruction is not a ld_imm64", e.Name)
	}
	in := &insns[r.Insn]
	switch {
	case e.State == ir.Deferred:
		r.State = ir.Deferred
		r.Note = "ksym resolved at load time"
		return nil
	case e.Missing:
		in.Src = 0
		ir.SetImm64(insns, r.Insn, 0)
		r.Note = "weak ksym not found: 0"
	case e.Typed && e.BTFModule != "":
		// BPF_PSEUDO_BTF_ID takes the module BTF as an fd in the second
		// slot, not as an fd_array index: only the loader can fill it in.
		in.Src = ir.PseudoBTFID
		in.Imm = int32(e.BTFID)
		insns[r.Insn+1].Imm = 0
		r.State = ir.Deferred
		r.Note = fmt.Sprintf("btf_id %d in module %s: BTF fd patched at load time", e.BTFID, e.BTFModule)
		return nil
	case e.Typed:
		in.Src = ir.PseudoBTFID
		in.Imm = int32(e.BTFID)
		insns[r.Insn+1].Imm = 0
		r.Note = fmt.Sprintf("btf_id %d in vmlinux", e.BTFID)
	default:
		in.Src = 0
		ir.SetImm64(insns, r.Insn, e.Addr)
		r.Note = fmt.Sprintf("address %#x", e.Addr)
	}
	r.State = ir.Resolved
	return nil
}

func patchKfunc(obj *ir.Object, insns []ir.Insn, r *ir.Reloc) error {
	e, idx, err := externFor(obj, r)
	if err != nil {
		return err
	}
	if r.Insn < 0 || r.Insn >= len(insns) || !insns[r.Insn].IsCall() {
		return fmt.Errorf("kfunc %s: instruction is not a call", e.Name)
	}
	in := &insns[r.Insn]
	switch {
	case e.State == ir.Deferred:
		r.State = ir.Deferred
		r.Note = "kfunc resolved at load time"
		return nil
	case e.Missing:
		// Like libbpf: an invalid helper call naming the extern, which
		// the verifier only reports if the code is reachable.
		ir.PoisonKfuncCall(in, idx)
		r.Note = fmt.Sprintf("weak kfunc not found: poisoned call #%d", in.Imm)
	default:
		in.Src = ir.PseudoKfuncCall
		in.Imm = int32(e.BTFID)
		in.Off = 0
		r.Note = fmt.Sprintf("btf_id %d in vmlinux", e.BTFID)
		if e.BTFModule != "" {
			// The externs pass gave the module its slot.
			i := slices.Index(obj.ModuleSlots, e.BTFModule)
			if i < 0 {
				return fmt.Errorf("kfunc %s: module %s has no fd_array slot: %w", e.Name, e.BTFModule, ErrNotFound)
			}
			slot := obj.ModuleSlot(i)
			if slot > 0x7fff {
				return fmt.Errorf("kfunc %s: fd_array slot %d does not fit the call's offset", e.Name, slot)
			}
			in.Off = int16(slot)
			r.Note = fmt.Sprintf("btf_id %d in module %s, fd_array[%d]", e.BTFID, e.BTFModule, slot)
		}
	}
	r.State = ir.Resolved
	return nil
}

// varAt names the global variable at byte off of a data map's value, from
// its DATASEC ("rodata_name+2"), or returns "" when BTF does not say.
func varAt(obj *ir.Object, m *ir.Map, off uint32) string {
	if obj.BTF == nil || m.ValueType == 0 || obj.BTF.TypeKind(m.ValueType) != btf.KindDatasec {
		return ""
	}
	t, err := obj.BTF.Type(m.ValueType)
	if err != nil {
		return ""
	}
	for _, vs := range t.Vars {
		if off >= vs.Offset && off < vs.Offset+vs.Size {
			name := obj.BTF.TypeName(vs.Type)
			if off == vs.Offset {
				return name
			}
			return fmt.Sprintf("%s%+d", name, off-vs.Offset)
		}
	}
	return ""
}
