// Tests for parsing, decoding, editing and encoding BTF.

package btf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var orders = []binary.ByteOrder{binary.LittleEndian, binary.BigEndian}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindUnknown: "unknown", KindInt: "int", KindFuncProto: "func_proto", KindDeclTag: "decl_tag",
		KindTypeTag: "type_tag", KindEnum64: "enum64", 20: "kind(20)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
	for k, want := range map[COREKind]string{
		FieldByteOffset: "field_byte_offset", FieldRShiftU64: "field_rshift_u64", TypeIDLocal: "local_type_id",
		TypeIDTarget: "target_type_id", TypeMatches: "type_matches", 13: "core_kind(13)",
	} {
		if got := k.String(); got != want {
			t.Errorf("COREKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

func TestDecodeAllKinds(t *testing.T) {
	for _, order := range orders {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			s := sampleSpec(t, order)
			want := sampleTypes()
			if got := s.NumTypes(); got != len(want)+1 {
				t.Fatalf("NumTypes() = %d, want %d", got, len(want)+1)
			}
			for i, w := range want {
				id := TypeID(i + 1)
				got, err := s.Type(id)
				if err != nil {
					t.Fatalf("Type(%d): %v", id, err)
				}
				if diff := cmp.Diff(&w, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("Type(%d) mismatch (-want +got):\n%s", id, diff)
				}
				if s.TypeName(id) != w.Name || s.TypeKind(id) != w.Kind {
					t.Errorf("TypeName/TypeKind(%d) = %q/%v, want %q/%v", id, s.TypeName(id), s.TypeKind(id), w.Name, w.Kind)
				}
			}
			void, err := s.Type(0)
			if err != nil || void.Kind != KindUnknown {
				t.Errorf("Type(0) = %+v, %v; want void", void, err)
			}
			if _, err := s.Type(TypeID(len(want) + 1)); !errors.Is(err, ErrNotFound) {
				t.Errorf("Type(out of range) error %v, want ErrNotFound", err)
			}
			if s.TypeName(1000) != "" || s.TypeKind(1000) != KindUnknown {
				t.Error("TypeName/TypeKind out of range not empty")
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, from := range orders {
		for _, to := range orders {
			t.Run(fmt.Sprintf("%v_to_%v", from, to), func(t *testing.T) {
				s := sampleSpec(t, from)
				raw, err := s.Marshal(to)
				if err != nil {
					t.Fatal(err)
				}
				s2, err := Parse(raw)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(allTypes(t, s), allTypes(t, s2)); diff != "" {
					t.Fatalf("round trip mismatch (-want +got):\n%s", diff)
				}
				// Back to the original order gives the original bytes.
				back, err := s2.Marshal(from)
				if err != nil {
					t.Fatal(err)
				}
				orig, _ := s.Marshal(from)
				if !bytes.Equal(back, orig) {
					t.Fatal("Marshal after byte-order round trip differs from original")
				}
			})
		}
	}
}

func allTypes(t testing.TB, s *Spec) []*Type {
	t.Helper()
	var all []*Type
	for id := 0; id < s.NumTypes(); id++ {
		typ, err := s.Type(TypeID(id))
		if err != nil {
			t.Fatalf("Type(%d): %v", id, err)
		}
		all = append(all, typ)
	}
	return all
}

func TestMarshalKeepsStringTable(t *testing.T) {
	s := sampleSpec(t, binary.LittleEndian)
	orig := slices.Clone(s.strs)
	fileOff, ok := s.StringOffset("task_struct")
	if !ok {
		t.Fatal("StringOffset(task_struct) not found")
	}
	// Tail of a longer string is found too.
	if off, ok := s.StringOffset("struct"); !ok || off != fileOff+5 {
		t.Errorf("StringOffset(struct) = %d, %v; want %d", off, ok, fileOff+5)
	}
	if _, ok := s.StringOffset("nope"); ok {
		t.Error("StringOffset(nope) found")
	}

	// Rename one type (new string) and add one reusing an old string.
	typ, _ := s.Type(8)
	c := typ.Copy()
	c.Name = "renamed_typedef"
	if err := s.Set(8, c); err != nil {
		t.Fatal(err)
	}
	id := s.Add(Type{Kind: KindTypedef, Name: "int", Type: 1})
	id2 := s.Add(Type{Kind: KindTypedef, Name: "renamed_typedef", Type: 1})
	raw, err := s.Marshal(binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(s2.strs, orig) {
		t.Fatal("original string table is not a prefix of the marshaled one")
	}
	if len(s2.strs) != len(orig)+len("renamed_typedef")+1 {
		t.Errorf("string table grew by %d, want %d (one new string)", len(s2.strs)-len(orig), len("renamed_typedef")+1)
	}
	if got, _ := s2.String(fileOff); got != "task_struct" {
		t.Errorf("String(%d) = %q after marshal", fileOff, got)
	}
	for id, want := range map[TypeID]string{8: "renamed_typedef", id: "int", id2: "renamed_typedef"} {
		if got := s2.TypeName(id); got != want {
			t.Errorf("TypeName(%d) = %q, want %q", id, got, want)
		}
	}
	if _, err := s.String(uint32(len(s.strs))); !errors.Is(err, ErrNotFound) {
		t.Errorf("String(past end) error %v, want ErrNotFound", err)
	}
}

func TestSetAdd(t *testing.T) {
	s := sampleSpec(t, binary.LittleEndian)
	view := s.Copy()
	if err := s.Set(0, Type{Kind: KindInt}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Set(0) error %v, want ErrNotFound", err)
	}
	if err := s.Set(99, Type{Kind: KindInt}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Set(99) error %v, want ErrNotFound", err)
	}
	if err := s.Set(1, Type{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Set(void kind) error %v, want ErrInvalid", err)
	}
	ds, _ := s.Type(15)
	fixed := ds.Copy()
	fixed.Vars[0].Offset = 8
	fixed.Size = 12
	if err := s.Set(15, fixed); err != nil {
		t.Fatal(err)
	}
	if ds.Vars[0].Offset != 0 {
		t.Fatal("Copy shares Vars with the cached type")
	}
	if got, _ := s.Type(15); got.Size != 12 {
		t.Errorf("after Set, Size = %d", got.Size)
	}
	if got, _ := view.Type(15); got.Size != 4 {
		t.Errorf("Set leaked into a copied view: Size = %d", got.Size)
	}
	id := s.Add(Type{Kind: KindStruct, Name: "task_struct___added", Size: 1})
	if int(id) != s.NumTypes()-1 || s.TypeKind(id) != KindStruct {
		t.Errorf("Add returned %d (NumTypes %d, kind %v)", id, s.NumTypes(), s.TypeKind(id))
	}
	if err := s.Set(id, Type{Kind: KindUnion, Name: "task_struct___added"}); err != nil {
		t.Fatal(err)
	}
	if got := s.FindByEssentialName("task_struct", KindUnion); !slices.Equal(got, []TypeID{id}) {
		t.Errorf("FindByEssentialName after Set of added type = %v", got)
	}

	// Marshal rejects broken edits with context.
	bad := []struct {
		typ  Type
		want string
	}{
		{Type{Kind: KindPtr, Type: 1000}, "type id 1000 out of range"},
		{Type{Kind: KindStruct, Members: []Member{{Type: 1, BitfieldSize: 3}}}, "bitfield without kind_flag"},
		{Type{Kind: KindEnum, Enums: []EnumValue{{"X", -1}}}, "does not fit 32 bits"},
		{Type{Kind: KindStruct, Members: make([]Member, 0x10000)}, "vlen 65536"},
		{Type{Kind: KindInt, Name: "a\x00b"}, "contains NUL"},
	}
	for _, tc := range bad {
		c := s.Copy()
		id := c.Add(tc.typ)
		_, err := c.Marshal(binary.LittleEndian)
		wantErr(t, err, ErrInvalid, fmt.Sprintf("marshal type %d", id))
		wantErr(t, err, ErrInvalid, tc.want)
	}
}

func TestFindByName(t *testing.T) {
	s := sampleSpec(t, binary.LittleEndian)
	for _, tc := range []struct {
		name string
		kind Kind
		want []TypeID
	}{
		{"task_struct", KindStruct, []TypeID{3, 21}},
		{"task_struct", KindUnion, nil},
		{"task_struct", KindUnknown, []TypeID{3, 21}},
		{"e", KindEnum, []TypeID{6, 22}},
		{"e", KindEnum64, []TypeID{6, 22}},
		{"e64", KindEnum, []TypeID{19}},
		{"fwd_s", KindFwd, []TypeID{7}},
		{"fwd_s", KindStruct, nil},
		{"f", KindFunc, []TypeID{13}},
		{"v", KindVar, []TypeID{14}},
		{"int", KindInt, []TypeID{1}},
		{"", KindStruct, nil},
		{"missing", KindStruct, nil},
	} {
		if got := s.FindByEssentialName(tc.name, tc.kind); !slices.Equal(got, tc.want) {
			t.Errorf("FindByEssentialName(%q, %v) = %v, want %v", tc.name, tc.kind, got, tc.want)
		}
	}
	for name, want := range map[string][]TypeID{
		"task_struct": {3}, "task_struct___v2": {21}, "e___flavor": {22}, "f": {13}, ".data": {15}, "tag": {17}, "": nil,
	} {
		if got := s.FindByName(name); !slices.Equal(got, want) {
			t.Errorf("FindByName(%q) = %v, want %v", name, got, want)
		}
	}
	for _, tc := range []struct {
		name string
		kind Kind
		want []TypeID
	}{
		{"task_struct", KindStruct, []TypeID{3}},
		{"task_struct___v2", KindStruct, []TypeID{21}},
		{"task_struct", KindUnion, nil},
		{"e___flavor", KindEnum64, []TypeID{22}},
		{"f", KindFunc, []TypeID{13}},
		{"f", KindVar, nil},
		{"v", KindUnknown, []TypeID{14}},
		{"", KindStruct, nil},
	} {
		if got := s.FindByNameKind(tc.name, tc.kind); !slices.Equal(got, tc.want) {
			t.Errorf("FindByNameKind(%q, %v) = %v, want %v", tc.name, tc.kind, got, tc.want)
		}
	}
}

func TestEssentialName(t *testing.T) {
	for in, want := range map[string]string{
		"task_struct": "task_struct", "task_struct___v1": "task_struct", "a___b___c": "a___b",
		"__u32": "__u32", "x___": "x___", "x____y": "x____y", "___x": "___x", "ab___c": "ab", "": "",
	} {
		if got := EssentialName(in); got != want {
			t.Errorf("EssentialName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSizeofSkip(t *testing.T) {
	s := sampleSpec(t, binary.LittleEndian)
	for id, want := range map[TypeID]uint32{1: 4, 2: 8, 3: 24, 4: 8, 6: 4, 8: 4, 10: 4, 14: 4, 19: 8} {
		if got, err := s.Sizeof(id); err != nil || got != want {
			t.Errorf("Sizeof(%d) = %d, %v; want %d", id, got, err, want)
		}
	}
	for _, id := range []TypeID{0, 7, 12, 13, 17} {
		if _, err := s.Sizeof(id); !errors.Is(err, ErrInvalid) {
			t.Errorf("Sizeof(%d) error %v, want ErrInvalid", id, err)
		}
	}
	if got, err := s.Skip(10); err != nil || got != 1 {
		t.Errorf("Skip(const->volatile->typedef->int) = %d, %v", got, err)
	}
	if got, err := s.Skip(10, KindConst, KindVolatile, KindRestrict, KindTypeTag); err != nil || got != 8 {
		t.Errorf("Skip(modifiers) = %d, %v; want 8 (the typedef)", got, err)
	}
	if got, err := s.Skip(11, KindRestrict, KindPtr); err != nil || got != 3 {
		t.Errorf("Skip(restrict, ptr) = %d, %v; want 3", got, err)
	}

	// A typedef loop and an oversized array end with errors.
	loop := NewSpec()
	loop.Add(Type{Kind: KindTypedef, Name: "a", Type: 2})
	loop.Add(Type{Kind: KindTypedef, Name: "b", Type: 1})
	big := loop.Add(Type{Kind: KindInt, Name: "int", Size: 4, IntBits: 32})
	arr := loop.Add(Type{Kind: KindArray, Array: Array{Type: big, IndexType: big, Nelems: 1 << 31}})
	if _, err := loop.Skip(1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Skip(loop) error %v", err)
	}
	if _, err := loop.Sizeof(1); !errors.Is(err, ErrInvalid) {
		t.Errorf("Sizeof(loop) error %v", err)
	}
	if _, err := loop.Sizeof(arr); !errors.Is(err, ErrInvalid) {
		t.Errorf("Sizeof(8 GiB array) error %v", err)
	}
}

func TestSplit(t *testing.T) {
	base := sampleSpec(t, binary.LittleEndian)
	baseStrLen := uint32(len(base.strs))
	strs := "mod_struct\x00task_struct___mod\x00"
	n := TypeID(base.NumTypes())
	raw := rawBTF(binary.LittleEndian, []uint32{
		baseStrLen, info(KindStruct, 2, false), 8, // n
		baseStrLen + 11, 1, 0, // own string
		mustOff(t, base, "pid"), uint32(n + 1), 32, // base string, split type
		baseStrLen + 11, info(KindStruct, 0, false), 4, // n+1
		0, info(KindPtr, 0, false), 3, // n+2 -> base type
	}, strs)
	s, err := ParseSplit(raw, base)
	if err != nil {
		t.Fatal(err)
	}
	if s.FirstID() != n || s.Base() != base || s.NumTypes() != int(n)+3 {
		t.Fatalf("FirstID %d Base %p NumTypes %d", s.FirstID(), s.Base(), s.NumTypes())
	}
	typ, err := s.Type(n)
	if err != nil {
		t.Fatal(err)
	}
	want := &Type{Kind: KindStruct, Name: "mod_struct", Size: 8, Members: []Member{
		{Name: "task_struct___mod", Type: 1}, {Name: "pid", Type: n + 1, BitOffset: 32}}}
	if diff := cmp.Diff(want, typ); diff != "" {
		t.Errorf("split type (-want +got):\n%s", diff)
	}
	if got, _ := s.Type(3); got.Name != "task_struct" {
		t.Errorf("base type through split spec: %q", got.Name)
	}
	if got := s.FindByEssentialName("task_struct", KindStruct); !slices.Equal(got, []TypeID{3, 21, n + 1}) {
		t.Errorf("FindByEssentialName over base+split = %v", got)
	}
	if got, _ := s.Sizeof(n + 2); got != 8 {
		t.Errorf("Sizeof(split ptr) = %d", got)
	}
	out, err := s.Marshal(binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, raw) {
		t.Error("split Marshal does not reproduce input")
	}
	if _, err := ParseSplit(raw, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseSplit(nil base) error %v", err)
	}
}

func mustOff(t *testing.T, s *Spec, str string) uint32 {
	off, ok := s.StringOffset(str)
	if !ok {
		t.Fatalf("no string %q", str)
	}
	return off
}

func TestParseBad(t *testing.T) {
	le := binary.LittleEndian
	strs := "\x00int\x00"
	intType := []uint32{1, info(KindInt, 0, false), 4, 32}
	good := rawBTF(le, intType, strs)
	if _, err := Parse(good); err != nil {
		t.Fatal(err)
	}
	patch := func(off int, v uint32) []byte {
		b := slices.Clone(good)
		le.PutUint32(b[off:], v)
		return b
	}
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"empty", nil, "header: 0 bytes"},
		{"truncated header", good[:20], "header: 20 bytes"},
		{"bad magic", append([]byte{1, 2}, good[2:]...), "bad magic"},
		{"version", append([]byte{0x9f, 0xeb, 2}, good[3:]...), "unsupported version 2"},
		{"flags", append([]byte{0x9f, 0xeb, 1, 1}, good[4:]...), "unsupported flags"},
		{"hdr_len small", patch(4, 8), "hdr_len 8 out of range"},
		{"hdr_len big", patch(4, 1<<30), "hdr_len 1073741824 out of range"},
		{"type section out of bounds", patch(12, 1<<20), "type section [0, +1048576) beyond end"},
		{"type section overflow", patch(8, 0xfffffff0), "type section [4294967280"},
		{"string section out of bounds", patch(20, 100), "string section [16, +100) beyond end"},
		{"unaligned types", patch(8, 2), "not 4-byte aligned"},
		{"overlap", patch(16, 8), "overlap"},
		{"string not terminated", rawBTF(le, intType, "\x00int"), "not NUL-terminated"},
		{"string no leading NUL", rawBTF(le, intType, "int\x00"), "does not start with an empty string"},
		{"name offset out of range", rawBTF(le, []uint32{99, info(KindInt, 0, false), 4, 32}, strs), "type 1: name offset 99 out of range"},
		{"unknown kind", rawBTF(le, []uint32{0, info(20, 0, false), 0}, strs), "type 1: unknown kind 20"},
		{"reserved info bits", rawBTF(le, []uint32{0, info(KindPtr, 0, false) | 1<<20, 0}, strs), "reserved info bits"},
		{"vlen huge", rawBTF(le, []uint32{0, info(KindStruct, 0xffff, false), 4}, strs), "type 1: struct with vlen 65535 needs 786432 bytes, 12 left"},
		{"vlen on ptr", rawBTF(le, []uint32{0, info(KindPtr, 3, false), 0}, strs), "ptr with vlen 3"},
		{"truncated type header", rawBTF(le, []uint32{0, info(KindPtr, 0, false)}, strs), "type 1: header truncated"},
		{"truncated int", rawBTF(le, []uint32{1, info(KindInt, 0, false), 4}, strs), "int with vlen 0 needs 16 bytes"},
		{"second type", rawBTF(le, append(slices.Clone(intType), 0, info(KindEnum, 2, false), 4, 1, 1), strs), "type 2: enum with vlen 2 needs 28 bytes, 20 left"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.raw)
			wantErr(t, err, ErrInvalid, tc.want)
		})
	}
}

func TestDecodeBad(t *testing.T) {
	le := binary.LittleEndian
	strs := "\x00int\x00m\x00"
	intType := []uint32{1, info(KindInt, 0, false), 4, 32}
	for _, tc := range []struct {
		name  string
		words []uint32
		want  string
	}{
		{"ptr target", []uint32{0, info(KindPtr, 0, false), 9}, "type 2: ptr: type id 9 out of range"},
		{"member type", []uint32{0, info(KindStruct, 4, false), 4, 5, 1, 0, 5, 1, 0, 5, 1, 0, 5, 99, 0}, "type 2: struct member 3: type id 99 out of range"},
		{"member name", []uint32{0, info(KindUnion, 1, false), 4, 77, 1, 0}, "type 2: union member 0: name: string offset 77 out of range"},
		{"enum name", []uint32{0, info(KindEnum, 1, false), 4, 88, 0}, "type 2: enum value 0: name: string offset 88"},
		{"array index", []uint32{0, info(KindArray, 0, false), 0, 1, 7, 3}, "type 2: array index: type id 7 out of range"},
		{"param type", []uint32{0, info(KindFuncProto, 1, false), 1, 0, 3}, "type 2: func_proto param 0: type id 3 out of range"},
		{"datasec var", []uint32{0, info(KindDatasec, 1, false), 4, 8, 0, 4}, "type 2: datasec var 0: type id 8 out of range"},
		{"int reserved", []uint32{0, info(KindInt, 0, false), 4, 0x100}, "int: reserved bits"},
		{"array size", []uint32{0, info(KindArray, 0, false), 4, 1, 1, 3}, "array with non-zero size/type 4"},
		{"decl_tag idx", []uint32{1, info(KindDeclTag, 0, false), 1, 0xfffffff0}, "component_idx -16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(rawBTF(le, append(slices.Clone(intType), tc.words...), strs))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = s.Type(2)
			wantErr(t, err, ErrInvalid, tc.want)
			if _, err := s.Marshal(le); err != nil {
				t.Errorf("Marshal of unedited spec: %v", err)
			}
		})
	}
}

func TestConcurrentReaders(t *testing.T) {
	s := sampleSpec(t, binary.LittleEndian)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := 0; id < s.NumTypes(); id++ {
				if _, err := s.Type(TypeID(id)); err != nil {
					t.Error(err)
				}
				s.FindByEssentialName("task_struct", KindStruct)
				s.FindByName("f")
			}
		}()
	}
	wg.Wait()
}

func TestNewSpec(t *testing.T) {
	s := NewSpec()
	if s.NumTypes() != 1 || s.FirstID() != 1 {
		t.Fatalf("NumTypes %d FirstID %d", s.NumTypes(), s.FirstID())
	}
	raw, err := s.Marshal(binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, emptyBTF) {
		t.Errorf("empty Marshal = %x", raw)
	}
}
