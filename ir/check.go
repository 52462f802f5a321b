// This file is the IR checker: structural invariants every pass must keep.
// The pass manager runs it between passes in tests.

package ir

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is returned (wrapped) by Check for an IR that breaks an
// invariant.
var ErrInvalid = errors.New("invalid IR")

// Stage is a set of completed passes: records those passes own must no
// longer be pending.
type Stage uint

const (
	// StageExterns: no RelocExtern, no pending Extern.
	StageExterns Stage = 1 << iota
	// StageCORE: no pending CORERelo.
	StageCORE
	// StageMaps: no pending map, map value, ksym or kfunc relocation.
	StageMaps
	// StageLink: programs are linked: no pending call or func relocation
	// in programs, every pseudo call lands inside the program.
	StageLink
	// StageDatasec: DATASEC sizes and VAR offsets are filled in, extern
	// datasecs fixed and the .kconfig map laid out. (Declared after the
	// first four so the values of the other stages stay stable.)
	StageDatasec
	// StageConfigure: the user's edits (autoload, map sizes, variable
	// values) are applied.
	StageConfigure
	// StageStructOps: every struct_ops map that is created is laid out for
	// the target kernel, and struct_ops programs have their attach
	// targets.
	StageStructOps
	// StageMerge: the inputs are linked into one object: no Inputs left,
	// no extern variable or map (they resolve to definitions).
	StageMerge
)

// stageNames names the stages after the passes that complete them, in
// pipeline order.
var stageNames = []struct {
	s    Stage
	name string
}{
	{StageMerge, "merge"}, {StageDatasec, "datasec"}, {StageConfigure, "configure"}, {StageStructOps, "structops"},
	{StageExterns, "externs"}, {StageCORE, "core"}, {StageMaps, "maps"}, {StageLink, "link"},
}

// String names the stages of s after their passes, in pipeline order and
// joined by "|": "datasec|externs"; "none" for the empty set.
func (s Stage) String() string {
	if s == 0 {
		return "none"
	}
	var names []string
	for _, n := range stageNames {
		if s&n.s != 0 {
			names = append(names, n.name)
			s &^= n.s
		}
	}
	if s != 0 {
		names = append(names, fmt.Sprintf("%#x", uint(s)))
	}
	return strings.Join(names, "|")
}

// Check verifies the structural invariants of o, and that no record owned
// by a completed stage is still pending. It returns the first violation
// found, wrapping ErrInvalid.
func Check(o *Object, done Stage) error {
	c := checker{o: o, done: done}
	for _, p := range o.Programs {
		if p.AttachBTFKind != 0 && p.AttachTo != "" && p.AttachBTFName == "" {
			c.fail("program %s: attach target %s has no BTF name", p.Name, p.AttachTo)
		}
		c.code(fmt.Sprintf("program %s", p.Name), &p.Code, done&StageLink != 0)
	}
	for _, f := range o.Subprogs {
		c.code(fmt.Sprintf("subprog %s", f.Name), &f.Code, false)
	}
	for _, m := range o.Maps {
		c.mapDef(m)
		if done&StageStructOps != 0 && m.StructOps != nil && !m.NoAutocreate && m.StructOps.State == Pending {
			c.fail("map %s: struct_ops map still pending after the structops pass", m.Name)
		}
	}
	if done&StageMerge != 0 {
		if len(o.Inputs) > 0 {
			c.fail("%d input objects left after the merge pass", len(o.Inputs))
		}
		for _, e := range o.Externs {
			if e.Kind == ExternVar || e.Kind == ExternMap {
				c.fail("extern %s %s: left after the merge pass", e.Kind, e.Name)
			}
		}
	}
	if done&StageExterns != 0 {
		for _, e := range o.Externs {
			if e.State == Pending {
				c.fail("extern %s: still pending after the externs pass", e.Name)
			}
		}
	}
	return c.err
}

type checker struct {
	o    *Object
	done Stage
	err  error
}

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalid)
	}
}

func (c *checker) code(where string, code *Code, linked bool) {
	insns := code.Insns
	n := len(insns)
	second := make([]bool, n) // second slots of ld_imm64
	for i := 0; i < n; i++ {
		in := insns[i]
		if in.IsLdImm64() {
			if i+1 >= n {
				c.fail("%s: insn %d: ld_imm64 cut in half at the end of the code", where, i)
				return
			}
			nx := insns[i+1]
			if nx.Op != 0 || nx.Dst != 0 || nx.Src != 0 || nx.Off != 0 {
				c.fail("%s: insn %d: second slot of ld_imm64 is not empty (op %#x)", where, i, nx.Op)
			}
			second[i+1] = true
			i++
			continue
		}
		if in.IsJump() {
			off := int(in.Off)
			if in.Class() == ClassJMP32 && in.Op&OpMask == JumpA { // gotol
				off = int(in.Imm)
			}
			if t := i + off + 1; t < 0 || t >= n {
				c.fail("%s: insn %d: jump target %d out of bounds [0,%d)", where, i, t, n)
			}
		}
		if in.IsPseudoCall() && linked {
			if t := i + int(in.Imm) + 1; t < 0 || t >= n {
				c.fail("%s: insn %d: call target %d out of bounds [0,%d)", where, i, t, n)
			}
		}
	}
	slot := func(kind string, i int) bool {
		if i < 0 || i >= n {
			c.fail("%s: %s record points at insn %d, outside [0,%d)", where, kind, i, n)
			return false
		}
		if second[i] {
			c.fail("%s: %s record points at insn %d, the second slot of a ld_imm64", where, kind, i)
			return false
		}
		return true
	}
	for _, r := range code.Relocs {
		if !slot("relocation", r.Insn) {
			continue
		}
		c.reloc(where, insns, r, linked)
	}
	for _, r := range code.CORE {
		if !slot("CO-RE", r.Insn) {
			continue
		}
		if r.State == Pending && c.done&StageCORE != 0 {
			c.fail("%s: insn %d: CO-RE relocation %s still pending after the core pass", where, r.Insn, r.Kind)
		}
	}
	last := -1
	for _, fi := range code.FuncInfo {
		if !slot("func_info", fi.Insn) {
			continue
		}
		if fi.Insn <= last {
			c.fail("%s: func_info at insn %d not in increasing order", where, fi.Insn)
		}
		last = fi.Insn
	}
	if len(code.FuncInfo) > 0 && code.FuncInfo[0].Insn != 0 {
		c.fail("%s: first func_info at insn %d, not 0", where, code.FuncInfo[0].Insn)
	}
	last = -1
	for _, li := range code.LineInfo {
		if !slot("line_info", li.Insn) {
			continue
		}
		if li.Insn < last {
			c.fail("%s: line_info at insn %d not in order", where, li.Insn)
		}
		last = li.Insn
	}
}

