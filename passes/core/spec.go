// Package core computes and applies CO-RE (Compile Once, Run Everywhere)
// relocations, split the way libbpf's relo_core.c splits them: access specs
// are parsed against the local BTF (this file), matched against candidate
// types of the target BTF (match.go), turned into a local and a target value
// per relocation kind (calc.go) and finally patched into the instruction
// (patch.go).
//
// This file parses access strings ("0:1:2:0") into access specs, computes
// their bit offsets and formats them for messages.
package core

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/errs"
)

// Sentinel errors, wrapped by the errors of this package.
var (
	// ErrInvalidAccess is returned for a malformed access string or one
	// that does not fit the local type (index out of range, wrong kind).
	ErrInvalidAccess = errors.New("invalid CO-RE access spec")
	// ErrAmbiguous is returned when several candidate target types match
	// a relocation but give different values.
	ErrAmbiguous = errors.New("ambiguous CO-RE relocation")
	// ErrNotSupported is returned for relocations libbpf does not support
	// either: unknown kinds, anonymous local types, bitfields that cannot
	// be read with one load. It is the ErrNotSupported of packages passes,
	// direct and loaderprog too.
	ErrNotSupported error = &errs.NotSupported
	// errNotSupported is what this package wraps: ErrNotSupported saying
	// what is not supported.
	errNotSupported error = &errs.Sentinel{Msg: "CO-RE relocation not supported", Parent: &errs.NotSupported}
	// ErrBadInsn is returned by Patch when the instruction does not have
	// the form or the value the relocation expects.
	ErrBadInsn = errors.New("instruction does not match CO-RE relocation")
)

// MaxSpecLen is the longest access spec accepted (libbpf's
// BPF_CORE_SPEC_MAX_LEN), counting low-level steps.
const MaxSpecLen = 64

// maxBitOffset bounds bit offsets: libbpf keeps them in 32 bits.
const maxBitOffset = 1<<32 - 1

// Accessor is one semantically meaningful ("high-level") step of an access
// spec: the initial index into the root type, a named member, an array
// element or, for enum value relocations, an enumerator.
type Accessor struct {
	// TypeID is, for a named member, the struct or union holding it; for
	// an array element and the initial index, the element type; for an
	// enumerator, the enum. Modifiers and typedefs are skipped.
	TypeID btf.TypeID
	// Index is the member, element or enumerator index.
	Index int
	// Name is the member or enumerator name; "" for array indices.
	Name string
}

// Spec is an access spec resolved against one BTF: the local one, or a
// candidate target type after matching.
type Spec struct {
	// BTF is the BTF the spec refers to.
	BTF *btf.Spec
	// Root is the type the relocation starts from, as recorded (not
	// skipping typedefs).
	Root btf.TypeID
	// Kind is the relocation kind.
	Kind btf.COREKind
	// Raw is the low-level access: one index per step, anonymous members
	// included. Empty for type-based relocations.
	Raw []int
	// Access is the high-level access: the initial index, named members
	// and array indices (or the enumerator). Empty for type-based
	// relocations.
	Access []Accessor
	// BitOffset is the offset of the accessed field from the start of the
	// root object, in bits.
	BitOffset uint64
}

// kindClass groups the relocation kinds the way libbpf does.
type kindClass uint8

const (
	classUnknown kindClass = iota
	classField
	classType
	classEnumval
)

func classOf(k btf.COREKind) kindClass {
	switch k {
	case btf.FieldByteOffset, btf.FieldByteSize, btf.FieldExists, btf.FieldSigned,
		btf.FieldLShiftU64, btf.FieldRShiftU64:
		return classField
	case btf.TypeIDLocal, btf.TypeIDTarget, btf.TypeExists, btf.TypeSize, btf.TypeMatches:
		return classType
	case btf.EnumvalExists, btf.EnumvalValue:
		return classEnumval
	}
	return classUnknown
}

// isComposite reports whether k is struct or union.
func isComposite(k btf.Kind) bool { return k == btf.KindStruct || k == btf.KindUnion }

// isEnum reports whether k is enum or enum64.
func isEnum(k btf.Kind) bool { return k == btf.KindEnum || k == btf.KindEnum64 }

