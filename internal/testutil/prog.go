// This file helps tests write small programs by hand with the ir
// package's instruction constructors, and run them on the test packet.
package testutil

import (
	"encoding/hex"
	"fmt"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
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
			panic(fmt.Sprintf("testutil.Insns: part of type %T", p))
		}
	}
	return out
}

// Program returns an autoloaded program called name of type typ, in
// section "test/<name>", with code insns.
func Program(name string, typ sys.ProgType, insns []ir.Insn) *ir.Program {
	return &ir.Program{
		Function: ir.Function{Name: name, Section: "test/" + name, Code: ir.Code{Insns: insns}},
		Type:     uint32(typ),
		Autoload: true,
	}
}

// packetHex is the test packet of testdata/README.md: Ethernet + IPv4/UDP,
// 10.0.0.1 -> 10.0.0.2, 64 bytes.
const packetHex = "02000000000202000000000108004510003212340000401100000a0000010a000002" +
	"22232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"

// Packet returns a new copy of the test packet of testdata/README.md
// (Ethernet + IPv4/UDP, 10.0.0.1 -> 10.0.0.2, 64 bytes), the input of
// test runs of packet programs.
func Packet() []byte {
	p, err := hex.DecodeString(packetHex)
	if err != nil {
		panic(err) // a constant: cannot happen
	}
	return p
}
