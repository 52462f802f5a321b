// This file deduplicates a type graph: when the BTF of several objects is
// put together, every header type they share appears once per object, and
// Dedup makes equal types one, as libbpf's btf__dedup does for its static
// linker.
//
// What "equal" means follows btf__dedup: two types are equal when they have
// the same kind, name and kind-specific data (sizes, encodings, member
// names and offsets, enum values, parameter names, linkage, ...) and the
// types they refer to are equal, recursively; reference cycles (a struct
// holding a pointer to itself) are fine. VARs and DATASECs are never
// merged, only their references rewritten. A forward declaration becomes
// the struct or union it declares when exactly one such type of that name
// exists, and an enum without values (a forward-declared enum) the one enum
// of that name and size.
//
// The algorithm is not libbpf's (hash candidates and a hypothetical
// equivalence walk per struct) but partition refinement, as in DFA
// minimisation: start from classes of types that agree on their own data,
// split a class while its members refer to types of different classes,
// stop when nothing splits. The result is the coarsest partition in which
// equal types refer to equal types: structural equality, cycles included.

package btf

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"slices"
)

// Dedup merges equal types of a type list in which types[i] has id i+1
// (void, id 0, is not in the list). It returns the deduplicated list, in
// which each class of equal types is represented by its first member, in
// the original order and with every reference rewritten, and remap, which
// gives for each original id (and 0) its id in the new list.
func Dedup(types []Type) ([]Type, []TypeID) {
	return dedup(types, true)
}

// DedupOwned is Dedup for a caller that gives types up: the result reuses
// the memory of types and of their member, enumerator, parameter and entry
// slices (rewriting them) instead of copying. types and the slices of its
// elements must not be used after, nor share memory with another
// type's.
func DedupOwned(types []Type) ([]Type, []TypeID) {
	return dedup(types, false)
}

// dedup is Dedup, copying the representatives or moving them to the front
// of types.
func dedup(types []Type, copyTypes bool) ([]Type, []TypeID) {
	n := len(types)
	d := deduper{types: types, alias: make([]TypeID, n+1)}
	for id := range d.alias {
		d.alias[id] = TypeID(id)
	}
	d.refine()
	// Resolving forward declarations can make two classes equal, which
	// can make another forward declaration unambiguous: repeat until
	// nothing changes (each round resolves at least one, so it ends).
	for d.resolveForwards() {
		d.refine()
	}

	// The first member of each class represents it.
	// Class numbers are at most n.
	rep := make([]TypeID, n+1)
	newID := make([]TypeID, n+1)
	var out []Type
	if copyTypes {
		out = make([]Type, 0, n)
	} else {
		out = types[:0]
	}
	for id := TypeID(1); int(id) <= n; id++ {
		if d.alias[id] != id {
			continue
		}
		c := d.class[id]
		if rep[c] != 0 {
			continue
		}
		rep[c] = id
		if copyTypes {
			out = append(out, types[id-1].Copy())
		} else {
			// A representative's new index is never above its
			// old one.
			out = append(out, types[id-1])
		}
		newID[id] = TypeID(len(out))
	}
	remap := make([]TypeID, n+1)
	for id := TypeID(1); int(id) <= n; id++ {
		remap[id] = newID[rep[d.class[d.alias[id]]]]
	}
	for i := range out {
		forEachRef(&out[i], func(ref *TypeID) {
			if int(*ref) <= n {
				*ref = remap[*ref]
			}
		})
	}
	return out, remap
}

// deduper holds the state of one Dedup.
type deduper struct {
	types []Type
	// alias maps a resolved forward declaration to the type it declares
	// (every other id to itself).
	alias []TypeID
	// class is the partition: equal types have equal classes. Void is
	// class 0, alone.
	class []int32
}

