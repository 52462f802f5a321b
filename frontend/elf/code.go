// This file turns the executable sections into functions: every STT_FUNC
// symbol of a SHF_EXECINSTR section is one function, its instructions the
// symbol's byte range. Functions in .text are subprograms; in any other
// section, global (and weak) functions are programs, and so are static
// ones in a section that names a program type when nothing in the object
// calls them or takes their address; other static functions are
// subprograms.
//
// libbpf refuses static functions outside .text ("program is static and
// not supported"). cilium/ebpf makes every function of a program section
// a program: a static program in a section of its own (its __section
// macro marks it used, so clang keeps it), but also a static __noinline
// helper that clang placed in its caller's section, which bpfc keeps a
// subprogram, callable only through calls resolved within the object.

package elf

import (
	"fmt"
	"slices"
	"sort"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/ir"
)

// codeSection is one executable section split into functions.
type codeSection struct {
	index int
	name  string
	slots int // number of instruction slots in the section
	// funcs are the section's functions sorted by SectionOffset, with
	// their slot counts in sizes.
	funcs []*ir.Function
	sizes []int
}

// funcAt returns the function containing section slot s, or nil.
func (cs *codeSection) funcAt(s int) *ir.Function {
	if i := cs.funcIndex(s); i >= 0 {
		return cs.funcs[i]
	}
	return nil
}

// funcIndex returns the index in funcs of the function containing
// section slot s, or -1.
func (cs *codeSection) funcIndex(s int) int {
	i := sort.Search(len(cs.funcs), func(i int) bool { return cs.funcs[i].SectionOffset > s }) - 1
	if i < 0 || s >= cs.funcs[i].SectionOffset+cs.sizes[i] {
		return -1
	}
	return i
}

// readCode splits every code section into programs and subprograms.
func (rd *reader) readCode() error {
	for i, s := range rd.f.Sections {
		if !rd.isCode(i) || s.Size == 0 {
			continue
		}
		if err := rd.readCodeSection(i); err != nil {
			return err
		}
	}
	renameStatics(rd.obj)
	return nil
}

// renameStatics gives static functions that share a name with another
// function a name of their own, the IR naming functions uniquely: in an
// object written by a static linker, each input's static helper() is in
// .text. Global functions keep their names; the second static helper
// becomes "helper.1" (ir.UniqueName).
func renameStatics(obj *ir.Object) {
	taken := make(map[string]bool, len(obj.Programs)+len(obj.Subprogs))
	dup := false
	for _, fn := range obj.Units() {
		dup = dup || taken[fn.Name]
		taken[fn.Name] = true
	}
	if !dup {
		return
	}
	seen := make(map[string]bool, len(taken))
	for _, fn := range obj.Units() {
		if fn.Global {
			seen[fn.Name] = true
		}
	}
	for _, fn := range obj.Units() {
		if fn.Global {
			continue
		}
		if seen[fn.Name] {
			fn.Name = ir.UniqueName(fn.Name, func(n string) bool { return taken[n] })
			taken[fn.Name] = true
		}
		seen[fn.Name] = true
	}
}