// parseAccess parses "0:1:2" into its indices. Indices are decimal,
// non-negative and below 2^31; empty strings and empty steps are errors.
func parseAccess(access string) ([]int, error) {
	if access == "" {
		return nil, fmt.Errorf("empty access string: %w", ErrInvalidAccess)
	}
	raw := make([]int, 0, strings.Count(access, ":")+1)
	for rest := access; ; {
		part, tail, more := strings.Cut(rest, ":")
		if len(raw) == MaxSpecLen {
			return nil, fmt.Errorf("access string %q: more than %d steps: %w", access, MaxSpecLen, ErrInvalidAccess)
		}
		if part == "" || part[0] < '0' || part[0] > '9' {
			return nil, fmt.Errorf("access string %q: bad index %q: %w", access, part, ErrInvalidAccess)
		}
		n, err := strconv.ParseUint(part, 10, 31)
		if err != nil {
			return nil, fmt.Errorf("access string %q: bad index %q: %w", access, part, ErrInvalidAccess)
		}
		raw = append(raw, int(n))
		if !more {
			return raw, nil
		}
		rest = tail
	}
}

// ParseSpec parses the access string of a relocation of kind kind starting
// at local type root into an access spec, the way libbpf's
// bpf_core_parse_spec does: type-based relocations take exactly "0";
// enum value relocations one enumerator index into an enum or enum64;
// field relocations a chain of array and member indices through structs,
// unions and arrays (anonymous members are kept in Raw but not in Access),
// where the initial index and array indices must be in bounds unless the
// array is flexible (a zero-length array that is the last member).
func ParseSpec(local *btf.Spec, root btf.TypeID, access string, kind btf.COREKind) (*Spec, error) {
	spec := &Spec{BTF: local, Root: root, Kind: kind}
	class := classOf(kind)
	if class == classUnknown {
		return nil, fmt.Errorf("relocation kind %s: %w", kind, errNotSupported)
	}
	if _, err := local.Type(root); err != nil {
		return nil, fmt.Errorf("local type %d: %w", root, err)
	}
	if class == classType {
		if access != "0" {
			return nil, fmt.Errorf("%s relocation with access string %q, want \"0\": %w", kind, access, ErrInvalidAccess)
		}
		return spec, nil
	}
	raw, err := parseAccess(access)
	if err != nil {
		return nil, err
	}
	spec.Raw = raw
	spec.Access = make([]Accessor, 0, len(raw))

	id, err := local.Skip(root)
	if err != nil {
		return nil, err
	}
	t, err := local.Type(id)
	if err != nil {
		return nil, err
	}
	first := Accessor{TypeID: id, Index: raw[0]}

	if class == classEnumval {
		if !isEnum(t.Kind) {
			return nil, fmt.Errorf("%s relocation on %s (id %d): not an enum: %w", kind, t.Kind, id, ErrInvalidAccess)
		}
		if len(raw) > 1 || raw[0] >= len(t.Enums) {
			return nil, fmt.Errorf("%s relocation: access %q out of range for %s %s with %d values: %w",
				kind, access, t.Kind, t.Name, len(t.Enums), ErrInvalidAccess)
		}
		first.Name = t.Enums[raw[0]].Name
		spec.Access = append(spec.Access, first)
		return spec, nil
	}

	sz, err := local.Sizeof(id)
	if err != nil {
		return nil, fmt.Errorf("access %q: %w", access, err)
	}
	spec.Access = append(spec.Access, first)
	if err := spec.addBits(uint64(raw[0]), uint64(sz)*8, 0); err != nil {
		return nil, fmt.Errorf("access %q: %w", access, err)
	}

	for i := 1; i < len(raw); i++ {
		if id, err = local.Skip(id); err != nil {
			return nil, err
		}
		if t, err = local.Type(id); err != nil {
			return nil, err
		}
		idx := raw[i]
		switch {
		case isComposite(t.Kind):
			if idx >= len(t.Members) {
				return nil, fmt.Errorf("access %q step %d: member %d of %s %s with %d members: %w",
					access, i, idx, t.Kind, nameOr(t.Name), len(t.Members), ErrInvalidAccess)
			}
			m := t.Members[idx]
			if err := spec.addBits(1, 0, uint64(m.BitOffset)); err != nil {
				return nil, fmt.Errorf("access %q: %w", access, err)
			}
			if m.Name != "" {
				spec.Access = append(spec.Access, Accessor{TypeID: id, Index: idx, Name: m.Name})
			}
			id = m.Type
		case t.Kind == btf.KindArray:
			elem, err := local.Skip(t.Array.Type)
			if err != nil {
				return nil, err
			}
			flex, err := isFlexArray(local, spec.Access[len(spec.Access)-1], t.Array.Nelems)
			if err != nil {
				return nil, err
			}
			if !flex && uint64(idx) >= uint64(t.Array.Nelems) {
				return nil, fmt.Errorf("access %q step %d: index %d of array with %d elements: %w",
					access, i, idx, t.Array.Nelems, ErrInvalidAccess)
			}
			spec.Access = append(spec.Access, Accessor{TypeID: elem, Index: idx})
			esz, err := local.Sizeof(elem)
			if err != nil {
				return nil, fmt.Errorf("access %q: %w", access, err)
			}
			if err := spec.addBits(uint64(idx), uint64(esz)*8, 0); err != nil {
				return nil, fmt.Errorf("access %q: %w", access, err)
			}
			id = elem
		default:
			return nil, fmt.Errorf("access %q step %d: type %d is a %s, not a struct, union or array: %w",
				access, i, id, t.Kind, ErrInvalidAccess)
		}
	}
	return spec, nil
}

