// This file tests Explain on hand-built CO-RE records.

package core

import (
	"strconv"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

func TestExplain(t *testing.T) {
	p := testPair()
	note := "CO-RE relocation field_byte_offset of struct s.x: no candidate in target BTF"
	s := p.local.id("s")
	tests := []struct {
		name  string
		local *btf.Spec
		r     ir.CORERelo
		want  string
	}{
		{"poisoned with its reason", p.local.s, ir.CORERelo{TypeID: s, Access: "0:0", Kind: btf.FieldByteOffset, State: ir.Resolved, Poisoned: true, Note: note}, note},
		{"poisoned without a reason", p.local.s, ir.CORERelo{TypeID: s, Access: "0:1", Kind: btf.FieldByteOffset, State: ir.Resolved, Poisoned: true},
			"CO-RE relocation field_byte_offset of struct s.b: poisoned"},
		{"deferred to the kernel", p.local.s, ir.CORERelo{TypeID: s, Access: "0:1", Kind: btf.FieldByteOffset, State: ir.Deferred, Note: "kernel (core_relos)"},
			"CO-RE relocation field_byte_offset of struct s.b: not satisfied by the kernel's BTF (relocated by the kernel)"},
		{"deferred, bad access", p.local.s, ir.CORERelo{TypeID: s, Access: "0:99", Kind: btf.FieldByteOffset, State: ir.Deferred},
			"CO-RE relocation field_byte_offset of type " + strconv.Itoa(int(s)) + ` access "0:99": not satisfied by the kernel's BTF (relocated by the kernel)`},
		{"deferred, no BTF", nil, ir.CORERelo{TypeID: 7, Access: "0", Kind: btf.TypeSize, State: ir.Deferred},
			`CO-RE relocation type_size of type 7 access "0": not satisfied by the kernel's BTF (relocated by the kernel)`},
		{"resolved", p.local.s, ir.CORERelo{TypeID: s, Access: "0:1", Kind: btf.FieldByteOffset, State: ir.Resolved}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Explain(tt.local, &tt.r); got != tt.want {
				t.Errorf("Explain = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestExplainerShares: records accessing the same field the same way get
// one explanation, and a different access its own.
func TestExplainerShares(t *testing.T) {
	p := testPair()
	s := p.local.id("s")
	e := Explainer{Local: p.local.s}
	a := &ir.CORERelo{TypeID: s, Access: "0:1", Kind: btf.FieldByteOffset, State: ir.Deferred}
	b := &ir.CORERelo{TypeID: s, Access: "0:1", Kind: btf.FieldByteOffset, State: ir.Deferred}
	c := &ir.CORERelo{TypeID: s, Access: "0:1", Kind: btf.FieldExists, State: ir.Deferred}
	d := &ir.CORERelo{TypeID: s, Access: "0:1", Kind: btf.FieldByteOffset, State: ir.Resolved, Poisoned: true}
	ea, eb, ec, ed := e.Explain(a), e.Explain(b), e.Explain(c), e.Explain(d)
	if ea != eb || ea != Explain(p.local.s, a) {
		t.Errorf("same access explained %q and %q", ea, eb)
	}
	if ec == ea || ec != Explain(p.local.s, c) || ed == ea || ed != Explain(p.local.s, d) {
		t.Errorf("different records share an explanation: %q, %q, %q", ea, ec, ed)
	}
	if n := testing.AllocsPerRun(10, func() { e.Explain(b) }); n != 0 {
		t.Errorf("a repeated explanation allocates %v times", n)
	}
}
