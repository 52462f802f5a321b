// This file is bpfc's one table of the BPF instruction set
// (Documentation/bpf/standardization/instruction-set.rst): the fields of an
// opcode (class, size, mode, operation, source), the ALU, jump and atomic
// operations, the registers, and how the disassembler spells each one
// (llvm-objdump's syntax). The constructors (asm.go), the disassembler
// (disasm.go) and the loader emitter of backend/loaderprog all take their
// opcodes from here.

package ir

// Instruction classes (bits 0-2 of the opcode).
const (
	ClassLD    = 0x00
	ClassLDX   = 0x01
	ClassST    = 0x02
	ClassSTX   = 0x03
	ClassALU   = 0x04
	ClassJMP   = 0x05
	ClassJMP32 = 0x06
	ClassALU64 = 0x07

	// ClassMask selects the class of an opcode.
	ClassMask = 0x07
)

// Memory access sizes (bits 3-4 of a load or store opcode).
const (
	SizeW  = 0x00
	SizeH  = 0x08
	SizeB  = 0x10
	SizeDW = 0x18

	// SizeMask selects the size of a load or store opcode.
	SizeMask = 0x18
)

// Memory modes (bits 5-7 of a load or store opcode).
const (
	ModeIMM    = 0x00 // ld_imm64
	ModeABS    = 0x20 // legacy packet access, constant offset
	ModeIND    = 0x40 // legacy packet access, register offset
	ModeMEM    = 0x60
	ModeMEMSX  = 0x80 // sign-extending load (cpu v4)
	ModeATOMIC = 0xc0

	// ModeMask selects the mode of a load or store opcode.
	ModeMask = 0xe0
)

// Source operand of ALU and jump opcodes (bit 3): the immediate (K) or the
// source register (X). For BPF_END it is the byte order instead (SrcK: to
// little endian, SrcX: to big endian).
const (
	SrcK = 0x00
	SrcX = 0x08

	// SrcMask selects the source of an ALU or jump opcode.
	SrcMask = 0x08
)

// OpMask selects the operation (bits 4-7) of an ALU or jump opcode.
const OpMask = 0xf0

// ALU operations (bits 4-7 of an ALU or ALU64 opcode). The atomic
// operations of BPF_STX | BPF_ATOMIC use the same values in imm.
const (
	ALUAdd  = 0x00
	ALUSub  = 0x10
	ALUMul  = 0x20
	ALUDiv  = 0x30 // off 1: signed (cpu v4)
	ALUOr   = 0x40
	ALUAnd  = 0x50
	ALULsh  = 0x60
	ALURsh  = 0x70
	ALUNeg  = 0x80
	ALUMod  = 0x90 // off 1: signed (cpu v4)
	ALUXor  = 0xa0
	ALUMov  = 0xb0 // off 8, 16, 32 with SrcX: sign-extending move (cpu v4)
	ALUArsh = 0xc0
	ALUEnd  = 0xd0 // byte swap: imm is the width
)

// Jump operations (bits 4-7 of a JMP or JMP32 opcode).
const (
	JumpA    = 0x00 // goto; in JMP32, gotol with a 32-bit offset in imm
	JumpEq   = 0x10
	JumpGT   = 0x20
	JumpGE   = 0x30
	JumpSet  = 0x40
	JumpNE   = 0x50
	JumpSGT  = 0x60
	JumpSGE  = 0x70
	JumpCall = 0x80
	JumpExit = 0x90
	JumpLT   = 0xa0
	JumpLE   = 0xb0
	JumpSLT  = 0xc0
	JumpSLE  = 0xd0
	JumpCond = 0xe0 // may_goto (src 0)
)

// Atomic operations: the imm of a BPF_STX | BPF_ATOMIC instruction.
const (
	AtomicAdd = ALUAdd
	AtomicOr  = ALUOr
	AtomicAnd = ALUAnd
	AtomicXor = ALUXor
	// AtomicFetch, or'ed into an operation, returns the old value in the
	// source register.
	AtomicFetch   = 0x01
	AtomicXchg    = 0xe0 | AtomicFetch
	AtomicCmpxchg = 0xf0 | AtomicFetch // compares with and returns into r0
)

// Whole opcodes used by name.
const (
	OpLdImm64 = ClassLD | ModeIMM | SizeDW
	OpCall    = ClassJMP | JumpCall
	OpExit    = ClassJMP | JumpExit
	OpJA      = ClassJMP | JumpA
	OpGotol   = ClassJMP32 | JumpA // 32-bit offset in imm (cpu v4)
	OpMayGoto = ClassJMP | JumpCond
	OpMovImm  = ClassALU64 | ALUMov | SrcK
	OpMov32K  = ClassALU | ALUMov | SrcK
	OpAdd64K  = ClassALU64 | ALUAdd | SrcK
	OpAdd32K  = ClassALU | ALUAdd | SrcK
	OpAdd64X  = ClassALU64 | ALUAdd | SrcX
)

// Registers. R10 is the read-only frame pointer.
const (
	R0 uint8 = iota
	R1
	R2
	R3
	R4
	R5
	R6
	R7
	R8
	R9
	R10
)

// aluNames names the ALU operations (and so the atomic ones) as the
// kernel does: add, sub, ... The disassembler spells atomic fetch
// operations with them ("atomic_fetch_add").
var aluNames = [16]string{
	ALUAdd >> 4: "add", ALUSub >> 4: "sub", ALUMul >> 4: "mul", ALUDiv >> 4: "div",
	ALUOr >> 4: "or", ALUAnd >> 4: "and", ALULsh >> 4: "lsh", ALURsh >> 4: "rsh",
	ALUNeg >> 4: "neg", ALUMod >> 4: "mod", ALUXor >> 4: "xor", ALUMov >> 4: "mov",
	ALUArsh >> 4: "arsh", ALUEnd >> 4: "end",
}

// aluSyms spells the ALU operations with a two-operand form ("r1 += r2");
// neg and end have forms of their own.
var aluSyms = [16]string{
	ALUAdd >> 4: "+=", ALUSub >> 4: "-=", ALUMul >> 4: "*=", ALUDiv >> 4: "/=",
	ALUOr >> 4: "|=", ALUAnd >> 4: "&=", ALULsh >> 4: "<<=", ALURsh >> 4: ">>=",
	ALUMod >> 4: "%=", ALUXor >> 4: "^=", ALUMov >> 4: "=", ALUArsh >> 4: "s>>=",
}

// jumpSyms spells the conditional jumps ("if r1 s< r2 goto +3"); goto,
// call, exit and may_goto have forms of their own.
var jumpSyms = [16]string{
	JumpEq >> 4: "==", JumpGT >> 4: ">", JumpGE >> 4: ">=", JumpSet >> 4: "&",
	JumpNE >> 4: "!=", JumpSGT >> 4: "s>", JumpSGE >> 4: "s>=", JumpLT >> 4: "<",
	JumpLE >> 4: "<=", JumpSLT >> 4: "s<", JumpSLE >> 4: "s<=",
}

// sizeNames spells the access sizes ("*(u32 *)").
var sizeNames = [4]string{SizeW >> 3: "u32", SizeH >> 3: "u16", SizeB >> 3: "u8", SizeDW >> 3: "u64"}
