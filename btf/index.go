// This file implements the name indexes behind FindByName and
// FindByEssentialName: open-addressed hash tables of type ids keyed by the
// hash of each type's essential name, built lazily on first use.

package btf

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"sync"
)

var nameSeed = maphash.MakeSeed()

// nameIndex is an open-addressed (linear probing) hash table of the ids of
// this blob's own named types. Slots hold type ids; 0 (void, never named)
// marks an empty slot. Types sharing an essential name simply occupy several
// slots; a lookup walks the probe sequence to the next empty slot and checks
// each candidate's name. The table is at most half full.
type nameIndex struct {
	once  sync.Once
	slots []uint32
	mask  uint32
}

// coreKind reports whether types of kind k go into the CO-RE index (the
// kinds libbpf looks candidates up for); other named types go into a second
// index that is only built when one of those kinds is asked for.
func coreKind(k Kind) bool {
	switch k {
	case KindInt, KindStruct, KindUnion, KindEnum, KindEnum64, KindFwd, KindTypedef, KindFloat:
		return true
	}
	return false
}

// index returns the index for kind class core, building it if needed.
func (d *data) index(core bool) *nameIndex {
	idx := &d.otherIdx
	if core {
		idx = &d.coreIdx
	}
	idx.once.Do(func() { d.buildIndex(idx, core) })
	return idx
}

// buildIndex fills idx with the named own types whose kind class is core.
func (d *data) buildIndex(idx *nameIndex, core bool) {
	var ids []uint32
	for i := 0; i < d.numOwn(); i++ {
		off := d.typeOffset(uint32(i))
		if d.u32(d.types[off:]) == 0 {
			continue // anonymous
		}
		if coreKind(Kind(d.u32(d.types[off+4:])>>24&0x1f)) != core {
			continue
		}
		ids = append(ids, uint32(d.firstID)+uint32(i))
	}
	size := 1 << bits.Len(uint(2*len(ids)))
	idx.slots = make([]uint32, size)
	idx.mask = uint32(size - 1)
	for _, id := range ids {
		h := uint32(maphash.Bytes(nameSeed, d.essentialBytes(TypeID(id))))
		for i := h & idx.mask; ; i = (i + 1) & idx.mask {
			if idx.slots[i] == 0 {
				idx.slots[i] = id
				break
			}
		}
	}
}

// essentialBytes returns the essential name of own type id, pointing into
// the string table.
func (d *data) essentialBytes(id TypeID) []byte {
	off := d.typeOffset(uint32(id - d.firstID))
	name, _ := d.strBytes(d.u32(d.types[off:]))
	return name[:essentialLen(name)]
}

// lookup appends to ids the own types in idx whose essential name is
// essential and that pass keep.
func (d *data) lookup(ids []TypeID, idx *nameIndex, essential string, keep func(TypeID) bool) []TypeID {
	h := uint32(maphash.String(nameSeed, essential))
	for i := h & idx.mask; idx.slots[i] != 0; i = (i + 1) & idx.mask {
		id := TypeID(idx.slots[i])
		if string(d.essentialBytes(id)) == essential && keep(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// kindMatches reports whether a type of kind got is a candidate for a
// request of kind want: KindUnknown matches every kind, enum and enum64
// match each other, every other kind only itself.
func kindMatches(want, got Kind) bool {
	if want == KindUnknown || want == got {
		return true
	}
	return (want == KindEnum || want == KindEnum64) && (got == KindEnum || got == KindEnum64)
}

// FindByName returns the ids of all types named exactly name, of any kind,
// in ascending order (base types first for split BTF). It returns nil for
// "" (anonymous types are not indexed).
func (s *Spec) FindByName(name string) []TypeID {
	if name == "" {
		return nil
	}
	return s.find(EssentialName(name), KindUnknown, func(got string) bool { return got == name })
}

// FindByEssentialName returns the candidates CO-RE considers for a local
// type with essential name essential (see EssentialName; the caller strips
// the local name, this function does not) and kind kind, in ascending id
// order, base types first for split BTF.
//
// The rule, libbpf's: a type is a candidate if it is named, the essential
// form of its name equals essential, and its kind matches: equal kinds, or
// enum and enum64 in either combination (libbpf's btf_kind_core_compat).
// KindUnknown matches every kind. Fwd does not match struct or union.
func (s *Spec) FindByEssentialName(essential string, kind Kind) []TypeID {
	if essential == "" {
		return nil
	}
	return s.find(essential, kind, func(got string) bool { return EssentialName(got) == essential })
}

// find implements the name lookups: base types first, then this blob's
// indexes for unedited types, then a scan of edited and added types.
func (s *Spec) find(essential string, kind Kind, nameOK func(string) bool) []TypeID {
	var ids []TypeID
	if s.base != nil {
		ids = s.base.find(essential, kind, nameOK)
	}
	n := len(ids)
	keep := func(id TypeID) bool {
		if s.mods[id] != nil {
			return false // checked below with its new name and kind
		}
		return kindMatches(kind, s.rawKind(id)) && nameOK(s.TypeName(id))
	}
	switch {
	case kind == KindUnknown:
		ids = s.lookup(ids, s.index(true), essential, keep)
		ids = s.lookup(ids, s.index(false), essential, keep)
	case coreKind(kind):
		ids = s.lookup(ids, s.index(true), essential, keep)
	default:
		ids = s.lookup(ids, s.index(false), essential, keep)
	}
	for id, t := range s.mods {
		if id >= s.firstID && kindMatches(kind, t.Kind) && t.Name != "" && nameOK(t.Name) {
			ids = append(ids, id)
		}
	}
	for i, t := range s.added {
		if kindMatches(kind, t.Kind) && t.Name != "" && nameOK(t.Name) {
			ids = append(ids, s.limit+TypeID(i))
		}
	}
	slices.Sort(ids[n:])
	return ids
}
