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
			if may := tt.r.MayPoison(); may != (tt.want != "") {
				t.Errorf("MayPoison = %v for a record explained %q", may, tt.want)
			}
		})
	}
}
