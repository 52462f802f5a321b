// This file is the link pass, libbpf's bpf_object__relocate_calls: every
// program (autoloaded or not) gets a private copy of each subprogram it
// calls or takes the address of (callbacks of bpf_loop,
// bpf_for_each_map_elem, timers), appended once after its code in
// first-use order, recursively. The appended code brings its relocation,
// CO-RE, func_info and line_info records along, shifted to their new
// slots, and call and ld_imm64-of-function offsets are patched to point at
// the copies. Subprograms no program uses are left alone.

package passes

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/bpfc/bpfc/ir"
)

func runLink(ctx *Context, obj *ir.Object) error {
	for _, p := range obj.Programs {
		if err := linkProgram(obj, p); err != nil {
			return fmt.Errorf("program %s: %w", p.Name, err)
		}
	}
	return nil
}

// linkProgram appends what p needs and patches its calls. Like libbpf's
// bpf_object__reloc_code it goes depth first: a subprogram's own calls are
// linked right after it is appended, before the caller's next call.
func linkProgram(obj *ir.Object, p *ir.Program) error {
	l := linker{obj: obj, p: p, start: map[string]int{}}
	if len(p.Linked) > 0 {
		// Linked before (the pass ran twice): reuse the copies.
		if err := locateLinked(obj, p, l.start); err != nil {
			return err
		}
	}
	return l.relocate(p.Relocs)
}

// linker links one program.
type linker struct {
	obj   *ir.Object
	p     *ir.Program
	start map[string]int // subprogram -> its first slot in p.Code
}

// relocate patches the pending call and function-address records among
// relocs, appending (and relocating) subprograms on first use.
func (l *linker) relocate(relocs []*ir.Reloc) error {
	code := &l.p.Code
	for _, r := range relocs {
		if r.Kind != ir.RelocCall && r.Kind != ir.RelocFunc || r.State != ir.Pending {
			continue
		}
		at, err := callTarget(l.obj, r)
		if err != nil {
			return fmt.Errorf("insn %d: %w", r.Insn, err)
		}
		pos, ok := l.start[at.Name]
		if !ok {
			n := len(code.Relocs)
			pos = appendCode(code, &at.Code)
			l.start[at.Name] = pos
			if l.p.Linked == nil {
				l.p.Linked = make([]string, 0, len(l.obj.Subprogs))
			}
			l.p.Linked = append(l.p.Linked, at.Name)
			if err := l.relocate(code.Relocs[n:len(code.Relocs):len(code.Relocs)]); err != nil {
				return err
			}
		}
		if r.Offset%ir.InsnSize != 0 {
			return fmt.Errorf("insn %d: %s of %s%+d: offset is not a multiple of %d", r.Insn, r.Kind, r.Symbol, r.Offset, ir.InsnSize)
		}
		target := pos + int(r.Offset/ir.InsnSize)
		if target < pos || target >= pos+len(at.Insns) {
			return fmt.Errorf("insn %d: %s of %s%+d: offset outside the %d-instruction function", r.Insn, r.Kind, r.Symbol, r.Offset, len(at.Insns))
		}
		rel := target - (r.Insn + 1)
		in := &code.Insns[r.Insn]
		if r.Kind == ir.RelocCall {
			if !in.IsPseudoCall() {
				return fmt.Errorf("insn %d: call of %s: instruction is not a bpf2bpf call", r.Insn, r.Symbol)
			}
			in.Imm = int32(rel)
		} else {
			if !isLdImm64(code.Insns, r.Insn) {
				return fmt.Errorf("insn %d: address of function %s: instruction is not a ld_imm64", r.Insn, r.Symbol)
			}
			in.Src = ir.PseudoFunc
			in.Imm = int32(rel)
			code.Insns[r.Insn+1].Imm = 0
		}
		r.State = ir.Resolved
		r.Note = at.Name + " at insn " + strconv.Itoa(target)
	}
	return nil
}

// locateLinked finds where already linked subprograms start in p, from
// their func_info or, failing that, the order they were appended in.
func locateLinked(obj *ir.Object, p *ir.Program, start map[string]int) error {
	pos := len(p.Insns)
	for i := len(p.Linked) - 1; i >= 0; i-- {
		f := obj.Subprog(p.Linked[i])
		if f == nil {
			return fmt.Errorf("linked subprogram %s: %w", p.Linked[i], ErrNotFound)
		}
		pos -= len(f.Insns)
		if pos < 0 {
			return fmt.Errorf("linked subprogram %s does not fit the program's code", f.Name)
		}
		start[f.Name] = pos
	}
	return nil
}

// callTarget returns the subprogram r calls or takes the address of.
func callTarget(obj *ir.Object, r *ir.Reloc) (*ir.Function, error) {
	if f := obj.Subprog(r.Symbol); f != nil {
		return f, nil
	}
	if q := obj.Program(r.Symbol); q != nil {
		// libbpf only links functions of .text, which are never entry
		// points: calling a program's entry function is refused.
		return nil, fmt.Errorf("%s of %s, which is the entry function of program %s (section %s): only subprograms can be called: %w",
			r.Kind, r.Symbol, q.Name, q.Section, ErrNotSupported)
	}
	return nil, fmt.Errorf("%s of unknown function %s: %w", r.Kind, r.Symbol, ErrNotFound)
}

// appendCode appends a copy of src to dst, with every record deep-copied
// and shifted to the new slots, and returns the slot where it starts. The
// copies of src's relocation records share one allocation, as do those
// of its CO-RE records.
func appendCode(dst, src *ir.Code) int {
	pos := len(dst.Insns)
	dst.Insns = append(dst.Insns, src.Insns...)
	if len(src.Relocs) > 0 {
		relocs := make([]ir.Reloc, len(src.Relocs))
		dst.Relocs = slices.Grow(dst.Relocs, len(relocs))
		for i, r := range src.Relocs {
			relocs[i] = *r
			relocs[i].Insn += pos
			dst.Relocs = append(dst.Relocs, &relocs[i])
		}
	}
	if len(src.CORE) > 0 {
		core := make([]ir.CORERelo, len(src.CORE))
		dst.CORE = slices.Grow(dst.CORE, len(core))
		for i, r := range src.CORE {
			core[i] = *r
			core[i].Insn += pos
			dst.CORE = append(dst.CORE, &core[i])
		}
	}
	dst.FuncInfo = slices.Grow(dst.FuncInfo, len(src.FuncInfo))
	for _, fi := range src.FuncInfo {
		fi.Insn += pos
		dst.FuncInfo = append(dst.FuncInfo, fi)
	}
	dst.LineInfo = slices.Grow(dst.LineInfo, len(src.LineInfo))
	for _, li := range src.LineInfo {
		li.Insn += pos
		dst.LineInfo = append(dst.LineInfo, li)
	}
	return pos
}
