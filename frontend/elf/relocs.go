// This file turns the relocation sections of code sections into the IR's
// relocation records: ld_imm64 of maps, global data, functions and
// externs; bpf2bpf calls (with or without a relocation) and extern calls.
// Relocation sections of .BTF, .BTF.ext, debug and data sections are not
// needed to load a program and are ignored, as libbpf does; those of
// .maps and of struct_ops sections are read by maps.go and structops.go
// (eachRelocation).

package elf

import (
	"fmt"
	"slices"

	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/ir"
)

// relocation is one Elf64_Rel entry.
type relocation = elffile.Reloc

// relocations decodes the SHT_REL section ri.
func (rd *reader) relocations(ri int) ([]relocation, error) {
	rs := rd.section(ri)
	if rs.Size > maxSectionLen {
		return nil, fmt.Errorf("section %q: %d bytes is too large: %w", rs.Name, rs.Size, ErrBadELF)
	}
	rels, err := rd.f.Relocations(rs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrBadELF)
	}
	return rels, nil
}

// eachRelocation calls fn with every relocation of the SHT_REL sections
// that apply to section idx, the relocation section's name and the
// relocation's index in it: the relocations of a data section (.maps,
// .struct_ops), which only ever has one such section.
func (rd *reader) eachRelocation(idx int, fn func(relSec string, n int, rel relocation) error) error {
	for ri, rs := range rd.f.Sections {
		if rs.Type != elffile.SHT_REL || int(rs.Info) != idx {
			continue
		}
		rels, err := rd.relocations(ri)
		if err != nil {
			return err
		}
		for n, rel := range rels {
			if err := fn(rs.Name, n, rel); err != nil {
				return err
			}
		}
	}
	return nil
}

// unit names a function in messages: "program x" or "subprog y".
func (rd *reader) unit(fn *ir.Function) string {
	if p := rd.obj.Program(fn.Name); p != nil && &p.Function == fn {
		return "program " + fn.Name
	}
	return "subprog " + fn.Name
}

// readRelocs handles the relocation sections of every code section, then
// the pc-relative calls clang resolved without a relocation.
func (rd *reader) readRelocs() error {
	for ri, rs := range rd.f.Sections {
		if rs.Type != elffile.SHT_REL && rs.Type != elffile.SHT_RELA {
			continue
		}
		target := int(rs.Info)
		if !rd.isCode(target) {
			continue
		}
		if rs.Type == elffile.SHT_RELA {
			return fmt.Errorf("section %q: SHT_RELA relocations for code are not used by BPF: %w", rs.Name, ErrBadReloc)
		}
		rels, err := rd.relocations(ri)
		if err != nil {
			return err
		}
		cs := rd.code[target]
		rd.reserveRelocs(len(rels))
		sizeFuncRelocs(cs, rels)
		for n, rel := range rels {
			if err := rd.codeReloc(cs, rd.section(target).Name, n, rel); err != nil {
				return err
			}
		}
	}
	return rd.plainCalls()
}

// sizeFuncRelocs gives each function of cs room for the records that rels
// will add to it, carved out of one allocation (appending one by one grew
// each function's slice through every size up to its count).
func sizeFuncRelocs(cs *codeSection, rels []relocation) {
	if cs == nil || len(cs.funcs) == 0 {
		return
	}
	var small [16]int
	var counts []int
	if len(cs.funcs) <= len(small) {
		counts = small[:len(cs.funcs)]
	} else {
		counts = make([]int, len(cs.funcs))
	}
	total := 0
	for _, rel := range rels {
		if rel.Type == elffile.R_BPF_NONE || rel.Offset%ir.InsnSize != 0 || rel.Offset/ir.InsnSize >= uint64(cs.slots) {
			continue // codeReloc skips it or refuses it
		}
		if k := cs.funcIndex(int(rel.Offset / ir.InsnSize)); k >= 0 {
			counts[k]++
			total++
		}
	}
	carve(cs.funcs, counts, total, func(fn *ir.Function) *[]*ir.Reloc { return &fn.Relocs })
}

