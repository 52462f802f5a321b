// This file is libbpf's bpf_core_types_are_compat, the loose type
// relation between a BPF object's BTF and the kernel's that CO-RE type
// relocations (type id, exists, size), typed ksyms and kfunc prototypes
// are checked with. It lives here, beside the types, so that the passes
// and the direct backend (which resolves kfuncs left to load time)
// share it.

package btf

import "fmt"

// compatMaxLevel bounds walks along type references (libbpf's depth of
// 32), compatMaxRecursion the nesting of function prototypes.
const (
	compatMaxLevel     = 32
	compatMaxRecursion = 256
)

// compatPair is a pair of types the relation has entered, with the answer
// remembered once known; a pair entered again while still being checked
// (a cycle) is assumed to hold, which keeps the walk over cyclic, corrupt
// BTF finite and changes nothing for acyclic types.
type compatPair struct{ local, targ TypeID }

// Remembered answers of the relation.
const (
	compatHolds  = 1 // holds, or being checked
	compatFailed = 2
)

// TypesAreCompat reports whether type lid of local and type tid of target
// are compatible as libbpf's bpf_core_types_are_compat defines it: after
// skipping modifiers and typedefs the kinds must be compatible (equal, or
// both enums); structs, unions, enums, fwds and void always are; ints
// unless old-style bitfield ints; pointers and arrays if their targets
// are; function prototypes if they have as many parameters and all
// parameter and return types are.
func TypesAreCompat(local *Spec, lid TypeID, target *Spec, tid TypeID) (bool, error) {
	return typesAreCompat(local, lid, target, tid, compatMaxRecursion, map[compatPair]uint8{})
}

// compatKinds reports whether two kinds are compatible: equal, or enums of
// either width.
func compatKinds(a, b Kind) bool {
	isEnum := func(k Kind) bool { return k == KindEnum || k == KindEnum64 }
	return a == b || (isEnum(a) && isEnum(b))
}

// skippedType returns the type at id with modifiers and typedefs skipped.
func skippedType(s *Spec, id TypeID) (*Type, error) {
	id, err := s.Skip(id)
	if err != nil {
		return nil, err
	}
	return s.Type(id)
}

func typesAreCompat(local *Spec, lid TypeID, targ *Spec, tid TypeID, level int, seen map[compatPair]uint8) (bool, error) {
	if !compatKinds(local.TypeKind(lid), targ.TypeKind(tid)) {
		return false, nil
	}
	for range compatMaxLevel {
		lt, err := skippedType(local, lid)
		if err != nil {
			return false, err
		}
		tt, err := skippedType(targ, tid)
		if err != nil {
			return false, err
		}
		if !compatKinds(lt.Kind, tt.Kind) {
			return false, nil
		}
		switch lt.Kind {
		case KindUnknown, KindStruct, KindUnion, KindEnum, KindEnum64, KindFwd:
			return true, nil
		case KindInt:
			return lt.IntOffset == 0 && tt.IntOffset == 0, nil
		case KindPtr:
			lid, tid = lt.Type, tt.Type
		case KindArray:
			lid, tid = lt.Array.Type, tt.Array.Type
		case KindFuncProto:
			if len(lt.Params) != len(tt.Params) {
				return false, nil
			}
			for i := range lt.Params {
				if level <= 0 {
					return false, fmt.Errorf("function prototypes nest deeper than %d: %w", compatMaxRecursion, ErrInvalid)
				}
				pl, err := local.Skip(lt.Params[i].Type)
				if err != nil {
					return false, err
				}
				pt, err := targ.Skip(tt.Params[i].Type)
				if err != nil {
					return false, err
				}
				k := compatPair{pl, pt}
				if v, ok := seen[k]; ok {
					if v == compatFailed {
						return false, nil
					}
					continue
				}
				seen[k] = compatHolds
				ok, err := typesAreCompat(local, pl, targ, pt, level-1, seen)
				if err == nil && !ok {
					seen[k] = compatFailed
				}
				if err != nil || !ok {
					return false, err
				}
			}
			lid, tid = lt.Type, tt.Type
		default:
			return false, nil
		}
	}
	return false, fmt.Errorf("type references nest deeper than %d: %w", compatMaxLevel, ErrInvalid)
}
