// This file reads the object's .BTF and .BTF.ext sections: it parses the
// BTF, indexes the names the frontend looks up (functions, datasecs), and
// distributes func_info, line_info and CO-RE records to the functions that
// contain their instructions, as slot indexes relative to each function.

package elf

import (
	"fmt"
	"slices"

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
	// Two walks: the first counts each function's records (and checks
	// where they point), the second fills slices sized by the counts. The
	// records go straight from the section into the functions: a parsed
	// btf.Ext would hold them all a second time.
	d := &extDistributor{rd: rd}
	for _, fill := range []bool{false, true} {
		d.fill = fill
		if _, err := btf.WalkExt(raw, rd.order, rd.spec, d); err != nil {
			if d.err != nil {
				return fmt.Errorf("section .BTF.ext: %w", d.err)
			}
			return fmt.Errorf("section .BTF.ext: %w: %w", err, ErrBadBTF)
		}
		if !fill {
			d.size()
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

// extDistributor is the btf.ExtVisitor that hands .BTF.ext records to
// the functions containing their instructions, as slot indexes relative to
// each function. A counting walk (fill false) checks every func_info and
// line_info record's place and counts them by function; size then carves
// each function's slices out of one allocation per kind and section; the
// filling walk appends the records. Its errors are kept in err.
type extDistributor struct {
	rd   *reader
	fill bool
	secs []*extSec
	cur  *extSec
	kind int
	// relos are the CO-RE records of the current block of a section
	// (filling walk): one allocation, next is the next to fill.
	relos []ir.CORERelo
	next  int
	err   error
}

// extSec is a code section's state during the walks.
type extSec struct {
	cs     *codeSection
	name   string
	n      [3]int   // records of each kind seen so far in this walk, for messages
	counts [2][]int // func_info and line_info records by function
}

// The kinds of records, indexes of extSec.n.
const (
	extFunc = iota
	extLine
	extCORE
)

// extKinds names the kinds of records in messages.
var extKinds = [3]string{"func_info", "line_info", "core_relo"}

func (d *extDistributor) fail(err error) error {
	d.err = err
	return err
}

// ExtSection starts the n records of kind of section name.
func (d *extDistributor) ExtSection(kind, name string, n int) error {
	switch kind {
	case "func_info":
		d.kind = extFunc
	case "line_info":
		d.kind = extLine
	default:
		d.kind = extCORE
	}
	d.cur = nil
	for _, es := range d.secs {
		if es.name == name {
			d.cur = es
			break
		}
	}
	if d.cur == nil {
		idx := d.rd.sectionIndex(name)
		if idx < 0 || d.rd.code[idx] == nil {
			return d.fail(fmt.Errorf("records for section %q, which is not a code section of the object: %w", name, ErrBadBTF))
		}
		cs := d.rd.code[idx]
		counts := make([]int, 2*len(cs.funcs))
		d.cur = &extSec{cs: cs, name: name, counts: [2][]int{counts[:len(cs.funcs)], counts[len(cs.funcs):]}}
		d.secs = append(d.secs, d.cur)
	}
	if d.fill && d.kind == extCORE {
		// The CO-RE records of a block share one allocation.
		d.relos, d.next = make([]ir.CORERelo, n), 0
	}
	return nil
}

// count counts, in the counting walk, a func_info or line_info record at
// off by function.
func (d *extDistributor) count(off uint32) error {
	es := d.cur
	k, _, err := d.rd.locateIndex(es.cs, extKinds[d.kind], es.n[d.kind], off)
	es.n[d.kind]++
	if err != nil {
		return d.fail(err)
	}
	if k >= 0 {
		es.counts[d.kind][k]++
	}
	return nil
}

// place returns the function and slot of the record at off (filling
// walk), a nil function for dead code between functions.
func (d *extDistributor) place(off uint32) (*ir.Function, int, error) {
	es := d.cur
	fn, slot, err := d.rd.locate(es.cs, extKinds[d.kind], es.n[d.kind], off)
	es.n[d.kind]++
	if err != nil {
		return nil, 0, d.fail(err)
	}
	return fn, slot, nil
}

func (d *extDistributor) FuncInfo(r btf.FuncInfo) error {
	if !d.fill {
		return d.count(r.InsnOff)
	}
	fn, slot, err := d.place(r.InsnOff)
	if err == nil && fn != nil {
		fn.FuncInfo = append(fn.FuncInfo, ir.FuncInfo{Insn: slot, TypeID: r.TypeID})
	}
	return err
}

func (d *extDistributor) LineInfo(r btf.LineInfo) error {
	if !d.fill {
		return d.count(r.InsnOff)
	}
	fn, slot, err := d.place(r.InsnOff)
	if err == nil && fn != nil {
		fn.LineInfo = append(fn.LineInfo, ir.LineInfo{
			Insn: slot, FileNameOff: r.FileNameOff, LineOff: r.LineOff,
			LineNum: r.LineNum, Col: r.Col, FileName: r.FileName, Line: r.Line,
		})
	}
	return err
}

func (d *extDistributor) CORERelo(r btf.CORERelo) error {
	if !d.fill {
		return nil // placed (and checked) by the filling walk
	}
	fn, slot, err := d.place(r.InsnOff)
	if err == nil && fn != nil {
		cr := &d.relos[d.next]
		*cr = ir.CORERelo{Insn: slot, TypeID: r.TypeID, Access: r.Access, Kind: r.Kind, State: ir.Pending}
		fn.CORE = append(fn.CORE, cr)
	}
	d.next++
	return err
}

// size gives, after the counting walk, each function room for its
// func_info and line_info records, and restarts the record numbering.
func (d *extDistributor) size() {
	for _, es := range d.secs {
		total := [2]int{}
		for kind, counts := range es.counts {
			for _, c := range counts {
				total[kind] += c
			}
		}
		carve(es.cs.funcs, es.counts[extFunc], total[extFunc], func(fn *ir.Function) *[]ir.FuncInfo { return &fn.FuncInfo })
		carve(es.cs.funcs, es.counts[extLine], total[extLine], func(fn *ir.Function) *[]ir.LineInfo { return &fn.LineInfo })
		es.n = [3]int{}
	}
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
