// This file is the externs pass. It gives every extern symbol of the object
// a value, the way libbpf's bpf_object__resolve_externs does:
//
//   - .kconfig externs take their values from the target's kernel config
//     (CONFIG_*) or are computed (LINUX_KERNEL_VERSION,
//     LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER); the values are
//     written into the .kconfig map the datasec pass laid out (kconfig.go
//     parses and encodes them). They are always resolved now, also for the
//     loader backend, as libbpf's loader generator does.
//   - typed ksyms (kernel variables with a BTF type) get the BTF id of the
//     VAR of that name in vmlinux or module BTF, after a type
//     compatibility check; typeless ksyms get their address from kallsyms.
//   - kfuncs get the BTF id of the FUNC of that name (its ___flavor suffix
//     dropped: ir.Extern.KernelName, which the backends' load-time lookups
//     use too) in vmlinux or module BTF, after a prototype compatibility
//     check (a __weak kfunc whose prototype differs reads as missing, so
//     that of several flavors only the compatible one resolves); a module
//     kfunc takes a module slot in fd_array. A ksym's flavor is part of
//     its name, as for libbpf.
//   - with Context.Defer (or no target), ksyms and kfuncs are left for the
//     loader to look up at load time.
//   - constants of inline assembly (ir.ExternConst) keep the value the
//     user set (SetVariable), 0 by default, as cilium/ebpf leaves them.
//
// __weak externs that cannot be found read as zero (Missing). Finally every
// untyped extern reference (RelocExtern) becomes a reference to the
// .kconfig map value, a ksym load, a kfunc call or a constant.

package passes

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/core"
)

// Errors of the externs pass, for errors.Is.
var (
	// ErrExternNotFound is wrapped when a non-weak extern does not exist
	// in the target (kernel config, BTF or kallsyms).
	ErrExternNotFound = errors.New("extern not found in the target")
	// ErrExternIncompatible is wrapped when an extern's declared type does
	// not match the kernel's, or a kconfig value does not fit its type.
	ErrExternIncompatible = errors.New("extern incompatible with the target")
)

// Notes recorded on deferred externs: what the loader calls to find them.
const (
	noteDeferBTF      = "at load time (bpf_btf_find_by_name_kind)"
	noteDeferKallsyms = "at load time (bpf_kallsyms_lookup_name)"
)

func runExterns(ctx *Context, obj *ir.Object) error {
	r := &externResolver{ctx: ctx, obj: obj}
	r.announceKallsyms()
	r.askKernelForKfuncs()
	for _, e := range obj.Externs {
		var err error
		switch e.Kind {
		case ir.ExternKconfig:
			err = r.kconfig(e)
		case ir.ExternKsym:
			if e.Typed {
				err = r.typedKsym(e)
			} else {
				err = r.typelessKsym(e)
			}
		case ir.ExternKfunc:
			err = r.kfunc(e)
		case ir.ExternConst:
			e.State = ir.Resolved
			if e.ConstSet {
				e.Note = "inline-assembly constant, set"
			} else {
				e.Note = "inline-assembly constant, not set: 0"
			}
		default:
			err = fmt.Errorf("unknown extern kind %d: %w", e.Kind, ErrNotSupported)
		}
		if err != nil {
			if e.Section == "" && e.Kind == ir.ExternKfunc {
				return fmt.Errorf("extern %s (a function declared without __ksym): %w", e.Name, err)
			}
			return fmt.Errorf("extern %s (%s): %w", e.Name, e.Section, err)
		}
	}
	for _, f := range obj.Units() {
		if err := retypeExternRelocs(obj, f); err != nil {
			return err
		}
	}
	return nil
}

// externResolver resolves the externs of one object. Targets remember
// their facts (see Target); the resolver only keeps the module list it
// sorts.
type externResolver struct {
	ctx *Context
	obj *ir.Object

	mods    []namedSpec
	modErr  error
	modDone bool

	// kernelKfuncs are what the kernel found for kfuncs, by name
	// (askKernelForKfuncs).
	kernelKfuncs map[string]kernelKfunc
}

