// Package passes holds bpfc's pass manager and its passes. Each pass
// rewrites the IR in place; the table below is the only place that names
// them and orders them.
//
// This file is the pass manager: the declarative pass table, the ordering
// constraints checked at start-up, IR dumps after a named pass and the IR
// checker run between passes.
package passes

import (
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
)

// ErrNotSupported is wrapped by errors for objects that use a feature bpfc
// does not support (yet). It is the ErrNotSupported of packages core,
// direct and loaderprog too: errors.Is matches any of them.
var ErrNotSupported = errs.ErrNotSupported

// Pass is one named rewrite of the IR. Like an analysis of
// golang.org/x/tools/go/analysis, it declares what it needs (Requires) and
// what it provides (Completes); the manager checks at start-up that the
// table order satisfies every pass's needs.
type Pass struct {
	// Name is the pass's name on the command line (-dump-after) and in
	// golden file names.
	Name string
	// Doc says in one line what the pass does.
	Doc string
	// Requires is the set of stages the IR must have reached before the
	// pass runs: passes earlier in the table must complete them.
	Requires ir.Stage
	// Completes is the stage the IR checker may assume once the pass ran.
	Completes ir.Stage
	// Run rewrites obj.
	Run func(ctx *Context, obj *ir.Object) error
}

// Table is the ordered list of passes.
var Table = []*Pass{
	{Name: "datasec", Doc: "fill DATASEC sizes and VAR offsets from the symbol table",
		Completes: ir.StageDatasec, Run: runDatasec},
	{Name: "externs", Doc: "resolve kconfig, ksym and kfunc externs",
		Requires: ir.StageDatasec, Completes: ir.StageExterns, Run: runExterns},
	{Name: "core", Doc: "apply CO-RE relocations against the target BTF",
		Requires: ir.StageExterns, Completes: ir.StageCORE, Run: runCORE},
	{Name: "maps", Doc: "patch ld_imm64 of maps, global data, ksyms and kfunc calls",
		Requires: ir.StageDatasec | ir.StageExterns | ir.StageCORE, Completes: ir.StageMaps, Run: runMaps},
	{Name: "link", Doc: "append called subprograms to each program and fix calls",
		Requires: ir.StageCORE | ir.StageMaps, Completes: ir.StageLink, Run: runLink},
}

// constraint says pass a must run before pass b.
type constraint struct{ a, b, why string }

var constraints = []constraint{
	{"datasec", "externs", "externs reads the fixed .kconfig/.ksyms datasecs"},
	{"datasec", "maps", "global data maps take their sizes from fixed datasecs"},
	{"externs", "core", "bpf_core_* existence checks see resolved externs"},
	{"externs", "maps", "kconfig externs become .kconfig map value references"},
	{"core", "maps", "CO-RE patches instructions before map references are fixed"},
	{"core", "link", "CO-RE records are carried into linked programs"},
	{"maps", "link", "subprograms are appended once all their references are patched"},
}

func init() {
	if err := checkOrder(Table, constraints); err != nil {
		panic(err)
	}
}

// checkOrder verifies that every constraint holds in table and that every
// pass's requirements are completed by the passes before it.
func checkOrder(table []*Pass, cs []constraint) error {
	pos := map[string]int{}
	var done ir.Stage
	for i, p := range table {
		if _, dup := pos[p.Name]; dup {
			return fmt.Errorf("pass table: pass %q listed twice", p.Name)
		}
		pos[p.Name] = i
		if missing := p.Requires &^ done; missing != 0 {
			return fmt.Errorf("pass table: pass %s requires stages %#x that no earlier pass completes", p.Name, uint(missing))
		}
		done |= p.Completes
	}
	for _, c := range cs {
		ia, oka := pos[c.a]
		ib, okb := pos[c.b]
		if !oka || !okb {
			return fmt.Errorf("pass table: constraint %s before %s names an unknown pass", c.a, c.b)
		}
		if ia >= ib {
			return fmt.Errorf("pass table: %s must run before %s (%s)", c.a, c.b, c.why)
		}
	}
	return nil
}

// Lookup returns the pass called name, or nil.
func Lookup(name string) *Pass {
	for _, p := range Table {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Names returns the pass names in order.
func Names() []string {
	var ns []string
	for _, p := range Table {
		ns = append(ns, p.Name)
	}
	return ns
}

// Run runs every pass of the table over obj, in order, stopping after the
// pass named ctx.StopAfter if set.
func Run(ctx *Context, obj *ir.Object) error {
	if ctx == nil {
		ctx = &Context{}
	}
	if ctx.DumpAfter != "" && Lookup(ctx.DumpAfter) == nil {
		return fmt.Errorf("-dump-after %q: no such pass (passes: %s)", ctx.DumpAfter, strings.Join(Names(), ", "))
	}
	if ctx.StopAfter != "" && Lookup(ctx.StopAfter) == nil {
		return fmt.Errorf("stop after %q: no such pass (passes: %s)", ctx.StopAfter, strings.Join(Names(), ", "))
	}
	return runTable(ctx, obj, Table)
}

// RunPasses runs only the named passes over obj, in table order (the order
// of names does not matter), with the same checks, dumps and hooks as Run.
// It is meant for tests and tools that skip passes (e.g. objects without
// externs or CO-RE before those passes exist); an unknown name is an error.
func RunPasses(ctx *Context, obj *ir.Object, names ...string) error {
	if ctx == nil {
		ctx = &Context{}
	}
	want := map[string]bool{}
	for _, n := range names {
		if Lookup(n) == nil {
			return fmt.Errorf("pass %q: no such pass (passes: %s)", n, strings.Join(Names(), ", "))
		}
		want[n] = true
	}
	var table []*Pass
	for _, p := range Table {
		if want[p.Name] {
			table = append(table, p)
		}
	}
	return runTable(ctx, obj, table)
}

// runTable runs the passes of table in order.
func runTable(ctx *Context, obj *ir.Object, table []*Pass) error {
	var done ir.Stage
	for _, p := range table {
		if err := p.Run(ctx, obj); err != nil {
			return fmt.Errorf("%s: %s pass: %w", obj.Name, p.Name, err)
		}
		done |= p.Completes
		if p.Name == "datasec" && ctx.Configure != nil {
			if err := ctx.Configure(obj); err != nil {
				return fmt.Errorf("%s: %w", obj.Name, err)
			}
		}
		if ctx.CheckIR {
			if err := ir.Check(obj, done); err != nil {
				return fmt.Errorf("%s: IR check after %s pass: %w", obj.Name, p.Name, err)
			}
		}
		if ctx.DumpAfter == p.Name && ctx.Dump != nil {
			if err := ir.Dump(ctx.Dump, obj); err != nil {
				return err
			}
		}
		if ctx.AfterPass != nil {
			ctx.AfterPass(p.Name, obj)
		}
		if ctx.StopAfter == p.Name {
			return nil
		}
	}
	return nil
}
