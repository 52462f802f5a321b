// This file holds Generate and the loader program's structure:
//
//	r6 = ctx
//	integrity check: the blob map's kernel-computed SHA-256 (cached at
//	  the start of the map object) against the hash baked in here;
//	  mismatch: return -EINVAL before anything else
//	r8 = the blob's address (see emit.go)
//	zero the stack slots, the blob's fd_array, result slots and program
//	  fds, the context's program fds
//	goto steps
//	cleanup: close every program, map, BTF and module BTF fd created,
//	  zeroing their blob slots; return r7 (the failing step's negative
//	  errno)
//	steps: BTF_LOAD; per map MAP_CREATE (inner template first), initial
//	  value MAP_UPDATE_ELEM and MAP_FREEZE; per autoloaded program extern
//	  and attach-target lookups, PROG_LOAD; prog-array and map-in-map
//	  slots; each followed by "if r7 < 0 goto cleanup"
//	epilogue: close the BTF fd, copy map fds into the context, return 0
//
// Stack: fp-8 BTF fd, fp-16 inner map fd, fp-48..fp-16 the hash read.
// The map and program fds the loader creates are kept in the blob (the
// fd_array region, and one slot per program) as well as copied to the
// context, so that they can be read back from the blob map when the
// kernel cannot copy the context back to user space (rt.FDRecord).
// Before each step the loader stores the step's number in the context's
// step word (see rt.Layout), so a failure names its step.

package loaderprog

