// This file tests the disassembler on one instruction of every form, and
// checks the same table against llvm-mc's BPF disassembler (llvm-objdump's
// syntax): each expected text is llvm's, except where the table says how
// llvm spells it and why bpfc differs.

package ir_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
)

// disasmCase is one instruction and its text.
type disasmCase struct {
	insns []ir.Insn
	want  string
	// llvm is llvm-mc's text when bpfc's differs ("" when it is the
	// same, "-" when llvm has no such instruction).
	llvm string
	// v4 disassembles with -mcpu=v4 (alu32: 32-bit atomics with w
	// registers); the default cpu spells loads with r registers, as
	// llvm-objdump does on clang's objects.
	v4 bool
}

// in is an instruction with every field given.
func in(op, dst, src uint8, off int16, imm int32) []ir.Insn {
	return []ir.Insn{{Op: op, Dst: dst, Src: src, Off: off, Imm: imm}}
}

func one(i ir.Insn) []ir.Insn { return []ir.Insn{i} }

var disasmCases = []disasmCase{
	// ALU
	{insns: one(ir.Add64Imm(1, 5)), want: "r1 += 5"},
	{insns: in(ir.ClassALU|ir.ALUAdd|ir.SrcX, 1, 2, 0, 0), want: "w1 += w2"},
	{insns: in(ir.ClassALU64|ir.ALUMul|ir.SrcK, 3, 0, 0, -7), want: "r3 *= -7"},
	{insns: in(ir.ClassALU|ir.ALULsh|ir.SrcK, 3, 0, 0, 4), want: "w3 <<= 4"},
	{insns: in(ir.ClassALU64|ir.ALUArsh|ir.SrcK, 1, 0, 0, 3), want: "r1 s>>= 3"},
	{insns: in(ir.ClassALU|ir.ALUXor|ir.SrcX, 1, 9, 0, 0), want: "w1 ^= w9"},
	{insns: in(ir.ClassALU64|ir.ALUNeg, 1, 0, 0, 0), want: "r1 = -r1"},
	{insns: in(ir.ClassALU|ir.ALUNeg, 1, 0, 0, 0), want: "w1 = -w1"},
	{insns: in(ir.ClassALU64|ir.ALUDiv|ir.SrcK, 1, 0, 0, 3), want: "r1 /= 3"},
	{insns: in(ir.ClassALU64|ir.ALUDiv|ir.SrcK, 1, 0, 1, 3), want: "r1 s/= 3"},
	{insns: in(ir.ClassALU|ir.ALUMod|ir.SrcX, 1, 2, 1, 0), want: "w1 s%= w2"},
	{insns: one(ir.Mov64Reg(2, 10)), want: "r2 = r10"},
	{insns: one(ir.Mov64Imm(0, -1)), want: "r0 = -1"},
	{insns: in(ir.OpMov32K, 1, 0, 0, 5), want: "w1 = 5"},
	{insns: in(ir.ClassALU64|ir.ALUMov|ir.SrcX, 1, 2, 8, 0), want: "r1 = (s8)r2"},
	{insns: in(ir.ClassALU|ir.ALUMov|ir.SrcX, 1, 2, 16, 0), want: "w1 = (s16)w2"},
	{insns: in(ir.ClassALU|ir.ALUEnd|ir.SrcK, 1, 0, 0, 16), want: "r1 = le16 r1"},
	{insns: in(ir.ClassALU|ir.ALUEnd|ir.SrcX, 1, 0, 0, 32), want: "r1 = be32 r1"},
	{insns: in(ir.ClassALU64|ir.ALUEnd|ir.SrcK, 1, 0, 0, 64), want: "r1 = bswap64 r1"},

	// Jumps
	{insns: one(ir.JA(3)), want: "goto +3"},
	{insns: one(ir.JA(-2)), want: "goto -2"},
	{insns: one(ir.Gotol(16)), want: "gotol +16"},
	{insns: one(ir.Gotol(-70000)), want: "gotol -70000"},
	{insns: in(ir.OpMayGoto, 0, 0, 3, 0), want: "may_goto +3"},
	{insns: one(ir.JEqImm(1, 7, 2)), want: "if r1 == 7 goto +2"},
	{insns: one(ir.JumpReg(ir.JumpSet, 1, 2, 2)), want: "if r1 & r2 goto +2"},
	{insns: one(ir.JumpImm(ir.JumpGT, 4, 10, -5)), want: "if r4 > 10 goto -5"},
	{insns: one(ir.JumpReg(ir.JumpSLE, 4, 5, 1)), want: "if r4 s<= r5 goto +1"},
	{insns: in(ir.ClassJMP32|ir.JumpSLT|ir.SrcK, 1, 0, 2, -1), want: "if w1 s< -1 goto +2"},
	{insns: in(ir.ClassJMP32|ir.JumpNE|ir.SrcX, 1, 2, -3, 0), want: "if w1 != w2 goto -3"},
	{insns: one(ir.Exit()), want: "exit"},

	// Calls: helpers by name and number as bpftool prints them; a
	// bpf-to-bpf call relative to the pc; a kfunc by BTF id and fd_array
	// slot. llvm prints the bare imm.
	{insns: one(ir.Call(1)), want: "call bpf_map_lookup_elem#1", llvm: "call 1"},
	{insns: one(ir.Call(12)), want: "call bpf_tail_call#12", llvm: "call 12"},
	{insns: one(ir.Call(0xbad2310)), want: "call 195896080"}, // poisoned CO-RE relocation: no helper
	{insns: one(ir.CallLocal(3)), want: "call pc+3", llvm: "call 3"},
	{insns: in(ir.OpCall, 0, ir.PseudoKfuncCall, 1, 32), want: "call kfunc(btf_id 32, slot 1)", llvm: "call 32"},

	// Loads and stores
	{insns: one(ir.Ldx(1, 1, 2, 3)), want: "r1 = *(u8 *)(r2 + 3)"},
	{insns: one(ir.Ldx(8, 0, 10, -16)), want: "r0 = *(u64 *)(r10 - 16)"},
	{insns: in(ir.ClassLDX|ir.ModeMEMSX|ir.SizeH, 1, 2, -4, 0), want: "r1 = *(s16 *)(r2 - 4)"},
	{insns: one(ir.St(4, 10, -4, 2)), want: "*(u32 *)(r10 - 4) = 2"},
	{insns: one(ir.Stx(8, 10, 1, -8)), want: "*(u64 *)(r10 - 8) = r1"},
	{insns: one(ir.Stx(2, 3, 4, 6)), want: "*(u16 *)(r3 + 6) = r4"},
	{insns: in(ir.ClassLD|ir.ModeABS|ir.SizeW, 0, 0, 0, 4), want: "r0 = *(u32 *)skb[4]"},
	{insns: in(ir.ClassLD|ir.ModeIND|ir.SizeB, 0, 1, 0, 0), want: "r0 = *(u8 *)skb[r1]"},
	// llvm leaves out the constant of an indirect packet load.
	{insns: in(ir.ClassLD|ir.ModeIND|ir.SizeB, 0, 1, 0, 4), want: "r0 = *(u8 *)skb[r1 + 4]", llvm: "r0 = *(u8 *)skb[r1]"},

	// Atomics
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 8, ir.AtomicAdd), want: "lock *(u64 *)(r1 + 8) += r2", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeW, 1, 2, 8, ir.AtomicAdd), want: "lock *(u32 *)(r1 + 8) += w2", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 0, ir.AtomicOr), want: "lock *(u64 *)(r1 + 0) |= r2", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeW, 1, 2, 0, ir.AtomicAnd), want: "lock *(u32 *)(r1 + 0) &= w2", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, -8, ir.AtomicXor), want: "lock *(u64 *)(r1 - 8) ^= r2", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 8, ir.AtomicAdd|ir.AtomicFetch), want: "r2 = atomic_fetch_add((u64 *)(r1 + 8), r2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeW, 1, 2, 8, ir.AtomicAdd|ir.AtomicFetch), want: "w2 = atomic_fetch_add((u32 *)(r1 + 8), w2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 0, ir.AtomicOr|ir.AtomicFetch), want: "r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeW, 1, 2, 0, ir.AtomicAnd|ir.AtomicFetch), want: "w2 = atomic_fetch_and((u32 *)(r1 + 0), w2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 0, ir.AtomicXor|ir.AtomicFetch), want: "r2 = atomic_fetch_xor((u64 *)(r1 + 0), r2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 16, ir.AtomicXchg), want: "r2 = xchg_64(r1 + 16, r2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeW, 1, 2, 16, ir.AtomicXchg), want: "w2 = xchg32_32(r1 + 16, w2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 16, ir.AtomicCmpxchg), want: "r0 = cmpxchg_64(r1 + 16, r0, r2)", v4: true},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeW, 1, 2, 16, ir.AtomicCmpxchg), want: "w0 = cmpxchg32_32(r1 + 16, w0, w2)", v4: true},

	// ld_imm64: the constant in hex, as llvm-objdump prints immediates
	// (llvm-mc prints decimal); pseudo forms in bpfc's words.
	{insns: ir.LdImm64(1, 0x1122334455667788), want: "r1 = 0x1122334455667788 ll", llvm: "r1 = 1234605616436508552 ll"},
	{insns: ir.LdPseudo(1, ir.PseudoMapFD, 5, 0), want: "r1 = map_fd(5) ll", llvm: "ld_pseudo\tr1, 1, 5"},
	{insns: ir.LdPseudo(1, ir.PseudoMapValue, 5, 8), want: "r1 = map_value(fd 5) + 8 ll", llvm: "-"},
	{insns: ir.LdPseudo(4, ir.PseudoBTFID, 77, 3), want: "r4 = btf_id(77, obj 3) ll", llvm: "-"},
	{insns: ir.LdPseudo(2, ir.PseudoFunc, 9, 0), want: "r2 = func(+9) ll", llvm: "-"},
	{insns: ir.LdMapIdx(1, 2), want: "r1 = map[2] ll", llvm: "-"},
	{insns: ir.LdMapIdxValue(1, 2, 24), want: "r1 = map_value[2] + 24 ll", llvm: "-"},

	// Not instructions: named by their opcode.
	{insns: in(ir.ClassJMP|0xf0, 0, 0, 0, 0), want: "jmp 0xf5", llvm: "-"},
	{insns: in(ir.ClassJMP32|ir.JumpCall, 0, 0, 0, 1), want: "jmp 0x86", llvm: "-"},
	{insns: in(ir.ClassALU64|0xe0, 0, 0, 0, 0), want: "alu 0xe7", llvm: "-"},
	{insns: in(ir.ClassSTX|ir.ModeATOMIC|ir.SizeDW, 1, 2, 0, 0x20), want: "atomic(0x20) *(u64 *)(r1 + 0), r2", llvm: "-"},
}

