// This file tests Patch: every instruction class libbpf patches, access
// size changes, validation of the compiler's value, and poisoning.

package core

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

func TestPatch(t *testing.T) {
	const (
		ldxW  = ir.ClassLDX | ir.ModeMEM | ir.SizeW
		ldxDW = ir.ClassLDX | ir.ModeMEM | ir.SizeDW
		ldsxW = ir.ClassLDX | ir.ModeMEMSX | ir.SizeW
		stxDW = ir.ClassSTX | ir.ModeMEM | ir.SizeDW
		stW   = ir.ClassST | ir.ModeMEM | ir.SizeW
		add64 = ir.OpAdd64K // add, K
		add32 = ir.OpAdd32K // add, K
		addX  = ir.OpAdd64X // add, X
		exit  = ir.OpExit
	)
	poisoned := ir.Insn{Op: ir.OpCall, Imm: PoisonHelper}
	tests := []struct {
		name  string
		in    []ir.Insn
		r     Result
		out   []ir.Insn
		err   error
		index int
	}{
		{"mov imm", []ir.Insn{{Op: ir.OpMovImm, Dst: 1, Imm: 8}}, Result{Local: 8, Target: 12},
			[]ir.Insn{{Op: ir.OpMovImm, Dst: 1, Imm: 12}}, nil, 0},
		{"mov32 imm", []ir.Insn{{Op: ir.OpMov32K, Dst: 1, Imm: 1}}, Result{Local: 1, Target: 0},
			[]ir.Insn{{Op: ir.OpMov32K, Dst: 1, Imm: 0}}, nil, 0},
		{"add imm", []ir.Insn{{Op: add64, Dst: 1, Imm: 16}}, Result{Local: 16, Target: 24},
			[]ir.Insn{{Op: add64, Dst: 1, Imm: 24}}, nil, 0},
		{"add32 imm, negative local", []ir.Insn{{Op: add32, Dst: 1, Imm: -1}}, Result{Local: 0xffffffffffffffff, Target: 5},
			[]ir.Insn{{Op: add32, Dst: 1, Imm: 5}}, nil, 0},
		{"alu imm truncated like libbpf", []ir.Insn{{Op: ir.OpMovImm, Imm: 1}}, Result{Local: 1, Target: 1<<40 | 7},
			[]ir.Insn{{Op: ir.OpMovImm, Imm: 7}}, nil, 0},
		{"alu register source", []ir.Insn{{Op: addX, Dst: 1, Src: 2}}, Result{Local: 0, Target: 4}, nil, ErrBadInsn, 0},
		{"alu wrong value", []ir.Insn{{Op: ir.OpMovImm, Imm: 3}}, Result{Local: 4, Target: 8}, nil, ErrBadInsn, 0},
		{"alu skip validation", []ir.Insn{{Op: ir.OpMovImm, Imm: 3}}, Result{Local: 4, Target: 8, SkipValidation: true},
			[]ir.Insn{{Op: ir.OpMovImm, Imm: 8}}, nil, 0},
		{"ldx offset", []ir.Insn{{Op: ldxW, Dst: 0, Src: 1, Off: 4}}, Result{Local: 4, Target: 40, LocalSize: 4, TargetSize: 4},
			[]ir.Insn{{Op: ldxW, Dst: 0, Src: 1, Off: 40}}, nil, 0},
		{"ldx shrinks", []ir.Insn{{Op: ldxDW, Src: 1, Off: 8}}, Result{Local: 8, Target: 12, LocalSize: 8, TargetSize: 4},
			[]ir.Insn{{Op: ldxW, Src: 1, Off: 12}}, nil, 0},
		{"ldsx keeps its mode", []ir.Insn{{Op: ldsxW, Src: 1, Off: 8}}, Result{Local: 8, Target: 12, LocalSize: 4, TargetSize: 2},
			[]ir.Insn{{Op: ir.ClassLDX | ir.ModeMEMSX | ir.SizeH, Src: 1, Off: 12}}, nil, 0},
		{"ldx size mismatch", []ir.Insn{{Op: ldxW, Src: 1, Off: 8}}, Result{Local: 8, Target: 12, LocalSize: 8, TargetSize: 4}, nil, ErrBadInsn, 0},
		{"ldx odd target size", []ir.Insn{{Op: ldxDW, Src: 1, Off: 8}}, Result{Local: 8, Target: 12, LocalSize: 8, TargetSize: 3}, nil, ErrBadInsn, 0},
		{"ldx bad size change poisons", []ir.Insn{{Op: ldxDW, Src: 1, Off: 72}}, Result{Local: 72, Target: 76, LocalSize: 8, TargetSize: 4, BadSize: true},
			[]ir.Insn{poisoned}, nil, 0},
		{"ldx offset too big", []ir.Insn{{Op: ldxW, Src: 1, Off: 4}}, Result{Local: 4, Target: 40000}, nil, ErrBadInsn, 0},
		{"ldx wrong offset", []ir.Insn{{Op: ldxW, Src: 1, Off: 4}}, Result{Local: 8, Target: 12}, nil, ErrBadInsn, 0},
		{"stx", []ir.Insn{{Op: stxDW, Dst: 1, Src: 2, Off: 0}}, Result{Local: 0, Target: 16},
			[]ir.Insn{{Op: stxDW, Dst: 1, Src: 2, Off: 16}}, nil, 0},
		{"st", []ir.Insn{{Op: stW, Dst: 1, Off: 4, Imm: 7}}, Result{Local: 4, Target: 8},
			[]ir.Insn{{Op: stW, Dst: 1, Off: 8, Imm: 7}}, nil, 0},
		{"ld_imm64", []ir.Insn{{Op: ir.OpLdImm64, Dst: 2, Imm: 1}, {}}, Result{Local: 1, Target: 1 << 40},
			[]ir.Insn{{Op: ir.OpLdImm64, Dst: 2, Imm: 0}, {Imm: 1 << 8}}, nil, 0},
		{"ld_imm64 wrong value", []ir.Insn{{Op: ir.OpLdImm64, Dst: 2, Imm: 1}, {Imm: 1}}, Result{Local: 1, Target: 2}, nil, ErrBadInsn, 0},
		{"ld_imm64 pseudo", []ir.Insn{{Op: ir.OpLdImm64, Dst: 2, Src: ir.PseudoMapFD, Imm: 1}, {}}, Result{Local: 1, Target: 2}, nil, ErrBadInsn, 0},
		{"ld_imm64 truncated", []ir.Insn{{Op: ir.OpLdImm64, Dst: 2, Imm: 1}}, Result{Local: 1, Target: 2}, nil, ErrBadInsn, 0},
		{"ld_imm64 poisoned", []ir.Insn{{Op: ir.OpLdImm64, Dst: 2, Imm: 1}, {}, {Op: exit}}, Result{Poison: true},
			[]ir.Insn{poisoned, poisoned, {Op: exit}}, nil, 0},
		{"poisoned", []ir.Insn{{Op: exit}, {Op: ldxW, Src: 1, Off: 4}}, Result{Poison: true},
			[]ir.Insn{{Op: exit}, poisoned}, nil, 1},
		{"jump", []ir.Insn{{Op: ir.ClassJMP | 0x10, Imm: 1}}, Result{Local: 1, Target: 2}, nil, ErrBadInsn, 0},
		{"out of range", []ir.Insn{{Op: exit}}, Result{}, nil, ErrBadInsn, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			insns := append([]ir.Insn(nil), tt.in...)
			err := Patch(insns, tt.index, btf.FieldByteOffset, tt.r)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Patch error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.out, insns); d != "" {
				t.Errorf("insns (-want +got):\n%s", d)
			}
		})
	}
}

func TestIsPoisoned(t *testing.T) {
	insns := []ir.Insn{{Op: ir.OpMovImm, Imm: 1}}
	if IsPoisoned(insns[0]) {
		t.Fatal("mov is poisoned")
	}
	if err := Patch(insns, 0, btf.FieldByteOffset, Result{Poison: true}); err != nil {
		t.Fatal(err)
	}
	if !IsPoisoned(insns[0]) {
		t.Fatalf("%+v not poisoned", insns[0])
	}
}