func (rd *reader) readCodeSection(idx int) error {
	sec := rd.section(idx)
	raw, err := rd.sectionData(idx)
	if err != nil {
		return err
	}
	if len(raw)%ir.InsnSize != 0 {
		return fmt.Errorf("section %q: %d bytes is not a whole number of instructions: %w", sec.Name, len(raw), ErrBadELF)
	}
	insns, err := ir.Unmarshal(raw, rd.order)
	if err != nil {
		return fmt.Errorf("section %q: %w: %w", sec.Name, err, ErrBadELF)
	}
	cs := &codeSection{index: idx, name: sec.Name, slots: len(insns)}
	rd.code[idx] = cs

	var syms []*symbol
	for k := range rd.syms {
		s := &rd.syms[k]
		if k > 0 && int(s.Section) == idx && s.Type() == elffile.STT_FUNC {
			syms = append(syms, s)
		}
	}
	slices.SortStableFunc(syms, byValue)

	info, known := SectionDef(sec.Name)
	// The section's subprograms, and its programs, share one allocation.
	nSub := 0
	for _, s := range syms {
		if sec.Name == ".text" || s.Bind() == elffile.STB_LOCAL {
			nSub++
		}
	}
	unsupported := info.Unsupported
	if !known && sec.Name != ".text" {
		// Only programs carry the message (its suggestions cost an
		// edit distance per known name), and .text has none.
		unsupported = UnknownSection(sec.Name)
	}
	subs, progs := make([]ir.Function, nSub), make([]ir.Program, len(syms)-nSub)
	rd.obj.Subprogs = slices.Grow(rd.obj.Subprogs, len(subs))
	rd.obj.Programs = slices.Grow(rd.obj.Programs, len(progs))
	cs.funcs = make([]*ir.Function, 0, len(syms))
	cs.sizes = make([]int, 0, len(syms))
	end := uint64(0)
	for _, s := range syms {
		switch {
		case s.Name == "":
			return fmt.Errorf("section %q: function symbol %d at offset %d has no name: %w", sec.Name, s.index, s.Value, ErrBadELF)
		case s.Size == 0 || s.Size%ir.InsnSize != 0 || s.Value%ir.InsnSize != 0:
			return fmt.Errorf("section %q: function %s: offset %d, size %d: not whole instructions: %w", sec.Name, s.Name, s.Value, s.Size, ErrBadELF)
		case s.Value+s.Size > uint64(len(raw)) || s.Value+s.Size < s.Value:
			return fmt.Errorf("section %q: function %s: [%d, +%d) crosses the end of the section (%d bytes): %w", sec.Name, s.Name, s.Value, s.Size, len(raw), ErrBadELF)
		case s.Value < end:
			return fmt.Errorf("section %q: function %s: at offset %d overlaps the previous function: %w", sec.Name, s.Name, s.Value, ErrBadELF)
		}
		end = s.Value + s.Size
		start, n := int(s.Value/ir.InsnSize), int(s.Size/ir.InsnSize)
		fn := ir.Function{
			Name:          s.Name,
			Section:       sec.Name,
			SectionOffset: start,
			Global:        s.Bind() != elffile.STB_LOCAL,
			Weak:          s.Bind() == elffile.STB_WEAK,
		}
		if vis := s.Visibility(); fn.Global && (vis == elffile.STV_HIDDEN || vis == elffile.STV_INTERNAL) {
			fn.Hidden = true
		}
		// Functions share the section's decoded instructions; the
		// capacity cap makes appending (the link pass) copy.
		fn.Insns = insns[start : start+n : start+n]
		if i, why := badLdImm64(fn.Insns); why != "" {
			return fmt.Errorf("section %q: function %s: insn %d: malformed ld_imm64: %s: %w", sec.Name, s.Name, i, why, ErrBadELF)
		}
		if i, t := badJump(fn.Insns); i >= 0 {
			return fmt.Errorf("section %q: function %s: insn %d: jump to insn %d, outside the function's %d insns: %w", sec.Name, s.Name, i, t, n, ErrBadELF)
		}
		fn.BTFType = rd.firstNamed(s.Name, btf.KindFunc)
		if sec.Name == ".text" || s.Bind() == elffile.STB_LOCAL {
			f := &subs[0]
			subs = subs[1:]
			*f = fn
			rd.obj.Subprogs = append(rd.obj.Subprogs, f)
			cs.funcs = append(cs.funcs, f)
			if sec.Name != ".text" && known {
				// A program unless something calls it (promoteStatics).
				rd.statics = append(rd.statics, staticFunc{cs: cs, i: len(cs.funcs) - 1, info: info, unsupported: unsupported})
			}
		} else {
			p := &progs[0]
			progs = progs[1:]
			*p = newProgram(fn, info, unsupported)
			rd.obj.Programs = append(rd.obj.Programs, p)
			cs.funcs = append(cs.funcs, &p.Function)
		}
		cs.sizes = append(cs.sizes, n)
	}
	return nil
}

