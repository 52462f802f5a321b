// This file holds helpers that follow type references: skipping
// qualifiers and typedefs, and computing sizes (libbpf's
// btf__resolve_size).

package btf

import (
	"fmt"
	"math"
)

// maxResolveDepth bounds every walk along type references, as in libbpf, so
// that reference loops in corrupt BTF end with an error.
const maxResolveDepth = 32

// PointerSize is the size Sizeof uses for pointers.
const PointerSize = 8

// Skip follows the chain of references starting at id while the type's kind
// is one of kinds and returns the first id of another kind. Without kinds it
// skips typedef, const, volatile, restrict and type_tag (modifiers and
// typedefs). Void (id 0) ends the walk. Chains longer than 32 (a loop) give an
// error wrapping ErrInvalid.
func (s *Spec) Skip(id TypeID, kinds ...Kind) (TypeID, error) {
	if len(kinds) == 0 {
		kinds = []Kind{KindTypedef, KindConst, KindVolatile, KindRestrict, KindTypeTag}
	}
	start := id
	for depth := 0; depth <= maxResolveDepth; depth++ {
		t, err := s.Type(id)
		if err != nil {
			return 0, err
		}
		skip := false
		for _, k := range kinds {
			if t.Kind == k && k != KindUnknown {
				skip = true
				break
			}
		}
		if !skip {
			return id, nil
		}
		id = t.Type
	}
	return 0, fmt.Errorf("btf: type %d: reference chain longer than %d: %w", start, maxResolveDepth, ErrInvalid)
}

// Sizeof returns the size in bytes of a value of type id: the Size of int,
// struct, union, enum, enum64, datasec and float; PointerSize for ptr;
// element size times Nelems for arrays (nested arrays multiply); typedef,
// modifiers and var follow their type. Void, func, func_proto, fwd and
// decl_tag have no size and give an error wrapping ErrInvalid, as do sizes
// above 4 GiB and reference chains longer than 32.
func (s *Spec) Sizeof(id TypeID) (uint32, error) {
	start := id
	n := uint64(1)
	for depth := 0; depth <= maxResolveDepth; depth++ {
		t, err := s.Type(id)
		if err != nil {
			return 0, err
		}
		var size uint64
		switch t.Kind {
		case KindInt, KindStruct, KindUnion, KindEnum, KindEnum64, KindDatasec, KindFloat:
			size = uint64(t.Size)
		case KindPtr:
			size = PointerSize
		case KindTypedef, KindVolatile, KindConst, KindRestrict, KindTypeTag, KindVar:
			id = t.Type
			continue
		case KindArray:
			n *= uint64(t.Array.Nelems)
			if n > math.MaxUint32 {
				return 0, fmt.Errorf("btf: sizeof type %d: array too large: %w", start, ErrInvalid)
			}
			id = t.Array.Type
			continue
		default:
			return 0, fmt.Errorf("btf: sizeof type %d: %s (id %d) has no size: %w", start, t.Kind, id, ErrInvalid)
		}
		if n*size > math.MaxUint32 {
			return 0, fmt.Errorf("btf: sizeof type %d: size exceeds 4 GiB: %w", start, ErrInvalid)
		}
		return uint32(n * size), nil
	}
	return 0, fmt.Errorf("btf: sizeof type %d: reference chain longer than %d: %w", start, maxResolveDepth, ErrInvalid)
}
