// Tests for Dedup and Builder: hand-made graphs (cycles, forward
// declarations, VARs), and the BTF of every committed test object doubled
// and deduplicated, checked against a naive structural comparison.

package btf

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"slices"
	"testing"
)

// listNode is `struct node { struct node *next; int v; }` and its
// pointer, int and typedef, with ids starting at base+1.
func listNode(base TypeID, name string) []Type {
	return []Type{
		{Kind: KindInt, Name: "int", Size: 4, IntBits: 32, IntEncoding: IntSigned}, // base+1
		{Kind: KindStruct, Name: name, Size: 16, Members: []Member{ // base+2
			{Name: "next", Type: base + 3}, {Name: "v", Type: base + 1, BitOffset: 64}}},
		{Kind: KindPtr, Type: base + 2},                        // base+3
		{Kind: KindTypedef, Name: name + "_t", Type: base + 2}, // base+4
	}
}

func TestDedupCycles(t *testing.T) {
	types := append(listNode(0, "node"), listNode(4, "node")...)
	out, remap := Dedup(types)
	if len(out) != 4 {
		t.Fatalf("Dedup kept %d types, want 4: %+v", len(out), out)
	}
	for id := TypeID(1); id <= 4; id++ {
		if remap[id] != id || remap[id+4] != id {
			t.Errorf("remap[%d]=%d remap[%d]=%d, want both %d", id, remap[id], id+4, remap[id+4], id)
		}
	}
	if out[1].Members[0].Type != 3 {
		t.Errorf("struct node.next = %d, want 3", out[1].Members[0].Type)
	}
}

func TestDedupKeepsDifferent(t *testing.T) {
	a := listNode(0, "node")
	b := listNode(4, "node")
	b[1].Members[1].BitOffset = 96 // v moved: a different struct
	out, remap := Dedup(append(a, b...))
	// int is shared; the structs, pointers and typedefs differ.
	if len(out) != 7 {
		t.Fatalf("Dedup kept %d types, want 7", len(out))
	}
	if remap[5] != 1 || remap[6] == remap[2] || remap[7] == remap[3] || remap[8] == remap[4] {
		t.Errorf("remap = %v", remap)
	}
}

func TestDedupForward(t *testing.T) {
	types := []Type{
		{Kind: KindFwd, Name: "node"},                                                       // 1
		{Kind: KindPtr, Type: 1},                                                            // 2: struct node * (fwd)
		{Kind: KindFwd, Name: "node", KindFlag: true},                                       // 3: union node: no union of that name
		{Kind: KindEnum, Name: "e", Size: 4},                                                // 4: enum e; (forward)
		{Kind: KindVar, Name: "x", Type: 2, Linkage: 1},                                     // 5
		{Kind: KindVar, Name: "x", Type: 2, Linkage: 1},                                     // 6: VARs stay apart
		{Kind: KindDatasec, Name: ".data", Size: 8, Vars: []VarSecinfo{{Type: 5, Size: 8}}}, // 7
	}
	types = append(types, listNode(7, "node")...)                                                              // 8 int, 9 struct node, 10 ptr, 11 typedef
	types = append(types, Type{Kind: KindEnum, Name: "e", Size: 4, Enums: []EnumValue{{Name: "A", Value: 1}}}) // 12
	out, remap := Dedup(types)
	if remap[1] != remap[9] || remap[2] != remap[10] {
		t.Errorf("fwd struct node not resolved: remap = %v", remap)
	}
	if remap[3] == remap[9] {
		t.Errorf("union fwd resolved to a struct")
	}
	if remap[4] != remap[12] {
		t.Errorf("enum fwd not resolved: remap = %v", remap)
	}
	if remap[5] == remap[6] {
		t.Errorf("two VARs merged")
	}
	ds := out[remap[7]-1]
	if ds.Kind != KindDatasec || ds.Vars[0].Type != remap[5] {
		t.Errorf("datasec entry not remapped: %+v", ds)
	}
	for i := range out {
		if out[i].Kind == KindFwd && !out[i].KindFlag {
			t.Errorf("struct fwd kept as type %d", i+1)
		}
	}
}

