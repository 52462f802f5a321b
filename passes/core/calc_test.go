// This file tests Calculate and ParseSpec on the Go-built BTF pair of
// helpers_test.go: every relocation kind, bitfields, anonymous members,
// arrays, flavors, enums, missing fields and types, ambiguity and malformed
// access strings.

package core

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
)

func TestCalculate(t *testing.T) {
	p := testPair()
	const (
		off   = btf.FieldByteOffset
		size  = btf.FieldByteSize
		exist = btf.FieldExists
		sign  = btf.FieldSigned
		lsh   = btf.FieldLShiftU64
		rsh   = btf.FieldRShiftU64
	)
	type want struct {
		local, target uint64
		poison        bool
		skipValid     bool
		lsz, tsz      uint32
		badSize       bool
	}
	tests := []struct {
		name   string
		typ    string
		access string
		kind   btf.COREKind
		want   want
	}{
		{"typedef'd const int", "s", "0:0", off, want{local: 0, target: 8, lsz: 4, tsz: 4}},
		{"unsigned shrinks", "s", "0:1", off, want{local: 8, target: 12, lsz: 8, tsz: 4}},
		{"byte size", "s", "0:1", size, want{local: 8, target: 4}},
		{"anonymous struct member", "s", "0:2:0", off, want{local: 16, target: 20, lsz: 4, tsz: 4}},
		{"anonymous union in anonymous struct", "s", "0:2:1:0", off, want{local: 20, target: 24, lsz: 4, tsz: 4}},
		{"char in anonymous union", "s", "0:2:1:1", off, want{local: 20, target: 16, lsz: 1, tsz: 1}},
		{"array element", "s", "0:3:1", off, want{local: 28, target: 36, lsz: 4, tsz: 4}},
		{"array element size", "s", "0:3:1", size, want{local: 4, target: 4}},
		{"array out of target bounds", "s", "0:3:3", off, want{poison: true}},
		{"array out of target bounds exists", "s", "0:3:3", exist, want{local: 1, target: 0}},
		{"nested struct", "s", "0:4:1", off, want{local: 44, target: 40, lsz: 4, tsz: 4}},
		{"field exists", "s", "0:4:1", exist, want{local: 1, target: 1}},
		{"pointer", "s", "0:8", off, want{local: 56, target: 64, lsz: 8, tsz: 8}},
		{"enum signedness", "s", "0:9", sign, want{local: 0, target: 1}},
		{"int signedness", "s", "0:0", sign, want{local: 1, target: 1}},
		{"signed shrinks", "s", "0:10", off, want{local: 72, target: 76, lsz: 8, tsz: 4, badSize: true}},
		{"flexible array", "s", "0:11:5", off, want{local: 100, target: 104, lsz: 4, tsz: 4}},
		{"root index", "s", "1:0", off, want{local: 80, target: 96, lsz: 4, tsz: 4}},
		{"typedef root", "td_s", "0:1", off, want{local: 8, target: 12, lsz: 8, tsz: 4}},

		// Bitfields: unsigned, signed, and one that needs a wider load.
		{"bf1 offset", "s", "0:5", off, want{local: 48, target: 56, skipValid: true}},
		{"bf1 size", "s", "0:5", size, want{local: 4, target: 4, skipValid: true}},
		{"bf1 lshift", "s", "0:5", lsh, want{local: 61, target: 61, skipValid: true}},
		{"bf1 rshift", "s", "0:5", rsh, want{local: 61, target: 61}},
		{"bf1 signed", "s", "0:5", sign, want{local: 0, target: 0}},
		{"bf2 offset", "s", "0:6", off, want{local: 48, target: 52, skipValid: true}},
		{"bf2 lshift", "s", "0:6", lsh, want{local: 56, target: 55, skipValid: true}},
		{"bf2 rshift", "s", "0:6", rsh, want{local: 59, target: 59}},
		{"bf2 signed", "s", "0:6", sign, want{local: 1, target: 1}},
		{"bf3 offset", "s", "0:7", off, want{local: 49, target: 56, skipValid: true}},
		{"bf3 size", "s", "0:7", size, want{local: 1, target: 4, skipValid: true}},
		{"bf3 lshift", "s", "0:7", lsh, want{local: 58, target: 46, skipValid: true}},
		{"bf3 rshift", "s", "0:7", rsh, want{local: 58, target: 58}},

		// Type-based.
		{"type exists", "s", "0", btf.TypeExists, want{local: 1, target: 1}},
		{"type size", "s", "0", btf.TypeSize, want{local: 80, target: 88}},
		{"type size through typedef", "td_s", "0", btf.TypeSize, want{local: 80, target: 88}},
		{"type matches", "inner", "0", btf.TypeMatches, want{local: 1, target: 1}},
		{"type matches fails, exists holds", "q", "0", btf.TypeMatches, want{local: 1, target: 0}},
		{"type exists, changed", "q", "0", btf.TypeExists, want{local: 1, target: 1}},

		// Enums.
		{"enum value", "color", "1", btf.EnumvalValue, want{local: 1, target: 5}},
		{"signed enum value", "color", "2", btf.EnumvalValue, want{local: 2, target: 0xffffffffffffffff}},
		{"enum value exists", "color", "0", btf.EnumvalExists, want{local: 1, target: 1}},
		{"enum value missing", "color", "3", btf.EnumvalExists, want{local: 1, target: 0}},
		{"enum value missing poisons", "color", "3", btf.EnumvalValue, want{poison: true}},
		{"enum to enum64", "flags", "0", btf.EnumvalValue, want{local: 1, target: 1 << 40}},
		{"32-bit enum values sign-extend", "neg", "0", btf.EnumvalValue, want{local: 0xffffffff80000000, target: 0xffffffff80000001}},

		// Flavors.
		{"flavor", "task_old", "0:0", off, want{local: 0, target: 4, lsz: 4, tsz: 4}},
		{"flavor missing field", "task_old", "0:1", exist, want{local: 1, target: 0}},
		{"flavor missing field poisons", "task_old", "0:1", off, want{poison: true}},
		{"flavors agreeing", "agree", "0:0", off, want{local: 0, target: 0, lsz: 4, tsz: 4}},

		// Missing type.
		{"missing type offset", "nothere", "0:0", off, want{poison: true}},
		{"missing type field exists", "nothere", "0:0", exist, want{local: 1, target: 0}},
		{"missing type exists", "nothere", "0", btf.TypeExists, want{local: 1, target: 0}},
		{"missing type matches", "nothere", "0", btf.TypeMatches, want{local: 1, target: 0}},
		{"missing type size", "nothere", "0", btf.TypeSize, want{local: 4, target: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.calc(t, tt.typ, tt.access, tt.kind)
			if err != nil {
				t.Fatalf("Calculate: %v", err)
			}
			if r.Poison != tt.want.poison {
				t.Fatalf("Poison = %v, want %v (note %q)", r.Poison, tt.want.poison, r.Note)
			}
			if r.Poison {
				if !strings.Contains(r.Note, "CO-RE relocation "+tt.kind.String()) || !strings.Contains(r.Note, "no candidate in target BTF") {
					t.Errorf("poison note %q", r.Note)
				}
				return
			}
			got := want{local: r.Local, target: r.Target, skipValid: r.SkipValidation,
				lsz: r.LocalSize, tsz: r.TargetSize, badSize: r.BadSize}
			if got != tt.want {
				t.Errorf("got %+v, want %+v (note %q)", got, tt.want, r.Note)
			}
		})
	}
}