// addBits adds n*unit+extra to the bit offset, refusing offsets that do
// not fit 32 bits.
func (s *Spec) addBits(n, unit, extra uint64) error {
	if unit != 0 && n > maxBitOffset/unit {
		return fmt.Errorf("bit offset overflows 32 bits: %w", ErrInvalidAccess)
	}
	v := s.BitOffset + n*unit + extra
	if v > maxBitOffset {
		return fmt.Errorf("bit offset %d overflows 32 bits: %w", v, ErrInvalidAccess)
	}
	s.BitOffset = v
	return nil
}

// isFlexArray reports whether an array with nelems elements, reached
// through accessor prev, is a flexible array member: zero-length and the
// last member of its struct (libbpf's is_flex_arr).
func isFlexArray(b *btf.Spec, prev Accessor, nelems uint32) (bool, error) {
	if prev.Name == "" || nelems > 0 {
		return false, nil
	}
	t, err := b.Type(prev.TypeID)
	if err != nil {
		return false, err
	}
	return prev.Index == len(t.Members)-1, nil
}

func nameOr(name string) string {
	if name == "" {
		return "<anon>"
	}
	return name
}

// typeString names a type for messages: "struct task_struct",
// "typedef u32", "struct <anon>".
func typeString(b *btf.Spec, id btf.TypeID) string {
	return b.TypeKind(id).String() + " " + nameOr(b.TypeName(id))
}

// String formats the spec in C-like syntax, as libbpf's
// bpf_core_format_spec does without the raw part: "struct
// task_struct.real_parent.tgid", "struct s[2].arr[3]", "enum e::VAL",
// "struct task_struct" for type-based relocations.
func (s *Spec) String() string {
	if s == nil || s.BTF == nil {
		return "<nil>"
	}
	return string(s.appendString(make([]byte, 0, 64)))
}

func (s *Spec) appendString(b []byte) []byte {
	b = append(b, s.BTF.TypeKind(s.Root).String()...)
	b = append(b, ' ')
	b = append(b, nameOr(s.BTF.TypeName(s.Root))...)
	switch classOf(s.Kind) {
	case classEnumval:
		if len(s.Access) > 0 {
			b = append(b, "::"...)
			b = append(b, s.Access[0].Name...)
		}
	case classField:
		for i, a := range s.Access {
			switch {
			case a.Name != "":
				b = append(b, '.')
				b = append(b, a.Name...)
			case i > 0 || a.Index > 0:
				b = append(b, '[')
				b = strconv.AppendInt(b, int64(a.Index), 10)
				b = append(b, ']')
			}
		}
	}
	return b
}

// Detail formats the spec with its raw access and bit offset for field
// relocations, like libbpf's debug output: "struct s.a[3] (0:1:2:3 @
// offset 20)"; other kinds format as String.
func (s *Spec) Detail() string {
	if s == nil || s.BTF == nil || classOf(s.Kind) != classField {
		return s.String()
	}
	return string(s.appendDetail(make([]byte, 0, 96)))
}

func (s *Spec) appendDetail(b []byte) []byte {
	b = s.appendString(b)
	if classOf(s.Kind) != classField {
		return b
	}
	b = append(b, " ("...)
	for i, r := range s.Raw {
		if i > 0 {
			b = append(b, ':')
		}
		b = strconv.AppendInt(b, int64(r), 10)
	}
	b = append(b, " @ offset "...)
	b = strconv.AppendUint(b, s.BitOffset/8, 10)
	if s.BitOffset%8 != 0 {
		b = append(b, '.')
		b = strconv.AppendUint(b, s.BitOffset%8, 10)
	}
	return append(b, ')')
}
