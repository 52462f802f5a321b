// Package passes holds bpfc's pass manager and its passes. Each pass
// rewrites the IR in place; the table below is the only place that names
// them and orders them.
//
// This file is the pass manager: the declarative pass table, whose order
// is checked at start-up against every pass's requirements (the one
// statement of why the passes run in this order), IR dumps after a named
// pass and the IR checker run between passes.
package passes

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
)

// ErrNotSupported is wrapped by errors for objects that use a feature bpfc
// does not support (yet). It is the ErrNotSupported of packages core,
// direct and loaderprog too: errors.Is matches any of them.
var ErrNotSupported error = &errs.NotSupported

// Pass is one named rewrite of the IR. Like an analysis of
// golang.org/x/tools/go/analysis, it declares what it needs (Requires) and
// what it provides (Completes); the manager checks that every pass's needs
// are completed by the passes that run before it: for the table once, when
// the pipeline first runs (not in an init function, which every program
// linking this package would pay for, the bpfc command included; the
// table's test checks it too), and for every RunPasses.
type Pass struct {
	// Name is the pass's name (Context.DumpAfter, Context.StopAfter,
	// golden file names).
	Name string
	// Doc says in one line what the pass does.
	Doc string
	// Requires lists the stages the IR must have reached before the pass
	// runs, each with the reason: the only source of the passes' order.
	Requires []Need
	// Completes is the stage the IR checker may assume once the pass ran
	// (0 for a pass that completes none).
	Completes ir.Stage
	// Run rewrites obj.
	Run func(ctx *Context, obj *ir.Object) error
}

// Need is one requirement of a pass: a stage an earlier pass completes,
// and why the pass needs it.
type Need struct {
	Stage ir.Stage
	Why   string
}

// table is the ordered list of passes.
var table = []*Pass{
	{Name: "merge", Doc: "statically link several objects into one, by the rules of libbpf's linker",
		Completes: ir.StageMerge, Run: runMerge},
	{Name: "datasec", Doc: "fill DATASEC sizes and VAR offsets from the symbol table; make hidden global functions static",
		Requires: []Need{
			{ir.StageMerge, "the linked object's DATASECs are completed for the kernel, not each input's"},
		},
		Completes: ir.StageDatasec, Run: runDatasec},
	{Name: "configure", Doc: "apply the user's edits (Context.Configure): autoload, map sizes, global variable values",
		Requires: []Need{
			{ir.StageDatasec, "variables are found through the sized DATASECs at their final offsets"},
		},
		Completes: ir.StageConfigure, Run: runConfigure},
	{Name: "structops", Doc: "lay struct_ops maps out for the kernel's bpf_struct_ops_<type> and set their programs' attach targets",
		Requires: []Need{
			{ir.StageConfigure, "the user's autoload choices and struct_ops data member values decide what is laid out and loaded"},
		},
		Completes: ir.StageStructOps, Run: runStructOps},
	{Name: "externs", Doc: "resolve kconfig, ksym and kfunc externs",
		Requires: []Need{
			{ir.StageDatasec, "externs reads the fixed .kconfig/.ksyms datasecs and the laid-out .kconfig map"},
		},
		Completes: ir.StageExterns, Run: runExterns},
	{Name: "core", Doc: "apply CO-RE relocations against the target BTF",
		Requires: []Need{
			{ir.StageExterns, "bpf_core_* existence checks see resolved externs"},
		},
		Completes: ir.StageCORE, Run: runCORE},
	{Name: "maps", Doc: "patch ld_imm64 of maps, global data, ksyms and kfunc calls",
		Requires: []Need{
			{ir.StageDatasec, "global data maps take their sizes from fixed datasecs"},
			{ir.StageExterns, "kconfig externs become .kconfig map value references"},
			{ir.StageCORE, "CO-RE patches instructions before map references are fixed"},
		},
		Completes: ir.StageMaps, Run: runMaps},
	{Name: "link", Doc: "append called subprograms to each program and fix calls",
		Requires: []Need{
			{ir.StageCORE, "CO-RE records are carried into linked programs"},
			{ir.StageMaps, "subprograms are appended once all their references are patched"},
		},
		Completes: ir.StageLink, Run: runLink},
}

// runConfigure is the configure pass: the user's edits, if any.
func runConfigure(ctx *Context, obj *ir.Object) error {
	if ctx.Configure == nil {
		return nil
	}
	return ctx.Configure(obj)
}

