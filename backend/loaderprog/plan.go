// This file checks the IR a loader is generated from and plans the
// scratch part of the blob (fd_array region, result slots): the deferred
// extern lookups of every program and the records a loader cannot handle.

package loaderprog

import (
	"fmt"
	"math"
	"strings"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// gen is the state of one Generate.
type gen struct {
	obj  *ir.Object
	opts *Options
	e    emitter
	b    blob
	lay  rt.Layout

	cleanup label
	steps   []string

	hasBTF     bool
	fdArray    int // blob offset of the fd_array region
	modFirst   int // first fd_array index for module BTF fds of kfuncs
	results    int // blob offset of the result slots
	progFDs    int // blob offset of the programs' fds (rt.FDRecord)
	nResults   int // number of u64 result slots
	nextResult int
	fdResults  []int // result slots that may hold a BTF fd in their upper half

	// struct_ops: the spec of each struct_ops map created (nil for other
	// maps), the function slots of the context, the first slot of each
	// struct_ops program, the blob offset of each map's value.
	structOps []*rt.StructOpsSpec
	slots     []rt.StructOpsSlot
	progSlot  map[int]int
	soValue   map[int]int
}

// lookup is one load-time name lookup of a program: a deferred kfunc or
// ksym, with every instruction that refers to it.
type lookup struct {
	ext   *ir.Extern
	index int      // the extern's index in obj.Externs
	refs  []extRef // the instructions referring to it
	slot  int      // fd_array index for a kfunc's module BTF fd
}

// extRef is one instruction referring to an extern: a kfunc call, or a
// ld_imm64 of a ksym (or of a kfunc's address, as bpf_ksym_exists does).
type extRef struct {
	at   int
	call bool
}

// kind returns the BTF kind the extern is looked up by.
func (lk *lookup) kind() btf.Kind {
	if lk.ext.Kind == ir.ExternKfunc {
		return btf.KindFunc
	}
	return btf.KindVar
}

// typeless reports a ksym found through kallsyms rather than BTF.
func (lk *lookup) typeless() bool { return lk.ext.Kind == ir.ExternKsym && !lk.ext.Typed }

// hasCall reports whether a kfunc call refers to the extern.
func (lk *lookup) hasCall() bool {
	for _, r := range lk.refs {
		if r.call {
			return true
		}
	}
	return false
}

// programLookups returns the deferred extern lookups of p, in order of
// first use, and fails on records that a loader cannot handle.
func (g *gen) programLookups(p *ir.Program) ([]*lookup, error) {
	var out []*lookup
	byName := map[string]*lookup{}
	for _, r := range p.Relocs {
		if r.Insn < 0 || r.Insn >= len(p.Insns) {
			return nil, fmt.Errorf("program %s: %w: %s relocation at insn %d out of range", p.Name, ErrInvalidObject, r.Kind, r.Insn)
		}
		switch r.State {
		case ir.Pending:
			return nil, fmt.Errorf("program %s: %w: %s relocation of %s at insn %d is still pending (run every pass first)", p.Name, ErrInvalidObject, r.Kind, r.Symbol, r.Insn)
		case ir.Resolved:
			if err := g.checkResolved(p, r); err != nil {
				return nil, err
			}
			continue
		}
		switch r.Kind {
		case ir.RelocMap, ir.RelocMapValue:
			continue // fd_array indices: the kernel resolves them
		case ir.RelocKfunc, ir.RelocKsym:
		default:
			return nil, fmt.Errorf("program %s: %w: %s relocation of %s at insn %d deferred to load time", p.Name, errNotSupported, r.Kind, r.Symbol, r.Insn)
		}
		in := p.Insns[r.Insn]
		if r.Kind == ir.RelocKfunc && !in.IsCall() || r.Kind == ir.RelocKsym && (!in.IsLdImm64() || r.Insn+1 >= len(p.Insns)) {
			return nil, fmt.Errorf("program %s: %w: %s %s at insn %d: wrong instruction", p.Name, ErrInvalidObject, r.Kind, r.Symbol, r.Insn)
		}
		lk := byName[r.Symbol]
		if lk == nil {
			idx := -1
			for i, e := range g.obj.Externs {
				if e.Name == r.Symbol {
					idx = i
				}
			}
			if idx < 0 {
				return nil, fmt.Errorf("program %s: %w: reference to unknown extern %s", p.Name, ErrInvalidObject, r.Symbol)
			}
			ext := g.obj.Externs[idx]
			if r.Kind == ir.RelocKfunc && ext.Kind != ir.ExternKfunc || ext.Kind == ir.ExternKconfig {
				return nil, fmt.Errorf("program %s: %w: %s relocation of %s extern %s", p.Name, ErrInvalidObject, r.Kind, ext.Kind, ext.Name)
			}
			lk = &lookup{ext: ext, index: idx}
			byName[r.Symbol] = lk
			out = append(out, lk)
		}
		lk.refs = append(lk.refs, extRef{at: r.Insn, call: r.Kind == ir.RelocKfunc})
	}
	return out, nil
}

// checkResolved rejects resolved records whose value only a user-space
// loader could supply.
func (g *gen) checkResolved(p *ir.Program, r *ir.Reloc) error {
	in := p.Insns[r.Insn]
	switch r.Kind {
	case ir.RelocMap, ir.RelocMapValue:
		if in.Src != ir.PseudoMapIdx && in.Src != ir.PseudoMapIdxValue {
			return fmt.Errorf("program %s: %w: map %s at insn %d is not referenced by fd_array index", p.Name, errNotSupported, r.Symbol, r.Insn)
		}
	case ir.RelocKfunc:
		if in.IsKfuncCall() && in.Off != 0 {
			return fmt.Errorf("program %s: %w: kfunc %s lives in a kernel module; generate with deferred externs", p.Name, errNotSupported, r.Symbol)
		}
	}
	return nil
}

// plan lays out the scratch part of the blob: the fd_array region and the
// result slots.
func (g *gen) plan() error {
	obj := g.obj
	g.soValue = map[int]int{}
	if err := g.planStructOps(); err != nil {
		return err
	}
	if size := g.lay.Size(); size-8 > math.MaxInt16 {
		return fmt.Errorf("%w: loader context of %d bytes (%d maps, %d programs): offsets beyond 32K cannot be addressed",
			ErrTooLarge, size, len(obj.Maps), len(obj.Programs))
	}
	g.hasBTF = obj.BTF != nil
	g.modFirst = max(len(obj.Maps), 1) + len(obj.ModuleSlots)
	maxKfuncs := 0
	for _, p := range obj.Programs {
		if !p.Autoload {
			continue
		}
		if p.Unsupported != "" {
			return fmt.Errorf("program %s: %w: %s", p.Name, errNotSupported, p.Unsupported)
		}
		lks, err := g.programLookups(p)
		if err != nil {
			return err
		}
		n := 0
		for _, lk := range lks {
			if lk.hasCall() {
				n++
			}
		}
		g.nResults += len(lks)
		if p.AttachBTFKind != 0 && p.AttachBTFName != "" {
			g.nResults++
		}
		maxKfuncs = max(maxKfuncs, n)
	}
	if err := g.checkFlavors(); err != nil {
		return err
	}
	if len(obj.ModuleSlots) > 0 {
		return fmt.Errorf("%w: kfuncs resolved in kernel modules (%s) at generation time; generate with deferred externs",
			errNotSupported, strings.Join(obj.ModuleSlots, ", "))
	}
	if g.modFirst+maxKfuncs > math.MaxInt16 {
		return fmt.Errorf("%w: fd_array of %d slots: kfunc offsets are 16-bit", ErrTooLarge, g.modFirst+maxKfuncs)
	}
	g.fdArray = g.b.reserve(4 * (g.modFirst + maxKfuncs))
	g.results = g.b.reserve(8 * g.nResults)
	g.progFDs = g.b.reserve(4 * len(obj.Programs))
	return nil
}

// result hands out the next result slot; fd marks one that may hold a BTF
// object fd in its upper half, closed by cleanup.
func (g *gen) result(fd bool) int {
	off := g.results + 8*g.nextResult
	g.nextResult++
	if g.nextResult > g.nResults {
		g.e.failf("internal error: more result slots than planned (%d)", g.nResults)
	}
	if fd {
		g.fdResults = append(g.fdResults, off)
	}
	return off
}

// progIndex returns the index of the program called name, or -1.
func (g *gen) progIndex(name string) int {
	for j, p := range g.obj.Programs {
		if p.Name == name {
			return j
		}
	}
	return -1
}

// checkFlavors refuses an object declaring several flavors of one kfunc
// (bpf_foo___old, bpf_foo___new) with prototypes incompatible with each
// other, when they are left to load time. Elsewhere only the flavor whose
// prototype is compatible with the kernel's resolves (the others, __weak,
// read as missing: core.CheckKfuncProto), which is what a program testing
// bpf_ksym_exists(bpf_foo___old) relies on; a loader program finds each by
// name with bpf_btf_find_by_name_kind and cannot compare prototypes (the
// kernel's BTF is not readable from it), so every flavor would resolve,
// and the verifier would reject the call of the wrong one.
func (g *gen) checkFlavors() error {
	if g.obj.BTF == nil {
		return nil
	}
	first := map[string]*ir.Extern{}
	for _, e := range g.obj.Externs {
		if e.Kind != ir.ExternKfunc || e.State != ir.Deferred || e.TypeID == 0 {
			continue
		}
		kname := e.KernelName()
		f, ok := first[kname]
		if !ok {
			first[kname] = e
			continue
		}
		compat, err := btf.TypesAreCompat(g.obj.BTF, f.LocalType, g.obj.BTF, e.LocalType)
		if err != nil {
			return fmt.Errorf("%w: comparing the prototypes of kfuncs %s and %s: %w", ErrInvalidObject, f.Name, e.Name, err)
		}
		if !compat {
			return fmt.Errorf("%w: kfuncs %s and %s, flavors of %s, are declared with incompatible prototypes: "+
				"only the one matching the kernel's may resolve, and a loader program cannot compare prototypes at load time; "+
				"load with the direct backend (or, for kfuncs of vmlinux, generate against the target kernel without deferring externs)",
				errNotSupported, f.Name, e.Name, kname)
		}
	}
	return nil
}
