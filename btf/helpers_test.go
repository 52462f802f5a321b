// This file holds test helpers: a raw BTF blob builder for hand-made (and
// deliberately broken) inputs, and a sample Spec covering every kind.

package btf

import (
	"encoding/binary"
	"errors"
	"golang.org/x/sys/unix"
	"os"
	"strings"
	"testing"
)

//go:generate sh -c "cd testdata && clang-19 -g -O2 -target bpf -mcpu=v3 -fdebug-compilation-dir=. -c minimal.c -o minimal.o && llvm-strip-19 -g minimal.o"

// rawBTF assembles a blob from type words and a string table.
func rawBTF(order binary.ByteOrder, words []uint32, strs string) []byte {
	app := appender(order)
	var b []byte
	b = app.AppendUint16(b, btfMagic)
	b = append(b, 1, 0)
	b = app.AppendUint32(b, headerLen)
	b = app.AppendUint32(b, 0)
	b = app.AppendUint32(b, uint32(4*len(words)))
	b = app.AppendUint32(b, uint32(4*len(words)))
	b = app.AppendUint32(b, uint32(len(strs)))
	for _, w := range words {
		b = app.AppendUint32(b, w)
	}
	return append(b, strs...)
}

// info encodes btf_type.info.
func info(k Kind, vlen int, kflag bool) uint32 {
	i := uint32(k)<<24 | uint32(vlen)
	if kflag {
		i |= 1 << 31
	}
	return i
}

// strOff returns the offset of s in a NUL-separated table built by the test.
func strOff(table, s string) uint32 {
	i := strings.Index(table, "\x00"+s+"\x00")
	if i < 0 {
		panic("string " + s + " not in table")
	}
	return uint32(i + 1)
}

// sampleTypes returns types covering every kind, in id order from 1.
func sampleTypes() []Type {
	return []Type{
		/* 1 */ {Kind: KindInt, Name: "int", Size: 4, IntEncoding: IntSigned, IntBits: 32},
		/* 2 */ {Kind: KindPtr, Type: 3},
		/* 3 */ {Kind: KindStruct, Name: "task_struct", Size: 24, Members: []Member{
			{Name: "pid", Type: 1, BitOffset: 0},
			{Name: "parent", Type: 2, BitOffset: 64},
			{Name: "arr", Type: 4, BitOffset: 128},
		}},
		/* 4 */ {Kind: KindArray, Array: Array{Type: 1, IndexType: 1, Nelems: 2}},
		/* 5 */ {Kind: KindUnion, Name: "u", KindFlag: true, Size: 4, Members: []Member{
			{Name: "a", Type: 1, BitOffset: 3, BitfieldSize: 5},
			{Name: "", Type: 1},
		}},
		/* 6 */ {Kind: KindEnum, Name: "e", KindFlag: true, Size: 4, Enums: []EnumValue{{"A", 1}, {"B", -2}}},
		/* 7 */ {Kind: KindFwd, Name: "fwd_s"},
		/* 8 */ {Kind: KindTypedef, Name: "t_int", Type: 1},
		/* 9 */ {Kind: KindVolatile, Type: 8},
		/* 10 */ {Kind: KindConst, Type: 9},
		/* 11 */ {Kind: KindRestrict, Type: 2},
		/* 12 */ {Kind: KindFuncProto, Type: 1, Params: []Param{{"x", 1}, {"", 0}}},
		/* 13 */ {Kind: KindFunc, Name: "f", Type: 12, Linkage: LinkageGlobal},
		/* 14 */ {Kind: KindVar, Name: "v", Type: 1, Linkage: 1},
		/* 15 */ {Kind: KindDatasec, Name: ".data", Size: 4, Vars: []VarSecinfo{{Type: 14, Offset: 0, Size: 4}}},
		/* 16 */ {Kind: KindFloat, Name: "double", Size: 8},
		/* 17 */ {Kind: KindDeclTag, Name: "tag", Type: 3, ComponentIdx: 1},
		/* 18 */ {Kind: KindTypeTag, Name: "user", KindFlag: false, Type: 1},
		/* 19 */ {Kind: KindEnum64, Name: "e64", Size: 8, Enums: []EnumValue{{"BIG", -1}, {"SMALL", 7}}},
		/* 20 */ {Kind: KindEnum, Name: "ue", Size: 4, Enums: []EnumValue{{"MAXU", 0xffffffff}}},
		/* 21 */ {Kind: KindStruct, Name: "task_struct___v2", Size: 8},
		/* 22 */ {Kind: KindEnum64, Name: "e___flavor", Size: 8},
		/* 23 */ {Kind: KindDeclTag, Name: "whole", Type: 13, ComponentIdx: -1},
	}
}

// sampleSpec builds a Spec holding sampleTypes via Add and a Marshal/Parse
// round trip in the given order.
func sampleSpec(t testing.TB, order binary.ByteOrder) *Spec {
	t.Helper()
	s := NewSpec()
	for _, typ := range sampleTypes() {
		s.Add(typ)
	}
	raw, err := s.Marshal(order)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr checks that err wraps target and mentions substr.
func wantErr(t *testing.T, err, target error, substr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v containing %q", target, substr)
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %q does not wrap %v", err, target)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Fatalf("error %q does not contain %q", err, substr)
	}
}

func writeFile(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o644)
}

// unmapForBench releases a mapping made by sysfile.Map in benchmarks
// (outside benchmarks mappings live for the life of the process).
func unmapForBench(b []byte) {
	_ = unix.Munmap(b) // fails harmlessly for heap memory
}