// kernelKfunc is where the kernel found a kfunc: id in vmlinux, else in a
// module, else (neither) nowhere.
type kernelKfunc struct {
	id       btf.TypeID
	inModule bool
}

// askKernelForKfuncs has the running kernel look up, in one go, the
// kfuncs the object calls, so that it needs no vmlinux BTF in this
// process; their prototypes are left to the verifier, which checks every
// call's arguments against the kernel's at load. For a strong kfunc a
// mismatch is an error whoever finds it; a __weak one (as vmlinux.h
// declares every kfunc) that the check would have left out fails the load,
// which the direct backend then explains with ir.ErrWeakKfuncIncompatible
// (bpfc.LoadFiles compiles again with NoKernelLookups). It asks nothing
// when some extern needs vmlinux BTF anyway (a typed ksym, a ___flavored
// kfunc: the choice of flavor rests on the prototype check), when the
// target cannot ask its kernel (target.Target.KernelIDs), when loading is
// deferred, or with NoKernelLookups.
func (r *externResolver) askKernelForKfuncs() {
	k, ok := r.ctx.Target.(kernelIDer)
	if !ok || r.deferred() || r.ctx.NoKernelLookups {
		return
	}
	var names []string
	for _, e := range r.obj.Externs {
		switch {
		case e.Kind == ir.ExternKsym && e.Typed:
			return
		case e.Kind != ir.ExternKfunc:
		case e.KernelName() != e.Name:
			return
		default:
			names = append(names, e.Name)
		}
	}
	if len(names) == 0 {
		return
	}
	ids, inModule, ok := k.KernelIDs(names, btf.KindFunc)
	if !ok {
		return
	}
	r.kernelKfuncs = make(map[string]kernelKfunc, len(names))
	for i, n := range names {
		r.kernelKfuncs[n] = kernelKfunc{ids[i], inModule[i]}
	}
}

// kernelIDer is implemented by targets whose kernel can look names up in
// its own BTF (target.Target for the running kernel).
type kernelIDer interface {
	KernelIDs(names []string, kind btf.Kind) (ids []btf.TypeID, inModule []bool, ok bool)
}

// kernelHasFuncs asks the target's kernel which of names are FUNCs of its
// vmlinux BTF; ok is false if it cannot answer (then look in BTF).
func (r *externResolver) kernelHasFuncs(names []string) (found map[string]bool, ok bool) {
	k, isK := r.ctx.Target.(kernelIDer)
	if !isK || r.ctx.NoKernelLookups {
		return nil, false
	}
	ids, _, ok := k.KernelIDs(names, btf.KindFunc)
	if !ok {
		return nil, false
	}
	found = make(map[string]bool, len(names))
	for i, id := range ids {
		found[names[i]] = id != 0
	}
	return found, true
}

// namedSpec is a module's BTF with the module's name.
type namedSpec struct {
	name string
	spec *btf.Spec
}

// announceKallsyms tells a target that reads kallsyms once per set of
// names (package target's WantKallsyms) which typeless ksyms the pass is
// about to ask for, so that one read of /proc/kallsyms answers them all.
func (r *externResolver) announceKallsyms() {
	if r.deferred() {
		return
	}
	var names []string
	for _, e := range r.obj.Externs {
		if e.Kind == ir.ExternKsym && !e.Typed {
			names = append(names, e.Name)
		}
	}
	if len(names) == 0 {
		return // most objects: not even the interface check (its method table is built at first use)
	}
	if w, ok := r.ctx.Target.(interface{ WantKallsyms(names ...string) }); ok {
		w.WantKallsyms(names...)
	}
}

// deferred reports whether target lookups of ksyms and kfuncs are left to
// load time: asked for, or no target to ask.
func (r *externResolver) deferred() bool { return r.ctx.Defer || r.ctx.Target == nil }

func (r *externResolver) targetBTF() (*btf.Spec, error) {
	if r.ctx.Target == nil {
		return nil, errors.New("no target kernel BTF")
	}
	return r.ctx.Target.BTF()
}

