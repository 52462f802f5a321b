// This file patches a relocated value into its instruction, like libbpf's
// bpf_core_patch_insn, and poisons instructions whose relocation cannot be
// satisfied (bpf_core_poison_insn).

package core

import (
	"fmt"
	"math"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// PoisonHelper is the helper id a poisoned instruction calls (0xbad2310,
// "bad relo"): ir.PoisonCOREHelper.
const PoisonHelper = ir.PoisonCOREHelper

// poison turns insn into a call of the poison helper.
func poison(insn *ir.Insn) {
	*insn = ir.Insn{Op: ir.OpCall, Imm: PoisonHelper}
}

// IsPoisoned reports whether insn is a poisoned instruction.
func IsPoisoned(insn ir.Insn) bool {
	return insn.Op == ir.OpCall && insn.Src == 0 && insn.Imm == PoisonHelper
}

// sizeBytes returns the access size in bytes of a load or store opcode.
func sizeBytes(op uint8) uint32 {
	switch op & ir.SizeMask {
	case ir.SizeDW:
		return 8
	case ir.SizeW:
		return 4
	case ir.SizeH:
		return 2
	}
	return 1
}

// sizeCode returns the size bits for an access of n bytes.
func sizeCode(n uint32) (uint8, bool) {
	switch n {
	case 8:
		return ir.SizeDW, true
	case 4:
		return ir.SizeW, true
	case 2:
		return ir.SizeH, true
	case 1:
		return ir.SizeB, true
	}
	return 0, false
}

// Patch applies result r of a relocation of kind kind to the instruction
// at slot idx of insns, as libbpf's bpf_core_patch_insn:
//
//   - poisoned results replace the instruction with a call of the poison
//     helper; a ld_imm64 has both of its slots replaced, so the
//     instruction count does not change;
//   - ALU and ALU64 instructions with an immediate operand get the target
//     value as their immediate (truncated to 32 bits);
//   - LDX, ST and STX get it as their offset (at most 32767); when the
//     field's size differs between local and target, the access size
//     changes too if that is safe, and the instruction is poisoned if not;
//   - ld_imm64 (without a pseudo source) gets it as its 64-bit constant.
//
// Unless r.SkipValidation, the instruction must hold r.Local. Any other
// instruction, or one that does not hold the expected value, gives an
// error wrapping ErrBadInsn.
func Patch(insns []ir.Insn, idx int, kind btf.COREKind, r Result) error {
	if idx < 0 || idx >= len(insns) {
		return fmt.Errorf("insn %d: out of range [0,%d): %w", idx, len(insns), ErrBadInsn)
	}
	insn := &insns[idx]
	if insn.IsLdImm64() && idx+1 >= len(insns) {
		return fmt.Errorf("insn %d: truncated ld_imm64: %w", idx, ErrBadInsn)
	}
	if r.Poison {
		poisonAt(insns, idx)
		return nil
	}
	validate := !r.SkipValidation
	switch insn.Class() {
	case ir.ClassALU, ir.ClassALU64:
		if insn.Op&ir.SrcMask == ir.SrcX { // register source
			return fmt.Errorf("insn %d: %s relocation of an ALU instruction without immediate: %w", idx, kind, ErrBadInsn)
		}
		// libbpf compares the sign-extended immediate with the value.
		if validate && uint64(int64(insn.Imm)) != r.Local {
			return fmt.Errorf("insn %d: %s relocation: ALU immediate is %d, expected %d (-> %d): %w",
				idx, kind, insn.Imm, r.Local, r.Target, ErrBadInsn)
		}
		insn.Imm = int32(uint32(r.Target))
	case ir.ClassLDX, ir.ClassST, ir.ClassSTX:
		if validate && uint64(int64(insn.Off)) != r.Local {
			return fmt.Errorf("insn %d: %s relocation: memory offset is %d, expected %d (-> %d): %w",
				idx, kind, insn.Off, r.Local, r.Target, ErrBadInsn)
		}
		if r.Target > math.MaxInt16 {
			return fmt.Errorf("insn %d: %s relocation: offset %d does not fit 16 bits: %w", idx, kind, r.Target, ErrBadInsn)
		}
		if r.BadSize {
			// The field changed size in a way the access cannot follow.
			poisonAt(insns, idx)
			return nil
		}
		if r.LocalSize != r.TargetSize {
			if got := sizeBytes(insn.Op); got != r.LocalSize {
				return fmt.Errorf("insn %d: %s relocation: access size %d, expected %d: %w", idx, kind, got, r.LocalSize, ErrBadInsn)
			}
			code, ok := sizeCode(r.TargetSize)
			if !ok {
				return fmt.Errorf("insn %d: %s relocation: no access of %d bytes: %w", idx, kind, r.TargetSize, ErrBadInsn)
			}
			insn.Op = insn.Op&^ir.SizeMask | code
		}
		insn.Off = int16(r.Target)
	case ir.ClassLD:
		if !insn.IsLdImm64() {
			return fmt.Errorf("insn %d: %s relocation: ld instruction %#02x is not a ld_imm64: %w", idx, kind, insn.Op, ErrBadInsn)
		}
		next := insns[idx+1]
		if insn.Src != 0 || insn.Off != 0 ||
			next.Op != 0 || next.Dst != 0 || next.Src != 0 || next.Off != 0 {
			return fmt.Errorf("insn %d: %s relocation: ld_imm64 of unexpected form: %w", idx, kind, ErrBadInsn)
		}
		if v := ir.Imm64(insns, idx); validate && v != r.Local {
			return fmt.Errorf("insn %d: %s relocation: ld_imm64 value is %d, expected %d (-> %d): %w",
				idx, kind, v, r.Local, r.Target, ErrBadInsn)
		}
		ir.SetImm64(insns, idx, r.Target)
	default:
		return fmt.Errorf("insn %d: %s relocation of an instruction of class %#x (op %#02x): %w",
			idx, kind, insn.Class(), insn.Op, ErrBadInsn)
	}
	return nil
}

// poisonAt poisons the instruction at idx, both slots of a ld_imm64 (the
// second so that the verifier does not complain about opcode 0 first).
func poisonAt(insns []ir.Insn, idx int) {
	if insns[idx].IsLdImm64() {
		poison(&insns[idx+1])
	}
	poison(&insns[idx])
}
