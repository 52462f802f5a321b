// This file holds helpers for the passes' unit tests: building small IR
// objects by hand (instructions come from the ir package's constructors).

package passes

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/ir"
)

func reloc(insn int, kind ir.RelocKind, sym string) *ir.Reloc {
	return &ir.Reloc{Insn: insn, Kind: kind, Symbol: sym}
}

// wantError fails t unless err is an error matching is (when is is not
// nil) whose message mentions every string of substr.
func wantError(t *testing.T, err, is error, substr ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("error %q is not %v", err, is)
	}
	for _, s := range substr {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

// runAlone runs the pass called name over a hand-built object that stands
// for the output of the passes it requires (RunPasses refuses a run
// without them), then the IR checker with the stage the pass completes.
func runAlone(t *testing.T, name string, obj *ir.Object) error {
	t.Helper()
	p := lookup(name)
	if p == nil {
		t.Fatalf("no pass %s", name)
	}
	if err := p.Run(&Context{}, obj); err != nil {
		return err
	}
	return ir.Check(obj, p.Completes)
}
