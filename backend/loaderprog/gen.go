// Package loaderprog is bpfc's loader-program backend: instead of making
// the bpf() system calls, it records them as one data blob plus one
// sleepable BPF_PROG_TYPE_SYSCALL program that replays them through
// bpf_sys_bpf when run once with BPF_PROG_TEST_RUN (the design of libbpf's
// gen_loader.c and bpftool's light skeletons). Package rt runs it.
//
// This file holds Generate and the loader program's structure:
//
//	r6 = ctx
//	integrity check: the blob map's kernel-computed SHA-256 (cached at
//	  the start of the map object) against the hash baked in here;
//	  mismatch: return -EINVAL before anything else
//	zero the stack slots, the blob's fd_array and result slots, the
//	  context's program fds
//	goto steps
//	cleanup: close every program, map, BTF and module BTF fd created;
//	  return r7 (the failing step's negative errno)
//	steps: BTF_LOAD; per map MAP_CREATE (inner template first), initial
//	  value MAP_UPDATE_ELEM and MAP_FREEZE; per autoloaded program extern
//	  and attach-target lookups, PROG_LOAD; prog-array and map-in-map
//	  slots; each followed by "if r7 < 0 goto cleanup"
//	epilogue: close the BTF fd, copy map fds into the context, return 0
//
// Stack: fp-8 BTF fd, fp-16 inner map fd, fp-48..fp-16 the hash read.
// Before each step the loader stores the step's number in the context's
// step word (see rt.Layout), so a failure names its step.
package loaderprog

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
)

// ErrNotSupported is wrapped by generation errors for objects (or parts of
// them) a loader program cannot handle.
var ErrNotSupported = errors.New("not supported by the loader backend")

// ErrInvalidObject is wrapped by errors for an IR that has not been through
// every pass or is inconsistent.
var ErrInvalidObject = errors.New("invalid object")

// IntegrityErrno is what the loader returns when its blob's hash does not
// match the hash baked into its instructions: EINVAL (rt reports "loader
// step failed: EINVAL (step -1)", the check running before step 0).
const IntegrityErrno = unix.EINVAL

// Stack slots of the loader program.
const (
	stackBTF   int16 = -8
	stackInner int16 = -16
	stackHash  int16 = -48
)

// Options tune Generate.
type Options struct {
	// Trace makes the loader print each step's result with
	// bpf_trace_printk (read /sys/kernel/tracing/trace_pipe).
	Trace bool
	// NoIntegrity leaves out the blob hash check, for kernels before 6.18
	// that do not compute map hashes.
	NoIntegrity bool
}

// Loader is a generated loader: the data blob, the loader program and
// what a run-time or a skeleton needs to know about them. Every field is
// plain data, so a Go file can embed a Loader literally.
type Loader struct {
	// Object is the object's name.
	Object string
	// Blob is the data the loader reads: the value of "__loader.map".
	Blob []byte
	// Insns is the loader program.
	Insns []ir.Insn
	// Maps has one descriptor per map of the object, in the context's
	// order (the object's map order).
	Maps []MapDesc
	// Progs has one descriptor per program of the object, in order.
	Progs []ProgDesc
	// Steps describes the loader's steps by number.
	Steps []string
	// CtxSize is the size of the loader's context.
	CtxSize int
	// BlobHash is the SHA-256 of Blob, baked into Insns unless
	// NoIntegrity.
	BlobHash [32]byte
	// CheckHash reports that the loader verifies BlobHash.
	CheckHash bool
}

// MapDesc describes one map the loader creates.
type MapDesc struct {
	// Name is the map's name in the object; KernelName the kernel's.
	Name, KernelName string
	// Index is the map's descriptor index in the context (and its
	// fd_array index in the programs).
	Index int
	// The definition as created (before run-time overrides).
	Type, KeySize, ValueSize, MaxEntries, Flags uint32
	// Kind says where the map came from (global data, BTF map...).
	Kind ir.MapKind
	// InitialValue is the value the loader writes (global data), nil
	// for other maps.
	InitialValue []byte
	// ReadOnly maps are frozen after their value is written.
	ReadOnly bool
	// Pinning is the object's pinning request (LIBBPF_PIN_*), left to the
	// caller: a loader program cannot pin.
	Pinning uint32
	// EntriesPerCPU marks a perf event array declared without max_entries:
	// the blob holds the generating machine's CPU count, and the run-time
	// replaces it with the count of the machine the loader runs on.
	EntriesPerCPU bool
}

