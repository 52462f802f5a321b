// Tests of the static linker on the link sets of testdata/link, without a
// kernel: what wins, what is renamed, where data lands, and the merged
// BTF. (The goldens of package passes show whole merged objects; the
// kernel tests of package bpfc run them.)

package merge

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
)

// open reads the parts of link set set.
func open(t *testing.T, set string) []*ir.Object {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "link", set, "*.o"))
	if err != nil || len(paths) < 2 {
		t.Fatalf("link set %s: %v", set, err)
	}
	slices.Sort(paths)
	var units []*ir.Object
	for _, p := range paths {
		o, err := elf.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, o)
	}
	return units
}

func link(t *testing.T, set string) *ir.Object {
	t.Helper()
	o, err := Objects(open(t, set))
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Check(o, ir.StageMerge); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestBasic(t *testing.T) {
	o := link(t, "basic")
	// Every part's program; pick is b.c's, first a.c's; helper twice.
	var names []string
	for _, f := range o.Units() {
		names = append(names, f.Name)
	}
	want := []string{"link_entry", "link_lib", "link_third", "first", "helper", "lib_add", "helper.1", "hidden_mul", "pick", "loop_cb"}
	if !slices.Equal(names, want) {
		t.Errorf("functions %v, want %v", names, want)
	}
	if f := o.Subprog("hidden_mul"); f == nil || !f.Hidden {
		t.Errorf("hidden_mul not hidden: %+v", f)
	}
	if f := o.Subprog("lib_add"); f == nil || f.Hidden || f.Weak {
		t.Errorf("lib_add: %+v", f)
	}
	if f := o.Subprog("pick"); f == nil || f.Weak || f.SectionOffset < 14 {
		t.Errorf("pick is not b.c's strong one: %+v", f)
	}
	// .rodata: a_mul (4 bytes) at 0, b.c's u64 b_add 8-aligned at 8.
	ds := o.DataSection(".rodata")
	if ds == nil || ds.Size != 16 || ds.Align != 8 {
		t.Fatalf(".rodata: %+v", ds)
	}
	for name, off := range map[string]uint32{"a_mul": 0, "b_add": 8} {
		i := slices.IndexFunc(ds.Vars, func(v ir.DataVar) bool { return v.Name == name })
		if i < 0 || ds.Vars[i].Offset != off {
			t.Errorf(".rodata %s: %+v, want offset %d", name, ds.Vars, off)
		}
	}
	// .data: only b.c's tunable (a.c's weak one lost), hidden_var hidden.
	data := o.DataSection(".data")
	var vars []string
	for _, v := range data.Vars {
		vars = append(vars, v.Name)
		if v.Name == "hidden_var" && !v.Hidden {
			t.Errorf("hidden_var not hidden")
		}
	}
	if !slices.Equal(vars, []string{"tunable", "hidden_var"}) {
		t.Errorf(".data variables %v", vars)
	}
	// One extern per name; resolved ones are gone.
	var externs []string
	for _, e := range o.Externs {
		externs = append(externs, e.Name)
	}
	if !slices.Equal(externs, []string{"LINUX_KERNEL_VERSION", "CONFIG_BPF_SYSCALL", "_stext"}) {
		t.Errorf("externs %v", externs)
	}
	// BTF: one FUNC lib_add, one VAR per global, no extern VAR left.
	s := o.BTF
	if n := len(s.FindByNameKind("lib_add", btf.KindFunc)); n != 1 {
		t.Errorf("%d FUNC lib_add", n)
	}
	for id := btf.TypeID(1); int(id) < s.NumTypes(); id++ {
		ty, err := s.Type(id)
		if err != nil {
			t.Fatal(err)
		}
		if ty.Kind == btf.KindVar && ty.Linkage == btf.LinkageExtern && ty.Name != "LINUX_KERNEL_VERSION" && ty.Name != "CONFIG_BPF_SYSCALL" && ty.Name != "_stext" {
			t.Errorf("extern VAR %s [%d] left", ty.Name, id)
		}
	}
	// Calls of the extern lib_add became calls.
	for _, r := range o.Program("link_third").Relocs {
		if r.Symbol == "lib_add" && r.Kind != ir.RelocCall {
			t.Errorf("link_third: %s reference to lib_add, want a call", r.Kind)
		}
	}
}

func TestWeak(t *testing.T) {
	o := link(t, "weak")
	if p := o.Program("weak_prog"); p == nil || p.Weak {
		t.Errorf("weak_prog is not b.c's strong one: %+v", p)
	}
	if f := o.Subprog("only_weak"); f == nil || f.SectionOffset != 0 || !f.Weak {
		t.Errorf("only_weak is not a.c's: %+v", f)
	}
	ms := o.DataSection(".maps")
	for _, v := range ms.Vars {
		// a.c's ww_map at 0; ws_map b.c's, after a.c's 64 bytes.
		if v.Name == "ww_map" && v.Offset != 0 || v.Name == "ws_map" && v.Offset < 64 {
			t.Errorf(".maps %s at %d", v.Name, v.Offset)
		}
	}
}

func TestSingleUnchanged(t *testing.T) {
	units := open(t, "weak")
	o, err := Objects(units[:1])
	if err != nil || o != units[0] {
		t.Errorf("Objects of one object: %p, %v; want it back", o, err)
	}
	units = open(t, "basic")
	if _, err := Objects(units[:1]); !errors.Is(err, ErrUnresolved) || !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("a.o alone: %v, want ErrUnresolved", err)
	}
}

