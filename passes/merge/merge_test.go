// Tests of the static linker on the link sets of testdata/link, without a
// kernel: what wins, what is renamed, where data lands, and the merged
// BTF. (The goldens of package passes show whole merged objects; the
// kernel tests of package bpfc run them.)

package merge

import (
	"errors"
	"path/filepath"
	"slices"
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
