// This file loads the object's programs: the BPF_PROG_LOAD attribute for
// each autoloaded program (instructions, fd_array of map fds, BTF func and
// line info, kernel-side CO-RE records, attach BTF ids), resolving the
// kfunc and ksym references the passes deferred to load time.

package direct

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/target"
	"github.com/bpfc/bpfc/uapi"
)

// Program is a program loaded by Load.
type Program struct {
	// Name is the program's function name; Section its ELF section.
	Name, Section string
	// KernelName is the name given to the kernel (at most 15 bytes).
	KernelName string
	// Type and AttachType are the program's BPF_PROG_TYPE_* and expected
	// attach type.
	Type       uapi.ProgType
	AttachType uapi.AttachType
	// AttachTo is the program's attach target: the one its section names,
	// or the one set instead (bpfc.Options.AttachTarget); Attach attaches
	// there.
	AttachTo string
	// AttachBTFID is the vmlinux BTF id of the attach target (tp_btf,
	// fentry, lsm, iter), 0 if none.
	AttachBTFID btf.TypeID
	// ID is the kernel's id for the program.
	ID uint32
	// VerifierLog is the verifier's log of a successful load when
	// Options.LogLevel asked for one.
	VerifierLog string
	// PinPath is where the program is pinned ("" if it is not).
	PinPath string

	fd *sys.FD // owns the program's file descriptor
}

// FD returns the program's file descriptor (-1 when closed). The Program
// keeps owning it: give DupFD's descriptor to code that takes ownership
// (as cilium/ebpf's NewProgramFromFD does).
func (p *Program) FD() int { return p.fd.Int() }

// DupFD returns a new descriptor of the program (close-on-exec), owned by
// the caller.
func (p *Program) DupFD() (int, error) {
	dup, err := p.fd.Dup()
	if err != nil {
		return -1, fmt.Errorf("program %s: %w", p.Name, err)
	}
	return dup.Disown(), nil
}

// Info asks the kernel for the program's info (including its translated
// instructions).
func (p *Program) Info() (*ProgramInfo, error) {
	info, err := sys.ProgInfoByFD(p.fd)
	if err != nil {
		return nil, fmt.Errorf("program %s: %w", p.Name, err)
	}
	pi := ProgramInfo(*info)
	return &pi, nil
}

// TestRun runs the program once (or opts.Repeat times) with
// BPF_PROG_TEST_RUN.
func (p *Program) TestRun(opts TestRunOptions) (*TestRunResult, error) {
	res, err := sys.TestRun(p.fd, sys.TestRunOpts(opts))
	if err != nil {
		return nil, fmt.Errorf("program %s: test run: %w", p.Name, err)
	}
	r := TestRunResult(*res)
	return &r, nil
}

// Pin pins the program at path (on a bpffs).
func (p *Program) Pin(path string) error {
	if err := sys.ObjPin(p.fd, path); err != nil {
		return fmt.Errorf("program %s: pin: %w", p.Name, err)
	}
	p.PinPath = path
	return nil
}

// Close closes the program's file descriptor.
func (p *Program) Close() error { return p.fd.Close() }

// findKernelType returns the id of the vmlinux type called name of kind
// kind (any kind for btf.KindUnknown).
func (l *loader) findKernelType(name string, kind btf.Kind) (btf.TypeID, error) {
	if id, ok := l.kernelIDs[target.NameKind{Name: name, Kind: kind}]; ok {
		return id, nil
	}
	spec, err := l.kernelBTF()
	if err != nil {
		return 0, err
	}
	// By kind, so that a tp_btf typedef lookup does not index every
	// function and variable of vmlinux.
	for _, id := range spec.FindByNameKind(name, kind) {
		if kind == btf.KindUnknown || spec.TypeKind(id) == kind {
			return id, nil
		}
	}
	return 0, fmt.Errorf("kernel BTF has no %s %q: %w", kind, name, btf.ErrNotFound)
}

