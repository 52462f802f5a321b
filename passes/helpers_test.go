// This file holds helpers for the passes' unit tests: building small IR
// objects by hand.
package passes

import (
	"github.com/bpfc/bpfc/ir"
)

func mov(dst uint8, imm int32) ir.Insn { return ir.Insn{Op: ir.OpMovImm, Dst: dst, Imm: imm} }

func exit() ir.Insn { return ir.Insn{Op: ir.OpExit} }

// call is an unrelocated bpf2bpf call as clang emits it for a global
// function (imm -1).
func call() ir.Insn { return ir.Insn{Op: ir.OpCall, Src: ir.PseudoCall, Imm: -1} }

func helper(id int32) ir.Insn { return ir.Insn{Op: ir.OpCall, Imm: id} }

// ld64 is a ld_imm64 of dst with the given pseudo source (two slots).
func ld64(dst, src uint8) []ir.Insn {
	return []ir.Insn{{Op: ir.OpLdImm64, Dst: dst, Src: src}, {}}
}

// insns concatenates instructions and ld_imm64 pairs.
func insns(parts ...any) []ir.Insn {
	var out []ir.Insn
	for _, p := range parts {
		switch v := p.(type) {
		case ir.Insn:
			out = append(out, v)
		case []ir.Insn:
			out = append(out, v...)
		default:
			panic("insns: bad part")
		}
	}
	return out
}

func reloc(insn int, kind ir.RelocKind, sym string) *ir.Reloc {
	return &ir.Reloc{Insn: insn, Kind: kind, Symbol: sym}
}
