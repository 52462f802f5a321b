// This file tests the global-data layouts the skeleton emitters render,
// on testdata/skel_edge.o (colliding names, layouts Go and C cannot mirror
// naively): names unique, every field at its BTF VAR offset, nothing Go or
// C would pad on its own.

package skel

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog"
)

// edgeLayouts returns the global-data layouts of skel_edge.o.
func edgeLayouts(t *testing.T) []*dataLayout {
	t.Helper()
	obj := compileObject(t, "skel_edge.o")
	l, err := loaderprog.Generate(obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := layouts(l, obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLayoutUniqueDataNames: .data.a.b and .data.a_b give the same C and Go
// identifiers; the skeleton's members and types must still be distinct.
func TestLayoutUniqueDataNames(t *testing.T) {
	cNames, goNames := map[string]string{}, map[string]string{}
	for _, d := range edgeLayouts(t) {
		if prev, ok := cNames[d.field]; ok {
			t.Errorf("maps %s and %s share the C member %s", prev, d.m.Name, d.field)
		}
		if prev, ok := goNames[d.goName]; ok {
			t.Errorf("maps %s and %s share the Go name %s", prev, d.m.Name, d.goName)
		}
		cNames[d.field], goNames[d.goName] = d.m.Name, d.m.Name
	}
	for _, want := range []string{"data_a_b", "data_a_b_2"} {
		if _, ok := cNames[want]; !ok {
			t.Errorf("no data member %s in %v", want, cNames)
		}
	}
	for _, want := range []string{"DataAB", "DataAB2"} {
		if _, ok := goNames[want]; !ok {
			t.Errorf("no Go data field %s in %v", want, goNames)
		}
	}
}

// walkFields calls f for every field of t, recursively, with its path.
func walkFields(t *lType, path string, f func(path string, fl lField)) {
	switch t.kind {
	case tStruct:
		for _, fl := range t.fields {
			p := path + "." + fl.name
			f(p, fl)
			walkFields(fl.t, p, f)
		}
	case tArray:
		walkFields(t.elem, path+"[]", f)
	}
}

// TestLayoutNoZeroSizeFields: a zero-size field (empty struct, u32 x[0])
// at the end of a Go struct makes Go pad the struct, so the layout check
// of the skeleton failed to compile.
func TestLayoutNoZeroSizeFields(t *testing.T) {
	var fields []string
	for _, d := range edgeLayouts(t) {
		walkFields(d.t, d.m.Name, func(path string, fl lField) {
			fields = append(fields, path)
			if fl.t.size == 0 {
				t.Errorf("%s: zero-size field", path)
			}
		})
	}
	all := strings.Join(fields, " ")
	for _, want := range []string{".data.flexible.n", ".data.nothing.a", ".data.after_nothing", ".data.outer.items[].v"} {
		if !strings.Contains(all, want) {
			t.Errorf("field %s missing from %s", want, all)
		}
	}
}

// TestLayoutOffsets: every variable of .data is at its offset in the
// object (the ELF symbol values the datasec pass put in the BTF), and the
// types that cannot be mirrored became bytes.
func TestLayoutOffsets(t *testing.T) {
	want := map[string]struct {
		off  uint32
		kind typeKind
	}{
		"my_var": {0, tScalar}, "myVar": {4, tScalar}, "__pad0": {32, tScalar},
		"odd_byte": {36, tScalar}, "odd_packed": {37, tBytes}, "aligned64": {48, tScalar},
		"bits": {56, tBytes}, "either": {60, tBytes}, "outer": {64, tStruct},
		"e8": {112, tScalar}, "e16": {114, tScalar}, "e64": {120, tScalar},
		"flag": {136, tScalar}, "text": {137, tBytes}, "flexible": {144, tStruct},
		"nothing": {148, tStruct}, "after_nothing": {152, tScalar},
	}
	for _, d := range edgeLayouts(t) {
		if d.m.Name != ".data" {
			continue
		}
		for _, f := range d.t.fields {
			w, ok := want[f.name]
			if !ok {
				continue
			}
			delete(want, f.name)
			if f.off != w.off || f.t.kind != w.kind {
				t.Errorf("%s: offset %d kind %d, want %d kind %d", f.name, f.off, f.t.kind, w.off, w.kind)
			}
		}
	}
	for n := range want {
		t.Errorf("%s: not laid out", n)
	}
}

// TestCPaddingNames: the C padding members must not take the name of a
// member (a global named __pad0).
func TestCPaddingNames(t *testing.T) {
	u32 := intType(4, false)
	st := &lType{kind: tStruct, size: 16, align: 4, fields: []lField{
		{name: "__pad0", off: 4, t: u32},
		{name: "__pad2", off: 12, t: u32},
	}}
	var b strings.Builder
	cFields(&b, st, "")
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		name := strings.TrimSuffix(strings.Fields(line)[1], ";")
		name, _, _ = strings.Cut(name, "[")
		if seen[name] {
			t.Errorf("member %s declared twice:\n%s", name, b.String())
		}
		seen[name] = true
	}
	if len(seen) != 4 {
		t.Errorf("%d members, want 4:\n%s", len(seen), b.String())
	}
}