// findKernelSymbol finds a function or variable by name the way the
// externs pass does (libbpf's find_ksym_btf_id): in vmlinux, then in the
// own types of each loaded module's BTF (/sys/kernel/btf/<module>, by
// module name). It returns the module holding it, "" for vmlinux.
func (l *loader) findKernelSymbol(name string, kind btf.Kind) (btf.TypeID, string, error) {
	id, err := l.findKernelType(name, kind)
	if err == nil || !errors.Is(err, btf.ErrNotFound) {
		return id, "", err
	}
	mods, merr := target.Running().ModuleBTFs()
	if merr != nil {
		return 0, "", fmt.Errorf("kernel BTF has no %s %q in vmlinux, and module BTF: %w", kind, name, merr)
	}
	names := slices.Sorted(maps.Keys(mods))
	for _, mod := range names {
		spec := mods[mod]
		for _, id := range spec.FindByNameKind(name, kind) {
			if id >= spec.FirstID() && (kind == btf.KindUnknown || spec.TypeKind(id) == kind) {
				return id, mod, nil
			}
		}
	}
	searched := "vmlinux only: no loaded module has BTF"
	switch {
	case len(names) > 0:
		searched = fmt.Sprintf("vmlinux and %d modules: %s", len(names), strings.Join(names, ", "))
	case features.ModuleBTF.Missing():
		searched = "vmlinux only: " + features.ModuleBTF.Check().Error()
	}
	return 0, "", fmt.Errorf("kernel BTF has no %s %q (searched %s): %w", kind, name, searched, btf.ErrNotFound)
}

// deferredSlots is where the kfuncs a program calls, found at load time,
// keep their modules' BTF fds: the fd_array of that program's load. Slots
// are laid out as the loader backend lays them out (one per kfunc called,
// in the order the program first refers to each deferred extern, after the
// maps' and the passes' module slots; a vmlinux kfunc leaves its slot
// unused), so that both backends load the same instructions.
type deferredSlots struct {
	fdArray []int32          // the program's fd_array: the loader's, then the slots
	slot    map[string]int16 // fd_array index by kfunc name
}

// newDeferredSlots gives every kfunc that relocs call and leave to load
// time a slot after l.fdArray's.
func (l *loader) newDeferredSlots(relocs []*ir.Reloc) (*deferredSlots, error) {
	d := &deferredSlots{fdArray: l.fdArray}
	first := max(len(l.obj.Maps), 1) + len(l.obj.ModuleSlots)
	var order []string
	calls := map[string]bool{}
	for _, r := range relocs {
		if r.State != ir.Deferred || r.Kind != ir.RelocKfunc && r.Kind != ir.RelocKsym {
			continue
		}
		if _, seen := calls[r.Symbol]; !seen {
			order = append(order, r.Symbol)
		}
		calls[r.Symbol] = calls[r.Symbol] || r.Kind == ir.RelocKfunc
	}
	for _, name := range order {
		if !calls[name] {
			continue
		}
		i := first + len(d.slot)
		if i > math.MaxInt16 {
			return nil, fmt.Errorf("%w: fd_array index %d of kfunc %s does not fit a call's offset", ErrNotSupported, i, name)
		}
		if d.slot == nil {
			d.slot = map[string]int16{}
		}
		d.slot[name] = int16(i)
	}
	if len(d.slot) > 0 {
		d.fdArray = make([]int32, first+len(d.slot))
		copy(d.fdArray, l.fdArray)
	}
	return d, nil
}

// kernelBTF returns the running kernel's vmlinux BTF, parsed once per
// process (the same Spec the passes' running target uses).
func (l *loader) kernelBTF() (*btf.Spec, error) {
	return target.Running().BTF()
}

