// This file reads the object's .BTF and .BTF.ext sections: it parses the
// BTF, indexes the names the frontend looks up (functions, datasecs), and
// distributes func_info, line_info and CO-RE records to the functions that
// contain their instructions, as slot indexes relative to each function.

package elf

import (
	"fmt"
	"slices"
	"sort"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// readBTF parses .BTF, which must be in the object's byte order.
func (rd *reader) readBTF() error {
	i := rd.sectionIndex(".BTF")
	if i < 0 {
		return nil
	}
	raw, err := rd.sectionData(i)
	if err != nil {
		return err
	}
	if len(raw) >= 2 && rd.order.Uint16(raw) == 0x9feb {
		return fmt.Errorf("section .BTF: byte order differs from the ELF header's %v: %w", rd.f.Data, ErrBadBTF)
	}
	spec, err := btf.Parse(raw)
	if err != nil {
		return fmt.Errorf("section .BTF: %w: %w", err, ErrBadBTF)
	}
	rd.spec = spec
	rd.obj.BTF = spec
	return nil
}

// firstNamed returns the first type called name of kind kind in the
// object's BTF, 0 if none (or no BTF).
func (rd *reader) firstNamed(name string, kind btf.Kind) btf.TypeID {
	if rd.spec == nil {
		return 0
	}
	if ids := rd.spec.FindByNameKind(name, kind); len(ids) > 0 {
		return ids[0]
	}
	return 0
}

// datasec returns the decoded DATASEC called name, or nil.
func (rd *reader) datasec(name string) (btf.TypeID, *btf.Type, error) {
	id := rd.firstNamed(name, btf.KindDatasec)
	if id == 0 {
		return 0, nil, nil
	}
	t, err := rd.spec.Type(id)
	if err != nil {
		return 0, nil, fmt.Errorf("BTF datasec %s: %w: %w", name, err, ErrBadBTF)
	}
	return id, t, nil
}

// readBTFExt parses .BTF.ext and hands its records to functions. It runs
// after readCode.
func (rd *reader) readBTFExt() error {
	i := rd.sectionIndex(".BTF.ext")
	if i < 0 {
		return nil
	}
	if rd.spec == nil {
		return fmt.Errorf("section .BTF.ext: object has no .BTF: %w", ErrBadBTF)
	}
	raw, err := rd.sectionData(i)
	if err != nil {
		return err
	}
	ext, err := btf.ParseExt(raw, rd.order, rd.spec)
	if err != nil {
		return fmt.Errorf("section .BTF.ext: %w: %w", err, ErrBadBTF)
	}
	names := make([]string, 0, len(ext.Sections))
	for name := range ext.Sections {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := rd.distributeExt(name, ext.Sections[name]); err != nil {
			return fmt.Errorf("section .BTF.ext: %w", err)
		}
	}
	for _, fn := range rd.obj.Units() {
		slices.SortStableFunc(fn.FuncInfo, func(a, b ir.FuncInfo) int { return a.Insn - b.Insn })
		slices.SortStableFunc(fn.LineInfo, func(a, b ir.LineInfo) int { return a.Insn - b.Insn })
		slices.SortStableFunc(fn.CORE, func(a, b *ir.CORERelo) int { return a.Insn - b.Insn })
		if len(fn.FuncInfo) > 1 {
			return fmt.Errorf("section .BTF.ext: section %q: function %s: a second func_info record, at insn %d: %w", fn.Section, fn.Name, fn.FuncInfo[1].Insn, ErrBadBTF)
		}
		if len(fn.FuncInfo) > 0 && fn.FuncInfo[0].Insn != 0 {
			return fmt.Errorf("section .BTF.ext: section %q: function %s: func_info record at insn %d, not at the function's start: %w", fn.Section, fn.Name, fn.FuncInfo[0].Insn, ErrBadBTF)
		}
		// func_info names the function's own type authoritatively.
		if len(fn.FuncInfo) > 0 {
			fn.BTFType = fn.FuncInfo[0].TypeID
		}
	}
	return nil
}

// locate finds the function of a code section containing the byte offset
// off of a .BTF.ext record, and the record's slot within it. The function
// is nil for a record in code between functions: an object written by
// libbpf's linker keeps the code of an overridden weak function, without
// its symbol, and its records; like libbpf, bpfc ignores them (that code
// is dead).
func (rd *reader) locate(cs *codeSection, kind string, n int, off uint32) (*ir.Function, int, error) {
	k, slot, err := rd.locateIndex(cs, kind, n, off)
	if err != nil || k < 0 {
		return nil, 0, err
	}
	return cs.funcs[k], slot, nil
}

// locateIndex is locate returning the function's index in cs.funcs (-1
// for dead code between functions).
func (rd *reader) locateIndex(cs *codeSection, kind string, n int, off uint32) (int, int, error) {
	if off%ir.InsnSize != 0 {
		return 0, 0, fmt.Errorf("section %q: %s record %d: offset %d is not a multiple of %d: %w", cs.name, kind, n, off, ir.InsnSize, ErrBadBTF)
	}
	if uint64(off/ir.InsnSize) >= uint64(cs.slots) {
		return 0, 0, fmt.Errorf("section %q: %s record %d: insn %d is not inside any function (past the section's %d insns): %w", cs.name, kind, n, off/ir.InsnSize, cs.slots, ErrBadBTF)
	}
	k := cs.funcIndex(int(off / ir.InsnSize))
	if k < 0 {
		return -1, 0, nil
	}
	return k, int(off/ir.InsnSize) - cs.funcs[k].SectionOffset, nil
}

// distributeExt moves the records of one section to its functions.
func (rd *reader) distributeExt(name string, es *btf.ExtSection) error {
	idx := rd.sectionIndex(name)
	cs := rd.code[idx]
	if idx < 0 || cs == nil {
		return fmt.Errorf("records for section %q, which is not a code section of the object: %w", name, ErrBadBTF)
	}
	// Size each function's slices first: the records of one kind share
	// one allocation.
	counts := make([]int, len(cs.funcs))
	for n, r := range es.FuncInfos {
		k, _, err := rd.locateIndex(cs, "func_info", n, r.InsnOff)
		if err != nil {
			return err
		}
		if k >= 0 {
			counts[k]++
		}
	}
	carve(cs.funcs, counts, len(es.FuncInfos), func(fn *ir.Function) *[]ir.FuncInfo { return &fn.FuncInfo })
	for n, r := range es.FuncInfos {
		fn, slot, err := rd.locate(cs, "func_info", n, r.InsnOff)
		if err != nil {
			return err
		}
		if fn == nil {
			continue
		}
		fn.FuncInfo = append(fn.FuncInfo, ir.FuncInfo{Insn: slot, TypeID: r.TypeID})
	}
	clear(counts)
	for n, r := range es.LineInfos {
		k, _, err := rd.locateIndex(cs, "line_info", n, r.InsnOff)
		if err != nil {
			return err
		}
		if k >= 0 {
			counts[k]++
		}
	}
	carve(cs.funcs, counts, len(es.LineInfos), func(fn *ir.Function) *[]ir.LineInfo { return &fn.LineInfo })
	for n, r := range es.LineInfos {
		fn, slot, err := rd.locate(cs, "line_info", n, r.InsnOff)
		if err != nil {
			return err
		}
		if fn == nil {
			continue
		}
		fn.LineInfo = append(fn.LineInfo, ir.LineInfo{
			Insn: slot, FileNameOff: r.FileNameOff, LineOff: r.LineOff,
			LineNum: r.LineNum, Col: r.Col, FileName: r.FileName, Line: r.Line,
		})
	}
	// The CO-RE records of a section share one allocation too.
	relos := make([]ir.CORERelo, len(es.CORERelos))
	for n, r := range es.CORERelos {
		fn, slot, err := rd.locate(cs, "core_relo", n, r.InsnOff)
		if err != nil {
			return err
		}
		if fn == nil {
			continue
		}
		relos[n] = ir.CORERelo{Insn: slot, TypeID: r.TypeID, Access: r.Access, Kind: r.Kind, State: ir.Pending}
		fn.CORE = append(fn.CORE, &relos[n])
	}
	return nil
}

// carve makes room for counts[k] more records in the slice field(funcs[k])
// of each function: an empty slice gets a capacity-capped part of one
// allocation of total records, a non-empty one grows on its own.
func carve[T any](funcs []*ir.Function, counts []int, total int, field func(*ir.Function) *[]T) {
	if total == 0 {
		return
	}
	block := make([]T, total)
	off := 0
	for k, c := range counts {
		if c == 0 {
			continue
		}
		if p := field(funcs[k]); len(*p) == 0 {
			*p = block[off : off : off+c]
		} else {
			*p = slices.Grow(*p, c)
		}
		off += c
	}
}