// modules returns the target's module BTFs sorted by module name, so that
// lookups are deterministic.
func (r *externResolver) modules() ([]namedSpec, error) {
	if !r.modDone {
		r.modDone = true
		if r.ctx.Target != nil {
			ms, err := r.ctx.Target.ModuleBTFs()
			r.modErr = err
			for _, name := range slices.Sorted(maps.Keys(ms)) {
				r.mods = append(r.mods, namedSpec{name, ms[name]})
			}
		}
	}
	return r.mods, r.modErr
}

// searched says, for an error about a kernel type not found, which BTF
// was searched: vmlinux and the modules' (a few named), or why no module's
// (the running kernel has no module BTF before Linux 5.11, or without
// CONFIG_DEBUG_INFO_BTF_MODULES).
func (r *externResolver) searched() string {
	mods, err := r.modules()
	switch {
	case err != nil:
		return fmt.Sprintf("searched vmlinux; module BTF: %v", err)
	case len(mods) > 0:
		const named = 6
		var names []string
		for _, m := range mods[:min(len(mods), named)] {
			names = append(names, m.name)
		}
		list := strings.Join(names, ", ")
		if len(mods) > named {
			list += fmt.Sprintf(" and %d more", len(mods)-named)
		}
		if len(mods) == 1 {
			return "searched vmlinux and module " + list
		}
		return fmt.Sprintf("searched vmlinux and %d modules: %s", len(mods), list)
	}
	if rk, ok := r.ctx.Target.(RunningKernel); ok && rk.RunningKernel() {
		if err := features.ModuleBTF.Check(); errors.Is(err, features.ErrNotSupported) {
			return "searched vmlinux only: " + err.Error()
		}
		return "searched vmlinux only: no loaded module has BTF"
	}
	return "searched vmlinux only: the target has no module BTF"
}

// missing records a weak extern that was not found: it reads as zero.
func (r *externResolver) missing(e *ir.Extern, note string) {
	e.State = ir.Resolved
	e.Missing = true
	e.Value = nil
	e.Addr, e.BTFID, e.BTFModule = 0, 0, ""
	e.Note = note
}

// findKernelType finds a named type of kind in the target: vmlinux first,
// then each module's own types (libbpf's find_ksym_btf_id). It returns the
// spec holding it and the module name ("" for vmlinux); id 0 if absent.
func (r *externResolver) findKernelType(name string, kind btf.Kind) (*btf.Spec, string, btf.TypeID, error) {
	vmlinux, err := r.targetBTF()
	if err != nil {
		return nil, "", 0, err
	}
	if id := firstOfKind(vmlinux, name, kind, 0); id != 0 {
		return vmlinux, "", id, nil
	}
	mods, err := r.modules()
	if err != nil {
		return nil, "", 0, fmt.Errorf("module BTF: %w", err)
	}
	for _, m := range mods {
		if id := firstOfKind(m.spec, name, kind, m.spec.FirstID()); id != 0 {
			return m.spec, m.name, id, nil
		}
	}
	return nil, "", 0, nil
}

// firstOfKind returns the first type of spec named name of kind, with an
// id of at least min (to skip the base types of split BTF), or 0.
func firstOfKind(spec *btf.Spec, name string, kind btf.Kind, min btf.TypeID) btf.TypeID {
	for _, id := range spec.FindByNameKind(name, kind) {
		if id >= min && spec.TypeKind(id) == kind {
			return id
		}
	}
	return 0
}

// where names the BTF a type was found in.
func where(module string) string {
	if module == "" {
		return "vmlinux"
	}
	return "module " + module
}