// structOpsModule returns the kernel module whose BTF holds the struct a
// struct_ops program implements a member of ("" for vmlinux, and for
// other programs).
func structOpsModule(obj *ir.Object, p *ir.Program) string {
	if p.Type != uapi.ProgTypeStructOps {
		return ""
	}
	for _, m := range obj.Maps {
		if m.StructOps != nil && !m.NoAutocreate && m.StructOps.Uses(p.Name) {
			return m.StructOps.Module
		}
	}
	return ""
}

// loadPrograms loads every autoloaded program, in object order.
func (l *loader) loadPrograms() error {
	for _, p := range l.obj.Programs {
		if !p.Autoload {
			continue
		}
		if err := l.loadProgram(p); err != nil {
			le, ok := err.(*LoadError)
			if !ok {
				le = &LoadError{Err: err}
			}
			le.Object, le.Program, le.Section = l.obj.Name, p.Name, p.Section
			le.FullLog = l.opts.FullLog
			return le
		}
	}
	return nil
}

// loadProgram builds the PROG_LOAD attribute of p and loads it.
func (l *loader) loadProgram(p *ir.Program) error {
	if p.Unsupported != "" {
		return fmt.Errorf("%w: %s", ErrNotSupported, p.Unsupported)
	}
	if p.Type == 0 {
		return fmt.Errorf("%w: unknown program type for section %q", ErrNotSupported, p.Section)
	}
	if _, dup := l.coll.Programs[p.Name]; dup {
		return fmt.Errorf("%w: program name %q used twice", ErrInvalidObject, p.Name)
	}
	if len(p.Insns) == 0 {
		return fmt.Errorf("%w: no instructions", ErrInvalidObject)
	}

	// Maps are referenced by fd_array index, as the loader backend
	// references them (the same instructions: the same program tag).
	// Before 5.14 there is no fd_array, and the kernel refuses the
	// attribute: the first refusal probes for it (below), and from then
	// on maps are referenced by fd. A kernel with fd_array is probed only
	// when it refuses a program for another reason.
	withFDArray := !fdArrayMissing()
	// The program's own instructions, unless something is patched at
	// load time: then a copy, so that the IR stays as the passes left it.
	insns, copied := p.Insns, false
	if !withFDArray || hasDeferredSymbols(p.Relocs) {
		insns, copied = slices.Clone(p.Insns), true
	}
	slots, err := l.newDeferredSlots(p.Relocs)
	if err != nil {
		return err
	}
	if err := l.resolveDeferred(insns, p.Relocs, slots); err != nil {
		return err
	}
	fdArray := slots.fdArray
	if !withFDArray {
		if err := l.mapRefsByFD(insns); err != nil {
			return err
		}
	}
	code := ir.Marshal(make([]byte, 0, len(insns)*ir.InsnSize), insns, binary.LittleEndian)

	name := mapdef.ProgramKernelName(p.Name)
	attr := sys.ProgLoadAttr{
		ProgType:           p.Type,
		InsnCnt:            uint32(len(insns)),
		Insns:              sys.NewSlicePointer(code),
		License:            sys.NewStringPointer(l.obj.License),
		KernVersion:        l.obj.KernVersion,
		ProgFlags:          p.Flags,
		ProgName:           sys.NewObjName(name),
		ExpectedAttachType: p.ExpectedAttachType,
	}
	if len(fdArray) > 0 && withFDArray {
		attr.FdArray = sys.NewPointer(unsafePointer(&fdArray[0]))
	}

	prog := &Program{
		Name: p.Name, Section: p.Section, KernelName: name,
		Type: attr.ProgType, AttachType: attr.ExpectedAttachType, AttachTo: p.AttachTo,
	}

	if p.AttachBTFKind != 0 && p.AttachBTFName != "" {
		var id btf.TypeID
		var modFD *sys.FD
		var err error
		if mod := structOpsModule(l.obj, p); mod != "" {
			id, modFD, err = l.structOpsKernelType(p.AttachBTFName, mod)
		} else {
			// A function of vmlinux or of a module (then with the
			// module's BTF fd), as bpf_btf_find_by_name_kind finds it
			// for loader programs.
			var mod string
			id, mod, err = l.findKernelSymbol(p.AttachBTFName, p.AttachBTFKind)
			if err == nil && mod != "" {
				modFD, err = l.moduleBTF(mod)
			}
		}
		if err != nil {
			return fmt.Errorf("attach target: %w", err)
		}
		attr.AttachBtfId = uint32(id)
		if modFD != nil {
			attr.AttachBtfObjFd = modFD.Uint()
		}
		prog.AttachBTFID = id
	}

	// Keep the record buffers alive until the syscall returns: the
	// attribute holds real pointers to them.
	recs, err := l.obj.LoadRecords(p, binary.NativeEndian)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidObject, err)
	}
	funcInfo, lineInfo, coreRelos := recs.FuncInfo, recs.LineInfo, recs.CORERelos
	if l.btfFD != nil {
		attr.ProgBtfFd = l.btfFD.Uint()
		if recs.NFuncInfo > 0 {
			attr.FuncInfo = sys.NewSlicePointer(funcInfo)
			attr.FuncInfoCnt, attr.FuncInfoRecSize = recs.NFuncInfo, ir.FuncInfoRecSize
		}
		if recs.NLineInfo > 0 {
			attr.LineInfo = sys.NewSlicePointer(lineInfo)
			attr.LineInfoCnt, attr.LineInfoRecSize = recs.NLineInfo, ir.LineInfoRecSize
		}
	}
	if recs.NCORERelos > 0 {
		// Whether the kernel takes core_relos is asked only if it
		// refuses the load (below).
		if l.btfFD == nil {
			return fmt.Errorf("%w: %d CO-RE relocations deferred to the kernel, but the object's BTF was not loaded", ErrNotSupported, recs.NCORERelos)
		}
		attr.CoreRelos = sys.NewSlicePointer(coreRelos)
		attr.CoreReloCnt, attr.CoreReloRecSize = recs.NCORERelos, ir.CORERelosRecSize
	}

	logOpts := sys.LogOptions{Level: l.opts.LogLevel, Size: l.opts.LogSize}
	fd, log, err := sys.ProgLoadWithLog(&attr, logOpts)
	if err != nil && attr.FdArray != (sys.Pointer{}) && features.FDArray.Missing() {
		// Refused for the fd_array this kernel lacks: maps by fd, in a
		// copy of the instructions if they are still the program's own.
		if !copied {
			insns = slices.Clone(insns)
		}
		if err := l.mapRefsByFD(insns); err != nil {
			return err
		}
		code = ir.Marshal(code[:0], insns, binary.LittleEndian)
		attr.Insns, attr.FdArray = sys.NewSlicePointer(code), sys.Pointer{}
		fd, log, err = sys.ProgLoadWithLog(&attr, logOpts)
	}
	if err != nil && memlockRetry(&err) {
		fd, log, err = sys.ProgLoadWithLog(&attr, logOpts)
	}
	keepAlive(code, funcInfo, lineInfo, coreRelos, fdArray)
	if err != nil && recs.NCORERelos > 0 {
		if cerr := features.KernelCORE.Check(); cerr != nil {
			return fmt.Errorf("%d CO-RE relocations deferred to the kernel (compute them in bpfc: -core=user or auto): %w", recs.NCORERelos, cerr)
		}
	}
	if err != nil {
		err = explainProgLoad(&attr, insns, err, log)
		if perr := l.kfuncProtoMismatch(p); perr != nil {
			err = fmt.Errorf("%w; the kernel: %w", perr, err)
		}
		return &LoadError{Err: err, Log: log, Explain: explainPoison(l.obj.ExplainCORE, p, log)}
	}
	prog.fd = fd
	prog.VerifierLog = log
	l.addProgram(prog)
	id, err := sys.ObjID(fd)
	if err != nil {
		return err
	}
	prog.ID = id
	return nil
}

