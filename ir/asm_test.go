// This file checks the instruction constructors against the encoding of
// cilium/ebpf's asm package, an independent assembler.

package ir_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/bpfc/bpfc/ir"
)

func TestAsm(t *testing.T) {
	raw := func(op asm.OpCode, dst, src asm.Register, off int16, c int64) asm.Instruction {
		return asm.Instruction{OpCode: op, Dst: dst, Src: src, Offset: off, Constant: c}
	}
	ldImm := asm.LoadImmOp(asm.DWord)
	for _, tc := range []struct {
		name string
		got  []ir.Insn
		want asm.Instruction
	}{
		{"mov64 imm", []ir.Insn{ir.Mov64Imm(1, -5)}, asm.Mov.Imm(asm.R1, -5)},
		{"mov64 reg", []ir.Insn{ir.Mov64Reg(2, 10)}, asm.Mov.Reg(asm.R2, asm.R10)},
		{"add64 imm", []ir.Insn{ir.Add64Imm(2, -4)}, asm.Add.Imm(asm.R2, -4)},
		{"add64 reg", []ir.Insn{ir.Add64Reg(0, 1)}, asm.Add.Reg(asm.R0, asm.R1)},
		{"rsh64 imm", []ir.Insn{ir.ALU64Imm(ir.ALURsh, 9, 32)}, asm.RSh.Imm(asm.R9, 32)},
		{"and32 imm", []ir.Insn{ir.ALU32Imm(ir.ALUAnd, 3, 0xff)}, asm.And.Imm32(asm.R3, 0xff)},
		{"sub32 imm", []ir.Insn{ir.ALU32Imm(ir.ALUSub, 3, 1)}, asm.Sub.Imm32(asm.R3, 1)},
		{"call", []ir.Insn{ir.Call(1)}, asm.FnMapLookupElem.Call()},
		{"call local", []ir.Insn{ir.CallLocal(-1)}, raw(asm.Call.Op(asm.ImmSource), 0, asm.PseudoCall, 0, -1)},
		{"exit", []ir.Insn{ir.Exit()}, asm.Return()},
		{"ja", []ir.Insn{ir.JA(3)}, raw(asm.Ja.Op(asm.ImmSource), 0, 0, 3, 0)},
		{"jeq imm", []ir.Insn{ir.JEqImm(0, 7, 2)}, raw(asm.JEq.Op(asm.ImmSource), asm.R0, 0, 2, 7)},
		{"jsge imm", []ir.Insn{ir.JumpImm(ir.JumpSGE, 7, 0, 1)}, raw(asm.JSGE.Op(asm.ImmSource), asm.R7, 0, 1, 0)},
		{"jne reg", []ir.Insn{ir.JumpReg(ir.JumpNE, 2, 3, -4)}, raw(asm.JNE.Op(asm.RegSource), asm.R2, asm.R3, -4, 0)},
		{"gotol", []ir.Insn{ir.Gotol(-70000)}, raw(asm.LongJump("").OpCode, 0, 0, 0, -70000)},
		{"ldx b", []ir.Insn{ir.Ldx(1, 0, 1, 3)}, asm.LoadMem(asm.R0, asm.R1, 3, asm.Byte)},
		{"ldx h", []ir.Insn{ir.Ldx(2, 0, 1, 3)}, asm.LoadMem(asm.R0, asm.R1, 3, asm.Half)},
		{"ldx w", []ir.Insn{ir.Ldx(4, 0, 1, -8)}, asm.LoadMem(asm.R0, asm.R1, -8, asm.Word)},
		{"ldx dw", []ir.Insn{ir.Ldx(8, 6, 1, 16)}, asm.LoadMem(asm.R6, asm.R1, 16, asm.DWord)},
		{"stx dw", []ir.Insn{ir.Stx(8, 0, 1, 0)}, asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord)},
		{"st w", []ir.Insn{ir.St(4, 10, -4, 2)}, asm.StoreImm(asm.R10, -4, 2, asm.Word)},
		{"ld_imm64", ir.LdImm64(3, 0x1122334455667788), asm.LoadImm(asm.R3, 0x1122334455667788, asm.DWord)},
		{"ld_imm64 negative", ir.LdImm64(3, 1<<63|5), asm.LoadImm(asm.R3, -1<<63|5, asm.DWord)},
		{"ld map idx", ir.LdMapIdx(1, 2), raw(ldImm, asm.R1, ir.PseudoMapIdx, 0, 2)},
		{"ld map idx value", ir.LdMapIdxValue(1, 2, 24), raw(ldImm, asm.R1, ir.PseudoMapIdxValue, 0, 24<<32|2)},
		{"ld pseudo", ir.LdPseudo(4, ir.PseudoBTFID, 77, 5), raw(ldImm, asm.R4, ir.PseudoBTFID, 0, 5<<32|77)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want bytes.Buffer
			if _, err := tc.want.Marshal(&want, binary.LittleEndian); err != nil {
				t.Fatal(err)
			}
			got := ir.Marshal(nil, tc.got, binary.LittleEndian)
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("encoded % x, want % x (%v)", got, want.Bytes(), tc.want)
			}
		})
	}
}

func TestSizeOf(t *testing.T) {
	for width, want := range map[int]uint8{1: ir.SizeB, 2: ir.SizeH, 4: ir.SizeW, 8: ir.SizeDW, 3: ir.SizeDW} {
		if got := ir.SizeOf(width); got != want {
			t.Errorf("SizeOf(%d) = %#x, want %#x", width, got, want)
		}
	}
}