// codeReloc handles relocation n of code section cs (nil if the section
// is empty).
func (rd *reader) codeReloc(cs *codeSection, secName string, n int, rel relocation) error {
	if rel.Type == elffile.R_BPF_NONE {
		return nil
	}
	if cs == nil || rel.Offset%ir.InsnSize != 0 || rel.Offset/ir.InsnSize >= uint64(cs.slots) {
		size := 0
		if cs != nil {
			size = cs.slots * ir.InsnSize
		}
		return fmt.Errorf("section %q: relocation %d at offset %d: outside the section (%d bytes) or not at an instruction: %w",
			secName, n, rel.Offset, size, ErrBadReloc)
	}
	slot := int(rel.Offset / ir.InsnSize)
	fn := cs.funcAt(slot)
	if fn == nil {
		// Code between functions: in an object written by libbpf's
		// linker, an overridden weak function stays in its section
		// without its symbol. It is dead; libbpf skips its
		// relocations too.
		return nil
	}
	i := slot - fn.SectionOffset
	if err := rd.insnReloc(fn, i, rel); err != nil {
		// The context is formatted only here, on the error path.
		return fmt.Errorf("section %q: %s: insn %d: %w", secName, rd.unit(fn), i, err)
	}
	return nil
}

// insnReloc handles a relocation of instruction i of fn; its errors leave
// out where the instruction is (codeReloc adds that).
func (rd *reader) insnReloc(fn *ir.Function, i int, rel relocation) error {
	sym, ok := rd.symbolAt(rel.Sym)
	if !ok {
		return fmt.Errorf("relocation against symbol index %d, which is not in the symbol table: %w", rel.Sym, ErrBadReloc)
	}
	name := rd.symName(sym)
	in := &fn.Insns[i]
	switch {
	case in.IsLdImm64():
		if i+1 >= len(fn.Insns) {
			return fmt.Errorf("ld_imm64 cut off by the end of the function: %w", ErrBadReloc)
		}
	case in.IsCall():
	default:
		return fmt.Errorf("relocation against %q on an instruction (op %#02x) that is neither ld_imm64 nor call: %w", name, in.Op, ErrBadReloc)
	}
	add := func(kind ir.RelocKind, symbol string, off int64) {
		r := rd.newReloc()
		*r = ir.Reloc{Insn: i, Kind: kind, Symbol: symbol, Offset: off, State: ir.Pending}
		fn.Relocs = append(fn.Relocs, r)
	}

	if sym.Section == elffile.SHN_UNDEF {
		e := rd.externs[sym.index]
		if e == nil && rd.opsExterns[name] {
			return fmt.Errorf("relocation against %q, another object's program that a struct_ops map is set to: code cannot refer to a program: %w", name, ErrBadReloc)
		}
		if e == nil {
			return fmt.Errorf("relocation against unknown symbol %q: %w", name, ErrBadReloc)
		}
		if in.IsCall() {
			rd.markCalled(e)
			add(ir.RelocExtern, e.Name, 0)
			return nil
		}
		rd.loaded[e] = true
		// The addend the ld_imm64 carries (S + A); the instruction keeps
		// it until the pass that patches the reference.
		add(ir.RelocExtern, e.Name, int64(uint64(uint32(in.Imm))|uint64(uint32(fn.Insns[i+1].Imm))<<32))
		return nil
	}
	if sym.Section >= elffile.SHN_LORESERVE {
		return fmt.Errorf("relocation against %q in special section %#x (an uninitialised common symbol?): %w", name, uint16(sym.Section), ErrBadReloc)
	}
	tidx := int(sym.Section)
	tsec := rd.section(tidx)
	if tsec == nil {
		return fmt.Errorf("relocation against %q in section %d, which does not exist: %w", name, tidx, ErrBadReloc)
	}

	if rd.isCode(tidx) && sym.Type() != elffile.STT_FUNC && sym.Type() != elffile.STT_SECTION {
		return fmt.Errorf("relocation against %v symbol %q in code section %q, which is not a function: %w", sym.Type(), name, tsec.Name, ErrBadReloc)
	}
	if in.IsCall() {
		if in.Src != ir.PseudoCall {
			return fmt.Errorf("relocation against %q on a call that is not a bpf2bpf call (src_reg %d): %w", name, in.Src, ErrBadReloc)
		}
		if sym.Value%ir.InsnSize != 0 {
			return fmt.Errorf("call relocation against %q at unaligned offset %d: %w", name, sym.Value, ErrBadReloc)
		}
		tcs := rd.code[tidx]
		if tcs == nil {
			return fmt.Errorf("call relocation against %q in section %q, which holds no code: %w", name, tsec.Name, ErrBadReloc)
		}
		target := int64(sym.Value/ir.InsnSize) + int64(in.Imm) + 1
		tfn, err := rd.callee(tcs, target)
		if err != nil {
			return fmt.Errorf("call to %q: %w", name, err)
		}
		add(ir.RelocCall, tfn.Name, (target-int64(tfn.SectionOffset))*ir.InsnSize)
		return nil
	}

	addend := int64(in.Imm)
	switch {
	case rd.isCode(tidx):
		off := int64(sym.Value) + addend
		if off%ir.InsnSize != 0 {
			return fmt.Errorf("function address of %q at unaligned offset %d: %w", name, off, ErrBadReloc)
		}
		tcs := rd.code[tidx]
		if tcs == nil {
			return fmt.Errorf("function address of %q in empty section %q: %w", name, tsec.Name, ErrMissingFunc)
		}
		tfn, err := rd.callee(tcs, off/ir.InsnSize)
		if err != nil {
			return fmt.Errorf("address of %q: %w", name, err)
		}
		in.Imm = 0
		add(ir.RelocFunc, tfn.Name, off-int64(tfn.SectionOffset)*ir.InsnSize)
	case rd.mapAt[tidx] != nil || tsec.Name == ".maps" || rd.isLegacyMaps(tidx):
		off := sym.Value
		if sym.Type() == elffile.STT_SECTION {
			off = uint64(int64(off) + addend)
		}
		m := rd.mapAt[tidx][off]
		if m == nil {
			return fmt.Errorf("relocation against %q: no map defined at offset %d of section %q: %w", name, off, tsec.Name, ErrBadReloc)
		}
		in.Imm = 0
		add(ir.RelocMap, m.Name, 0)
	case rd.dataMaps[tidx] != nil:
		m := rd.dataMaps[tidx]
		off := int64(sym.Value) + addend
		if off < 0 || off > int64(m.ValueSize) {
			return fmt.Errorf("relocation against %q: offset %d outside section %q (%d bytes): %w", name, off, tsec.Name, m.ValueSize, ErrBadReloc)
		}
		in.Imm = 0
		add(ir.RelocMapValue, m.Name, off)
	default:
		return fmt.Errorf("relocation against %q in section %q, which is neither code, maps nor global data: %w", name, tsec.Name, ErrBadReloc)
	}
	return nil
}