// hasDeferredSymbols reports whether relocs leave a kfunc or ksym to load
// time, which resolveDeferred patches into the instructions.
func hasDeferredSymbols(relocs []*ir.Reloc) bool {
	for _, r := range relocs {
		if r.State == ir.Deferred && r.Kind != ir.RelocMap && r.Kind != ir.RelocMapValue {
			return true
		}
	}
	return false
}

// resolveDeferred patches, in insns (a copy of a program's code), the
// kfunc and ksym references the passes left for load time, by looking
// their names up in the running kernel's BTF and kallsyms; module kfuncs
// get their modules' BTF fds in slots.
func (l *loader) resolveDeferred(insns []ir.Insn, relocs []*ir.Reloc, slots *deferredSlots) error {
	for _, r := range relocs {
		if r.State == ir.Pending {
			return fmt.Errorf("%w: %s relocation of %s at insn %d is still pending (run every pass first)", ErrInvalidObject, r.Kind, r.Symbol, r.Insn)
		}
		if r.State != ir.Deferred {
			continue
		}
		if r.Insn < 0 || r.Insn >= len(insns) {
			return fmt.Errorf("%w: relocation of %s at insn %d out of range", ErrInvalidObject, r.Symbol, r.Insn)
		}
		switch r.Kind {
		case ir.RelocMap, ir.RelocMapValue:
			// Encoded as fd_array indices: the kernel resolves them.
		case ir.RelocKfunc:
			if err := l.resolveKfunc(insns, r, slots); err != nil {
				return err
			}
		case ir.RelocKsym:
			if err := l.resolveKsym(insns, r); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %s relocation of %s at insn %d deferred to load time", ErrNotSupported, r.Kind, r.Symbol, r.Insn)
		}
	}
	return nil
}

