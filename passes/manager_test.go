// Tests of the pass manager: the table order against every pass's declared
// requirements, RunPasses refusing a subset that misses one, errors naming
// the Context field, and the configure pass (the user's edits) with its
// dump.

package passes

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/ir"
)

func TestTableOrder(t *testing.T) {
	if err := checkOrder(table); err != nil {
		t.Fatalf("the pass table breaks its own requirements: %v", err)
	}
	want := []string{"merge", "datasec", "configure", "structops", "externs", "core", "maps", "link"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	// Passes is a copy: editing it leaves the table alone.
	ps := Passes()
	ps[0].Name = "changed"
	ps[len(ps)-1].Requires[0].Why = "changed"
	if table[0].Name != "merge" || table[len(table)-1].Requires[0].Why == "changed" {
		t.Error("Passes() shares the table")
	}
}

func TestCheckOrderRejects(t *testing.T) {
	pass := func(name string, done ir.Stage, req ...Need) *Pass {
		return &Pass{Name: name, Requires: req, Completes: done}
	}
	a := pass("a", ir.StageExterns)
	b := pass("b", ir.StageCORE, Need{ir.StageExterns, "b reads what a wrote"})
	for _, tc := range []struct {
		name   string
		passes []*Pass
		want   string
	}{
		{"listed twice", []*Pass{a, a}, `pass "a" listed twice`},
		{"requirement unmet", []*Pass{b, a}, "pass b requires externs, which no pass before it completes (b reads what a wrote)"},
		{"requirement missing", []*Pass{b}, "pass b requires externs"},
		{"two stages", []*Pass{a, pass("c", 0, Need{ir.StageExterns | ir.StageCORE, "why"})}, "requirement externs|core: name one stage and why"},
		{"no why", []*Pass{a, pass("c", 0, Need{ir.StageExterns, ""})}, "requirement externs: name one stage and why"},
		{"completed twice", []*Pass{a, pass("c", ir.StageExterns)}, "pass c completes externs, which an earlier pass completed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkOrder(tc.passes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("checkOrder: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if err := checkOrder([]*Pass{a, b}); err != nil {
		t.Fatalf("a valid table: %v", err)
	}
}

// TestRunPassesRequires: a subset without a pass another one requires is
// refused before anything runs; a subset with its requirements runs.
func TestRunPassesRequires(t *testing.T) {
	obj := openTestObject(t, "xdp_globals.o")
	before := obj.String()
	err := RunPasses(&Context{CheckIR: true}, obj, "merge", "datasec", "maps", "link")
	if err == nil || !strings.Contains(err.Error(), "RunPasses: pass maps requires externs, which no pass before it completes") {
		t.Fatalf("RunPasses without externs and core: %v", err)
	}
	if obj.String() != before {
		t.Error("RunPasses changed the object before refusing the subset")
	}
	if err := RunPasses(&Context{CheckIR: true}, obj, "core"); err == nil || !strings.Contains(err.Error(), "pass core requires externs") {
		t.Errorf("RunPasses core alone: %v", err)
	}
	if err := RunPasses(&Context{}, obj, "nosuch"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `RunPasses: pass "nosuch": not found`) {
		t.Errorf("RunPasses of an unknown pass: %v", err)
	}
	if err := RunPasses(&Context{CheckIR: true}, obj, "configure", "merge", "datasec"); err != nil {
		t.Errorf("RunPasses datasec and configure: %v", err)
	}
}

// TestRunUnknownPass: the errors for unknown pass names name the Context
// field, not a command-line flag.
func TestRunUnknownPass(t *testing.T) {
	for _, tc := range []struct {
		ctx  *Context
		want string
	}{
		{&Context{DumpAfter: "nosuch"}, `DumpAfter: pass "nosuch": not found (passes: merge, datasec, configure,`},
		{&Context{StopAfter: "nosuch"}, `StopAfter: pass "nosuch": not found`},
	} {
		err := Run(tc.ctx, openTestObject(t, "xdp_globals.o"))
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run: %v, want ErrNotFound and %q", err, tc.want)
		}
	}
}

// TestConfigurePass: the user's edits run as the configure pass, once,
// after datasec (variables are found) and before externs; the dump after
// configure shows them, and an error names the pass.
func TestConfigurePass(t *testing.T) {
	var order []string
	var dump bytes.Buffer
	calls := 0
	ctx := &Context{
		CheckIR:   true,
		DumpAfter: "configure",
		Dump:      &dump,
		StopAfter: "configure",
		Configure: func(obj *ir.Object) error {
			calls++
			return SetVariable(obj, "rodata_mode", "MODE_XOR")
		},
		AfterPass: func(pass string, obj *ir.Object) { order = append(order, pass) },
	}
	obj := openTestObject(t, "xdp_globals.o")
	if err := Run(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if calls != 1 || !slices.Equal(order, []string{"merge", "datasec", "configure"}) {
		t.Errorf("Configure called %d times, passes run %v; want once, [merge datasec configure]", calls, order)
	}
	if dump.String() != obj.String() {
		t.Error("the dump after configure is not the IR after the user's edits")
	}
	unedited := openTestObject(t, "xdp_globals.o")
	if err := RunPasses(&Context{}, unedited, "merge", "datasec"); err != nil {
		t.Fatal(err)
	}
	if dump.String() == unedited.String() {
		t.Error("the dump after configure does not show the edit")
	}

	ctx = &Context{Configure: func(obj *ir.Object) error { return SetVariable(obj, "nosuch", "1") }}
	err := Run(ctx, openTestObject(t, "xdp_globals.o"))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "xdp_globals.o: configure pass: variable nosuch") {
		t.Errorf("Run with a failing Configure: %v", err)
	}
}