func (c *checker) reloc(where string, insns []Insn, r *Reloc, linked bool) {
	in := insns[r.Insn]
	at := fmt.Sprintf("%s: insn %d: %s relocation of %s", where, r.Insn, r.Kind, r.Symbol)
	switch r.Kind {
	case RelocMap, RelocMapValue, RelocFunc, RelocKsym, RelocConst:
		if !in.IsLdImm64() {
			c.fail("%s: instruction is not a ld_imm64", at)
		}
	case RelocCall:
		if !in.IsPseudoCall() {
			c.fail("%s: instruction is not a bpf2bpf call", at)
		}
	case RelocKfunc:
		if !in.IsCall() {
			c.fail("%s: instruction is not a call", at)
		}
	case RelocExtern:
		if !in.IsLdImm64() && !in.IsCall() {
			c.fail("%s: instruction is neither ld_imm64 nor call", at)
		}
		if c.done&StageExterns != 0 {
			c.fail("%s: untyped extern reference left after the externs pass", at)
		}
	default:
		c.fail("%s: unknown relocation kind %d", at, r.Kind)
	}
	switch r.Kind {
	case RelocMap, RelocMapValue:
		m, idx := c.o.Map(r.Symbol)
		if m == nil {
			c.fail("%s: no such map", at)
			return
		}
		if r.State != Pending && r.MapIndex != idx {
			c.fail("%s: resolved to map index %d, but the map is #%d", at, r.MapIndex, idx)
		}
		if r.Kind == RelocMapValue && (r.Offset < 0 || r.Offset >= int64(m.ValueSize)+1) {
			c.fail("%s: offset %d outside the %d-byte value", at, r.Offset, m.ValueSize)
		}
		if r.State == Pending && c.done&StageMaps != 0 {
			c.fail("%s: still pending after the maps pass", at)
		}
	case RelocCall, RelocFunc:
		if c.o.Subprog(r.Symbol) == nil && c.o.Program(r.Symbol) == nil {
			c.fail("%s: no such function", at)
		}
		if r.State == Pending && linked {
			c.fail("%s: still pending after the link pass", at)
		}
	case RelocKsym, RelocKfunc, RelocConst:
		if e := c.o.Extern(r.Symbol); e == nil {
			c.fail("%s: no such extern", at)
		} else if (r.Kind == RelocConst) != (e.Kind == ExternConst) {
			c.fail("%s: reference to a %s extern", at, e.Kind)
		}
		if r.State == Pending && c.done&StageMaps != 0 {
			c.fail("%s: still pending after the maps pass", at)
		}
	}
}

func (c *checker) mapDef(m *Map) {
	for _, s := range m.Slots {
		if c.o.Program(s.Target) == nil {
			if mm, _ := c.o.Map(s.Target); mm == nil {
				c.fail("map %s: slot %d refers to unknown %s", m.Name, s.Index, s.Target)
			}
		}
		if s.Index >= m.MaxEntries && m.MaxEntries != 0 {
			c.fail("map %s: slot %d beyond max_entries %d", m.Name, s.Index, m.MaxEntries)
		}
	}
	if m.Data != nil && uint32(len(m.Data)) != m.ValueSize {
		c.fail("map %s: initial data is %d bytes, value size %d", m.Name, len(m.Data), m.ValueSize)
	}
	if (m.Kind == MapStructOps) != (m.StructOps != nil) {
		c.fail("map %s: kind %s with struct_ops description %v", m.Name, m.Kind, m.StructOps != nil)
	}
	if m.StructOps != nil {
		c.structOps(m)
	}
}

// structOps checks a struct_ops map: its function pointers name programs,
// and once laid out, every member it keeps lies inside the kernel value.
func (c *checker) structOps(m *Map) {
	so := m.StructOps
	for _, mem := range so.Members {
		if mem.Extern {
			if !mem.Func || mem.Program == "" {
				c.fail("map %s: member %s is extern but names no function", m.Name, mem.Name)
			}
			if c.done&StageMerge != 0 {
				c.fail("map %s: member %s: extern function %s left after the merge pass", m.Name, mem.Name, mem.Program)
			}
			continue
		}
		if mem.Program != "" && (!mem.Func || c.o.Program(mem.Program) == nil) {
			c.fail("map %s: member %s refers to %s, which is not a program in a function pointer", m.Name, mem.Name, mem.Program)
		}
		if so.State == Resolved && !mem.Missing && mem.KernelOffset+mem.Size > m.ValueSize {
			c.fail("map %s: member %s at +%d (%d bytes) outside the %d-byte kernel value", m.Name, mem.Name, mem.KernelOffset, mem.Size, m.ValueSize)
		}
	}
}