// deferredKfunc finds a kfunc left to load time as the externs pass would
// have: by its KernelName (the ___flavor suffix dropped) in vmlinux, then
// in module BTF, with the prototype check (ir.CheckKfuncProto). It
// returns the FUNC's id and module ("" for vmlinux), or found false for a
// __weak kfunc that is absent or declared with another prototype (it
// reads as missing, so that of several flavors only the compatible one
// resolves).
func (l *loader) deferredKfunc(ext *ir.Extern) (id btf.TypeID, mod string, found bool, err error) {
	name := ext.KernelName()
	id, mod, err = l.findKernelSymbol(name, btf.KindFunc)
	if err != nil {
		if ext.Weak && errors.Is(err, btf.ErrNotFound) {
			return 0, "", false, nil
		}
		return 0, "", false, err
	}
	spec, err := l.kernelBTF()
	if err == nil && mod != "" {
		var mods map[string]*btf.Spec
		if mods, err = target.Running().ModuleBTFs(); err == nil {
			spec = mods[mod]
		}
	}
	if err != nil {
		return 0, "", false, err
	}
	proto, err := ir.CheckKfuncProto(l.obj.BTF, ext, spec, id)
	if err != nil {
		return 0, "", false, fmt.Errorf("comparing with %s's %s [%d]: %w", moduleOrVmlinux(mod), name, id, err)
	}
	if proto == ir.ProtoIncompatible {
		if ext.Weak {
			return 0, "", false, nil
		}
		return 0, "", false, fmt.Errorf("declared prototype incompatible with %s's FUNC %s [%d]: %w", moduleOrVmlinux(mod), name, id, ir.ErrKfuncIncompatible)
	}
	return id, mod, true, nil
}

// moduleOrVmlinux names the BTF a kernel symbol was found in.
func moduleOrVmlinux(mod string) string {
	if mod == "" {
		return "vmlinux"
	}
	return "module " + mod
}

