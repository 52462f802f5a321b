// Tests that a verifier rejection caused by a reachable poisoned CO-RE
// relocation is explained in words, naming program, instruction and field:
// the verifier log parsing on hand-built programs, and a real rejection.

package direct

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
	"github.com/bpfc/bpfc/uapi"
)

func TestPoisonedCOREExplained(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	// kernel_b.btf renames task_struct.real_parent: core_task.o reads it
	// unconditionally, so the poisoned instruction is reachable.
	tg := target.New(target.Options{BTF: "../../testdata/btf/kernel_b.btf"})
	obj, err := compileCtx(t, "core_task.o", nil, &passes.Context{Target: tg, CheckIR: true})
	if err != nil {
		t.Fatal(err)
	}
	coll, err := Load(obj, testOptions(t))
	if unmet := testutil.Unmet("core_task.o"); len(unmet) > 0 {
		// The verifier stops at what the kernel lacks before it gets to
		// the poisoned instruction.
		coll.Close()
		testutil.CheckRefused(t, "core_task.o", unmet, err)
		return
	}
	if err == nil {
		coll.Close()
		t.Fatal("core_task.o against kernel_b.btf loaded; want a verifier rejection")
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("error %T is not a *LoadError: %v", err, err)
	}
	for _, want := range []string{"prog read_task insn ", "CO-RE relocation field_byte_offset of struct task_struct.real_parent", "no candidate in target BTF"} {
		if !strings.Contains(le.Explain, want) || !strings.Contains(err.Error(), want) {
			t.Errorf("explanation %q (error %q) does not contain %q", le.Explain, err, want)
		}
	}
	// The first line says what happened: not a helper the kernel lacks.
	head, _, _ := strings.Cut(err.Error(), "\n")
	if !errors.Is(err, errPoisonReached) || errors.Is(err, ErrNotSupported) || !strings.Contains(head, "CO-RE relocation") || strings.Contains(head, "helper") {
		t.Errorf("first line %q: want the poisoned CO-RE instruction, not a missing helper", head)
	}
}

func TestExplainPoison(t *testing.T) {
	explain := "CO-RE relocation field_byte_offset of struct s.x: no candidate in target BTF"
	newProg := func() *ir.Program {
		return &ir.Program{Function: ir.Function{Name: "prog", Code: ir.Code{
			Insns: make([]ir.Insn, 10),
			CORE: []*ir.CORERelo{
				{Insn: 2, State: ir.Resolved},
				{Insn: 5, State: ir.Resolved, Poisoned: true, Note: explain},
			},
		}}}
	}
	reject := "0: R1=ctx() R10=fp0\n4: (bf) r1 = r6\n5: (85) call unknown#195896080\ninvalid func unknown#195896080\nprocessed 6 insns\n"
	tests := []struct {
		name        string
		prog        func() *ir.Program
		log         string
		noExplainer bool // the core pass did not run
		want        string
	}{
		{"call line", newProg, reject, false, "prog prog insn 5: " + explain},
		{"only the rejection", newProg, "4: (bf) r1 = r6\n5: (85) call unknown#195896080 \ninvalid func unknown#195896080", false, "prog prog insn 5: " + explain},
		{"no instruction lines", newProg, "invalid func unknown#195896080\n", false, "prog prog insn 5: " + explain},
		{"no instruction lines, two candidates", func() *ir.Program {
			p := newProg()
			p.CORE[0].Poisoned, p.CORE[0].Note = true, "other"
			return p
		}, "invalid func unknown#195896080\n", false, ""},
		{"other error", newProg, "R1 invalid mem access 'scalar'\n", false, ""},
		{"no program", func() *ir.Program { return nil }, reject, false, ""},
		{"no explainer", newProg, reject, true, ""},
		{"not a poisoned record", newProg, "2: (85) call unknown#195896080\ninvalid func unknown#195896080\n", false, ""},
		{"no record at the instruction", newProg, "7: (85) call unknown#195896080\ninvalid func unknown#195896080\n", false, ""},
		{"deferred to the kernel", func() *ir.Program {
			p := newProg()
			p.CORE[0].State, p.CORE[0].Note = ir.Deferred, "relocated by the kernel"
			return p
		}, "2: (85) call unknown#195896080\ninvalid func unknown#195896080\n", false, "prog prog insn 2: relocated by the kernel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Stands in for the core pass's explainer: the record's note,
			// counting the records asked about.
			var asked []int
			explainer := func(r *ir.CORERelo) string {
				asked = append(asked, r.Insn)
				return r.Note
			}
			if tt.noExplainer {
				explainer = nil
			}
			if got := explainPoison(explainer, tt.prog(), tt.log); got != tt.want {
				t.Errorf("explainPoison = %q, want %q", got, tt.want)
			}
			if len(asked) > 1 || (len(asked) == 1) != (tt.want != "") {
				t.Errorf("explainer asked about the records of insns %v", asked)
			}
		})
	}
	if !strings.Contains(reject, uapi.PoisonCOREFunc) {
		t.Fatal("uapi.PoisonCOREFunc does not match the verifier's spelling")
	}
}