import (
	"fmt"

	"github.com/bpfc/bpfc/internal/sha256"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf/sanitize"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// Stack slots of the loader program.
const (
	stackBTF   int16 = -8
	stackInner int16 = -16
	stackHash  int16 = -48
)

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
	if obj.ByteOrder != nil && obj.ByteOrder.Uint16([]byte{1, 0}) != hostOrder().Uint16([]byte{1, 0}) {
		return nil, fmt.Errorf("%s: %w: object byte order differs from the machine's", obj.Name, errNotSupported)
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

// step starts a new step: its number goes into the context.
func (g *gen) step(format string, args ...any) {
	g.steps = append(g.steps, fmt.Sprintf(format, args...))
	// The verifier refuses BPF_ST into the context: go through r0.
	g.e.emit(ir.Mov64Imm(ir.R0, int32(len(g.steps)-1)), ir.Stx(4, ir.R6, ir.R0, int16(g.lay.Step())))
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

// progFD returns the blob offset where program j's fd is kept while the
// loader runs (the context gets it too).
func (g *gen) progFD(j int) int { return g.progFDs + 4*j }

func (g *gen) generate() (*Loader, error) {
	obj, e := g.obj, &g.e
	g.cleanup = e.newLabel()
	steps := e.newLabel()

	// Prologue.
	e.emit(ir.Mov64Reg(ir.R6, ir.R1))
	var hashAt []int
	var check [2]int
	if !g.opts.NoIntegrity {
		check[0] = e.pc()
		hashAt = g.emitIntegrity()
		check[1] = e.pc()
	}
	e.setBase() // r8: the blob, from here to the end
	e.emit(ir.St(8, ir.R10, stackBTF, 0), ir.St(8, ir.R10, stackInner, 0))
	e.zeroBlob(g.fdArray, g.progFDs+4*len(obj.Programs)-g.fdArray)
	e.emit(ir.Mov64Imm(ir.R0, 0)) // the verifier refuses BPF_ST into the context
	for j := range obj.Programs {
		e.emit(ir.Stx(4, ir.R6, ir.R0, int16(g.lay.ProgDesc(j))))
	}
	// A loader without a step that can fail (no BTF, no map, no program
	// loaded) never jumps to the cleanup, and the verifier refuses code
	// it cannot reach: this branch, never taken (r7 is 0), reaches it.
	e.emit(ir.Mov64Imm(ir.R7, 0))
	e.skipIf(ir.JumpNE, ir.R7, 0, 1)
	e.jump(steps)

	// Cleanup: close everything this run created, return r7. The result
	// slots are known only once the steps are emitted: their closes come
	// after the steps, reached by a jump and jumping back.
	e.bind(g.cleanup)
	for j, p := range obj.Programs {
		if p.Autoload {
			e.closeBlob(g.progFD(j))
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
	e.emit(ir.Mov64Reg(ir.R0, ir.R7), ir.Exit())

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
		ir.SetImm64(e.insns, at, hostOrder().Uint64(hash[8*i:]))
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
		Sealed:    g.opts.Sealed,

		IntegrityCheck: check,
		FDs:            &rt.FDRecord{Maps: g.fdArray, Progs: g.progFDs},
	}
	for i, m := range obj.Maps {
		d := MapDesc{
			Name: m.Name, KernelName: mapdef.KernelName(obj.Name, m), Index: i,
			Type: m.Type, KeySize: m.KeySize, ValueSize: m.ValueSize, MaxEntries: m.MaxEntries, Flags: m.Flags,
			Kind: m.Kind, ReadOnly: m.ReadOnly, Pinning: m.Pinning,
			EntriesPerCPU: mapdef.EntriesPerCPU(m),
		}
		if m.Kind.IsGlobalData() {
			d.InitialValue = initialValue(m)
		}
		d.NoAutocreate = m.NoAutocreate
		if so := g.structOps[i]; so != nil {
			d.StructOps = so
			d.InitialValue = initialValue(m)
		}
		if m.NoAutocreate {
			l.Maps = append(l.Maps, d)
			continue
		}
		def, err := mapdef.Fixup(obj.Name, m)
		if err != nil {
			return nil, fmt.Errorf("map %s: %w", m.Name, err)
		}
		u := def.Unset()
		d.NeedsMaxEntries, d.NeedsKeySize, d.NeedsValueSize = u.MaxEntries, u.KeySize, u.ValueSize
		if g.opts.Sealed {
			// A sealed loader creates its maps as signed: sizes cannot be
			// set when it runs.
			if err := def.CheckSizes(); err != nil {
				return nil, fmt.Errorf("map %s: sealed loader: %w", m.Name, err)
			}
		}
		l.Maps = append(l.Maps, d)
	}
	for j, p := range obj.Programs {
		l.Progs = append(l.Progs, ProgDesc{
			Name: p.Name, KernelName: mapdef.ProgramKernelName(p.Name), Section: p.Section, Index: j,
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
	e.emit(ir.Mov64Reg(ir.R1, ir.R10), ir.Add64Imm(ir.R1, int32(stackHash)), ir.Mov64Imm(ir.R2, sha256.Size))
	e.ldBlobMap(ir.R3)
	e.emit(callHelper(uapi.HelperProbeReadKernel))
	e.jumpIf(ir.JumpNE, ir.R0, 0, bad)
	for i := range 4 {
		e.emit(ir.Ldx(8, ir.R2, ir.R10, stackHash+int16(8*i)))
		hashAt = append(hashAt, e.pc())
		e.ldConst64(ir.R3, 0) // patched with the blob's hash at the end
		e.jumpIfReg(ir.JumpNE, ir.R2, ir.R3, bad)
	}
	e.jump(ok)
	e.bind(bad)
	e.emit(ir.Mov64Imm(ir.R0, -int32(IntegrityErrno)), ir.Exit())
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
	g.emitStructOpsFill()
	// Epilogue.
	if g.hasBTF {
		e.closeStack(stackBTF)
	}
	for i := range obj.Maps {
		e.blobLoad(ir.R0, g.mapFD(i), 4)
		e.emit(ir.Stx(4, ir.R6, ir.R0, int16(g.lay.MapDesc(i)+rt.MapDescOffFD)))
	}
	e.emit(ir.Mov64Imm(ir.R0, 0), ir.Exit())
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
	raw, err := g.obj.BTF.Marshal(hostOrder())
	if err != nil {
		return fmt.Errorf("encode BTF: %w", err)
	}
	// One loader runs on many kernels: DATASEC names with '/' or '?'
	// (legacy "maps/..." sections), which kernels before 6.9 refuse, are
	// written with '_' (harmless: the kernel does not look them up).
	if hostOrder().Uint16([]byte{1, 0}) == 1 {
		k := sanitize.All
		k.QmarkDatasec = false
		if raw, _, err = sanitize.Sanitize(raw, k); err != nil {
			return fmt.Errorf("sanitize BTF: %w", err)
		}
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
	e.emit(ir.Stx(4, ir.R10, ir.R7, stackBTF))
	return nil
}
