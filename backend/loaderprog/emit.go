// This file is the loader program's instruction emitter: labels and jumps
// resolved at the end, the helper-call sequences the loader uses, and one
// sticky error (the first failure wins; later emits are harmless and the
// error is reported by finish). Instructions, opcodes and registers come
// from package ir; the loader keeps the context in r6, the last
// syscall's result in r7 and, once setBase has run, the blob's address in
// r8: a field of the blob within reach of a 16-bit offset is read or
// written in one instruction off r8, not through a ld_imm64 of its own
// address (two slots) and a store.
//
// Long loaders: a conditional jump has a 16-bit offset, so jumps to a far
// label are emitted as the inverted condition over a `gotol` (BPF_JMP32 |
// BPF_JA with a 32-bit offset in imm, cpu v4), which spans any program.
// The error check after every syscall is emitted as
//
//	if r7 s>= 0 goto +1
//	goto cleanup        (ja, or gotol when out of 16-bit range)
//
// which also keeps the verifier's branch stack flat: the fall-through
// (cleanup) path is explored first and the successful path is the pushed
// one, so thousands of steps never pile up pending branches.

package loaderprog

import (
	"errors"
	"fmt"
	"math"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// ErrTooLarge is wrapped by errors for loaders beyond the kernel's limits.
var ErrTooLarge = errors.New("loader too large")

// maxInsns is the kernel's BPF_COMPLEXITY_LIMIT_INSNS, the most
// instructions a program may have.
const maxInsns = 1_000_000

// label names a position in the loader program.
type label int

// fixup is a jump whose offset waits for a label.
type fixup struct {
	at   int   // slot of the jump
	to   label // target
	wide bool  // gotol: offset in imm
}

// emitter accumulates the loader's instructions.
type emitter struct {
	insns  []ir.Insn
	labels []int // slot of each label, -1 while unbound
	fixups []fixup
	err    error
	base   bool // r8 holds the blob's address (setBase)
}

// blobBase is the register that holds the blob's address after setBase.
const blobBase = ir.R8

// fail records err unless an error is already recorded.
func (e *emitter) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// failf records a formatted error.
func (e *emitter) failf(format string, args ...any) { e.fail(fmt.Errorf(format, args...)) }

// emit appends instructions.
func (e *emitter) emit(ins ...ir.Insn) {
	e.insns = append(e.insns, ins...)
	if len(e.insns) > maxInsns && e.err == nil {
		e.fail(fmt.Errorf("more than %d instructions: %w", maxInsns, ErrTooLarge))
	}
}

// pc returns the slot of the next instruction.
func (e *emitter) pc() int { return len(e.insns) }

// newLabel returns an unbound label.
func (e *emitter) newLabel() label {
	e.labels = append(e.labels, -1)
	return label(len(e.labels) - 1)
}

// bind places l at the next instruction.
func (e *emitter) bind(l label) {
	if e.labels[l] >= 0 {
		e.failf("internal error: label %d bound twice", l)
		return
	}
	e.labels[l] = e.pc()
}

// fits16 reports whether v fits a 16-bit signed jump offset.
func fits16(v int) bool { return v >= math.MinInt16 && v <= math.MaxInt16 }

// jump emits an unconditional jump to l: a ja when l is bound and near,
// else a gotol.
func (e *emitter) jump(l label) {
	if t := e.labels[l]; t >= 0 && fits16(t-e.pc()-1) {
		e.emit(ir.JA(int16(t - e.pc() - 1)))
		return
	}
	e.fixups = append(e.fixups, fixup{at: e.pc(), to: l, wide: true})
	e.emit(ir.Gotol(0))
}

// jumpIf emits "if dst op imm goto l" for a near label l (local skips
// inside one step). finish fails if l ends up out of 16-bit range.
func (e *emitter) jumpIf(op uint8, dst uint8, imm int32, l label) {
	e.fixups = append(e.fixups, fixup{at: e.pc(), to: l})
	e.emit(ir.JumpImm(op, dst, imm, 0))
}

// jumpIfReg emits "if dst op src goto l" for a near label l.
func (e *emitter) jumpIfReg(op uint8, dst, src uint8, l label) {
	e.fixups = append(e.fixups, fixup{at: e.pc(), to: l})
	e.emit(ir.JumpReg(op, dst, src, 0))
}

// skipIf emits "if dst op imm goto +n" (n instructions forward).
func (e *emitter) skipIf(op uint8, dst uint8, imm int32, n int) {
	e.emit(ir.JumpImm(op, dst, imm, int16(n)))
}

// finish resolves every jump and returns the program.
func (e *emitter) finish() ([]ir.Insn, error) {
	if e.err != nil {
		return nil, e.err
	}
	for _, f := range e.fixups {
		t := e.labels[f.to]
		if t < 0 {
			return nil, fmt.Errorf("internal error: jump at %d to unbound label %d", f.at, f.to)
		}
		off := t - f.at - 1
		if f.wide {
			e.insns[f.at].Imm = int32(off)
			continue
		}
		if !fits16(off) {
			return nil, fmt.Errorf("jump at %d: offset %d beyond 16 bits: %w", f.at, off, ErrTooLarge)
		}
		e.insns[f.at].Off = int16(off)
	}
	return e.insns, nil
}

// callHelper returns a call of helper id.
func callHelper(id uapi.HelperID) ir.Insn { return ir.Call(int32(id)) }

// Loader-specific sequences.

// ldBlob loads the address of blob byte off into dst: ld_imm64 with
// BPF_PSEUDO_MAP_IDX_VALUE, fd_array index 0 (the blob map), imm2 = off.
func (e *emitter) ldBlob(dst uint8, off int) {
	if off < 0 || off > maxBlobOffset {
		e.failf("blob offset %d out of range: %w", off, ErrTooLarge)
	}
	e.emit(ir.LdMapIdxValue(dst, 0, int32(off))...)
}

// setBase loads the blob's address into blobBase, for the rest of the
// program: it must run before every other use of the blob, on every path
// (the prologue), and nothing may write blobBase after it.
func (e *emitter) setBase() {
	e.ldBlob(blobBase, 0)
	e.base = true
}

// at returns the register and offset that address blob byte off in one
// instruction: blobBase and off when setBase has run and off fits an
// instruction's 16-bit offset.
func (e *emitter) at(off int) (uint8, int16, bool) {
	if !e.base || off < 0 || off > math.MaxInt16 {
		return 0, 0, false
	}
	return blobBase, int16(off), true
}

// ldBlobMap loads the blob map's own pointer (BPF_PSEUDO_MAP_IDX, index 0).
func (e *emitter) ldBlobMap(dst uint8) {
	e.emit(ir.LdMapIdx(dst, 0)...)
}

// ldConst64 loads a 64-bit constant.
func (e *emitter) ldConst64(dst uint8, v uint64) {
	e.emit(ir.LdImm64(dst, v)...)
}

// blobStore writes width bytes of register src at blob byte off
// (clobbers r0 unless src is r0, then r1).
func (e *emitter) blobStore(off, width int, src uint8) {
	if reg, d, ok := e.at(off); ok {
		e.emit(ir.Stx(width, reg, src, d))
		return
	}
	tmp := uint8(ir.R0)
	if src == ir.R0 {
		tmp = ir.R1
	}
	e.ldBlob(tmp, off)
	e.emit(ir.Stx(width, tmp, src, 0))
}

// blobStoreImm writes a width-byte constant at blob byte off (clobbers r0).
func (e *emitter) blobStoreImm(off, width int, imm int32) {
	if reg, d, ok := e.at(off); ok {
		e.emit(ir.St(width, reg, d, imm))
		return
	}
	e.ldBlob(ir.R0, off)
	e.emit(ir.St(width, ir.R0, 0, imm))
}

// blobLoad reads width bytes at blob byte off into dst.
func (e *emitter) blobLoad(dst uint8, off, width int) {
	if reg, d, ok := e.at(off); ok {
		e.emit(ir.Ldx(width, dst, reg, d))
		return
	}
	e.ldBlob(dst, off)
	e.emit(ir.Ldx(width, dst, dst, 0))
}

// relStore stores the address of blob byte target at blob byte off (a
// pointer field of an attribute). Clobbers r0, r1.
func (e *emitter) relStore(off, target int) {
	e.ldBlob(ir.R0, target)
	e.blobStore(off, 8, ir.R0)
}

// ctxToBlob copies width bytes from ctx offset ctxOff to blob byte off.
// With nonZero, a zero value in the context leaves the blob unchanged.
// Clobbers r0 (and r1 for a field out of blobBase's reach).
func (e *emitter) ctxToBlob(off, width, ctxOff int, nonZero bool) {
	e.emit(ir.Ldx(width, ir.R0, ir.R6, int16(ctxOff)))
	if nonZero {
		n := 3 // ld_imm64 and store
		if _, _, ok := e.at(off); ok {
			n = 1
		}
		e.skipIf(ir.JumpEq, ir.R0, 0, n)
	}
	e.blobStore(off, width, ir.R0)
}

// stackToBlob copies a 4-byte stack slot to blob byte off.
func (e *emitter) stackToBlob(off int, stackOff int16) {
	e.emit(ir.Ldx(4, ir.R0, ir.R10, stackOff))
	e.blobStore(off, 4, ir.R0)
}

// sysBPF emits r7 = bpf_sys_bpf(cmd, blob+attr, size).
func (e *emitter) sysBPF(cmd sys.Cmd, attr, size int) {
	e.emit(ir.Mov64Imm(ir.R1, int32(cmd)))
	e.ldBlob(ir.R2, attr)
	e.emit(ir.Mov64Imm(ir.R3, int32(size)), callHelper(uapi.HelperSysBPF), ir.Mov64Reg(ir.R7, ir.R0))
}

// checkErr emits "if r7 < 0 goto cleanup".
func (e *emitter) checkErr(cleanup label) {
	e.skipIf(ir.JumpSGE, ir.R7, 0, 1)
	e.jump(cleanup)
}

// closeReg emits "if reg > 0: bpf_sys_close(reg)" for a 32-bit fd already
// in r1.
func (e *emitter) closeR1() {
	e.skipIf(ir.JumpSLE, ir.R1, 0, 1)
	e.emit(callHelper(uapi.HelperSysClose))
}

// closeStack closes the fd in a 4-byte stack slot and zeroes the slot.
func (e *emitter) closeStack(stackOff int16) {
	e.emit(ir.Ldx(4, ir.R1, ir.R10, stackOff))
	e.closeR1()
	e.emit(ir.St(8, ir.R10, stackOff, 0))
}

// closeBlob closes the 4-byte fd at blob byte off and zeroes it.
func (e *emitter) closeBlob(off int) {
	reg, d := e.keptAddr(off)
	e.emit(ir.Ldx(4, ir.R1, reg, d))
	e.closeR1()
	e.emit(ir.St(4, reg, d, 0))
}

// closeBlobHigh closes the fd in the upper 32 bits of the u64 at blob byte
// off (a bpf_btf_find_by_name_kind result) and zeroes the u64.
func (e *emitter) closeBlobHigh(off int) {
	reg, d := e.keptAddr(off)
	e.emit(ir.Ldx(8, ir.R1, reg, d), ir.ALU64Imm(ir.ALURsh, ir.R1, 32))
	e.closeR1()
	e.emit(ir.St(8, reg, d, 0))
}

// keptAddr returns the register and offset that address blob byte off
// across a helper call: blobBase, or r9 loaded with the address when the
// field is out of blobBase's reach.
func (e *emitter) keptAddr(off int) (uint8, int16) {
	if reg, d, ok := e.at(off); ok {
		return reg, d
	}
	e.ldBlob(ir.R9, off)
	return ir.R9, 0
}

// findByNameKind emits r7 = bpf_btf_find_by_name_kind(blob+name, size,
// kind, 0). size counts the terminating NUL.
func (e *emitter) findByNameKind(name, size int, kind uint32) {
	e.ldBlob(ir.R1, name)
	e.emit(ir.Mov64Imm(ir.R2, int32(size)), ir.Mov64Imm(ir.R3, int32(kind)), ir.Mov64Imm(ir.R4, 0),
		callHelper(uapi.HelperBTFFindByNameKind), ir.Mov64Reg(ir.R7, ir.R0))
}

// kallsymsLookup emits r7 = bpf_kallsyms_lookup_name(blob+name, size, 0,
// blob+res).
func (e *emitter) kallsymsLookup(name, size, res int) {
	e.ldBlob(ir.R1, name)
	e.emit(ir.Mov64Imm(ir.R2, int32(size)), ir.Mov64Imm(ir.R3, 0))
	e.ldBlob(ir.R4, res)
	e.emit(callHelper(uapi.HelperKallsymsLookupName), ir.Mov64Reg(ir.R7, ir.R0))
}

// zeroBlob zeroes size bytes at blob byte off with bpf_probe_read_kernel
// from NULL (which fails and clears its destination).
func (e *emitter) zeroBlob(off, size int) {
	if size == 0 {
		return
	}
	e.ldBlob(ir.R1, off)
	e.emit(ir.Mov64Imm(ir.R2, int32(size)), ir.Mov64Imm(ir.R3, 0), callHelper(uapi.HelperProbeReadKernel))
}

// trace emits bpf_trace_printk(blob+fmt, size, r7).
func (e *emitter) trace(fmtOff, size int) {
	e.ldBlob(ir.R1, fmtOff)
	e.emit(ir.Mov64Imm(ir.R2, int32(size)), ir.Mov64Reg(ir.R3, ir.R7), callHelper(uapi.HelperTracePrintk))
}