func TestDedupAmbiguousForward(t *testing.T) {
	types := []Type{{Kind: KindFwd, Name: "s"}}
	a := listNode(1, "s")
	b := listNode(5, "s")
	b[1].Size = 24 // two different struct s: the fwd stays
	types = append(append(types, a...), b...)
	out, remap := Dedup(types)
	if out[remap[1]-1].Kind != KindFwd {
		t.Errorf("ambiguous fwd resolved to %v", out[remap[1]-1].Kind)
	}
}

// testObjectSpecs loads the .BTF of every committed test object.
func testObjectSpecs(t *testing.T) map[string]*Spec {
	t.Helper()
	paths, err := filepath.Glob("../testdata/*.o")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test objects: %v", err)
	}
	specs := map[string]*Spec{}
	for _, p := range paths {
		s, err := LoadSpecFromELF(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		specs[filepath.Base(p)] = s
	}
	return specs
}

// allTypes decodes the own types of s, ids shifted by base.
func decodeShifted(t testing.TB, s *Spec, base TypeID) []Type {
	t.Helper()
	var ts []Type
	for id := TypeID(1); int(id) < s.NumTypes(); id++ {
		ty, err := s.Type(id)
		if err != nil {
			t.Fatal(err)
		}
		c := ty.Copy()
		RemapRefs(&c, func(r TypeID) TypeID {
			if r == 0 {
				return 0
			}
			return r + base
		})
		ts = append(ts, c)
	}
	return ts
}

// naiveEqual compares types a and b of list ts structurally, assuming
// pairs under comparison equal (coinduction, for cycles).
func naiveEqual(ts []Type, a, b TypeID, assumed map[[2]TypeID]bool) bool {
	if a == b {
		return true
	}
	if a == 0 || b == 0 {
		return false
	}
	if assumed[[2]TypeID{a, b}] {
		return true
	}
	ta, tb := &ts[a-1], &ts[b-1]
	if ta.Kind == KindVar || ta.Kind == KindDatasec {
		return false
	}
	if string(localKey(nil, ta)) != string(localKey(nil, tb)) {
		return false
	}
	assumed[[2]TypeID{a, b}] = true
	var ra, rb []TypeID
	forEachRef(ta, func(r *TypeID) { ra = append(ra, *r) })
	forEachRef(tb, func(r *TypeID) { rb = append(rb, *r) })
	for i := range ra {
		if !naiveEqual(ts, ra[i], rb[i], assumed) {
			delete(assumed, [2]TypeID{a, b})
			return false
		}
	}
	return true
}