// Mmapable reports whether the map can be mmaped (BPF_F_MMAPABLE).
func (m *MapDesc) Mmapable() bool { return m.Flags&uint32(sys.MapFlagMmapable) != 0 }

// ProgDesc describes one program of the object.
type ProgDesc struct {
	// Name is the program's function name; KernelName the kernel's;
	// Section its ELF section.
	Name, KernelName, Section string
	// Index is the program's descriptor index in the context.
	Index int
	// Type and ExpectedAttachType are the BPF_PROG_TYPE_* and attach type.
	Type, ExpectedAttachType uint32
	// AttachTo is the attach target named by the section.
	AttachTo string
	// Autoload is false for programs the loader does not load.
	Autoload bool
}

// hostOrder is the machine's byte order: the loader runs on it.
var hostOrder binary.ByteOrder = func() binary.ByteOrder {
	x := uint16(1)
	if *(*byte)(unsafe.Pointer(&x)) == 1 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}()

// InsnBytes returns the loader program's instructions encoded in the
// machine's byte order.
func (l *Loader) InsnBytes() []byte { return ir.Marshal(nil, l.Insns, hostOrder) }

// ProgHash returns the SHA-256 of the loader program as the kernel
// computes it (excl_prog_hash of the blob map).
func (l *Loader) ProgHash() [32]byte { return sha256.Sum256(l.InsnBytes()) }

// Spec returns the run-time description of the loader for rt.Load.
func (l *Loader) Spec() *rt.Spec {
	s := &rt.Spec{
		Blob:      l.Blob,
		Insns:     l.InsnBytes(),
		Steps:     l.Steps,
		CheckHash: l.CheckHash,
	}
	for _, m := range l.Maps {
		s.Maps = append(s.Maps, rt.MapSpec{Name: m.Name, ValueSize: m.ValueSize, HasInitialValue: m.InitialValue != nil, EntriesPerCPU: m.EntriesPerCPU})
	}
	for _, p := range l.Progs {
		s.Progs = append(s.Progs, p.Name)
	}
	return s
}

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
	nResults   int // number of u64 result slots
	nextResult int
	fdResults  []int // result slots that may hold a BTF fd in their upper half
}

// Generate builds the loader for obj, which must have gone through every
// pass (preferably with passes.Context.Defer, so that nothing of the
// build machine is baked in).
func Generate(obj *ir.Object, opts *Options) (*Loader, error) {
	if obj == nil {
		return nil, fmt.Errorf("%w: nil object", ErrInvalidObject)
	}
	if opts == nil {
		opts = &Options{}
	}
	if obj.ByteOrder != nil && obj.ByteOrder.Uint16([]byte{1, 0}) != hostOrder.Uint16([]byte{1, 0}) {
		return nil, fmt.Errorf("%s: %w: object byte order differs from the machine's", obj.Name, ErrNotSupported)
	}
	g := &gen{obj: obj, opts: opts, lay: rt.Layout{Maps: len(obj.Maps), Progs: len(obj.Programs)}}
	if err := g.plan(); err != nil {
		return nil, fmt.Errorf("%s: %w", obj.Name, err)
	}
	l, err := g.generate()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", obj.Name, err)
	}
	return l, nil
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
			return nil, fmt.Errorf("program %s: %w: %s relocation of %s at insn %d deferred to load time", p.Name, ErrNotSupported, r.Kind, r.Symbol, r.Insn)
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
			return fmt.Errorf("program %s: %w: map %s at insn %d is not referenced by fd_array index", p.Name, ErrNotSupported, r.Symbol, r.Insn)
		}
	case ir.RelocKfunc:
		if in.IsKfuncCall() && in.Off != 0 {
			return fmt.Errorf("program %s: %w: kfunc %s lives in a kernel module; generate with deferred externs", p.Name, ErrNotSupported, r.Symbol)
		}
	}
	return nil
}

