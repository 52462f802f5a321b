// This file holds test helpers: a small builder for BTF specs written in Go,
// and the fixed local/target pair the unit tests, the fuzz target and the
// examples relocate between.

package core

import (
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// builder adds types to a fresh Spec and remembers them by a test name.
type builder struct {
	s   *btf.Spec
	ids map[string]btf.TypeID
}

func newBuilder() *builder {
	return &builder{s: btf.NewSpec(), ids: map[string]btf.TypeID{}}
}

func (b *builder) add(key string, t btf.Type) btf.TypeID {
	id := b.s.Add(t)
	if key != "" {
		b.ids[key] = id
	}
	return id
}

func (b *builder) id(key string) btf.TypeID {
	id, ok := b.ids[key]
	if !ok {
		panic("test type " + key + " not defined")
	}
	return id
}

func (b *builder) int(key, name string, size uint32, signed bool) btf.TypeID {
	var enc uint8
	if signed {
		enc = btf.IntSigned
	}
	return b.add(key, btf.Type{Kind: btf.KindInt, Name: name, Size: size, IntEncoding: enc, IntBits: uint8(size * 8)})
}

func (b *builder) ptr(key string, to btf.TypeID) btf.TypeID {
	return b.add(key, btf.Type{Kind: btf.KindPtr, Type: to})
}

func (b *builder) array(key string, elem btf.TypeID, n uint32) btf.TypeID {
	return b.add(key, btf.Type{Kind: btf.KindArray, Array: btf.Array{Type: elem, IndexType: b.id("int"), Nelems: n}})
}

func (b *builder) composite(key string, kind btf.Kind, name string, size uint32, ms ...btf.Member) btf.TypeID {
	kflag := false
	for _, m := range ms {
		if m.BitfieldSize != 0 {
			kflag = true
		}
	}
	return b.add(key, btf.Type{Kind: kind, Name: name, Size: size, KindFlag: kflag, Members: ms})
}

func (b *builder) enum(key string, kind btf.Kind, name string, size uint32, signed bool, vs ...btf.EnumValue) btf.TypeID {
	return b.add(key, btf.Type{Kind: kind, Name: name, Size: size, KindFlag: signed, Enums: vs})
}

func m(name string, typ btf.TypeID, bitOff uint32) btf.Member {
	return btf.Member{Name: name, Type: typ, BitOffset: bitOff}
}

func bf(name string, typ btf.TypeID, bitOff, bits uint32) btf.Member {
	return btf.Member{Name: name, Type: typ, BitOffset: bitOff, BitfieldSize: bits}
}

// pair is a local ("the program's") and a target ("the kernel's") BTF.
type pair struct {
	local, target *builder
}

// testPair builds the local and target BTF of the unit tests. Every
// expected value in the tests is derived from the layouts written here.
func testPair() *pair {
	l, t := newBuilder(), newBuilder()

	// --- local ---
	l.int("int", "int", 4, true)
	l.int("uint", "unsigned int", 4, false)
	l.int("ulong", "unsigned long", 8, false)
	l.int("long", "long", 8, true)
	l.int("char", "char", 1, false)
	l.int("u8", "unsigned char", 1, false)
	l.composite("inner", btf.KindStruct, "inner", 8, m("x", l.id("int"), 0), m("y", l.id("int"), 32))
	l.ptr("pinner", l.id("inner"))
	l.enum("color", btf.KindEnum, "color", 4, false,
		btf.EnumValue{Name: "RED", Value: 0}, btf.EnumValue{Name: "GREEN", Value: 1},
		btf.EnumValue{Name: "BLUE", Value: 2}, btf.EnumValue{Name: "YELLOW", Value: 3})
	l.composite("anonU", btf.KindUnion, "", 4, m("d", l.id("int"), 0), m("e", l.id("char"), 0))
	l.composite("anonS", btf.KindStruct, "", 8, m("c", l.id("int"), 0), m("", l.id("anonU"), 32))
	l.array("arr4", l.id("int"), 4)
	l.array("flex", l.id("int"), 0)
	l.add("cint", btf.Type{Kind: btf.KindConst, Type: l.id("int")})
	l.add("tdint", btf.Type{Kind: btf.KindTypedef, Name: "s32", Type: l.id("cint")})
	l.composite("s", btf.KindStruct, "s", 80,
		m("a", l.id("tdint"), 0),        // 0
		m("b", l.id("ulong"), 64),       // 1
		m("", l.id("anonS"), 128),       // 2
		m("arr", l.id("arr4"), 192),     // 3
		m("in", l.id("inner"), 320),     // 4
		bf("bf1", l.id("uint"), 384, 3), // 5
		bf("bf2", l.id("int"), 387, 5),  // 6
		bf("bf3", l.id("u8"), 392, 6),   // 7
		m("p", l.id("pinner"), 448),     // 8
		m("col", l.id("color"), 512),    // 9
		m("sl", l.id("long"), 576),      // 10
		m("flex", l.id("flex"), 640),    // 11
	)
	l.add("td_s", btf.Type{Kind: btf.KindTypedef, Name: "s_t", Type: l.id("s")})
	// Flavors: task___old matches the target's task.
	l.composite("task_old", btf.KindStruct, "task___old", 8, m("pid", l.id("int"), 0), m("tgid_old", l.id("int"), 32))
	// Only local.
	l.composite("nothere", btf.KindStruct, "nothere", 4, m("x", l.id("int"), 0))
	// Exists in both, but "x" changed type: type_matches fails.
	l.composite("q", btf.KindStruct, "q", 4, m("x", l.id("int"), 0))
	// Two target flavors: ambiguous, and agreeing.
	l.composite("amb", btf.KindStruct, "amb", 4, m("x", l.id("int"), 0))
	l.composite("agree", btf.KindStruct, "agree", 4, m("x", l.id("int"), 0))
	l.enum("flags", btf.KindEnum, "flags", 4, false, btf.EnumValue{Name: "F_A", Value: 1})
	l.enum("neg", btf.KindEnum, "neg", 4, false, btf.EnumValue{Name: "N_BIG", Value: 0x80000000})
	l.composite("anon_root", btf.KindStruct, "", 4, m("x", l.id("int"), 0))

	// --- target ---
	t.int("int", "int", 4, true)
	t.int("uint", "unsigned int", 4, false)
	t.int("long", "long", 8, true)
	t.int("char", "char", 1, false)
	t.int("u8", "unsigned char", 1, false)
	t.composite("inner", btf.KindStruct, "inner", 8, m("y", t.id("int"), 0), m("x", t.id("int"), 32))
	t.ptr("pinner", t.id("inner"))
	t.enum("color", btf.KindEnum, "color", 4, true,
		btf.EnumValue{Name: "BLUE", Value: -1}, btf.EnumValue{Name: "GREEN", Value: 5},
		btf.EnumValue{Name: "RED", Value: 0})
	t.composite("anonS", btf.KindStruct, "", 8, m("e", t.id("char"), 0), m("c", t.id("int"), 32))
	t.composite("anonU", btf.KindUnion, "", 4, m("d", t.id("int"), 0))
	t.array("arr2", t.id("int"), 2)
	t.array("flex", t.id("int"), 0)
	t.composite("s", btf.KindStruct, "s", 88,
		m("pad", t.id("long"), 0),       // 0
		m("a", t.id("int"), 64),         // 1
		m("b", t.id("uint"), 96),        // 2: 8 -> 4 bytes, unsigned
		m("", t.id("anonS"), 128),       // 3
		m("", t.id("anonU"), 192),       // 4
		m("arr", t.id("arr2"), 256),     // 5
		m("in", t.id("inner"), 320),     // 6
		bf("bf2", t.id("int"), 420, 5),  // 7
		bf("bf1", t.id("uint"), 448, 3), // 8
		bf("bf3", t.id("u8"), 460, 6),   // 9
		m("p", t.id("pinner"), 512),     // 10
		m("col", t.id("color"), 576),    // 11
		m("sl", t.id("int"), 608),       // 12: long -> int: signed, size change not allowed
		m("flex", t.id("flex"), 672),    // 13
	)
	t.add("td_s", btf.Type{Kind: btf.KindTypedef, Name: "s_t", Type: t.id("s")})
	t.composite("task", btf.KindStruct, "task", 8, m("tgid", t.id("int"), 0), m("pid", t.id("int"), 32))
	t.composite("q", btf.KindStruct, "q", 8, m("x", t.id("long"), 0))
	t.composite("amb1", btf.KindStruct, "amb", 8, m("x", t.id("int"), 0))
	t.composite("amb2", btf.KindStruct, "amb___2", 8, m("x", t.id("int"), 32))
	t.composite("agree1", btf.KindStruct, "agree", 4, m("x", t.id("int"), 0))
	t.composite("agree2", btf.KindStruct, "agree___v2", 4, m("x", t.id("int"), 0))
	t.enum("flags", btf.KindEnum64, "flags", 8, false, btf.EnumValue{Name: "F_A", Value: 1 << 40})
	t.enum("neg", btf.KindEnum, "neg", 4, false, btf.EnumValue{Name: "N_BIG", Value: 0x80000001})
	return &pair{local: l, target: t}
}

// newRelo returns a pending relocation record.
func newRelo(id btf.TypeID, access string, kind btf.COREKind) *ir.CORERelo {
	return &ir.CORERelo{TypeID: id, Access: access, Kind: kind}
}

// calc computes one relocation of the test pair.
func (p *pair) calc(t *testing.T, local string, access string, kind btf.COREKind) (Result, error) {
	t.Helper()
	relo := &ir.CORERelo{TypeID: p.local.id(local), Access: access, Kind: kind}
	return Calculate(p.local.s, p.target.s, relo, nil)
}