func TestCalculateTypeIDs(t *testing.T) {
	p := testPair()
	r, err := p.calc(t, "s", "0", btf.TypeIDTarget)
	if err != nil {
		t.Fatal(err)
	}
	if r.Local != uint64(p.local.id("s")) || r.Target != uint64(p.target.id("s")) || !r.SkipValidation {
		t.Errorf("target type id: %+v, want %d -> %d unvalidated", r, p.local.id("s"), p.target.id("s"))
	}
	if r.TargetType != p.target.id("s") {
		t.Errorf("TargetType %d, want %d", r.TargetType, p.target.id("s"))
	}
	r, err = p.calc(t, "inner", "0", btf.TypeIDLocal)
	if err != nil {
		t.Fatal(err)
	}
	if r.Local != uint64(p.local.id("inner")) || r.Target != r.Local {
		t.Errorf("local type id: %+v", r)
	}
	r, err = p.calc(t, "nothere", "0", btf.TypeIDTarget)
	if err != nil || r.Poison || r.Target != 0 {
		t.Errorf("missing target type id: %+v, %v; want 0, not poisoned", r, err)
	}
}

func TestCalculateErrors(t *testing.T) {
	p := testPair()
	tests := []struct {
		name   string
		typ    string
		access string
		kind   btf.COREKind
		err    error
	}{
		{"ambiguous flavors", "amb", "0:0", btf.FieldByteOffset, ErrAmbiguous},
		{"anonymous local type", "anon_root", "0:0", btf.FieldByteOffset, ErrNotSupported},
		{"empty", "s", "", btf.FieldByteOffset, ErrInvalidAccess},
		{"colon", "s", ":", btf.FieldByteOffset, ErrInvalidAccess},
		{"trailing colon", "s", "0:", btf.FieldByteOffset, ErrInvalidAccess},
		{"double colon", "s", "0::1", btf.FieldByteOffset, ErrInvalidAccess},
		{"negative", "s", "0:-1", btf.FieldByteOffset, ErrInvalidAccess},
		{"letters", "s", "0:a", btf.FieldByteOffset, ErrInvalidAccess},
		{"plus", "s", "+0", btf.FieldByteOffset, ErrInvalidAccess},
		{"huge", "s", "0:99999999999", btf.FieldByteOffset, ErrInvalidAccess},
		{"member out of range", "s", "0:12", btf.FieldByteOffset, ErrInvalidAccess},
		{"array out of local bounds", "s", "0:3:4", btf.FieldByteOffset, ErrInvalidAccess},
		{"into an int", "s", "0:0:0", btf.FieldByteOffset, ErrInvalidAccess},
		{"type relo access", "s", "1", btf.TypeSize, ErrInvalidAccess},
		{"enum on struct", "s", "0", btf.EnumvalValue, ErrInvalidAccess},
		{"enum index", "color", "4", btf.EnumvalValue, ErrInvalidAccess},
		{"enum two steps", "color", "0:0", btf.EnumvalExists, ErrInvalidAccess},
		{"unknown kind", "s", "0:0", btf.COREKind(13), ErrNotSupported},
		{"lshift of array element", "s", "0:3:1", btf.FieldLShiftU64, ErrNotSupported},
		{"too long", "s", strings.Repeat("0:", 64) + "0", btf.FieldByteOffset, ErrInvalidAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.calc(t, tt.typ, tt.access, tt.kind)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Calculate = %+v, %v; want error %v", r, err, tt.err)
			}
		})
	}
}

