// This file renders instructions as text in the C-like syntax of
// llvm-objdump, for the IR's text form and for error messages.

package ir

import "fmt"

var aluOps = map[uint8]string{
	0x00: "+=", 0x10: "-=", 0x20: "*=", 0x30: "/=", 0x40: "|=", 0x50: "&=",
	0x60: "<<=", 0x70: ">>=", 0x90: "%=", 0xa0: "^=", 0xb0: "=", 0xc0: "s>>=",
}

var jmpOps = map[uint8]string{
	0x10: "==", 0x20: ">", 0x30: ">=", 0x40: "&", 0x50: "!=", 0x60: "s>",
	0x70: "s>=", 0xa0: "<", 0xb0: "<=", 0xc0: "s<", 0xd0: "s<=",
}

var sizeNames = map[uint8]string{SizeW: "u32", SizeH: "u16", SizeB: "u8", SizeDW: "u64"}

var atomicOps = map[int32]string{
	0x00: "+=", 0x40: "|=", 0x50: "&=", 0xa0: "^=",
}

// Disasm renders the instruction at insns[i] (and its second slot for a
// ld_imm64).
func Disasm(insns []Insn, i int) string {
	in := insns[i]
	cls := in.Class()
	switch cls {
	case ClassALU, ClassALU64:
		return disasmALU(in)
	case ClassJMP, ClassJMP32:
		return disasmJmp(in)
	case ClassLDX:
		sz := sizeNames[in.Op&0x18]
		if in.Op&0xe0 == ModeMEMSX {
			sz = "s" + sz[1:]
		}
		return fmt.Sprintf("r%d = *(%s *)(r%d %s)", in.Dst, sz, in.Src, signed(int64(in.Off)))
	case ClassST:
		return fmt.Sprintf("*(%s *)(r%d %s) = %d", sizeNames[in.Op&0x18], in.Dst, signed(int64(in.Off)), in.Imm)
	case ClassSTX:
		sz := sizeNames[in.Op&0x18]
		if in.Op&0xe0 == ModeATOMIC {
			if op, ok := atomicOps[in.Imm&^1]; ok {
				f := ""
				if in.Imm&1 != 0 {
					f = " fetch"
				}
				return fmt.Sprintf("lock *(%s *)(r%d %s) %s r%d%s", sz, in.Dst, signed(int64(in.Off)), op, in.Src, f)
			}
			return fmt.Sprintf("atomic(%#x) *(%s *)(r%d %s), r%d", in.Imm, sz, in.Dst, signed(int64(in.Off)), in.Src)
		}
		return fmt.Sprintf("*(%s *)(r%d %s) = r%d", sz, in.Dst, signed(int64(in.Off)), in.Src)
	case ClassLD:
		if in.IsLdImm64() {
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
		return fmt.Sprintf("ld %#02x (legacy packet access) imm %d", in.Op, in.Imm)
	}
	return fmt.Sprintf("op %#02x", in.Op)
}

func signed(v int64) string {
	if v < 0 {
		return fmt.Sprintf("- %d", -v)
	}
	return fmt.Sprintf("+ %d", v)
}

func disasmALU(in Insn) string {
	w := "r"
	if in.Class() == ClassALU {
		w = "w"
	}
	op := in.Op & 0xf0
	src := fmt.Sprintf("%d", in.Imm)
	if in.Op&0x08 != 0 {
		src = fmt.Sprintf("%s%d", w, in.Src)
	}
	switch op {
	case 0x80:
		return fmt.Sprintf("%s%d = -%s%d", w, in.Dst, w, in.Dst)
	case 0xd0:
		kind := "le"
		if in.Op&0x08 != 0 {
			kind = "be"
		}
		if in.Class() == ClassALU64 {
			kind = "bswap"
		}
		return fmt.Sprintf("r%d = %s%d r%d", in.Dst, kind, in.Imm, in.Dst)
	case 0xb0:
		if in.Off != 0 && in.Op&0x08 != 0 {
			return fmt.Sprintf("%s%d = (s%d)%s", w, in.Dst, in.Off, src)
		}
	case 0x30, 0x90:
		if in.Off == 1 {
			return fmt.Sprintf("%s%d s%s %s", w, in.Dst, aluOps[op], src)
		}
	}
	if s, ok := aluOps[op]; ok {
		return fmt.Sprintf("%s%d %s %s", w, in.Dst, s, src)
	}
	return fmt.Sprintf("alu %#02x", in.Op)
}

func disasmJmp(in Insn) string {
	op := in.Op & 0xf0
	w := "r"
	if in.Class() == ClassJMP32 {
		w = "w"
	}
	switch op {
	case 0x00:
		if in.Class() == ClassJMP32 {
			return fmt.Sprintf("gotol %+d", in.Imm)
		}
		return fmt.Sprintf("goto %+d", in.Off)
	case 0x80:
		switch in.Src {
		case PseudoCall:
			return fmt.Sprintf("call pc%+d", in.Imm)
		case PseudoKfuncCall:
			return fmt.Sprintf("call kfunc(btf_id %d, slot %d)", in.Imm, in.Off)
		}
		return fmt.Sprintf("call %d", in.Imm)
	case 0x90:
		return "exit"
	}
	s, ok := jmpOps[op]
	if !ok {
		return fmt.Sprintf("jmp %#02x", in.Op)
	}
	src := fmt.Sprintf("%d", in.Imm)
	if in.Op&0x08 != 0 {
		src = fmt.Sprintf("%s%d", w, in.Src)
	}
	return fmt.Sprintf("if %s%d %s %s goto %+d", w, in.Dst, s, src, in.Off)
}
