// Tests of the pass manager's start-up checks: the table order against the
// ordering constraints and every pass's declared requirements.

package passes

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/ir"
)

func TestTableOrder(t *testing.T) {
	if err := checkOrder(Table, constraints); err != nil {
		t.Fatalf("the pass table breaks its own constraints: %v", err)
	}
}

func TestCheckOrderRejects(t *testing.T) {
	pass := func(name string, req, done ir.Stage) *Pass {
		return &Pass{Name: name, Requires: req, Completes: done}
	}
	a := pass("a", 0, ir.StageExterns)
	b := pass("b", ir.StageExterns, ir.StageCORE)
	x, y := pass("x", 0, 0), pass("y", 0, 0)
	for _, tc := range []struct {
		name  string
		table []*Pass
		cs    []constraint
		want  string
	}{
		{"constraint broken", []*Pass{y, x}, []constraint{{"x", "y", "why"}}, "x must run before y (why)"},
		{"unknown pass", []*Pass{a, b}, []constraint{{"a", "c", "why"}}, "names an unknown pass"},
		{"listed twice", []*Pass{a, a}, nil, `pass "a" listed twice`},
		{"requirement unmet", []*Pass{b, a}, nil, "pass b requires stages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkOrder(tc.table, tc.cs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("checkOrder: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if err := checkOrder([]*Pass{a, b}, []constraint{{"a", "b", "why"}}); err != nil {
		t.Fatalf("a valid table: %v", err)
	}
}
