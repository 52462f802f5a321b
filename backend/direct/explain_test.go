// Tests that a verifier rejection caused by a reachable poisoned CO-RE
// relocation is explained in words, naming program, instruction and field.

package direct

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
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
}