// refine computes the coarsest stable partition, aliases applied.
func (d *deduper) refine() {
	n := len(d.types)
	d.class = make([]int32, n+1)
	keys := newKeyTable(n)
	var buf []byte
	for id := TypeID(1); int(id) <= n; id++ {
		t := &d.types[id-1]
		buf = localKey(buf[:0], t)
		if t.Kind == KindVar || t.Kind == KindDatasec {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(id)) // never merged
		}
		d.class[id] = keys.classOf(buf)
	}
	classes := keys.len()
	next := make([]int32, n+1)
	for {
		keys.reset()
		for id := TypeID(1); int(id) <= n; id++ {
			t := &d.types[id-1]
			buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(d.class[id]))
			forEachRef(t, func(ref *TypeID) {
				buf = binary.LittleEndian.AppendUint32(buf, uint32(d.classOfRef(*ref)))
			})
			next[id] = keys.classOf(buf)
		}
		d.class, next = next, d.class
		// Refinement only splits classes: the same count is the same
		// partition.
		if keys.len() == classes {
			break
		}
		classes = keys.len()
	}
	// Resolved forward declarations share their target's class.
	for id := TypeID(1); int(id) <= n; id++ {
		if d.alias[id] != id {
			d.class[id] = d.class[d.alias[id]]
		}
	}
}

// classOfRef returns the class of a referenced id; ids outside the list
// (bad input) each stand for themselves.
func (d *deduper) classOfRef(ref TypeID) int32 {
	if int(ref) >= len(d.class) {
		return -1 - int32(ref)
	}
	return d.class[d.alias[ref]]
}

// keyTable numbers distinct byte keys from 1, as a map[string]int32
// would, without a string per key: the keys are appended to one arena
// and an open-addressing table of class numbers finds them by hash. One
// table serves every round of refine (reset keeps its memory).
type keyTable struct {
	seed  maphash.Seed
	arena []byte
	ends  []int    // key c (from 1) is arena[ends[c-1]:ends[c]]; ends[0] = 0
	slots []int32  // 0: empty; else a class number
	hash  []uint64 // hash of key c at hash[c-1]
}

// newKeyTable returns a table sized for about n keys.
func newKeyTable(n int) *keyTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &keyTable{seed: maphash.MakeSeed(), ends: append(make([]int, 0, n+1), 0), slots: make([]int32, size), hash: make([]uint64, 0, n)}
}

// len returns the number of distinct keys.
func (k *keyTable) len() int { return len(k.ends) - 1 }

// reset forgets every key.
func (k *keyTable) reset() {
	k.arena = k.arena[:0]
	k.ends = k.ends[:1]
	k.hash = k.hash[:0]
	clear(k.slots)
}

