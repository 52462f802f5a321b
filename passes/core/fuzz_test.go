// This file holds the fuzz target of the access-spec parser and matcher:
// random access strings, kinds and local types against the fixed
// local/target pair of helpers_test.go must give a result or an error,
// never a panic or a hang.

package core

import (
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

func FuzzAccessSpec(f *testing.F) {
	seeds := []struct {
		access string
		kind   uint8
		typ    uint16
	}{
		{"0:2:1:0", 0, 0}, {"0:3:1", 1, 0}, {"0:5", 4, 0}, {"0:11:5", 0, 0}, {"1:0", 0, 0},
		{"0", 9, 0}, {"0", 12, 0}, {"2", 11, 0}, {"0:0", 2, 0}, {"0:1:2:3:4:5", 5, 0},
		{"", 0, 0}, {":", 0, 0}, {"0::1", 0, 0}, {"99999", 0, 0}, {"0:4294967296", 0, 0},
	}
	p := testPair()
	for _, s := range seeds {
		f.Add(s.access, s.kind, s.typ)
	}
	// Seed with every named local type too.
	for i := 1; i < p.local.s.NumTypes(); i++ {
		f.Add("0:0", uint8(btf.FieldByteOffset), uint16(i))
	}
	f.Fuzz(func(t *testing.T, access string, kind uint8, typ uint16) {
		p := testPair()
		id := btf.TypeID(int(typ) % p.local.s.NumTypes())
		relo := &ir.CORERelo{TypeID: id, Access: access, Kind: btf.COREKind(kind % 14)}
		spec, err := ParseSpec(p.local.s, id, access, relo.Kind)
		if err == nil {
			_ = spec.String()
			_ = spec.Detail()
			if _, _, err := Match(spec, p.target.s, p.target.id("s")); err != nil {
				_ = err.Error()
			}
		}
		r, err := Calculate(p.local.s, p.target.s, relo, nil)
		if err != nil {
			return
		}
		if r.Note == "" {
			t.Errorf("%q kind %d type %d: result without a note", access, kind, id)
		}
		insns := []ir.Insn{{Op: ir.OpMovImm, Imm: int32(r.Local)}, {Op: ir.OpLdImm64}, {}}
		_ = Patch(insns, 0, relo.Kind, r)
		_ = Patch(insns, 1, relo.Kind, r)
	})
}