func TestDisasm(t *testing.T) {
	for _, tc := range disasmCases {
		if got := ir.Disasm(tc.insns, 0); got != tc.want {
			t.Errorf("% x: %q, want %q", ir.Marshal(nil, tc.insns, binary.LittleEndian), got, tc.want)
		}
	}
	if got := ir.Disasm(ir.LdImm64(1, 1)[:1], 0); got != "ld_imm64 (truncated)" {
		t.Errorf("a ld_imm64 without its second slot: %q", got)
	}
}

// TestDisasmLLVM disassembles the table with llvm-mc-19 and checks that
// llvm spells each instruction as the table says.
func TestDisasmLLVM(t *testing.T) {
	mc := testutil.Tool(t, "llvm-mc-19") // package llvm-19
	for _, v4 := range []bool{false, true} {
		var input bytes.Buffer
		var want []string
		for _, tc := range disasmCases {
			if tc.v4 != v4 || tc.llvm == "-" {
				continue
			}
			for _, b := range ir.Marshal(nil, tc.insns, binary.LittleEndian) {
				fmt.Fprintf(&input, "%#02x ", b)
			}
			input.WriteByte('\n')
			w := tc.want
			if tc.llvm != "" {
				w = tc.llvm
			}
			want = append(want, w)
		}
		args := []string{"--disassemble", "-triple=bpfel"}
		if v4 {
			args = append(args, "-mcpu=v4")
		}
		cmd := exec.Command(mc, args...)
		cmd.Stdin = &input
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("llvm-mc %v: %v\n%s", args, err, stderr.String())
		}
		var got []string
		for _, l := range strings.Split(string(out), "\n") {
			if l = strings.TrimSpace(l); l != "" && l != ".text" {
				got = append(got, l)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("llvm-mc %v: %d instructions, want %d:\n%s", args, len(got), len(want), out)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("llvm-mc %v: %q, table says %q", args, got[i], want[i])
			}
		}
	}
}
