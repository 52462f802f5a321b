// This file renders instructions as text in the C-like syntax of
// llvm-objdump (opcodes and spellings from opcode.go), for the IR's text
// form and for error messages. Where llvm-objdump has no spelling of its
// own, bpftool's is used: helper calls by name ("call
// bpf_map_lookup_elem#1"), bpf-to-bpf calls relative to the pc ("call
// pc+3"); fd_array and pseudo ld_imm64 forms are bpfc's.

package ir

import (
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/uapi"
)

// Disasm renders the instruction at insns[i] (and its second slot for a
// ld_imm64).
func Disasm(insns []Insn, i int) string {
	in := insns[i]
	switch in.Class() {
	case ClassALU, ClassALU64:
		return disasmALU(in)
	case ClassJMP, ClassJMP32:
		return disasmJmp(in)
	case ClassLDX:
		sz := sizeNames[in.Op&SizeMask>>3]
		switch in.Op & ModeMask {
		case ModeMEM:
		case ModeMEMSX:
			sz = "s" + sz[1:]
		default:
			return fmt.Sprintf("op %#02x", in.Op)
		}
		return fmt.Sprintf("r%d = *(%s *)(r%d %s)", in.Dst, sz, in.Src, signed(int64(in.Off)))
	case ClassST:
		return fmt.Sprintf("*(%s *)(r%d %s) = %d", sizeNames[in.Op&SizeMask>>3], in.Dst, signed(int64(in.Off)), in.Imm)
	case ClassSTX:
		if in.Op&ModeMask == ModeATOMIC {
			return disasmAtomic(in)
		}
		return fmt.Sprintf("*(%s *)(r%d %s) = r%d", sizeNames[in.Op&SizeMask>>3], in.Dst, signed(int64(in.Off)), in.Src)
	case ClassLD:
		if in.IsLdImm64() {
			return disasmLdImm64(insns, i)
		}
		sz := sizeNames[in.Op&SizeMask>>3]
		switch in.Op & ModeMask {
		case ModeABS:
			return fmt.Sprintf("r0 = *(%s *)skb[%d]", sz, in.Imm)
		case ModeIND:
			if in.Imm == 0 {
				return fmt.Sprintf("r0 = *(%s *)skb[r%d]", sz, in.Src)
			}
			return fmt.Sprintf("r0 = *(%s *)skb[r%d %s]", sz, in.Src, signed(int64(in.Imm)))
		}
	}
	return fmt.Sprintf("op %#02x", in.Op)
}

func signed(v int64) string {
	if v < 0 {
		return fmt.Sprintf("- %d", -v)
	}
	return fmt.Sprintf("+ %d", v)
}

func disasmLdImm64(insns []Insn, i int) string {
	in := insns[i]
	if i+1 >= len(insns) {
		return "ld_imm64 (truncated)"
	}
	imm2 := insns[i+1].Imm
	switch in.Src {
	case 0:
		return fmt.Sprintf("r%d = %#x ll", in.Dst, Imm64(insns, i))
	case PseudoMapFD:
		return fmt.Sprintf("r%d = map_fd(%d) ll", in.Dst, in.Imm)
	case PseudoMapValue:
		return fmt.Sprintf("r%d = map_value(fd %d) + %d ll", in.Dst, in.Imm, imm2)
	case PseudoBTFID:
		return fmt.Sprintf("r%d = btf_id(%d, obj %d) ll", in.Dst, in.Imm, imm2)
	case PseudoFunc:
		return fmt.Sprintf("r%d = func(%+d) ll", in.Dst, in.Imm)
	case PseudoMapIdx:
		return fmt.Sprintf("r%d = map[%d] ll", in.Dst, in.Imm)
	case PseudoMapIdxValue:
		return fmt.Sprintf("r%d = map_value[%d] + %d ll", in.Dst, in.Imm, imm2)
	}
	return fmt.Sprintf("r%d = ld_imm64(src %d, %#x, %#x)", in.Dst, in.Src, uint32(in.Imm), uint32(imm2))
}

