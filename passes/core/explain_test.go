// This file tests ExplainPoison on hand-built objects and verifier logs.

package core

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

func TestExplainPoison(t *testing.T) {
	p := testPair()
	note := "CO-RE relocation field_byte_offset of struct s.x: no candidate in target BTF"
	newObj := func() *ir.Object {
		return &ir.Object{
			Name: "x.o",
			BTF:  p.local.s,
			Programs: []*ir.Program{{Function: ir.Function{Name: "prog", Code: ir.Code{
				Insns: make([]ir.Insn, 10),
				CORE: []*ir.CORERelo{
					{Insn: 2, TypeID: p.local.id("s"), Access: "0:1", Kind: btf.FieldByteOffset, State: ir.Resolved},
					{Insn: 5, TypeID: p.local.id("s"), Access: "0:0", Kind: btf.FieldByteOffset, State: ir.Resolved, Poisoned: true, Note: note},
				},
			}}}},
		}
	}
	reject := "0: R1=ctx() R10=fp0\n4: (bf) r1 = r6\n5: (85) call unknown#195896080\ninvalid func unknown#195896080\nprocessed 6 insns\n"
	tests := []struct {
		name string
		obj  func() *ir.Object
		prog string
		log  string
		want string
	}{
		{"call line", newObj, "prog", reject, "prog prog insn 5: " + note},
		{"only the rejection", newObj, "prog", "4: (bf) r1 = r6\n5: (85) call unknown#195896080 \ninvalid func unknown#195896080", "prog prog insn 5: " + note},
		{"no instruction lines", newObj, "prog", "invalid func unknown#195896080\n", "prog prog insn 5: " + note},
		{"other error", newObj, "prog", "R1 invalid mem access 'scalar'\n", ""},
		{"other program", newObj, "nope", reject, ""},
		{"not a poisoned record", newObj, "prog", "2: (85) call unknown#195896080\ninvalid func unknown#195896080\n", ""},
		{"deferred to the kernel", func() *ir.Object {
			o := newObj()
			for _, r := range o.Programs[0].CORE {
				r.State, r.Poisoned, r.Note = ir.Deferred, false, "kernel (core_relos)"
			}
			return o
		}, "prog", "2: (85) call unknown#195896080\ninvalid func unknown#195896080\n",
			"prog prog insn 2: CO-RE relocation field_byte_offset of struct s.b: not satisfied by the kernel's BTF (relocated by the kernel)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExplainPoison(tt.obj(), tt.prog, tt.log); got != tt.want {
				t.Errorf("ExplainPoison = %q, want %q", got, tt.want)
			}
		})
	}
	if got := ExplainPoison(nil, "prog", reject); got != "" {
		t.Errorf("nil object: %q", got)
	}
	if !strings.Contains(reject, poisonFunc) {
		t.Fatal("poisonFunc does not match the verifier's spelling")
	}
}