// plan lays out the scratch part of the blob: the fd_array region and the
// result slots.
func (g *gen) plan() error {
	obj := g.obj
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
			return fmt.Errorf("program %s: %w: %s", p.Name, ErrNotSupported, p.Unsupported)
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
	if len(obj.ModuleSlots) > 0 {
		return fmt.Errorf("%w: kfuncs resolved in kernel modules (%s) at generation time; generate with deferred externs",
			ErrNotSupported, strings.Join(obj.ModuleSlots, ", "))
	}
	if g.modFirst+maxKfuncs > math.MaxInt16 {
		return fmt.Errorf("%w: fd_array of %d slots: kfunc offsets are 16-bit", ErrTooLarge, g.modFirst+maxKfuncs)
	}
	g.fdArray = g.b.reserve(4 * (g.modFirst + maxKfuncs))
	g.results = g.b.reserve(8 * g.nResults)
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

// step starts a new step: its number goes into the context.
func (g *gen) step(format string, args ...any) {
	g.steps = append(g.steps, fmt.Sprintf(format, args...))
	// The verifier refuses BPF_ST into the context: go through r0.
	g.e.emit(ir.Mov64Imm(r0, int32(len(g.steps)-1)), ir.Stx(4, r6, r0, int16(g.lay.Step())))
}

// traceResult prints r7 after the current step when tracing.
func (g *gen) traceResult(what string) {
	if !g.opts.Trace {
		return
	}
	msg := fmt.Sprintf("bpfc %s: step %d %s = %%d\n", g.obj.Name, len(g.steps)-1, what)
	off, size := g.b.addString(msg)
	g.e.trace(off, size)
}

// mapFD returns the blob offset of map i's fd in the fd_array region.
func (g *gen) mapFD(i int) int { return g.fdArray + 4*i }

func (g *gen) generate() (*Loader, error) {
	obj, e := g.obj, &g.e
	g.cleanup = e.newLabel()
	steps := e.newLabel()

	// Prologue.
	e.emit(ir.Mov64Reg(r6, r1))
	var hashAt []int
	if !g.opts.NoIntegrity {
		hashAt = g.emitIntegrity()
	}
	e.emit(ir.St(8, r10, stackBTF, 0), ir.St(8, r10, stackInner, 0))
	e.zeroBlob(g.fdArray, g.results+8*g.nResults-g.fdArray)
	e.emit(ir.Mov64Imm(r0, 0)) // the verifier refuses BPF_ST into the context
	for j := range obj.Programs {
		e.emit(ir.Stx(4, r6, r0, int16(g.lay.ProgDesc(j))))
	}
	// A loader without a step that can fail (no BTF, no map, no program
	// loaded) never jumps to the cleanup, and the verifier refuses code
	// it cannot reach: this branch, never taken (r7 is 0), reaches it.
	e.emit(ir.Mov64Imm(r7, 0))
	e.skipIf(jNE, r7, 0, 1)
	e.jump(steps)

	// Cleanup: close everything this run created, return r7. The result
	// slots are known only once the steps are emitted: their closes come
	// after the steps, reached by a jump and jumping back.
	e.bind(g.cleanup)
	for j, p := range obj.Programs {
		if p.Autoload {
			e.emit(ir.Ldx(4, r1, r6, int16(g.lay.ProgDesc(j))))
			e.closeR1()
		}
	}
	for i := range obj.Maps {
		e.closeBlob(g.mapFD(i))
	}
	e.closeStack(stackInner)
	e.closeStack(stackBTF)
	closeResults := e.newLabel()
	e.jump(closeResults)
	ret := e.newLabel()
	e.bind(ret)
	e.emit(ir.Mov64Reg(r0, r7), ir.Exit())

	e.bind(steps)
	if err := g.emitSteps(); err != nil {
		return nil, err
	}
	e.bind(closeResults)
	for _, off := range g.fdResults {
		e.closeBlobHigh(off)
	}
	e.jump(ret)
	if g.b.err != nil {
		return nil, g.b.err
	}

	// The blob is complete: bake its hash into the integrity check.
	hash := sha256.Sum256(g.b.buf)
	for i, at := range hashAt {
		ir.SetImm64(e.insns, at, hostOrder.Uint64(hash[8*i:]))
	}
	insns, err := e.finish()
	if err != nil {
		return nil, err
	}
	l := &Loader{
		Object:    obj.Name,
		Blob:      g.b.buf,
		Insns:     insns,
		Steps:     g.steps,
		CtxSize:   g.lay.Size(),
		BlobHash:  hash,
		CheckHash: !g.opts.NoIntegrity,
	}
	for i, m := range obj.Maps {
		d := MapDesc{
			Name: m.Name, KernelName: mapdef.KernelName(obj.Name, m), Index: i,
			Type: m.Type, KeySize: m.KeySize, ValueSize: m.ValueSize, MaxEntries: m.MaxEntries, Flags: m.Flags,
			Kind: m.Kind, ReadOnly: m.ReadOnly, Pinning: m.Pinning,
			EntriesPerCPU: sys.MapType(m.Type) == sys.MapTypePerfEventArray && m.MaxEntries == 0,
		}
		if isData(m) {
			d.InitialValue = initialValue(m)
		}
		l.Maps = append(l.Maps, d)
	}
	for j, p := range obj.Programs {
		l.Progs = append(l.Progs, ProgDesc{
			Name: p.Name, KernelName: progKernelName(p.Name), Section: p.Section, Index: j,
			Type: p.Type, ExpectedAttachType: p.ExpectedAttachType, AttachTo: p.AttachTo, Autoload: p.Autoload,
		})
	}
	return l, nil
}

// emitIntegrity emits the blob hash check: read the 32-byte hash the
// kernel caches at the start of the blob map object and compare it, 8
// bytes at a time, with the hash of the blob this loader was generated
// with. A mismatch returns -EINVAL at once.
func (g *gen) emitIntegrity() (hashAt []int) {
	e := &g.e
	bad := e.newLabel()
	ok := e.newLabel()
	e.emit(ir.Mov64Reg(r1, r10), ir.Add64Imm(r1, int32(stackHash)), ir.Mov64Imm(r2, sha256.Size))
	e.ldBlobMap(r3)
	e.emit(callHelper(sys.HelperProbeReadKernel))
	e.jumpIf(jNE, r0, 0, bad)
	for i := range 4 {
		e.emit(ir.Ldx(8, r2, r10, stackHash+int16(8*i)))
		hashAt = append(hashAt, e.pc())
		e.ldConst64(r3, 0) // patched with the blob's hash at the end
		e.jumpIfReg(jNE, r2, r3, bad)
	}
	e.jump(ok)
	e.bind(bad)
	e.emit(ir.Mov64Imm(r0, -int32(IntegrityErrno)), ir.Exit())
	e.bind(ok)
	return hashAt
}

// emitSteps emits every step of the loader (into g.e) and the epilogue.
func (g *gen) emitSteps() error {
	obj, e := g.obj, &g.e
	if g.hasBTF {
		if err := g.emitBTF(); err != nil {
			return err
		}
	}
	for i, m := range obj.Maps {
		if err := g.emitMap(i, m); err != nil {
			return fmt.Errorf("map %s: %w", m.Name, err)
		}
	}
	for j, p := range obj.Programs {
		if !p.Autoload {
			continue
		}
		if err := g.emitProgram(j, p); err != nil {
			return fmt.Errorf("program %s: %w", p.Name, err)
		}
	}
	for i, m := range obj.Maps {
		if err := g.emitSlots(i, m); err != nil {
			return fmt.Errorf("map %s: %w", m.Name, err)
		}
	}
	// Epilogue.
	if g.hasBTF {
		e.closeStack(stackBTF)
	}
	for i := range obj.Maps {
		e.blobLoad(r0, g.mapFD(i), 4)
		e.emit(ir.Stx(4, r6, r0, int16(g.lay.MapDesc(i)+rt.MapDescOffFD)))
	}
	e.emit(ir.Mov64Imm(r0, 0), ir.Exit())
	return nil
}

// emitLogFields copies the context's log level, size and buffer into an
// attribute.
func (g *gen) emitLogFields(level, size, buf int) {
	e := &g.e
	e.ctxToBlob(level, 4, rt.CtxOffLogLevel, false)
	e.ctxToBlob(size, 4, rt.CtxOffLogSize, false)
	e.ctxToBlob(buf, 8, rt.CtxOffLogBuf, false)
}

func (g *gen) emitBTF() error {
	raw, err := g.obj.BTF.Marshal(hostOrder)
	if err != nil {
		return fmt.Errorf("encode BTF: %w", err)
	}
	e := &g.e
	data := g.b.add(raw)
	attr := addAttr(&g.b, &sys.BtfLoadAttr{BtfSize: uint32(len(raw))}, sizeBTFLoad)
	g.step("BPF_BTF_LOAD (%d bytes)", len(raw))
	g.emitLogFields(attr+offBTFLoadLogLevel, attr+offBTFLoadLogSize, attr+offBTFLoadLogBuf)
	e.relStore(attr+offBTFLoadBtf, data)
	e.sysBPF(sys.CmdBTFLoad, attr, sizeBTFLoad)
	g.traceResult("btf_load")
	e.checkErr(g.cleanup)
	e.emit(ir.Stx(4, r10, r7, stackBTF))
	return nil
}

// isData reports a global-data map, which gets an initial value.
func isData(m *ir.Map) bool { return m.Kind == ir.MapData || m.Kind == ir.MapKconfig }

// initialValue returns the value a global-data map starts with.
func initialValue(m *ir.Map) []byte {
	v := make([]byte, m.ValueSize)
	copy(v, m.Data)
	return v
}

// createAttr returns the MAP_CREATE attribute of m, fixed up as the
// direct backend does it. The fds (BTF, inner map template) are stored in
// it at run time.
func (g *gen) createAttr(m *ir.Map) (sys.MapCreateAttr, error) {
	d, err := mapdef.Fixup(g.obj.Name, m)
	if errors.Is(err, mapdef.ErrMaxEntries) {
		return sys.MapCreateAttr{}, fmt.Errorf("%w: %w", ErrInvalidObject, err)
	}
	if err != nil {
		return sys.MapCreateAttr{}, err
	}
	a := d.Attr(0, 0)
	if g.hasBTF {
		a.BtfKeyTypeId, a.BtfValueTypeId = uint32(d.KeyType), uint32(d.ValueType)
	}
	return a, nil
}

// emitCreate emits the MAP_CREATE step of m; index is m's map index, or
// -1 for an inner map template (whose fd goes to the stack).
func (g *gen) emitCreate(m *ir.Map, index int, inner bool) error {
	a, err := g.createAttr(m)
	if err != nil {
		return err
	}
	e := &g.e
	attr := addAttr(&g.b, &a, sizeMapCreate)
	if index < 0 {
		g.step("BPF_MAP_CREATE %s (inner map template)", m.Name)
	} else {
		g.step("BPF_MAP_CREATE %s", m.Name)
	}
	if a.BtfValueTypeId != 0 || a.BtfKeyTypeId != 0 {
		e.stackToBlob(attr+offMapBtfFd, stackBTF)
	}
	if inner {
		e.stackToBlob(attr+offMapInnerFD, stackInner)
	}
	if index >= 0 {
		e.ctxToBlob(attr+offMapMaxEntries, 4, g.lay.MapDesc(index)+rt.MapDescOffMaxEntries, true)
	}
	e.sysBPF(sys.CmdMapCreate, attr, sizeMapCreate)
	g.traceResult("map_create " + m.Name)
	e.checkErr(g.cleanup)
	if index < 0 {
		e.emit(ir.Stx(4, r10, r7, stackInner))
	} else {
		e.blobStore(g.mapFD(index), 4, r7)
	}
	return nil
}

func (g *gen) emitMap(i int, m *ir.Map) error {
	e := &g.e
	mapInMap := mapdef.IsMapInMap(sys.MapType(m.Type))
	if mapInMap {
		if m.Inner == nil {
			return fmt.Errorf("%w: map of maps without an inner map definition", ErrInvalidObject)
		}
		if err := g.emitCreate(m.Inner, -1, false); err != nil {
			return fmt.Errorf("inner map: %w", err)
		}
	}
	if err := g.emitCreate(m, i, mapInMap); err != nil {
		return err
	}
	if mapInMap {
		e.closeStack(stackInner)
	}
	if !isData(m) {
		return nil
	}
	if m.MaxEntries != 1 || m.KeySize != 4 {
		return fmt.Errorf("%w: global data map must have one 4-byte key", ErrInvalidObject)
	}
	if uint32(len(m.Data)) > m.ValueSize {
		return fmt.Errorf("%w: initial data is %d bytes, value_size %d", ErrInvalidObject, len(m.Data), m.ValueSize)
	}
	value := g.b.add(initialValue(m))
	key := g.b.reserve(4)
	attr := addAttr(&g.b, &sys.MapElemAttr{Flags: sys.UpdateAny}, sizeMapElem)
	g.step("BPF_MAP_UPDATE_ELEM %s (initial value)", m.Name)
	// An initial value in the context replaces the generated one.
	keep := e.newLabel()
	e.emit(ir.Ldx(8, r3, r6, int16(g.lay.MapDesc(i)+rt.MapDescOffInitialValue)))
	e.jumpIf(jEQ, r3, 0, keep)
	e.ldBlob(r1, value)
	e.emit(ir.Mov64Imm(r2, int32(m.ValueSize)), callHelper(sys.HelperCopyFromUser), ir.Mov64Reg(r7, r0))
	g.traceResult("copy_from_user " + m.Name)
	e.checkErr(g.cleanup)
	e.bind(keep)
	e.blobLoad(r0, g.mapFD(i), 4)
	e.blobStore(attr+offElemMapFd, 4, r0)
	e.relStore(attr+offElemKey, key)
	e.relStore(attr+offElemValue, value)
	e.sysBPF(sys.CmdMapUpdateElem, attr, sizeMapElem)
	g.traceResult("map_update_elem " + m.Name)
	e.checkErr(g.cleanup)
	if m.ReadOnly {
		attr := addAttr(&g.b, &sys.MapElemAttr{}, sizeMapElem)
		g.step("BPF_MAP_FREEZE %s", m.Name)
		e.blobLoad(r0, g.mapFD(i), 4)
		e.blobStore(attr+offElemMapFd, 4, r0)
		e.sysBPF(sys.CmdMapFreeze, attr, sizeMapElem)
		g.traceResult("map_freeze " + m.Name)
		e.checkErr(g.cleanup)
	}
	return nil
}

// progKernelName is the name a program gets in the kernel.
func progKernelName(name string) string {
	n := mapdef.SanitizeName(name)
	if len(n) > sys.ObjNameLen-1 {
		n = n[:sys.ObjNameLen-1]
	}
	return n
}

func (g *gen) emitProgram(j int, p *ir.Program) error {
	obj, e := g.obj, &g.e
	if p.Type == 0 {
		return fmt.Errorf("%w: unknown program type for section %q", ErrNotSupported, p.Section)
	}
	if len(p.Insns) == 0 {
		return fmt.Errorf("%w: no instructions", ErrInvalidObject)
	}
	lookups, err := g.programLookups(p)
	if err != nil {
		return err
	}
	// The instructions as the blob holds them: deferred references get
	// their final opcode and zero values, patched at run time.
	insns := append([]ir.Insn(nil), p.Insns...)
	nk := 0
	for _, lk := range lookups {
		if lk.hasCall() {
			lk.slot = g.modFirst + nk
			nk++
		}
		for _, r := range lk.refs {
			switch {
			case r.call:
				insns[r.at].Src, insns[r.at].Imm, insns[r.at].Off = ir.PseudoKfuncCall, 0, 0
			case lk.typeless():
				insns[r.at].Src = 0
				ir.SetImm64(insns, r.at, 0)
			default:
				insns[r.at].Src = ir.PseudoBTFID
				ir.SetImm64(insns, r.at, 0)
			}
		}
	}

	license := g.b.add(append([]byte(obj.License), 0))
	code := g.b.add(ir.Marshal(nil, insns, hostOrder))
	a := sys.ProgLoadAttr{
		ProgType:           sys.ProgType(p.Type),
		InsnCnt:            uint32(len(insns)),
		KernVersion:        obj.KernVersion,
		ProgFlags:          sys.ProgFlags(p.Flags),
		ProgName:           sys.NewObjName(progKernelName(p.Name)),
		ExpectedAttachType: sys.AttachType(p.ExpectedAttachType),
	}
	funcInfo, lineInfo, coreRelos := -1, -1, -1
	recs, err := obj.LoadRecords(p, hostOrder)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidObject, err)
	}
	if recs.NFuncInfo > 0 {
		funcInfo = g.b.add(recs.FuncInfo)
		a.FuncInfoCnt, a.FuncInfoRecSize = recs.NFuncInfo, ir.FuncInfoRecSize
	}
	if recs.NLineInfo > 0 {
		lineInfo = g.b.add(recs.LineInfo)
		a.LineInfoCnt, a.LineInfoRecSize = recs.NLineInfo, ir.LineInfoRecSize
	}
	if recs.NCORERelos > 0 {
		coreRelos = g.b.add(recs.CORERelos)
		a.CoreReloCnt, a.CoreReloRecSize = recs.NCORERelos, ir.CORERelosRecSize
	}
	attr := addAttr(&g.b, &a, sizeProgLoad)

	// Lookups first: each is a step of its own.
	var slots []int
	for _, lk := range lookups {
		if s := g.emitLookup(p, lk, code); s >= 0 {
			slots = append(slots, s)
		}
	}
	if p.AttachBTFKind != 0 && p.AttachBTFName != "" {
		slots = append(slots, g.emitAttachTarget(p, attr))
	}
	g.step("BPF_PROG_LOAD %s", p.Name)
	e.relStore(attr+offProgLicense, license)
	e.relStore(attr+offProgInsns, code)
	if funcInfo >= 0 {
		e.relStore(attr+offProgFuncInfo, funcInfo)
	}
	if lineInfo >= 0 {
		e.relStore(attr+offProgLineInfo, lineInfo)
	}
	if coreRelos >= 0 {
		e.relStore(attr+offProgCoreRelos, coreRelos)
	}
	e.relStore(attr+offProgFdArray, g.fdArray)
	g.emitLogFields(attr+offProgLogLevel, attr+offProgLogSize, attr+offProgLogBuf)
	if g.hasBTF {
		e.stackToBlob(attr+offProgBtfFd, stackBTF)
	}
	e.sysBPF(sys.CmdProgLoad, attr, sizeProgLoad)
	g.traceResult("prog_load " + p.Name)
	// Module BTF fds are only needed during the load, success or not.
	for _, s := range slots {
		e.closeBlobHigh(s)
	}
	e.checkErr(g.cleanup)
	e.emit(ir.Stx(4, r6, r7, int16(g.lay.ProgDesc(j))))
	return nil
}