func TestOrderMatters(t *testing.T) {
	// b.c before a.c: a.c's weak only_weak loses to b.c's weak one.
	units := open(t, "weak")
	o, err := Objects([]*ir.Object{units[1], units[0]})
	if err != nil {
		t.Fatal(err)
	}
	f := o.Subprog("only_weak")
	if f == nil || len(f.Insns) < 2 || f.Insns[0].Imm != 2 {
		t.Errorf("only_weak with b.o first: %+v, want b.c's (returns 2)", f)
	}
}

func TestErrors(t *testing.T) {
	for set, want := range map[string]error{
		"bad_strong": ErrConflict, "bad_vartype": ErrMismatch, "bad_functype": ErrMismatch,
		"bad_map": ErrMismatch, "bad_unresolved": ErrUnresolved, "bad_section": ErrMismatch, "bad_kconfig": ErrMismatch,
		"bad_staticmap": ErrConflict,
	} {
		if _, err := Objects(open(t, set)); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", set, err, want)
		}
	}
	units := open(t, "weak")
	units[1].BTF = nil
	if _, err := Objects(units); !errors.Is(err, ErrNoBTF) {
		t.Errorf("without BTF: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	o := link(t, "basic")
	ids := o.BTF.FindByNameKind("lib_add", btf.KindFunc)
	if got := describe(o.BTF, ids[0]); got != "int (int, int)" {
		t.Errorf("describe(lib_add) = %q", got)
	}
}

func TestStructOps(t *testing.T) {
	o := link(t, "structops")
	// a.c's maps first, then b.c's, each at its place in .struct_ops.
	want := map[string]struct {
		off  uint32
		init string
	}{"bpfc_link_a": {0, "link_init"}, "bpfc_link_a2": {48, "init_a2"}, "bpfc_link_b": {96, "init_a2"}}
	var names []string
	for _, m := range o.Maps {
		if m.StructOps == nil {
			continue
		}
		names = append(names, m.Name)
		w := want[m.Name]
		if m.Offset != w.off {
			t.Errorf("map %s at %d, want %d", m.Name, m.Offset, w.off)
		}
		for _, mem := range m.StructOps.Members {
			if mem.Extern {
				t.Errorf("map %s: member %s still extern", m.Name, mem.Name)
			}
			if mem.Name == "init" && mem.Program != w.init {
				t.Errorf("map %s: init = %s, want %s", m.Name, mem.Program, w.init)
			}
		}
	}
	if !slices.Equal(names, []string{"bpfc_link_a", "bpfc_link_a2", "bpfc_link_b"}) {
		t.Errorf("struct_ops maps %v", names)
	}
	// A program set in the other part's map gets its attach target.
	if p := o.Program("link_init"); p == nil || p.AttachTo != "tcp_congestion_ops:init" {
		t.Errorf("link_init: %+v", p)
	}
	// The extern FUNCs are gone: one FUNC per program.
	for _, name := range []string{"link_init", "init_a2", "link_ssthresh"} {
		if n := len(o.BTF.FindByNameKind(name, btf.KindFunc)); n != 1 {
			t.Errorf("%d FUNC %s", n, name)
		}
	}

	// a.o alone: its maps name b.o's programs.
	units := open(t, "structops")
	_, err := Objects(units[:1])
	if !errors.Is(err, ErrUnresolved) || !strings.Contains(err.Error(), "struct_ops map bpfc_link_a: member init: extern function link_init") {
		t.Errorf("a.o alone: %v", err)
	}
	// A program no part defines, and one defined as a subprogram.
	for _, tc := range []struct {
		edit   func(b *ir.Object)
		target error
		msg    string
	}{
		{func(b *ir.Object) {
			b.Programs = slices.DeleteFunc(b.Programs, func(p *ir.Program) bool { return p.Name == "link_init" })
		}, ErrUnresolved, "a.o: section .struct_ops: struct_ops map bpfc_link_a: member init: extern function link_init: no object defines it"},
		{func(b *ir.Object) {
			i := slices.IndexFunc(b.Programs, func(p *ir.Program) bool { return p.Name == "link_init" })
			b.Subprogs = append(b.Subprogs, &b.Programs[i].Function)
			b.Programs = slices.Delete(b.Programs, i, i+1)
		}, ErrMismatch, "extern function link_init: defined in b.o as a subprogram, not a program"},
	} {
		units := open(t, "structops")
		tc.edit(units[1])
		_, err := Objects(units)
		if !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%v, want %v saying %q", err, tc.target, tc.msg)
		}
	}
}

