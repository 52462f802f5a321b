// This file finds and matches candidate target types: the candidate
// search by essential name (vmlinux first, then module BTF, like libbpf's
// bpf_core_find_cands), the cache of candidates per local type, access
// spec matching (bpf_core_spec_match, bpf_core_match_member,
// bpf_core_fields_are_compat) and the two type relations of type-based
// relocations (bpf_core_types_are_compat, bpf_core_types_match).

package core

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/bpfc/bpfc/btf"
)

// maxLevel bounds walks along type references (libbpf's depth of 32).
const maxLevel = 32

// maxRecursion bounds the recursion of the type relations through
// function prototype parameters and struct members. libbpf lets it run
// (INT_MAX); a bound keeps cyclic, corrupt BTF from exhausting the stack.
const maxRecursion = 256

// visit is a pair of types a recursive type relation has entered. The
// relation's answer for a pair is remembered once known; a pair entered
// again while still being checked (a cycle) is assumed to hold, which
// keeps the walk over cyclic, corrupt BTF finite and changes nothing for
// acyclic types.
type visit struct {
	local, targ btf.TypeID
	behindPtr   bool
}

// Remembered answers in the seen maps of the type relations.
const (
	visitHolds  = 1 // holds, or being checked
	visitFailed = 2
)

// Candidate is a target type that may correspond to a local type.
type Candidate struct {
	// BTF is the target BTF holding the type: vmlinux or a module's.
	BTF *btf.Spec
	// ID is the type id in BTF.
	ID btf.TypeID
	// Module is the kernel module the type belongs to, "" for vmlinux.
	Module string
}

// ModuleLoader returns the BTF of the target's kernel modules by name. It
// is called at most once per CandCache, and only when some local type has
// no candidate in vmlinux.
type ModuleLoader func() (map[string]*btf.Spec, error)

type module struct {
	name string
	spec *btf.Spec
}

// CandCache remembers the candidates of each local type id, so that the
// relocations of one type share one lookup, and shrinks each list to the
// candidates that matched, as libbpf's candidate cache does. A CandCache
// belongs to one local BTF and one target: do not share it between
// objects or targets. It is safe for use by one goroutine at a time.
type CandCache struct {
	loadModules ModuleLoader
	modOnce     sync.Once
	modules     []module
	modErr      error
	cands       map[btf.TypeID][]Candidate
}

// NewCandCache returns an empty cache. modules, which may be nil, gives
// the module BTFs searched for types vmlinux does not have.
func NewCandCache(modules ModuleLoader) *CandCache {
	return &CandCache{loadModules: modules, cands: make(map[btf.TypeID][]Candidate)}
}

// candidates returns the candidates in target (and, if target has none,
// in the module BTFs) for local type id, from the cache if present.
func (c *CandCache) candidates(local *btf.Spec, id btf.TypeID, target *btf.Spec) ([]Candidate, error) {
	if cands, ok := c.cands[id]; ok {
		return cands, nil
	}
	name := local.TypeName(id)
	if name == "" {
		return nil, fmt.Errorf("local type %d is anonymous: %w", id, errNotSupported)
	}
	essential := btf.EssentialName(name)
	kind := local.TypeKind(id)
	var cands []Candidate
	for _, tid := range target.FindByEssentialName(essential, kind) {
		cands = append(cands, Candidate{BTF: target, ID: tid})
	}
	if len(cands) == 0 && c.loadModules != nil {
		mods, err := c.moduleList()
		if err != nil {
			return nil, err
		}
		for _, m := range mods {
			first := m.spec.FirstID()
			for _, tid := range m.spec.FindByEssentialName(essential, kind) {
				if tid >= first { // the module's own types, not vmlinux's again
					cands = append(cands, Candidate{BTF: m.spec, ID: tid, Module: m.name})
				}
			}
		}
	}
	c.cands[id] = cands
	return cands, nil
}

// moduleList loads the module BTFs once, sorted by module name.
func (c *CandCache) moduleList() ([]module, error) {
	c.modOnce.Do(func() {
		specs, err := c.loadModules()
		if err != nil {
			c.modErr = fmt.Errorf("module BTF: %w", err)
			return
		}
		for _, name := range slices.Sorted(maps.Keys(specs)) {
			if specs[name] != nil {
				c.modules = append(c.modules, module{name, specs[name]})
			}
		}
	})
	return c.modules, c.modErr
}

// kindsCompat is libbpf's btf_kind_core_compat: equal kinds, or enum and
// enum64 in any combination.
func kindsCompat(a, b btf.Kind) bool {
	return a == b || (isEnum(a) && isEnum(b))
}