func TestSpecString(t *testing.T) {
	p := testPair()
	tests := []struct {
		typ, access string
		kind        btf.COREKind
		str, detail string
	}{
		{"s", "0:2:1:0", btf.FieldByteOffset, "struct s.d", "struct s.d (0:2:1:0 @ offset 20)"},
		{"s", "0:3:2", btf.FieldByteOffset, "struct s.arr[2]", "struct s.arr[2] (0:3:2 @ offset 32)"},
		{"s", "1:4:1", btf.FieldByteOffset, "struct s[1].in.y", "struct s[1].in.y (1:4:1 @ offset 124)"},
		{"s", "0:6", btf.FieldLShiftU64, "struct s.bf2", "struct s.bf2 (0:6 @ offset 48.3)"},
		{"td_s", "0", btf.TypeSize, "typedef s_t", "typedef s_t"},
		{"color", "2", btf.EnumvalValue, "enum color::BLUE", "enum color::BLUE"},
	}
	for _, tt := range tests {
		s, err := ParseSpec(p.local.s, p.local.id(tt.typ), tt.access, tt.kind)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.typ, tt.access, err)
		}
		if s.String() != tt.str || s.Detail() != tt.detail {
			t.Errorf("%s %s: String %q Detail %q, want %q, %q", tt.typ, tt.access, s.String(), s.Detail(), tt.str, tt.detail)
		}
	}
}

func TestCandCachePrunes(t *testing.T) {
	p := testPair()
	cache := NewCandCache(nil)
	relo := func(access string, kind btf.COREKind) (Result, error) {
		return Calculate(p.local.s, p.target.s, newRelo(p.local.id("agree"), access, kind), cache)
	}
	if _, err := relo("0:0", btf.FieldByteOffset); err != nil {
		t.Fatal(err)
	}
	if n := len(cache.cands[p.local.id("agree")]); n != 2 {
		t.Fatalf("%d candidates cached, want both flavors", n)
	}
}

func TestModuleCandidates(t *testing.T) {
	p := testPair()
	mod := newBuilder()
	mod.int("int", "int", 4, true)
	mod.composite("nothere", btf.KindStruct, "nothere", 16, m("x", mod.id("int"), 64))
	calls := 0
	cache := NewCandCache(func() (map[string]*btf.Spec, error) {
		calls++
		return map[string]*btf.Spec{"mod_a": mod.s}, nil
	})
	r, err := Calculate(p.local.s, p.target.s, newRelo(p.local.id("nothere"), "0:0", btf.FieldByteOffset), cache)
	if err != nil {
		t.Fatal(err)
	}
	if r.Poison || r.Target != 8 || r.Module != "mod_a" {
		t.Errorf("module candidate: %+v", r)
	}
	// Types vmlinux has never look at modules.
	if _, err := Calculate(p.local.s, p.target.s, newRelo(p.local.id("s"), "0:0", btf.FieldByteOffset), cache); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("module loader called %d times, want 1", calls)
	}
}