// typedKsym resolves a kernel variable with a BTF type to the BTF id of
// its VAR (libbpf's bpf_object__resolve_ksym_var_btf_id).
func (r *externResolver) typedKsym(e *ir.Extern) error {
	if r.deferred() {
		e.State, e.Note = ir.Deferred, noteDeferBTF
		return nil
	}
	if r.obj.BTF == nil {
		return fmt.Errorf("a typed ksym needs the object's BTF: %w", btf.ErrInvalid)
	}
	spec, mod, id, err := r.findKernelType(e.KernelName(), btf.KindVar)
	if err != nil {
		return err
	}
	if id == 0 {
		if e.Weak {
			r.missing(e, "ksym: no VAR in kernel BTF, __weak: zero")
			return nil
		}
		return fmt.Errorf("no VAR %s in kernel BTF (%s): %w", e.Name, r.searched(), ErrExternNotFound)
	}
	vt, err := spec.Type(id)
	if err != nil {
		return err
	}
	targType, err := spec.Skip(vt.Type)
	if err != nil {
		return err
	}
	ok, err := core.TypesAreCompat(r.obj.BTF, e.LocalType, spec, targType)
	if err != nil {
		return fmt.Errorf("comparing with %s [%d]: %w", where(mod), id, err)
	}
	if !ok {
		return fmt.Errorf("declared as [%d] %s, but %s has [%d] %s: %w",
			e.LocalType, describeType(r.obj.BTF, e.LocalType), where(mod), targType, describeType(spec, targType), ErrExternIncompatible)
	}
	e.State = ir.Resolved
	e.Missing = false
	e.BTFID = uint32(id)
	e.BTFModule = mod
	e.Note = fmt.Sprintf("ksym: VAR %s [%d] in %s", e.Name, id, where(mod))
	return nil
}

// typelessKsym resolves a kernel symbol declared without a type (extern
// const void x __ksym) to its address in kallsyms.
func (r *externResolver) typelessKsym(e *ir.Extern) error {
	if r.deferred() {
		e.State, e.Note = ir.Deferred, noteDeferKallsyms
		return nil
	}
	addr, ok, err := r.ctx.Target.Kallsyms(e.Name)
	if err != nil {
		return fmt.Errorf("kallsyms: %w", err)
	}
	switch {
	case ok && addr != 0:
	case e.Weak:
		why := "ksym: not in kallsyms, __weak: zero"
		if ok {
			why = "ksym: kallsyms hides its address (kptr_restrict?), __weak: zero"
		}
		r.missing(e, why)
		return nil
	case ok:
		return fmt.Errorf("kallsyms shows address 0 (kptr_restrict, or not privileged to read kernel addresses): %w", ErrExternNotFound)
	default:
		return fmt.Errorf("not in kallsyms: %w", ErrExternNotFound)
	}
	e.State = ir.Resolved
	e.Missing = false
	e.Addr = addr
	e.Value = make([]byte, 8)
	byteOrder(r.obj).PutUint64(e.Value, addr)
	e.Note = "ksym: kallsyms"
	return nil
}

// kfunc resolves a kernel function to the BTF id of its FUNC (libbpf's
// bpf_object__resolve_ksym_func_btf_id), looked up by the extern's
// KernelName (its ___flavor suffix dropped), after the prototype check
// (ir.CheckKfuncProto). A kfunc of a module takes a module slot.
func (r *externResolver) kfunc(e *ir.Extern) error {
	if r.deferred() {
		e.State, e.Note = ir.Deferred, noteDeferBTF
		return nil
	}
	name := e.KernelName()
	if k, asked := r.kernelKfuncs[e.Name]; asked {
		switch {
		case k.id != 0:
			e.State = ir.Resolved
			e.Missing = false
			e.BTFID = uint32(k.id)
			e.BTFModule = ""
			e.ProtoUnchecked = true
			e.Note = fmt.Sprintf("kfunc: FUNC %s [%d] in vmlinux, found by the kernel (prototype checked by the verifier)", name, k.id)
			return nil
		case !k.inModule && e.Weak:
			r.missing(e, "kfunc: in no kernel or module BTF (the kernel looked), __weak: zero")
			return nil
		}
		// In a module, or a strong kfunc nowhere: looked up here, for
		// the module's BTF or for the error's detail.
	}
	spec, mod, id, err := r.findKernelType(name, btf.KindFunc)
	if err != nil {
		return err
	}
	if id == 0 {
		if e.Weak {
			r.missing(e, "kfunc: no FUNC in kernel BTF, __weak: zero")
			return nil
		}
		if e.Section == "" {
			// Most likely a function of another object that was not
			// linked in (the merge pass resolves those): a kfunc would
			// be declared __ksym.
			return fmt.Errorf("no FUNC %s in kernel or module BTF (%s), and no object linked with this one defines it: %w", name, r.searched(), ErrExternNotFound)
		}
		return fmt.Errorf("no FUNC %s in kernel or module BTF (%s): %w", name, r.searched(), ErrExternNotFound)
	}
	proto, err := ir.CheckKfuncProto(r.obj.BTF, e, spec, id)
	if err != nil {
		return fmt.Errorf("comparing with %s [%d]: %w", where(mod), id, err)
	}
	if proto == ir.ProtoIncompatible {
		if e.Weak {
			r.missing(e, fmt.Sprintf("kfunc: prototype incompatible with FUNC %s [%d] in %s, __weak: zero", name, id, where(mod)))
			return nil
		}
		ft, err := spec.Type(id)
		if err != nil {
			return err
		}
		return fmt.Errorf("func_proto [%d] %s incompatible with %s func_proto [%d] %s of %s: %w: %w",
			e.LocalType, describeType(r.obj.BTF, e.LocalType), where(mod), ft.Type, describeType(spec, ft.Type), name, ErrExternIncompatible, ir.ErrKfuncIncompatible)
	}
	if mod != "" && !slices.Contains(r.obj.ModuleSlots, mod) {
		r.obj.ModuleSlots = append(r.obj.ModuleSlots, mod)
	}
	e.State = ir.Resolved
	e.Missing = false
	e.BTFID = uint32(id)
	e.BTFModule = mod
	e.ProtoUnchecked = false
	e.Note = fmt.Sprintf("kfunc: FUNC %s [%d] in %s", name, id, where(mod))
	if proto == ir.ProtoUnchecked {
		// Called as a kfunc without a FUNC in the object's BTF: there is
		// no declared prototype to compare.
		e.Note += " (prototype not checked: no local BTF)"
	}
	return nil
}