// skipped returns the type at id with modifiers and typedefs skipped, and
// its id.
func skipped(b *btf.Spec, id btf.TypeID) (btf.TypeID, *btf.Type, error) {
	id, err := b.Skip(id)
	if err != nil {
		return 0, nil, err
	}
	t, err := b.Type(id)
	if err != nil {
		return 0, nil, err
	}
	return id, t, nil
}

// skippedPair resolves a local and a target type id through typedefs and
// modifiers, for the relations that walk both types in step.
func skippedPair(local *btf.Spec, lid btf.TypeID, targ *btf.Spec, tid btf.TypeID) (lt, tt *btf.Type, err error) {
	if _, lt, err = skipped(local, lid); err != nil {
		return nil, nil, err
	}
	if _, tt, err = skipped(targ, tid); err != nil {
		return nil, nil, err
	}
	return lt, tt, nil
}

// namesMatch reports whether two names are equal ignoring flavor suffixes.
func namesMatch(a, b string) bool {
	return btf.EssentialName(a) == btf.EssentialName(b)
}

// fieldsCompat reports whether a local and a target field type are
// compatible for field relocations (libbpf's bpf_core_fields_are_compat):
// any two structs/unions; pointers; floats; fwds and enums with equal
// essential names or one anonymous; ints that are not old-style bitfield
// ints; arrays whose element types are compatible.
func fieldsCompat(local *btf.Spec, lid btf.TypeID, targ *btf.Spec, tid btf.TypeID) (bool, error) {
	for depth := 0; depth < maxLevel; depth++ {
		lt, tt, err := skippedPair(local, lid, targ, tid)
		if err != nil {
			return false, err
		}
		if isComposite(lt.Kind) && isComposite(tt.Kind) {
			return true, nil
		}
		if !kindsCompat(lt.Kind, tt.Kind) {
			return false, nil
		}
		switch lt.Kind {
		case btf.KindPtr, btf.KindFloat:
			return true, nil
		case btf.KindFwd, btf.KindEnum, btf.KindEnum64:
			return lt.Name == "" || tt.Name == "" || namesMatch(lt.Name, tt.Name), nil
		case btf.KindInt:
			return lt.IntOffset == 0 && tt.IntOffset == 0, nil
		case btf.KindArray:
			lid, tid = lt.Array.Type, tt.Array.Type
			continue
		default:
			return false, nil
		}
	}
	return false, fmt.Errorf("field types nest deeper than %d: %w", maxLevel, btf.ErrInvalid)
}

// matchMember finds in target type tid the member matching the named
// local accessor lacc, descending into anonymous structs and unions
// (libbpf's bpf_core_match_member). On success it appends the low-level
// steps and the high-level accessor to ts, adds the member's bit offset
// and returns the member's type.
func matchMember(local *btf.Spec, lacc Accessor, ts *Spec, tid btf.TypeID) (bool, btf.TypeID, error) {
	targ := ts.BTF
	tid, tt, err := skipped(targ, tid)
	if err != nil {
		return false, 0, err
	}
	if !isComposite(tt.Kind) {
		return false, 0, nil
	}
	lt, err := local.Type(lacc.TypeID)
	if err != nil {
		return false, 0, err
	}
	if lacc.Index >= len(lt.Members) {
		return false, 0, fmt.Errorf("local accessor %d out of range: %w", lacc.Index, ErrInvalidAccess)
	}
	lm := lt.Members[lacc.Index]
	for i, m := range tt.Members {
		if len(ts.Raw) == MaxSpecLen {
			return false, 0, fmt.Errorf("target spec deeper than %d steps: %w", MaxSpecLen, errNotSupported)
		}
		saved := ts.BitOffset
		if err := ts.addBits(1, 0, uint64(m.BitOffset)); err != nil {
			return false, 0, err
		}
		ts.Raw = append(ts.Raw, i)
		switch {
		case m.Name == "":
			found, next, err := matchMember(local, lacc, ts, m.Type)
			if found || err != nil {
				return found, next, err
			}
		case m.Name == lm.Name:
			ok, err := fieldsCompat(local, lm.Type, targ, m.Type)
			if err != nil || !ok {
				return false, 0, err
			}
			ts.Access = append(ts.Access, Accessor{TypeID: tid, Index: i, Name: m.Name})
			return true, m.Type, nil
		}
		ts.BitOffset = saved
		ts.Raw = ts.Raw[:len(ts.Raw)-1]
	}
	return false, 0, nil
}

