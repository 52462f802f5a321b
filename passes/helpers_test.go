// This file holds helpers for the passes' unit tests: building small IR
// objects by hand (instructions come from the ir package's constructors).
package passes

import (
	"github.com/bpfc/bpfc/ir"
)

func reloc(insn int, kind ir.RelocKind, sym string) *ir.Reloc {
	return &ir.Reloc{Insn: insn, Kind: kind, Symbol: sym}
}