// classOf returns the class number of key, numbering new keys from 1.
func (k *keyTable) classOf(key []byte) int32 {
	h := maphash.Bytes(k.seed, key)
	mask := uint64(len(k.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		c := k.slots[i]
		if c == 0 {
			k.arena = append(k.arena, key...)
			k.ends = append(k.ends, len(k.arena))
			k.hash = append(k.hash, h)
			c = int32(k.len())
			k.slots[i] = c
			if 2*k.len() > len(k.slots) {
				k.grow()
			}
			return c
		}
		if k.hash[c-1] == h && bytes.Equal(k.arena[k.ends[c-1]:k.ends[c]], key) {
			return c
		}
	}
}

// grow doubles the slot table and re-inserts every class.
func (k *keyTable) grow() {
	k.slots = make([]int32, 2*len(k.slots))
	mask := uint64(len(k.slots) - 1)
	for c := 1; c <= k.len(); c++ {
		i := k.hash[c-1] & mask
		for k.slots[i] != 0 {
			i = (i + 1) & mask
		}
		k.slots[i] = int32(c)
	}
}

// resolveForwards aliases each forward declaration (FWD, or an enum with
// no values) that is not aliased yet to the one class of complete types
// it can declare, and reports whether it aliased any.
func (d *deduper) resolveForwards() bool {
	type nameKind struct {
		name  string
		kind  Kind
		size  uint32 // enums only
		union bool
	}
	// The distinct classes of complete types, by what declares them.
	cands := make(map[nameKind][]int32)
	first := make(map[int32]TypeID)
	for id := TypeID(1); int(id) <= len(d.types); id++ {
		t := &d.types[id-1]
		if t.Name == "" || d.alias[id] != id {
			continue
		}
		var k nameKind
		switch {
		case t.Kind == KindStruct || t.Kind == KindUnion:
			k = nameKind{name: t.Name, kind: KindFwd, union: t.Kind == KindUnion}
		case (t.Kind == KindEnum || t.Kind == KindEnum64) && len(t.Enums) > 0:
			k = nameKind{name: t.Name, kind: KindEnum, size: t.Size}
		default:
			continue
		}
		c := d.class[id]
		if _, seen := first[c]; !seen {
			first[c] = id
		}
		if !slices.Contains(cands[k], c) {
			cands[k] = append(cands[k], c)
		}
	}
	changed := false
	for id := TypeID(1); int(id) <= len(d.types); id++ {
		t := &d.types[id-1]
		if t.Name == "" || d.alias[id] != id {
			continue
		}
		var k nameKind
		switch {
		case t.Kind == KindFwd:
			k = nameKind{name: t.Name, kind: KindFwd, union: t.KindFlag}
		case (t.Kind == KindEnum || t.Kind == KindEnum64) && len(t.Enums) == 0:
			k = nameKind{name: t.Name, kind: KindEnum, size: t.Size}
		default:
			continue
		}
		if cs := cands[k]; len(cs) == 1 {
			d.alias[id] = first[cs[0]]
			changed = true
		}
	}
	return changed
}

// localKey appends to buf an encoding of what t is apart from the types it
// refers to: kind, name, flags, sizes, and the names, offsets and values
// of its members, enumerators and parameters.
func localKey(buf []byte, t *Type) []byte {
	le := binary.LittleEndian
	str := func(s string) {
		buf = le.AppendUint32(buf, uint32(len(s)))
		buf = append(buf, s...)
	}
	flag := uint32(0)
	if t.KindFlag {
		flag = 1
	}
	buf = append(buf, byte(t.Kind))
	buf = le.AppendUint32(buf, flag)
	str(t.Name)
	buf = le.AppendUint32(buf, t.Size)
	switch t.Kind {
	case KindInt:
		buf = append(buf, t.IntEncoding, t.IntOffset, t.IntBits)
	case KindArray:
		buf = le.AppendUint32(buf, t.Array.Nelems)
	case KindStruct, KindUnion:
		buf = le.AppendUint32(buf, uint32(len(t.Members)))
		for _, m := range t.Members {
			str(m.Name)
			buf = le.AppendUint32(buf, m.BitOffset)
			buf = le.AppendUint32(buf, m.BitfieldSize)
		}
	case KindEnum, KindEnum64:
		buf = le.AppendUint32(buf, uint32(len(t.Enums)))
		for _, e := range t.Enums {
			str(e.Name)
			buf = le.AppendUint64(buf, uint64(e.Value))
		}
	case KindFuncProto:
		buf = le.AppendUint32(buf, uint32(len(t.Params)))
		for _, p := range t.Params {
			str(p.Name)
		}
	case KindFunc, KindVar:
		buf = le.AppendUint32(buf, t.Linkage)
	case KindDatasec:
		buf = le.AppendUint32(buf, uint32(len(t.Vars)))
		for _, v := range t.Vars {
			buf = le.AppendUint32(buf, v.Offset)
			buf = le.AppendUint32(buf, v.Size)
		}
	case KindDeclTag:
		buf = le.AppendUint32(buf, uint32(t.ComponentIdx))
	}
	return buf
}

// forEachRef calls fn with a pointer to every type id t refers to, in a
// fixed order: the size/type word, array element and index, members,
// parameters, datasec entries.
func forEachRef(t *Type, fn func(*TypeID)) {
	if hasTypeRef(t.Kind) {
		fn(&t.Type)
	}
	switch t.Kind {
	case KindArray:
		fn(&t.Array.Type)
		fn(&t.Array.IndexType)
	case KindStruct, KindUnion:
		for i := range t.Members {
			fn(&t.Members[i].Type)
		}
	case KindFuncProto:
		for i := range t.Params {
			fn(&t.Params[i].Type)
		}
	case KindDatasec:
		for i := range t.Vars {
			fn(&t.Vars[i].Type)
		}
	}
}

// RemapRefs rewrites every type id t refers to with fn (the merge of
// several objects' BTF renumbers each object's types). The slices of t are
// written to: t must not share them with a Spec (see Type.Copy).
func RemapRefs(t *Type, fn func(TypeID) TypeID) {
	forEachRef(t, func(ref *TypeID) { *ref = fn(*ref) })
}

// ForEachRef calls fn with every type id t refers to, in a fixed order.
func ForEachRef(t *Type, fn func(TypeID)) {
	forEachRef(t, func(ref *TypeID) { fn(*ref) })
}