// Match matches the local spec against candidate tid of targ (libbpf's
// bpf_core_spec_match). It returns the target spec and true when the
// candidate matches, false when it does not, and an error when the target
// BTF is malformed or the spec is too deep.
func Match(ls *Spec, targ *btf.Spec, tid btf.TypeID) (*Spec, bool, error) {
	ts := &Spec{BTF: targ, Root: tid, Kind: ls.Kind}
	switch classOf(ls.Kind) {
	case classType:
		var ok bool
		var err error
		if ls.Kind == btf.TypeMatches {
			ok, err = typesMatch(ls.BTF, ls.Root, targ, tid, false, maxRecursion, map[visit]uint8{})
		} else {
			ok, err = TypesAreCompat(ls.BTF, ls.Root, targ, tid)
		}
		return ts, ok, err

	case classEnumval:
		eid, et, err := skipped(targ, tid)
		if err != nil {
			return nil, false, err
		}
		if !isEnum(et.Kind) || len(ls.Access) == 0 {
			return ts, false, nil
		}
		want := btf.EssentialName(ls.Access[0].Name)
		for i, e := range et.Enums {
			if btf.EssentialName(e.Name) == want {
				ts.Access = append(ts.Access, Accessor{TypeID: eid, Index: i, Name: e.Name})
				ts.Raw = append(ts.Raw, i)
				return ts, true, nil
			}
		}
		return ts, false, nil

	case classField:
		ts.Raw = make([]int, 0, len(ls.Raw)+2)
		ts.Access = make([]Accessor, 0, len(ls.Access))
	default:
		return nil, false, fmt.Errorf("relocation kind %s: %w", ls.Kind, errNotSupported)
	}

	for i, lacc := range ls.Access {
		var tt *btf.Type
		var err error
		if tid, tt, err = skipped(targ, tid); err != nil {
			return nil, false, err
		}
		if lacc.Name != "" {
			found, next, err := matchMember(ls.BTF, lacc, ts, tid)
			if err != nil || !found {
				return ts, false, err
			}
			tid = next
			continue
		}
		// For i == 0, tid is the root type itself: the initial index
		// treats it as an array element. Later unnamed accessors are
		// array indices.
		if i > 0 {
			if tt.Kind != btf.KindArray {
				return ts, false, nil
			}
			flex, err := isFlexArray(targ, ts.Access[len(ts.Access)-1], tt.Array.Nelems)
			if err != nil {
				return nil, false, err
			}
			if !flex && uint64(lacc.Index) >= uint64(tt.Array.Nelems) {
				return ts, false, nil
			}
			if tid, err = targ.Skip(tt.Array.Type); err != nil {
				return nil, false, err
			}
		}
		if len(ts.Raw) == MaxSpecLen {
			return nil, false, fmt.Errorf("target spec deeper than %d steps: %w", MaxSpecLen, errNotSupported)
		}
		ts.Access = append(ts.Access, Accessor{TypeID: tid, Index: lacc.Index})
		ts.Raw = append(ts.Raw, lacc.Index)
		sz, err := targ.Sizeof(tid)
		if err != nil {
			return nil, false, err
		}
		if err := ts.addBits(uint64(lacc.Index), uint64(sz)*8, 0); err != nil {
			return nil, false, err
		}
	}
	return ts, true, nil
}

// TypesAreCompat reports whether type lid of local and type tid of target
// are compatible as libbpf's bpf_core_types_are_compat defines it: the
// relation of type id, type exists and type size relocations, and of
// typed ksyms and kfunc prototypes against the kernel's BTF. It is
// btf.TypesAreCompat, which the direct backend shares.
func TypesAreCompat(local *btf.Spec, lid btf.TypeID, target *btf.Spec, tid btf.TypeID) (bool, error) {
	return btf.TypesAreCompat(local, lid, target, tid)
}

// namesMatchTM is libbpf's bpf_core_names_match: an anonymous target only
// matches an anonymous local; otherwise essential names must be equal.
func namesMatchTM(local, targ string) bool {
	if targ == "" {
		return local == ""
	}
	return namesMatch(local, targ)
}

