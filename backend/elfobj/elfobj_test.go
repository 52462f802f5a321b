// Tests of the ELF writer: every committed test object and link set,
// written and read back with frontend/elf, gives the IR it was written
// from (FuzzRoundTrip does the same for inputs the fuzzer makes).

package elfobj

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/merge"
)

const testdataDir = "../../testdata"

// canonical is the text form of obj with functions, externs and data
// sections sorted by name (the writer may order sections differently),
// the binding and visibility of symbols, and without the immediates of
// bpf2bpf calls: their relocation records say where they go, the link
// pass patches them.
func canonical(obj *ir.Object) string {
	c := *obj
	c.Programs = nil
	for _, p := range obj.Programs {
		cp := *p
		cp.Insns = noCallImm(p.Insns)
		c.Programs = append(c.Programs, &cp)
	}
	c.Subprogs = nil
	for _, f := range obj.Subprogs {
		cf := *f
		cf.Insns = noCallImm(f.Insns)
		c.Subprogs = append(c.Subprogs, &cf)
	}
	c.Externs = slices.Clone(obj.Externs)
	slices.SortFunc(c.Programs, func(a, b *ir.Program) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Subprogs, func(a, b *ir.Function) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.Externs, func(a, b *ir.Extern) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	_ = ir.Dump(&b, &c)
	dss := slices.Clone(obj.DataSections)
	slices.SortFunc(dss, func(a, b *ir.DataSection) int { return strings.Compare(a.Name, b.Name) })
	for _, ds := range dss {
		vars := slices.Clone(ds.Vars)
		slices.SortFunc(vars, func(a, b ir.DataVar) int { return strings.Compare(a.Name, b.Name) })
		fmt.Fprintf(&b, "datasection %s size %d align %d\n", ds.Name, ds.Size, ds.Align)
		for _, v := range vars {
			fmt.Fprintf(&b, "  %+v\n", v)
		}
	}
	for _, f := range c.Units() {
		fmt.Fprintf(&b, "%s %s %d global=%v weak=%v hidden=%v\n", f.Name, f.Section, f.SectionOffset, f.Global, f.Weak, f.Hidden)
	}
	for _, m := range obj.Maps {
		fmt.Fprintf(&b, "map %s offset %d\n", m.Name, m.Offset)
	}
	for _, e := range c.Externs {
		fmt.Fprintf(&b, "extern %s hidden=%v\n", e.Name, e.Hidden)
	}
	return b.String()
}

func noCallImm(insns []ir.Insn) []ir.Insn {
	insns = slices.Clone(insns)
	for i := range insns {
		if insns[i].IsPseudoCall() {
			insns[i].Imm = 0
		}
	}
	return insns
}

// roundTrip writes obj and reads it back.
func roundTrip(t testing.TB, obj *ir.Object) *ir.Object {
	t.Helper()
	raw, err := Marshal(obj)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	back, err := elf.Parse(bytes.NewReader(raw), obj.Name)
	if err != nil {
		t.Fatalf("reading the written object back: %v", err)
	}
	return back
}

// diffLines shows the first differing line of two texts.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  written: %s\n  read:    %s", i+1, x, y)
		}
	}
	return "(equal)"
}

func TestRoundTripObjects(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil || len(paths) == 0 {
		t.Fatal("no test objects")
	}
	parts, _ := filepath.Glob(filepath.Join(testdataDir, "link", "*", "*.o"))
	for _, p := range append(paths, parts...) {
		name, _ := filepath.Rel(testdataDir, p)
		t.Run(name, func(t *testing.T) {
			obj, err := elf.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			back := roundTrip(t, obj)
			if a, b := canonical(obj), canonical(back); a != b {
				t.Errorf("read back differs:\n%s", diffLines(a, b))
			}
		})
	}
}

func TestRoundTripLinked(t *testing.T) {
	for _, tc := range []struct {
		set   string
		parts []int // indexes of the parts linked, nil for all
	}{
		{"basic", nil}, {"weak", nil}, {"legacy", nil}, {"ksyms", nil}, {"structops", nil},
		// Partial links: externs left for a later link.
		{"basic", []int{0, 2}}, {"structops", []int{0}},
	} {
		t.Run(fmt.Sprint(tc.set, tc.parts), func(t *testing.T) {
			paths, _ := filepath.Glob(filepath.Join(testdataDir, "link", tc.set, "*.o"))
			slices.Sort(paths)
			var units []*ir.Object
			for i, p := range paths {
				if tc.parts != nil && !slices.Contains(tc.parts, i) {
					continue
				}
				o, err := elf.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				units = append(units, o)
			}
			obj, err := merge.Link(units, merge.Options{Partial: tc.parts != nil})
			if err != nil {
				t.Fatal(err)
			}
			back := roundTrip(t, obj)
			if a, b := canonical(obj), canonical(back); a != b {
				t.Errorf("read back differs:\n%s", diffLines(a, b))
			}
		})
	}
}