// relocBlock is how many relocation records newReloc allocates at once
// when none were reserved.
const relocBlock = 8

// reserveRelocs makes room for n more records from newReloc in one
// allocation.
func (rd *reader) reserveRelocs(n int) {
	if len(rd.relocs) < n {
		rd.relocs = make([]ir.Reloc, n)
	}
}

// newReloc returns a zeroed relocation record. Records are carved out of
// blocks so that an object's records cost a few allocations, not one
// each.
func (rd *reader) newReloc() *ir.Reloc {
	if len(rd.relocs) == 0 {
		rd.relocs = make([]ir.Reloc, relocBlock)
	}
	r := &rd.relocs[0]
	rd.relocs = rd.relocs[1:]
	return r
}

// callee returns the function of cs containing section slot target.
func (rd *reader) callee(cs *codeSection, target int64) (*ir.Function, error) {
	if target < 0 || target >= int64(cs.slots) {
		return nil, fmt.Errorf("target insn %d outside section %q (%d insns): %w", target, cs.name, cs.slots, ErrMissingFunc)
	}
	fn := cs.funcAt(int(target))
	if fn == nil {
		return nil, fmt.Errorf("target insn %d of section %q is not inside any function: %w", target, cs.name, ErrMissingFunc)
	}
	return fn, nil
}

// plainCalls turns bpf2bpf calls that carry no relocation (a call within
// its own section, resolved by the assembler) into call records.
func (rd *reader) plainCalls() error {
	for idx := range rd.f.Sections {
		cs := rd.code[idx]
		if cs == nil {
			continue
		}
		for _, fn := range cs.funcs {
			slices.SortStableFunc(fn.Relocs, byInsn)
			relocs := fn.Relocs // sorted by insn: walked alongside the code
			for i := 0; i < len(fn.Insns); i++ {
				in := fn.Insns[i]
				if in.IsLdImm64() {
					i++ // skip the second slot
					continue
				}
				if !in.IsPseudoCall() {
					continue
				}
				for len(relocs) > 0 && relocs[0].Insn < i {
					relocs = relocs[1:]
				}
				if len(relocs) > 0 && relocs[0].Insn == i {
					continue
				}
				target := int64(fn.SectionOffset) + int64(i) + int64(in.Imm) + 1
				tfn, err := rd.callee(cs, target)
				if err != nil {
					return fmt.Errorf("section %q: %s: insn %d: call: %w", cs.name, rd.unit(fn), i, err)
				}
				r := rd.newReloc()
				*r = ir.Reloc{
					Insn: i, Kind: ir.RelocCall, Symbol: tfn.Name,
					Offset: (target - int64(tfn.SectionOffset)) * ir.InsnSize, State: ir.Pending,
				}
				fn.Relocs = append(fn.Relocs, r)
			}
		}
	}
	return nil
}
