// This file holds instruction constructors for code written by hand: the
// loader program that backend/loaderprog emits, and the small programs of
// tests. Each returns the encoded slot(s) of one instruction; ld_imm64
// constructors return its two slots. The opcodes come from opcode.go.

package ir

// ALU64Imm returns dst = dst op imm on 64 bits (op is one of ALUAdd, ...).
func ALU64Imm(op uint8, dst uint8, imm int32) Insn {
	return Insn{Op: ClassALU64 | op | SrcK, Dst: dst, Imm: imm}
}

// ALU32Imm returns dst = dst op imm on 32 bits (op is one of ALUAdd, ...).
func ALU32Imm(op uint8, dst uint8, imm int32) Insn {
	return Insn{Op: ClassALU | op | SrcK, Dst: dst, Imm: imm}
}

// Mov64Imm returns dst = imm (sign-extended to 64 bits).
func Mov64Imm(dst uint8, imm int32) Insn { return ALU64Imm(ALUMov, dst, imm) }

// Mov64Reg returns dst = src.
func Mov64Reg(dst, src uint8) Insn {
	return Insn{Op: ClassALU64 | ALUMov | SrcX, Dst: dst, Src: src}
}

// Add64Imm returns dst += imm.
func Add64Imm(dst uint8, imm int32) Insn { return ALU64Imm(ALUAdd, dst, imm) }

// Add64Reg returns dst += src.
func Add64Reg(dst, src uint8) Insn {
	return Insn{Op: ClassALU64 | ALUAdd | SrcX, Dst: dst, Src: src}
}

// Call returns a call of helper function number helper.
func Call(helper int32) Insn { return Insn{Op: OpCall, Imm: helper} }

// CallLocal returns a bpf-to-bpf call off instructions after the next one
// (before the link pass, off is -1 and a relocation names the function).
func CallLocal(off int32) Insn { return Insn{Op: OpCall, Src: PseudoCall, Imm: off} }

// Exit returns the exit instruction (return r0).
func Exit() Insn { return Insn{Op: OpExit} }

// JA returns goto +off.
func JA(off int16) Insn { return Insn{Op: OpJA, Off: off} }

// Gotol returns goto +off with a 32-bit offset (cpu v4).
func Gotol(off int32) Insn { return Insn{Op: OpGotol, Imm: off} }

// JumpImm returns if dst op imm goto +off (op is one of JumpEq, ...).
func JumpImm(op uint8, dst uint8, imm int32, off int16) Insn {
	return Insn{Op: ClassJMP | op | SrcK, Dst: dst, Imm: imm, Off: off}
}

// JumpReg returns if dst op src goto +off (op is one of JumpEq, ...).
func JumpReg(op uint8, dst, src uint8, off int16) Insn {
	return Insn{Op: ClassJMP | op | SrcX, Dst: dst, Src: src, Off: off}
}

// JEqImm returns if dst == imm goto +off.
func JEqImm(dst uint8, imm int32, off int16) Insn { return JumpImm(JumpEq, dst, imm, off) }

// SizeOf returns the size bits (SizeB, SizeH, SizeW, SizeDW) of a memory
// access of width bytes; any width other than 1, 2 or 4 is taken as 8.
func SizeOf(width int) uint8 {
	switch width {
	case 1:
		return SizeB
	case 2:
		return SizeH
	case 4:
		return SizeW
	}
	return SizeDW
}

// Ldx returns dst = *(width bytes *)(src + off).
func Ldx(width int, dst, src uint8, off int16) Insn {
	return Insn{Op: ClassLDX | ModeMEM | SizeOf(width), Dst: dst, Src: src, Off: off}
}

// Stx returns *(width bytes *)(dst + off) = src.
func Stx(width int, dst, src uint8, off int16) Insn {
	return Insn{Op: ClassSTX | ModeMEM | SizeOf(width), Dst: dst, Src: src, Off: off}
}

// St returns *(width bytes *)(dst + off) = imm.
func St(width int, dst uint8, off int16, imm int32) Insn {
	return Insn{Op: ClassST | ModeMEM | SizeOf(width), Dst: dst, Off: off, Imm: imm}
}

// LdPseudo returns the two slots of a ld_imm64 of dst with pseudo source
// src (PseudoMapIdx, ...), imm in the first slot and imm2 in the second.
func LdPseudo(dst, src uint8, imm, imm2 int32) []Insn {
	return []Insn{{Op: OpLdImm64, Dst: dst, Src: src, Imm: imm}, {Imm: imm2}}
}

// LdImm64 returns dst = v, a 64-bit constant (two slots).
func LdImm64(dst uint8, v uint64) []Insn {
	return LdPseudo(dst, 0, int32(uint32(v)), int32(uint32(v>>32)))
}

// LdMapIdx returns dst = the map at fd_array index idx (two slots).
func LdMapIdx(dst uint8, idx int32) []Insn { return LdPseudo(dst, PseudoMapIdx, idx, 0) }

// LdMapIdxValue returns dst = the address of byte off of the value of the
// map at fd_array index idx (two slots).
func LdMapIdxValue(dst uint8, idx, off int32) []Insn {
	return LdPseudo(dst, PseudoMapIdxValue, idx, off)
}
