// This file emits the program steps of the loader: the load-time lookups
// of deferred kfuncs, ksyms and attach targets, patched into the
// program's instructions in the blob, then BPF_PROG_LOAD.

package loaderprog

import (
	"encoding/binary"
	"fmt"

	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
)

func (g *gen) emitProgram(j int, p *ir.Program) error {
	obj, e := g.obj, &g.e
	if p.Type == 0 {
		return fmt.Errorf("%w: unknown program type for section %q", errNotSupported, p.Section)
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
	code := g.b.add(ir.Marshal(nil, insns, hostOrder()))
	a := sys.ProgLoadAttr{
		ProgType:           p.Type,
		InsnCnt:            uint32(len(insns)),
		KernVersion:        obj.KernVersion,
		ProgFlags:          p.Flags,
		ProgName:           sys.NewObjName(mapdef.ProgramKernelName(p.Name)),
		ExpectedAttachType: p.ExpectedAttachType,
	}
	funcInfo, lineInfo, coreRelos := -1, -1, -1
	recs, err := obj.LoadRecords(p, hostOrder())
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
	g.emitAttachIndex(j, attr)
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
	e.emit(ir.Stx(4, ir.R6, ir.R7, int16(g.lay.ProgDesc(j))))
	e.blobStore(g.progFD(j), 4, ir.R7)
	return nil
}

// emitLookup resolves one deferred extern of program p, whose
// instructions are at blob offset code; it returns the result slot holding
// a BTF object fd to close after the load, or -1.
func (g *gen) emitLookup(p *ir.Program, lk *lookup, code int) int {
	e := &g.e
	ext := lk.ext
	insnAt := func(at int) int { return code + at*ir.InsnSize }
	// The name the kernel knows it by: a kfunc's without its ___flavor
	// suffix, as the externs pass and the direct backend look it up.
	name, size := g.b.addString(ext.KernelName())
	found := e.newLabel()

	if lk.typeless() {
		// Typeless ksym: its address from kallsyms (0 for a weak miss).
		res := g.result(false)
		g.step("bpf_kallsyms_lookup_name %s (program %s)", ext.Name, p.Name)
		e.kallsymsLookup(name, size, res)
		g.traceResult("kallsyms " + ext.Name)
		e.jumpIf(ir.JumpEq, ir.R7, 0, found)
		if !ext.Weak {
			e.jump(g.cleanup)
		}
		e.bind(found)
		e.blobLoad(ir.R9, res, 8)
		for _, r := range lk.refs {
			e.blobStore(insnAt(r.at)+4, 4, ir.R9)
		}
		e.emit(ir.ALU64Imm(ir.ALURsh, ir.R9, 32))
		for _, r := range lk.refs {
			e.blobStore(insnAt(r.at)+ir.InsnSize+4, 4, ir.R9)
		}
		return -1
	}

	res := g.result(true)
	if kname := ext.KernelName(); kname != ext.Name {
		g.step("bpf_btf_find_by_name_kind %s %s (extern %s, program %s)", lk.kind(), kname, ext.Name, p.Name)
	} else {
		g.step("bpf_btf_find_by_name_kind %s %s (program %s)", lk.kind(), kname, p.Name)
	}
	e.findByNameKind(name, size, uint32(lk.kind()))
	g.traceResult("find " + ext.Name)
	e.jumpIf(ir.JumpSGE, ir.R7, 0, found)
	if !ext.Weak {
		e.jump(g.cleanup)
		e.bind(found)
		g.patchFound(lk, insnAt)
		e.blobStore(res, 8, ir.R7)
		return res
	}
	// Missing weak extern: a kfunc call becomes libbpf's poisoned helper
	// call, a ld_imm64 a plain load of 0.
	done := e.newLabel()
	regMask := int32(0x0f) // keep dst_reg, clear src_reg (little endian)
	if hostOrder() == binary.BigEndian {
		regMask = 0xf0
	}
	for _, r := range lk.refs {
		// Off blobBase when the instruction's last byte is within reach.
		reg, d := uint8(ir.R1), int16(0)
		if base, _, ok := e.at(insnAt(r.at) + ir.InsnSize - 1); ok {
			reg, d = base, int16(insnAt(r.at))
		} else {
			e.ldBlob(ir.R1, insnAt(r.at))
		}
		e.emit(ir.Ldx(1, ir.R9, reg, d+1), ir.ALU32Imm(ir.ALUAnd, ir.R9, regMask), ir.Stx(1, reg, ir.R9, d+1))
		if r.call {
			e.emit(ir.St(4, reg, d+4, int32(ir.PoisonKfuncBase+lk.index)), ir.St(2, reg, d+2, 0))
		}
	}
	e.emit(ir.Mov64Imm(ir.R7, 0))
	e.jump(done)
	e.bind(found)
	g.patchFound(lk, insnAt)
	e.bind(done)
	e.blobStore(res, 8, ir.R7)
	return res
}

// patchFound writes a found BTF id (low half of r7) and object fd (high
// half, 0 for vmlinux) into the instructions of lk: a call gets the id in
// imm and, for a module, the fd in an fd_array slot whose index goes into
// off; a ld_imm64 gets the id in imm and the fd in the second slot's imm.
func (g *gen) patchFound(lk *lookup, insnAt func(int) int) {
	e := &g.e
	for _, r := range lk.refs {
		e.blobStore(insnAt(r.at)+4, 4, ir.R7)
	}
	e.emit(ir.Mov64Reg(ir.R9, ir.R7), ir.ALU64Imm(ir.ALURsh, ir.R9, 32))
	for _, r := range lk.refs {
		if !r.call {
			e.blobStore(insnAt(r.at)+ir.InsnSize+4, 4, ir.R9)
		}
	}
	if !lk.hasCall() {
		return
	}
	vmlinux := e.newLabel()
	e.jumpIf(ir.JumpEq, ir.R9, 0, vmlinux)
	e.blobStore(g.fdArray+4*lk.slot, 4, ir.R9)
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
	target := p.AttachBTFName
	res := g.emitFindType(target, p.AttachBTFKind, "attach target of program "+p.Name, "attach target "+target, attr+offProgAttachBtfID)
	g.e.blobStore(attr+offProgAttachObjFd, 4, ir.R9)
	return res
}

// emitFindType emits the bpf_btf_find_by_name_kind of a type the load
// cannot do without (not found: the loader fails), for why (the step's
// words) and trace (the traced result's). The result, the type's BTF id
// in its low half and the fd of the module BTF holding it in its high
// half, goes to a new fd result slot, which emitFindType returns; the id
// goes to the attribute field at blob offset idOff, and the fd stays in
// r9 (0 for vmlinux).
func (g *gen) emitFindType(typ string, kind btf.Kind, why, trace string, idOff int) int {
	e := &g.e
	name, size := g.b.addString(typ)
	res := g.result(true)
	g.step("bpf_btf_find_by_name_kind %s %s (%s)", kind, typ, why)
	e.findByNameKind(name, size, uint32(kind))
	g.traceResult(trace)
	e.checkErr(g.cleanup)
	e.blobStore(res, 8, ir.R7)
	e.blobStore(idOff, 4, ir.R7)
	e.emit(ir.Mov64Reg(ir.R9, ir.R7), ir.ALU64Imm(ir.ALURsh, ir.R9, 32))
	return res
}