// checkOrder verifies that passes can run in this order: names are
// unique, a stage is completed by one pass at most, and every requirement
// (one stage, with a reason) is completed by a pass before the one that
// needs it.
func checkOrder(passes []*Pass) error {
	seen := map[string]bool{}
	var done ir.Stage
	for _, p := range passes {
		if seen[p.Name] {
			return fmt.Errorf("pass %q listed twice", p.Name)
		}
		seen[p.Name] = true
		for _, n := range p.Requires {
			if n.Stage == 0 || n.Stage&(n.Stage-1) != 0 || n.Why == "" {
				return fmt.Errorf("pass %s: requirement %s: name one stage and why", p.Name, n.Stage)
			}
			if done&n.Stage == 0 {
				return fmt.Errorf("pass %s requires %s, which no pass before it completes (%s)", p.Name, n.Stage, n.Why)
			}
		}
		if twice := done & p.Completes; twice != 0 {
			return fmt.Errorf("pass %s completes %s, which an earlier pass completed", p.Name, twice)
		}
		done |= p.Completes
	}
	return nil
}

// lookup returns the pass called name, or nil.
func lookup(name string) *Pass {
	for _, p := range table {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Passes returns a copy of the pass table, in order.
func Passes() []Pass {
	ps := make([]Pass, len(table))
	for i, p := range table {
		ps[i] = *p
		ps[i].Requires = slices.Clone(p.Requires)
	}
	return ps
}

// Names returns the pass names in order.
func Names() []string {
	var ns []string
	for _, p := range table {
		ns = append(ns, p.Name)
	}
	return ns
}

// noSuchPass is the error for an unknown pass name; field names where the
// name came from.
func noSuchPass(field, name string) error {
	return fmt.Errorf("%s: pass %q: %w (passes: %s)", field, name, errs.ErrNotFound, strings.Join(Names(), ", "))
}

// Run runs every pass of the table over obj, in order, stopping after the
// pass named ctx.StopAfter if set.
func Run(ctx *Context, obj *ir.Object) error {
	if ctx == nil {
		ctx = &Context{}
	}
	if ctx.DumpAfter != "" && lookup(ctx.DumpAfter) == nil {
		return noSuchPass("DumpAfter", ctx.DumpAfter)
	}
	if ctx.StopAfter != "" && lookup(ctx.StopAfter) == nil {
		return noSuchPass("StopAfter", ctx.StopAfter)
	}
	if err := checkTable(); err != nil {
		return err
	}
	return runTable(ctx, obj, table)
}

// tableChecked and tableErr hold checkTable's answer: the table is fixed
// at compile time, so it is checked once, on the pipeline's first run.
var (
	tableChecked sync.Once
	tableErr     error
)

// checkTable checks the pass table's order once per process.
func checkTable() error {
	tableChecked.Do(func() {
		if err := checkOrder(table); err != nil {
			tableErr = fmt.Errorf("pass table: %w", err)
		}
	})
	return tableErr
}

// RunPasses runs only the named passes over obj, in table order (the order
// of names does not matter), with the same checks, dumps and hooks as Run.
// It is meant for tests and tools that need part of the pipeline (e.g.
// only datasec to load an object's BTF). An unknown name is an error, and
// so is a subset that leaves out a pass another one requires.
func RunPasses(ctx *Context, obj *ir.Object, names ...string) error {
	if ctx == nil {
		ctx = &Context{}
	}
	want := map[string]bool{}
	for _, n := range names {
		if lookup(n) == nil {
			return noSuchPass("RunPasses", n)
		}
		want[n] = true
	}
	var run []*Pass
	for _, p := range table {
		if want[p.Name] {
			run = append(run, p)
		}
	}
	if err := checkOrder(run); err != nil {
		return fmt.Errorf("RunPasses: %w", err)
	}
	return runTable(ctx, obj, run)
}

// runTable runs passes in order.
func runTable(ctx *Context, obj *ir.Object, passes []*Pass) error {
	var done ir.Stage
	for _, p := range passes {
		if err := p.Run(ctx, obj); err != nil {
			return fmt.Errorf("%s: %s pass: %w", obj.Name, p.Name, err)
		}
		done |= p.Completes
		if ctx.CheckIR {
			check := done
			if ctx.PartialLink {
				check &^= ir.StageMerge // externs may be left
			}
			if err := ir.Check(obj, check); err != nil {
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