// emitLookup resolves one deferred extern of program p, whose
// instructions are at blob offset code; it returns the result slot holding
// a BTF object fd to close after the load, or -1.
func (g *gen) emitLookup(p *ir.Program, lk *lookup, code int) int {
	e := &g.e
	ext := lk.ext
	insnAt := func(at int) int { return code + at*ir.InsnSize }
	name, size := g.b.addString(ext.Name)
	found := e.newLabel()

	if lk.typeless() {
		// Typeless ksym: its address from kallsyms (0 for a weak miss).
		res := g.result(false)
		g.step("bpf_kallsyms_lookup_name %s (program %s)", ext.Name, p.Name)
		e.kallsymsLookup(name, size, res)
		g.traceResult("kallsyms " + ext.Name)
		e.jumpIf(jEQ, r7, 0, found)
		if !ext.Weak {
			e.jump(g.cleanup)
		}
		e.bind(found)
		e.blobLoad(r9, res, 8)
		for _, r := range lk.refs {
			e.blobStore(insnAt(r.at)+4, 4, r9)
		}
		e.emit(ir.ALU64Imm(ir.ALURsh, r9, 32))
		for _, r := range lk.refs {
			e.blobStore(insnAt(r.at)+ir.InsnSize+4, 4, r9)
		}
		return -1
	}

	res := g.result(true)
	g.step("bpf_btf_find_by_name_kind %s %s (program %s)", lk.kind(), ext.Name, p.Name)
	e.findByNameKind(name, size, uint32(lk.kind()))
	g.traceResult("find " + ext.Name)
	e.jumpIf(jSGE, r7, 0, found)
	if !ext.Weak {
		e.jump(g.cleanup)
		e.bind(found)
		g.patchFound(lk, insnAt)
		e.blobStore(res, 8, r7)
		return res
	}
	// Missing weak extern: a kfunc call becomes libbpf's poisoned helper
	// call, a ld_imm64 a plain load of 0.
	done := e.newLabel()
	regMask := int32(0x0f) // keep dst_reg, clear src_reg (little endian)
	if hostOrder == binary.BigEndian {
		regMask = 0xf0
	}
	for _, r := range lk.refs {
		e.ldBlob(r8, insnAt(r.at))
		e.emit(ir.Ldx(1, r9, r8, 1), ir.ALU32Imm(ir.ALUAnd, r9, regMask), ir.Stx(1, r8, r9, 1))
		if r.call {
			e.emit(ir.St(4, r8, 4, int32(ir.PoisonKfuncBase+lk.index)), ir.St(2, r8, 2, 0))
		}
	}
	e.emit(ir.Mov64Imm(r7, 0))
	e.jump(done)
	e.bind(found)
	g.patchFound(lk, insnAt)
	e.bind(done)
	e.blobStore(res, 8, r7)
	return res
}