// describeType names a type for error messages: "struct rq", "int",
// "func_proto (2 params)".
func describeType(spec *btf.Spec, id btf.TypeID) string {
	t, err := spec.Type(id)
	if err != nil {
		return fmt.Sprintf("type %d (%v)", id, err)
	}
	switch {
	case id == 0:
		return "void"
	case t.Kind == btf.KindFuncProto:
		return fmt.Sprintf("func_proto (%d params)", len(t.Params))
	case t.Name == "":
		return "anonymous " + t.Kind.String()
	case t.Kind == btf.KindInt || t.Kind == btf.KindFloat || t.Kind == btf.KindTypedef:
		return t.Name
	}
	return t.Kind.String() + " " + t.Name
}

// retypeExternRelocs turns the untyped extern references of one function
// into .kconfig map value references, ksym loads or kfunc calls.
func retypeExternRelocs(obj *ir.Object, f *ir.Function) error {
	for _, rel := range f.Relocs {
		if rel.Kind != ir.RelocExtern {
			continue
		}
		e := obj.Extern(rel.Symbol)
		if e == nil {
			return fmt.Errorf("%s: insn %d: reference to unknown extern %s: %w", f.Name, rel.Insn, rel.Symbol, ErrNotFound)
		}
		if rel.Insn < 0 || rel.Insn >= len(f.Insns) {
			return fmt.Errorf("%s: insn %d: reference to extern %s outside the code: %w", f.Name, rel.Insn, rel.Symbol, btf.ErrInvalid)
		}
		in := f.Insns[rel.Insn]
		switch {
		case in.IsCall() && e.Kind == ir.ExternKfunc:
			rel.Kind = ir.RelocKfunc
		case in.IsCall():
			return fmt.Errorf("%s: insn %d: call to %s extern %s, which is not a function: %w", f.Name, rel.Insn, e.Kind, e.Name, btf.ErrInvalid)
		case !in.IsLdImm64():
			return fmt.Errorf("%s: insn %d: reference to extern %s is neither ld_imm64 nor call: %w", f.Name, rel.Insn, e.Name, btf.ErrInvalid)
		case e.Kind == ir.ExternKconfig:
			rel.Kind = ir.RelocMapValue
			rel.Symbol = kconfigSec
			rel.Offset += int64(e.Offset)
		case e.Kind == ir.ExternConst:
			rel.Kind = ir.RelocConst
		default:
			rel.Kind = ir.RelocKsym
		}
	}
	return nil
}
