// Package irtest helps tests build small IR programs by hand with the ir
// package's instruction constructors. (It is apart from internal/testutil,
// which package sys's own tests import, because it needs ir and sys.)
package irtest

import (
	"fmt"

	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// Insns concatenates instructions: each part is an ir.Insn or an
// []ir.Insn (the two slots of a ld_imm64, as ir.LdMapIdx returns them).
// Any other part is a bug in the test and panics.
func Insns(parts ...any) []ir.Insn {
	var out []ir.Insn
	for _, p := range parts {
		switch v := p.(type) {
		case ir.Insn:
			out = append(out, v)
		case []ir.Insn:
			out = append(out, v...)
		default:
			panic(fmt.Sprintf("irtest.Insns: part of type %T", p))
		}
	}
	return out
}

// Program returns an autoloaded program called name of type typ, in
// section "test/<name>", with code insns.
func Program(name string, typ uapi.ProgType, insns []ir.Insn) *ir.Program {
	return &ir.Program{
		Function: ir.Function{Name: name, Section: "test/" + name, Code: ir.Code{Insns: insns}},
		Type:     typ,
		Autoload: true,
	}
}