// newProgram makes fn a program of the section info describes;
// unsupported says why bpfc cannot load it, if it cannot.
func newProgram(fn ir.Function, info SectionInfo, unsupported string) ir.Program {
	return ir.Program{
		Function:           fn,
		Type:               info.Type,
		ExpectedAttachType: info.ExpectedAttachType,
		AttachTo:           info.AttachTo,
		AttachBTFKind:      info.AttachBTFKind,
		AttachBTFName:      info.AttachBTFName,
		Flags:              info.Flags,
		Autoload:           info.Autoload,
		Unsupported:        unsupported,
	}
}

// staticFunc is a static function of a program section, lowered as a
// subprogram until promoteStatics decides: the i-th function of cs.
type staticFunc struct {
	cs          *codeSection
	i           int
	info        SectionInfo
	unsupported string
}

// promoteStatics makes a program of every static function of a section
// naming a program type that no relocation record of another function
// calls or takes the address of (the records are complete once readRelocs
// ran): a program written as a static function in a section of its own. A
// static function of an unknown section stays an unused subprogram, as
// before. Programs stay in section then offset order.
func (rd *reader) promoteStatics() error {
	if len(rd.statics) == 0 {
		return nil
	}
	called := map[string]bool{}
	for _, fn := range rd.obj.Units() {
		for _, r := range fn.Relocs {
			if (r.Kind == ir.RelocCall || r.Kind == ir.RelocFunc) && r.Symbol != fn.Name {
				called[r.Symbol] = true
			}
		}
	}
	promoted := map[*ir.Function]bool{}
	for _, s := range rd.statics {
		fn := s.cs.funcs[s.i]
		if called[fn.Name] {
			continue
		}
		p := newProgram(*fn, s.info, s.unsupported)
		s.cs.funcs[s.i] = &p.Function
		promoted[fn] = true
		rd.obj.Programs = append(rd.obj.Programs, &p)
	}
	if len(promoted) == 0 {
		return nil
	}
	rd.obj.Subprogs = slices.DeleteFunc(rd.obj.Subprogs, func(f *ir.Function) bool { return promoted[f] })
	// Section then offset order, as readCode made it.
	at := map[*ir.Function]int{}
	for idx, cs := range rd.code {
		for _, f := range cs.funcs {
			at[f] = idx
		}
	}
	slices.SortStableFunc(rd.obj.Programs, func(a, b *ir.Program) int {
		if d := at[&a.Function] - at[&b.Function]; d != 0 {
			return d
		}
		return a.SectionOffset - b.SectionOffset
	})
	return nil
}

// badLdImm64 finds the first ld_imm64 of a function that the function's end
// cuts in half or whose second slot is not empty (the kernel rejects both),
// returning its slot and what is wrong, or "".
func badLdImm64(insns []ir.Insn) (int, string) {
	for i := 0; i < len(insns); i++ {
		if !insns[i].IsLdImm64() {
			continue
		}
		if i+1 == len(insns) {
			return i, "second slot past the end of the function"
		}
		if nx := insns[i+1]; nx.Op != 0 || nx.Dst != 0 || nx.Src != 0 || nx.Off != 0 {
			return i, "second slot is not empty"
		}
		i++
	}
	return 0, ""
}

// badJump finds the first jump of a function whose target is outside it,
// returning its slot and target, or -1: no BPF code jumps from one
// function into another.
func badJump(insns []ir.Insn) (int, int) {
	for i := 0; i < len(insns); i++ {
		in := insns[i]
		if in.IsLdImm64() {
			i++
			continue
		}
		if !in.IsJump() {
			continue
		}
		off := int(in.Off)
		if in.Class() == ir.ClassJMP32 && in.Op&ir.OpMask == ir.JumpA { // gotol
			off = int(in.Imm)
		}
		if t := i + off + 1; t < 0 || t >= len(insns) {
			return i, t
		}
	}
	return -1, 0
}

// byValue orders symbols by value (offset).
func byValue(a, b *symbol) int {
	switch {
	case a.Value < b.Value:
		return -1
	case a.Value > b.Value:
		return 1
	}
	return 0
}