// resolveKfunc patches a kfunc call deferred to load time with the BTF id
// of the function in vmlinux or in a module (then with the module's BTF fd
// in the kfunc's fd_array slot, the slot's index in the call's off); a
// __weak kfunc not found becomes libbpf's poisoned call.
func (l *loader) resolveKfunc(insns []ir.Insn, r *ir.Reloc, slots *deferredSlots) error {
	if !insns[r.Insn].IsCall() {
		return fmt.Errorf("%w: kfunc %s: insn %d is not a call", ErrInvalidObject, r.Symbol, r.Insn)
	}
	in := &insns[r.Insn]
	idx := slices.IndexFunc(l.obj.Externs, func(e *ir.Extern) bool { return e.Name == r.Symbol })
	if idx < 0 {
		return fmt.Errorf("%w: kfunc %s (insn %d) is no extern of the object", ErrInvalidObject, r.Symbol, r.Insn)
	}
	id, mod, found, err := l.deferredKfunc(l.obj.Externs[idx])
	if err != nil {
		return fmt.Errorf("kfunc %s (insn %d): %w", r.Symbol, r.Insn, err)
	}
	if !found {
		ir.PoisonKfuncCall(in, idx)
		return nil
	}
	in.Src = ir.PseudoKfuncCall
	in.Imm = int32(id)
	in.Off = 0
	if mod != "" {
		slot, ok := slots.slot[r.Symbol]
		if !ok {
			return fmt.Errorf("%w: kfunc %s (insn %d) has no fd_array slot", ErrInvalidObject, r.Symbol, r.Insn)
		}
		fd, err := l.moduleBTF(mod)
		if err != nil {
			return fmt.Errorf("kfunc %s (insn %d): module %s: %w", r.Symbol, r.Insn, mod, err)
		}
		slots.fdArray[slot] = int32(fd.Int())
		in.Off = slot
	}
	return nil
}

// resolveKsym patches a ksym ld_imm64 deferred to load time: a typed ksym
// gets its vmlinux BTF id (or, when the maps pass already set the id of a
// module variable, the module's BTF fd), a typeless one its kallsyms
// address; a missing weak ksym reads as 0.
func (l *loader) resolveKsym(insns []ir.Insn, r *ir.Reloc) error {
	if r.Insn+1 >= len(insns) || !insns[r.Insn].IsLdImm64() {
		return fmt.Errorf("%w: ksym %s: insn %d is not a ld_imm64", ErrInvalidObject, r.Symbol, r.Insn)
	}
	ext := l.obj.Extern(r.Symbol)
	weak := ext != nil && ext.Weak
	if ext != nil && ext.State != ir.Deferred && ext.Typed && ext.BTFModule != "" {
		fd, err := l.moduleBTF(ext.BTFModule)
		if err != nil {
			return fmt.Errorf("ksym %s (insn %d): module %s: %w", r.Symbol, r.Insn, ext.BTFModule, err)
		}
		insns[r.Insn+1].Imm = int32(fd.Int())
		return nil
	}
	if ext != nil && ext.Kind == ir.ExternKfunc {
		// A kfunc's address (bpf_ksym_exists): its FUNC's id, and a
		// module's BTF fd in the second half; 0 when missing.
		id, mod, found, err := l.deferredKfunc(ext)
		if err != nil {
			return fmt.Errorf("kfunc %s (insn %d): %w", r.Symbol, r.Insn, err)
		}
		if !found {
			insns[r.Insn].Src = 0
			ir.SetImm64(insns, r.Insn, 0)
			return nil
		}
		insns[r.Insn].Src = ir.PseudoBTFID
		ir.SetImm64(insns, r.Insn, uint64(id))
		if mod != "" {
			fd, err := l.moduleBTF(mod)
			if err != nil {
				return fmt.Errorf("kfunc %s (insn %d): module %s: %w", r.Symbol, r.Insn, mod, err)
			}
			insns[r.Insn+1].Imm = int32(fd.Int())
		}
		return nil
	}
	if ext != nil && ext.Typed {
		id, mod, err := l.findKernelSymbol(ext.KernelName(), btf.KindVar)
		switch {
		case err == nil && mod != "":
			// A module's variable: its id, the module's BTF fd in the
			// second half.
			fd, err := l.moduleBTF(mod)
			if err != nil {
				return fmt.Errorf("ksym %s (insn %d): module %s: %w", r.Symbol, r.Insn, mod, err)
			}
			insns[r.Insn].Src = ir.PseudoBTFID
			insns[r.Insn].Imm = int32(id)
			insns[r.Insn+1].Imm = int32(fd.Int())
		case err == nil:
			insns[r.Insn].Src = ir.PseudoBTFID
			ir.SetImm64(insns, r.Insn, uint64(id))
		case weak:
			insns[r.Insn].Src = 0
			ir.SetImm64(insns, r.Insn, 0)
		default:
			return fmt.Errorf("ksym %s (insn %d): %w", r.Symbol, r.Insn, err)
		}
		return nil
	}
	addr, ok, err := l.kallsyms(r.Symbol)
	if err != nil {
		return fmt.Errorf("ksym %s (insn %d): %w", r.Symbol, r.Insn, err)
	}
	if !ok && !weak {
		return fmt.Errorf("ksym %s (insn %d): not in /proc/kallsyms: %w", r.Symbol, r.Insn, btf.ErrNotFound)
	}
	insns[r.Insn].Src = 0
	ir.SetImm64(insns, r.Insn, addr)
	return nil
}