// TestPartial links a.o and c.o of the basic set without b.o: what b.o
// defines stays extern, once per name, in the IR and in the BTF.
func TestPartial(t *testing.T) {
	units := open(t, "basic")
	if _, err := Objects([]*ir.Object{units[0], units[2]}); !errors.Is(err, ErrUnresolved) {
		t.Fatalf("a.o and c.o, not partial: %v, want ErrUnresolved", err)
	}
	units = open(t, "basic")
	o, err := Link([]*ir.Object{units[0], units[2]}, Options{Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Check(o, 0); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]ir.ExternKind{}
	for _, e := range o.Externs {
		if _, dup := kinds[e.Name]; dup {
			t.Errorf("extern %s twice", e.Name)
		}
		kinds[e.Name] = e.Kind
	}
	for name, want := range map[string]ir.ExternKind{
		"lib_counter": ir.ExternVar, "hidden_var": ir.ExternVar, "shared_map": ir.ExternMap,
		"lib_add": ir.ExternKfunc, "tunable": 0, // c.c's extern tunable: a.c's weak one
	} {
		if kinds[name] != want {
			t.Errorf("extern %s: kind %v, want %v", name, kinds[name], want)
		}
	}
	if e := o.Extern("shared_map"); e == nil || e.Map == nil || e.Map.MaxEntries != 4 {
		t.Errorf("extern map shared_map without its declared definition: %+v", e)
	}
	// One .maps DATASEC entry for shared_map, declared in both.
	for _, id := range o.BTF.FindByNameKind(".maps", btf.KindDatasec) {
		ds, err := o.BTF.Type(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Vars) != 1 || o.BTF.TypeName(ds.Vars[0].Type) != "shared_map" {
			t.Errorf(".maps DATASEC: %+v", ds.Vars)
		}
	}
	if n := len(o.BTF.FindByNameKind("shared_map", btf.KindVar)); n != 1 {
		t.Errorf("%d VAR shared_map", n)
	}
	// The struct_ops set's a.o alone: its members stay extern.
	so, err := Link(open(t, "structops")[:1], Options{Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := so.Map("bpfc_link_a"); m == nil || externMember(m) == nil {
		t.Errorf("bpfc_link_a lost its extern members: %+v", m)
	}
}