// disasmAtomic renders BPF_STX | BPF_ATOMIC as llvm-objdump does with
// alu32 (cpu v3 and later): 32-bit operands are w registers.
func disasmAtomic(in Insn) string {
	size := in.Op & SizeMask
	w := "r"
	switch size {
	case SizeDW:
	case SizeW:
		w = "w"
	default:
		return fmt.Sprintf("atomic(%#x) op %#02x", in.Imm, in.Op)
	}
	sz := sizeNames[size>>3]
	addr := fmt.Sprintf("r%d %s", in.Dst, signed(int64(in.Off)))
	switch op := in.Imm; op {
	case AtomicAdd, AtomicOr, AtomicAnd, AtomicXor:
		return fmt.Sprintf("lock *(%s *)(%s) %s %s%d", sz, addr, aluSyms[op>>4], w, in.Src)
	case AtomicAdd | AtomicFetch, AtomicOr | AtomicFetch, AtomicAnd | AtomicFetch, AtomicXor | AtomicFetch:
		return fmt.Sprintf("%s%d = atomic_fetch_%s((%s *)(%s), %s%d)", w, in.Src, aluNames[op>>4], sz, addr, w, in.Src)
	case AtomicXchg:
		if size == SizeW {
			return fmt.Sprintf("w%d = xchg32_32(%s, w%d)", in.Src, addr, in.Src)
		}
		return fmt.Sprintf("r%d = xchg_64(%s, r%d)", in.Src, addr, in.Src)
	case AtomicCmpxchg:
		if size == SizeW {
			return fmt.Sprintf("w0 = cmpxchg32_32(%s, w0, w%d)", addr, in.Src)
		}
		return fmt.Sprintf("r0 = cmpxchg_64(%s, r0, r%d)", addr, in.Src)
	}
	return fmt.Sprintf("atomic(%#x) *(%s *)(%s), %s%d", in.Imm, sz, addr, w, in.Src)
}

func disasmALU(in Insn) string {
	w := "r"
	if in.Class() == ClassALU {
		w = "w"
	}
	op := in.Op & OpMask
	src := fmt.Sprintf("%d", in.Imm)
	if in.Op&SrcMask == SrcX {
		src = fmt.Sprintf("%s%d", w, in.Src)
	}
	switch op {
	case ALUNeg:
		return fmt.Sprintf("%s%d = -%s%d", w, in.Dst, w, in.Dst)
	case ALUEnd:
		kind := "le"
		if in.Op&SrcMask == SrcX {
			kind = "be"
		}
		if in.Class() == ClassALU64 {
			kind = "bswap"
		}
		return fmt.Sprintf("r%d = %s%d r%d", in.Dst, kind, in.Imm, in.Dst)
	case ALUMov:
		if in.Off != 0 && in.Op&SrcMask == SrcX {
			return fmt.Sprintf("%s%d = (s%d)%s", w, in.Dst, in.Off, src)
		}
	case ALUDiv, ALUMod:
		if in.Off == 1 {
			return fmt.Sprintf("%s%d s%s %s", w, in.Dst, aluSyms[op>>4], src)
		}
	}
	if s := aluSyms[op>>4]; s != "" {
		return fmt.Sprintf("%s%d %s %s", w, in.Dst, s, src)
	}
	return fmt.Sprintf("alu %#02x", in.Op)
}

func disasmJmp(in Insn) string {
	op := in.Op & OpMask
	jmp32 := in.Class() == ClassJMP32
	w := "r"
	if jmp32 {
		w = "w"
	}
	switch {
	case op == JumpA && jmp32:
		return fmt.Sprintf("gotol %+d", in.Imm)
	case op == JumpA:
		return fmt.Sprintf("goto %+d", in.Off)
	case op == JumpCall && !jmp32:
		switch in.Src {
		case PseudoCall:
			return fmt.Sprintf("call pc%+d", in.Imm)
		case PseudoKfuncCall:
			return fmt.Sprintf("call kfunc(btf_id %d, slot %d)", in.Imm, in.Off)
		}
		if name := helperName(in.Imm); name != "" {
			return fmt.Sprintf("call %s#%d", name, in.Imm)
		}
		return fmt.Sprintf("call %d", in.Imm)
	case op == JumpExit && !jmp32:
		return "exit"
	case op == JumpCond && !jmp32 && in.Src == 0:
		return fmt.Sprintf("may_goto %+d", in.Off)
	}
	s := jumpSyms[op>>4]
	if s == "" {
		return fmt.Sprintf("jmp %#02x", in.Op)
	}
	src := fmt.Sprintf("%d", in.Imm)
	if in.Op&SrcMask == SrcX {
		src = fmt.Sprintf("%s%d", w, in.Src)
	}
	return fmt.Sprintf("if %s%d %s %s goto %+d", w, in.Dst, s, src, in.Off)
}

// helperName returns the C name of helper function id, or "" for an id
// no kernel helper has (0, a poisoned call). The names are internal/sys's
// table for now; they move to the public uapi package (issue 7, item 1)
// when it lands.
func helperName(id int32) string {
	if id <= 0 {
		return ""
	}
	name := uapi.HelperID(id).String()
	if !strings.HasPrefix(name, "bpf_") {
		return ""
	}
	return name
}
