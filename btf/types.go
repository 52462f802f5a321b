// This file defines the decoded form of BTF types: Kind, Type and the
// records that hang off a Type (members, enum values, parameters, ...).

package btf

import (
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/internal/errs"
)

// Sentinel errors. Errors returned by this package wrap one of them with
// context, so test them with errors.Is.
var (
	// ErrNotFound is returned when a type id, name or section does not
	// exist. It is the ErrNotFound of package passes too.
	ErrNotFound error = &errs.NotFound
	// ErrInvalid is returned for malformed BTF or .BTF.ext data and for
	// types that cannot be encoded.
	ErrInvalid = errors.New("invalid BTF")
)

// TypeID identifies a type in a Spec. Id 0 is the implicit void type.
type TypeID uint32

// Kind is the kind of a BTF type, as encoded in bits 24-28 of btf_type.info.
type Kind uint8

// The BTF kinds, with their values from the kernel's uapi/linux/btf.h.
const (
	KindUnknown   Kind = 0 // void
	KindInt       Kind = 1
	KindPtr       Kind = 2
	KindArray     Kind = 3
	KindStruct    Kind = 4
	KindUnion     Kind = 5
	KindEnum      Kind = 6
	KindFwd       Kind = 7
	KindTypedef   Kind = 8
	KindVolatile  Kind = 9
	KindConst     Kind = 10
	KindRestrict  Kind = 11
	KindFunc      Kind = 12
	KindFuncProto Kind = 13
	KindVar       Kind = 14
	KindDatasec   Kind = 15
	KindFloat     Kind = 16
	KindDeclTag   Kind = 17
	KindTypeTag   Kind = 18
	KindEnum64    Kind = 19

	maxKind = KindEnum64
)

var kindNames = [...]string{
	KindUnknown:   "unknown",
	KindInt:       "int",
	KindPtr:       "ptr",
	KindArray:     "array",
	KindStruct:    "struct",
	KindUnion:     "union",
	KindEnum:      "enum",
	KindFwd:       "fwd",
	KindTypedef:   "typedef",
	KindVolatile:  "volatile",
	KindConst:     "const",
	KindRestrict:  "restrict",
	KindFunc:      "func",
	KindFuncProto: "func_proto",
	KindVar:       "var",
	KindDatasec:   "datasec",
	KindFloat:     "float",
	KindDeclTag:   "decl_tag",
	KindTypeTag:   "type_tag",
	KindEnum64:    "enum64",
}

// String returns the kind's lower-case name as libbpf spells it ("struct",
// "func_proto", ...), "unknown" for KindUnknown and "kind(N)" for values
// outside the known range.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Int encoding bits (Type.IntEncoding).
const (
	IntSigned = 1 << 0
	IntChar   = 1 << 1
	IntBool   = 1 << 2
)

// Linkage values for Func (Type.Linkage).
const (
	LinkageStatic = 0
	LinkageGlobal = 1
	LinkageExtern = 2
)

// Member is a field of a struct or union. BitOffset and BitfieldSize are
// already split out of the encoded offset word: when the parent type's
// KindFlag is set, the kernel stores bitfield_size<<24 | bit_offset.
type Member struct {
	Name         string
	Type         TypeID
	BitOffset    uint32
	BitfieldSize uint32
}

// EnumValue is one enumerator of an enum or enum64. Value holds the 64-bit
// pattern: for KindEnum it is the 32-bit value sign-extended when the enum's
// KindFlag (signed) is set and zero-extended otherwise; for KindEnum64 it is
// lo32 | hi32<<32 reinterpreted as int64 (use uint64(Value) for unsigned
// enums).
type EnumValue struct {
	Name  string
	Value int64
}

// Param is a parameter of a func_proto. A trailing Param with an empty Name
// and Type 0 marks a variadic function.
type Param struct {
	Name string
	Type TypeID
}

// VarSecinfo places a variable (or function, for .ksyms) in a datasec.
type VarSecinfo struct {
	Type   TypeID
	Offset uint32
	Size   uint32
}

// Array describes a KindArray type.
type Array struct {
	Type, IndexType TypeID
	Nelems          uint32
}

// Type is one decoded BTF type. Only the fields that belong to Kind are
// meaningful; the others are zero.
type Type struct {
	Kind Kind
	Name string
	// KindFlag is the kind_flag bit: bitfield member encoding for
	// struct/union, union for fwd, signedness for enum/enum64, attribute
	// tag for decl_tag/type_tag.
	KindFlag bool

	// Size in bytes of int, struct, union, enum, enum64, datasec, float.
	Size uint32
	// Type is the referenced type of ptr, typedef, volatile, const,
	// restrict, func (its func_proto), func_proto (return type), var,
	// decl_tag and type_tag.
	Type TypeID

	// Int encoding (IntSigned|IntChar|IntBool), bit offset and bit count.
	IntEncoding uint8
	IntOffset   uint8
	IntBits     uint8

	Members []Member     // struct, union
	Enums   []EnumValue  // enum, enum64
	Array   Array        // array
	Params  []Param      // func_proto
	Vars    []VarSecinfo // datasec

	// Linkage of a func (encoded in vlen) or var.
	Linkage uint32
	// ComponentIdx of a decl_tag: -1 for the type itself, otherwise the
	// member or parameter index.
	ComponentIdx int32
}

// Copy returns a deep copy of t, safe to modify.
func (t *Type) Copy() Type {
	c := *t
	c.Members = append([]Member(nil), t.Members...)
	c.Enums = append([]EnumValue(nil), t.Enums...)
	c.Params = append([]Param(nil), t.Params...)
	c.Vars = append([]VarSecinfo(nil), t.Vars...)
	return c
}

// vlen returns the number of trailing records t encodes with.
func (t *Type) vlen() int {
	switch t.Kind {
	case KindStruct, KindUnion:
		return len(t.Members)
	case KindEnum, KindEnum64:
		return len(t.Enums)
	case KindFuncProto:
		return len(t.Params)
	case KindDatasec:
		return len(t.Vars)
	case KindFunc:
		return int(t.Linkage)
	}
	return 0
}

// trailerSize returns the number of bytes that follow the 12-byte btf_type
// header for a type of kind k with the given vlen, and false for an unknown
// kind.
func trailerSize(k Kind, vlen uint32) (uint32, bool) {
	switch k {
	case KindInt, KindVar, KindDeclTag:
		return 4, true
	case KindPtr, KindFwd, KindTypedef, KindVolatile, KindConst, KindRestrict,
		KindFunc, KindFloat, KindTypeTag:
		return 0, true
	case KindArray:
		return 12, true
	case KindStruct, KindUnion, KindEnum64, KindDatasec:
		return 12 * vlen, true
	case KindEnum, KindFuncProto:
		return 8 * vlen, true
	}
	return 0, false
}

// hasSize reports whether kind k stores a size (rather than a type id) in
// the size/type word.
func hasSize(k Kind) bool {
	switch k {
	case KindInt, KindStruct, KindUnion, KindEnum, KindEnum64, KindDatasec, KindFloat:
		return true
	}
	return false
}

// hasTypeRef reports whether kind k stores a type id in the size/type word.
func hasTypeRef(k Kind) bool {
	switch k {
	case KindPtr, KindTypedef, KindVolatile, KindConst, KindRestrict, KindFunc,
		KindFuncProto, KindVar, KindDeclTag, KindTypeTag:
		return true
	}
	return false
}