// patchFound writes a found BTF id (low half of r7) and object fd (high
// half, 0 for vmlinux) into the instructions of lk: a call gets the id in
// imm and, for a module, the fd in an fd_array slot whose index goes into
// off; a ld_imm64 gets the id in imm and the fd in the second slot's imm.
func (g *gen) patchFound(lk *lookup, insnAt func(int) int) {
	e := &g.e
	for _, r := range lk.refs {
		e.blobStore(insnAt(r.at)+4, 4, r7)
	}
	e.emit(ir.Mov64Reg(r9, r7), ir.ALU64Imm(ir.ALURsh, r9, 32))
	for _, r := range lk.refs {
		if !r.call {
			e.blobStore(insnAt(r.at)+ir.InsnSize+4, 4, r9)
		}
	}
	if !lk.hasCall() {
		return
	}
	vmlinux := e.newLabel()
	e.jumpIf(jEQ, r9, 0, vmlinux)
	e.blobStore(g.fdArray+4*lk.slot, 4, r9)
	for _, r := range lk.refs {
		if r.call {
			e.blobStoreImm(insnAt(r.at)+2, 2, int32(lk.slot))
		}
	}
	e.bind(vmlinux)
}

// emitAttachTarget finds a program's attach target by name and kind and
// stores its BTF id and object fd into the PROG_LOAD attribute; it returns
// the result slot holding the fd.
func (g *gen) emitAttachTarget(p *ir.Program, attr int) int {
	e := &g.e
	target := p.AttachBTFName
	name, size := g.b.addString(target)
	res := g.result(true)
	g.step("bpf_btf_find_by_name_kind %s %s (attach target of program %s)", p.AttachBTFKind, target, p.Name)
	e.findByNameKind(name, size, uint32(p.AttachBTFKind))
	g.traceResult("attach target " + target)
	e.checkErr(g.cleanup)
	e.blobStore(res, 8, r7)
	e.blobStore(attr+offProgAttachBtfID, 4, r7)
	e.emit(ir.Mov64Reg(r9, r7), ir.ALU64Imm(ir.ALURsh, r9, 32))
	e.blobStore(attr+offProgAttachObjFd, 4, r9)
	return res
}