// typesMatch is libbpf's bpf_core_types_match, the stricter relation of
// type matches relocations (bpf_core_type_matches): after skipping
// modifiers and typedefs names must match; kinds must be equal except
// that behind a pointer a struct or union also matches a fwd of the same
// flavor, and enum matches enum64; ints must agree in size and
// signedness; enums in size, with every local enumerator present by name;
// structs and unions need every local member present by name with a
// matching type; arrays need equal lengths; function prototypes equal
// parameter counts and matching parameter and return types.
func typesMatch(local *btf.Spec, lid btf.TypeID, targ *btf.Spec, tid btf.TypeID, behindPtr bool, level int, seen map[visit]uint8) (bool, error) {
	if level <= 0 {
		return false, fmt.Errorf("types nest deeper than %d: %w", maxRecursion, btf.ErrInvalid)
	}
	k := visit{lid, tid, behindPtr}
	if v, ok := seen[k]; ok {
		return v == visitHolds, nil
	}
	seen[k] = visitHolds
	ok, err := typesMatchOnce(local, lid, targ, tid, behindPtr, level, seen)
	if err == nil && !ok {
		seen[k] = visitFailed
	}
	return ok, err
}

// typesMatchOnce checks one pair for typesMatch.
func typesMatchOnce(local *btf.Spec, lid btf.TypeID, targ *btf.Spec, tid btf.TypeID, behindPtr bool, level int, seen map[visit]uint8) (bool, error) {
	for depth := 0; depth < maxLevel; depth++ {
		lt, tt, err := skippedPair(local, lid, targ, tid)
		if err != nil {
			return false, err
		}
		if !namesMatchTM(lt.Name, tt.Name) {
			return false, nil
		}
		lk, tk := lt.Kind, tt.Kind
		switch lk {
		case btf.KindUnknown:
			return tk == lk, nil
		case btf.KindFwd:
			if behindPtr && tk != lk {
				// A fwd's kind_flag says union (1) or struct (0).
				return (tk == btf.KindStruct && !lt.KindFlag) || (tk == btf.KindUnion && lt.KindFlag), nil
			}
			return tk == lk && lt.KindFlag == tt.KindFlag, nil
		case btf.KindEnum, btf.KindEnum64:
			if !isEnum(tk) {
				return false, nil
			}
			return enumsMatch(lt, tt), nil
		case btf.KindStruct, btf.KindUnion:
			if behindPtr {
				if lk == tk {
					return true, nil
				}
				return tk == btf.KindFwd && (lk == btf.KindUnion) == tt.KindFlag, nil
			}
			if lk != tk {
				return false, nil
			}
			return compositesMatch(local, lt, targ, tt, behindPtr, level, seen)
		case btf.KindInt:
			if tk != lk {
				return false, nil
			}
			return lt.Size == tt.Size && lt.IntEncoding&btf.IntSigned == tt.IntEncoding&btf.IntSigned, nil
		case btf.KindPtr:
			if tk != lk {
				return false, nil
			}
			behindPtr = true
			lid, tid = lt.Type, tt.Type
		case btf.KindArray:
			if tk != lk || lt.Array.Nelems != tt.Array.Nelems {
				return false, nil
			}
			lid, tid = lt.Array.Type, tt.Array.Type
		case btf.KindFuncProto:
			if tk != lk || len(lt.Params) != len(tt.Params) {
				return false, nil
			}
			for i := range lt.Params {
				ok, err := typesMatch(local, lt.Params[i].Type, targ, tt.Params[i].Type, behindPtr, level-1, seen)
				if err != nil || !ok {
					return false, err
				}
			}
			lid, tid = lt.Type, tt.Type
		default:
			return false, nil
		}
	}
	return false, fmt.Errorf("type references nest deeper than %d: %w", maxLevel, btf.ErrInvalid)
}

// enumsMatch: equal sizes, and every local enumerator has a target
// enumerator of the same essential name.
func enumsMatch(lt, tt *btf.Type) bool {
	if lt.Size != tt.Size || len(lt.Enums) > len(tt.Enums) {
		return false
	}
	for _, le := range lt.Enums {
		if !slices.ContainsFunc(tt.Enums, func(te btf.EnumValue) bool { return namesMatchTM(le.Name, te.Name) }) {
			return false
		}
	}
	return true
}

// compositesMatch: every local member has a target member of the same
// name whose type matches.
func compositesMatch(local *btf.Spec, lt *btf.Type, targ *btf.Spec, tt *btf.Type, behindPtr bool, level int, seen map[visit]uint8) (bool, error) {
	if len(lt.Members) > len(tt.Members) {
		return false, nil
	}
	for _, lm := range lt.Members {
		matched := false
		for _, tm := range tt.Members {
			if !namesMatchTM(lm.Name, tm.Name) {
				continue
			}
			ok, err := typesMatch(local, lm.Type, targ, tm.Type, behindPtr, level-1, seen)
			if err != nil {
				return false, err
			}
			if ok {
				matched = true
				break
			}
		}
		if !matched {
			return false, nil
		}
	}
	return true, nil
}