func TestDedupTestObjects(t *testing.T) {
	for name, s := range testObjectSpecs(t) {
		t.Run(name, func(t *testing.T) {
			n := TypeID(s.NumTypes() - 1)
			types := append(decodeShifted(t, s, 0), decodeShifted(t, s, n)...)
			out, remap := Dedup(types)
			// Every type of the second copy became its twin in the
			// first, except VARs and DATASECs.
			vars := 0
			for id := TypeID(1); id <= n; id++ {
				k := types[id-1].Kind
				if k == KindVar || k == KindDatasec {
					vars++
					if remap[id] == remap[id+n] {
						t.Errorf("type %d (%v) merged with its copy", id, k)
					}
					continue
				}
				if remap[id] != remap[id+n] {
					t.Errorf("type %d (%v %s) not merged with its copy", id, k, types[id-1].Name)
				}
			}
			if len(out) > int(n)+vars {
				t.Errorf("kept %d types, at most %d expected", len(out), int(n)+vars)
			}
			// The result is isomorphic to the input: each type's
			// image has the same local data and refers to the
			// images of what it referred to.
			for id := TypeID(1); int(id) <= len(types); id++ {
				orig, img := types[id-1], out[remap[id]-1]
				if string(localKey(nil, &orig)) != string(localKey(nil, &img)) {
					t.Fatalf("type %d: image %d differs", id, remap[id])
				}
				var ro, ri []TypeID
				forEachRef(&orig, func(r *TypeID) { ro = append(ro, remap[*r]) })
				forEachRef(&img, func(r *TypeID) { ri = append(ri, *r) })
				if len(ro) != len(ri) {
					t.Fatalf("type %d: %d refs, image %d", id, len(ro), len(ri))
				}
				for i := range ro {
					if ro[i] != ri[i] && types[id-1].Kind != KindFwd {
						t.Fatalf("type %d: ref %d -> %d, image refers to %d", id, i, ro[i], ri[i])
					}
				}
			}
			// No two types left are equal (a naive comparison).
			byKey := map[string][]TypeID{}
			for i := range out {
				k := string(localKey(nil, &out[i]))
				byKey[k] = append(byKey[k], TypeID(i+1))
			}
			for _, ids := range byKey {
				for i := range ids {
					for j := i + 1; j < len(ids); j++ {
						if naiveEqual(out, ids[i], ids[j], map[[2]TypeID]bool{}) {
							t.Errorf("types %d and %d are still equal", ids[i], ids[j])
						}
					}
				}
			}
		})
	}
}

func TestBuilderRoundTrip(t *testing.T) {
	for _, order := range orders {
		b := NewBuilder()
		for _, ty := range sampleTypes() {
			b.Add(ty)
		}
		off, err := b.AddString("extra line")
		if err != nil {
			t.Fatal(err)
		}
		again, _ := b.AddString("extra line")
		if again != off {
			t.Errorf("AddString twice: %d then %d", off, again)
		}
		s, err := b.Build(order)
		if err != nil {
			t.Fatalf("%v: %v", order, err)
		}
		if got, err := s.String(off); err != nil || got != "extra line" {
			t.Errorf("%v: String(%d) = %q, %v", order, off, got, err)
		}
		for i, want := range sampleTypes() {
			got, err := s.Type(TypeID(i + 1))
			if err != nil {
				t.Fatal(err)
			}
			if string(localKey(nil, got)) != string(localKey(nil, &want)) {
				t.Errorf("%v: type %d: got %+v, want %+v", order, i+1, got, want)
			}
		}
	}
	if _, err := NewBuilder().AddString("a\x00b"); err == nil {
		t.Error("AddString with NUL: no error")
	}
	b := NewBuilder()
	b.Add(Type{Kind: KindPtr, Type: 7})
	if _, err := b.Marshal(binary.LittleEndian); err == nil {
		t.Error("Marshal with a dangling reference: no error")
	}
}

func BenchmarkDedup(b *testing.B) {
	s, err := LoadSpecFromELF("../testdata/biolat.o")
	if err != nil {
		b.Fatal(err)
	}
	n := TypeID(s.NumTypes() - 1)
	types := append(decodeShifted(b, s, 0), decodeShifted(b, s, n)...)
	b.ReportAllocs()
	for b.Loop() {
		Dedup(types)
	}
}