// KfuncProtoError is the error of a load the kernel refused where a kfunc
// the running kernel had found by name (ir.Extern.ProtoUnchecked) is
// declared with a prototype its own is not compatible with. It wraps
// ir.ErrKfuncIncompatible, and for a __weak kfunc (which libbpf's check
// leaves out) ir.ErrWeakKfuncIncompatible too.
type KfuncProtoError struct {
	// Extern is the kfunc's name in the object; Weak says it is __weak.
	Extern string
	Weak   bool
	// LocalType is the FUNC_PROTO it is declared with (object BTF),
	// KernelFunc the kernel's FUNC it was resolved to (vmlinux BTF).
	LocalType  btf.TypeID
	KernelFunc btf.TypeID
}

func (e *KfuncProtoError) Error() string {
	msg := fmt.Sprintf("kfunc %s: declared with a prototype (func_proto [%d] of the object's BTF) incompatible with the kernel's FUNC %[1]s [%[3]d]",
		e.Extern, e.LocalType, e.KernelFunc)
	if e.Weak {
		msg += " (__weak: libbpf's check leaves it out; compile again with NoKernelLookups, as bpfc.LoadFiles does)"
	}
	return msg
}

// Unwrap returns the sentinels the error matches.
func (e *KfuncProtoError) Unwrap() []error {
	if e.Weak {
		return []error{ir.ErrWeakKfuncIncompatible, ir.ErrKfuncIncompatible}
	}
	return []error{ir.ErrKfuncIncompatible}
}

// kfuncProtoMismatch compares, after the kernel refused p, the prototypes
// of the kfuncs p calls that were resolved without that check (found by
// the running kernel: ir.Extern.ProtoUnchecked) with the kernel's, and
// names the first one declared incompatibly. It returns nil when all
// agree or vmlinux BTF cannot be read.
func (l *loader) kfuncProtoMismatch(p *ir.Program) error {
	seen := map[string]bool{}
	for _, r := range p.Relocs {
		if r.Kind != ir.RelocKfunc || seen[r.Symbol] {
			continue
		}
		seen[r.Symbol] = true
		e := l.obj.Extern(r.Symbol)
		if e == nil || !e.ProtoUnchecked {
			continue
		}
		spec, err := l.kernelBTF()
		if err != nil {
			return nil
		}
		proto, err := ir.CheckKfuncProto(l.obj.BTF, e, spec, btf.TypeID(e.BTFID))
		if err == nil && proto == ir.ProtoIncompatible {
			return &KfuncProtoError{Extern: e.Name, Weak: e.Weak, LocalType: e.LocalType, KernelFunc: btf.TypeID(e.BTFID)}
		}
	}
	return nil
}