// emitSlots fills the initial entries of a prog array or map of maps.
func (g *gen) emitSlots(i int, m *ir.Map) error {
	e := &g.e
	for _, s := range m.Slots {
		var load func()
		if pi := g.progIndex(s.Target); pi >= 0 {
			if !g.obj.Programs[pi].Autoload {
				continue // not loaded: the slot stays empty, as with the direct backend
			}
			off := int16(g.lay.ProgDesc(pi))
			load = func() { e.emit(ir.Ldx(4, r0, r6, off)) }
		} else if _, mi := g.obj.Map(s.Target); mi >= 0 {
			load = func() { e.blobLoad(r0, g.mapFD(mi), 4) }
		} else {
			return fmt.Errorf("%w: slot %d refers to unknown %s", ErrInvalidObject, s.Index, s.Target)
		}
		if m.KeySize != 4 {
			return fmt.Errorf("%w: initial slots need a 4-byte key, have %d", ErrNotSupported, m.KeySize)
		}
		kb := make([]byte, 4)
		hostOrder.PutUint32(kb, s.Index)
		key := g.b.add(kb)
		value := g.b.reserve(4)
		attr := addAttr(&g.b, &sys.MapElemAttr{Flags: sys.UpdateAny}, sizeMapElem)
		g.step("BPF_MAP_UPDATE_ELEM %s[%d] = %s", m.Name, s.Index, s.Target)
		load()
		e.blobStore(value, 4, r0)
		e.blobLoad(r0, g.mapFD(i), 4)
		e.blobStore(attr+offElemMapFd, 4, r0)
		e.relStore(attr+offElemKey, key)
		e.relStore(attr+offElemValue, value)
		e.sysBPF(sys.CmdMapUpdateElem, attr, sizeMapElem)
		g.traceResult(fmt.Sprintf("map_update_elem %s[%d]", m.Name, s.Index))
		e.checkErr(g.cleanup)
	}
	return nil
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