// TestBuilderAddSpec checks that a Builder given a built Spec whole
// (AddSpec, records copied) writes the same bytes as one given each of its
// types (decoded and encoded again), with strings added before and a type
// after; and that AddSpec refuses what it cannot copy.
func TestBuilderAddSpec(t *testing.T) {
	for name, s := range testObjectSpecs(t) {
		types := decodeShifted(t, s, 0)
		for _, in := range orders {
			built := NewBuilder()
			for _, ty := range types {
				built.Add(ty)
			}
			spec, err := built.Build(in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, out := range orders {
				whole, each := NewBuilder(), NewBuilder()
				for _, b := range []*Builder{whole, each} {
					if _, err := b.AddString("a string added first"); err != nil {
						t.Fatal(err)
					}
				}
				if !whole.AddSpec(spec) {
					t.Fatalf("%s: AddSpec refused a built Spec", name)
				}
				for id := TypeID(1); int(id) < spec.NumTypes(); id++ {
					ty, err := spec.Type(id)
					if err != nil {
						t.Fatal(err)
					}
					each.Add(*ty)
				}
				if whole.NumTypes() != each.NumTypes() {
					t.Fatalf("%s: NumTypes %d, want %d", name, whole.NumTypes(), each.NumTypes())
				}
				extra := Type{Kind: KindPtr, Name: "", Type: 1}
				if a, b := whole.Add(extra), each.Add(extra); a != b {
					t.Fatalf("%s: Add after AddSpec gave id %d, want %d", name, a, b)
				}
				got, err := whole.Marshal(out)
				if err != nil {
					t.Fatal(err)
				}
				want, err := each.Marshal(out)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s (%v to %v): AddSpec's blob differs from adding each type", name, in, out)
				}
			}
		}
		if NewBuilder().AddSpec(s) {
			t.Errorf("%s: AddSpec took a parsed (not built) Spec", name)
		}
	}
	spec, err := NewBuilder().Build(binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder()
	b.Add(Type{Kind: KindInt, Name: "int", Size: 4, IntBits: 32})
	if b.AddSpec(spec) {
		t.Error("AddSpec took a Spec into a Builder with types")
	}
	edited := spec.Copy()
	edited.Add(Type{Kind: KindInt, Name: "int", Size: 4, IntBits: 32})
	if NewBuilder().AddSpec(edited) {
		t.Error("AddSpec took an edited Spec")
	}
}

// TestDedupOwned checks that DedupOwned, which reuses its input, gives
// what Dedup gives.
func TestDedupOwned(t *testing.T) {
	for name, s := range testObjectSpecs(t) {
		n := TypeID(s.NumTypes() - 1)
		types := append(decodeShifted(t, s, 0), decodeShifted(t, s, n)...)
		want, wantRemap := Dedup(types)
		owned := make([]Type, len(types))
		for i := range types {
			owned[i] = types[i].Copy()
		}
		got, gotRemap := DedupOwned(owned)
		if !slices.Equal(gotRemap, wantRemap) {
			t.Errorf("%s: remap differs", name)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d types, want %d", name, len(got), len(want))
		}
		for i := range got {
			var g, w []TypeID
			ForEachRef(&got[i], func(id TypeID) { g = append(g, id) })
			ForEachRef(&want[i], func(id TypeID) { w = append(w, id) })
			if string(localKey(nil, &got[i])) != string(localKey(nil, &want[i])) || !slices.Equal(g, w) {
				t.Errorf("%s: type %d differs", name, i+1)
			}
		}
	}
}

// TestTypeCopy checks that TypeCopy gives what Type gives, as a copy:
// editing it leaves the Spec's type alone, decoded first or not.
func TestTypeCopy(t *testing.T) {
	for name, s := range testObjectSpecs(t) {
		for _, cachedFirst := range []bool{false, true} {
			for id := TypeID(0); int(id) < s.NumTypes(); id++ {
				if cachedFirst {
					if _, err := s.Type(id); err != nil {
						t.Fatal(err)
					}
				}
				c, err := s.TypeCopy(id)
				if err != nil {
					t.Fatalf("%s: type %d: %v", name, id, err)
				}
				RemapRefs(&c, func(ref TypeID) TypeID { return ref + 1000 })
				orig, err := s.Type(id)
				if err != nil {
					t.Fatal(err)
				}
				if string(localKey(nil, &c)) != string(localKey(nil, orig)) {
					t.Errorf("%s: type %d: copy differs", name, id)
				}
				ForEachRef(orig, func(ref TypeID) {
					if ref >= 1000 {
						t.Errorf("%s: type %d: editing the copy edited the Spec's type", name, id)
					}
				})
			}
		}
	}
	if _, err := (&Spec{data: &data{limit: 1, firstID: 1}}).TypeCopy(5); err == nil {
		t.Error("TypeCopy of an id out of range: no error")
	}
}
