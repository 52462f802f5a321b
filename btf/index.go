// This file implements the name indexes behind FindByName and
// FindByEssentialName: open-addressed hash tables of type ids keyed by the
// hash of each type's essential name, built lazily on first use.

package btf

import (
	"bytes"
	"hash/maphash"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
)

var nameSeed = maphash.MakeSeed()

// nameIndex is an open-addressed (linear probing) hash table of the ids of
// this blob's own named types, split into parts that cover consecutive id
// ranges so that large blobs (vmlinux) are indexed by several goroutines at
// once. Slots hold type ids; 0 (void, never named) marks an empty slot.
// Types sharing an essential name simply occupy several slots; a lookup
// walks each part's probe sequence to the next empty slot and checks each
// candidate's name. Every part is at most half full.
type nameIndex struct {
	once  sync.Once
	parts []indexPart
}

// indexPart is one hash table of a nameIndex: the types of the offs chunks
// [firstChunk, endChunk).
type indexPart struct {
	slots                []uint32
	mask                 uint32
	firstChunk, endChunk int
}

// parallelMin is the number of types from which an index is built by
// several goroutines.
const parallelMin = 4 << 10

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

// buildIndex fills idx with the named own types whose kind class is core,
// in up to GOMAXPROCS parts built concurrently.
func (d *data) buildIndex(idx *nameIndex, core bool) {
	want := uint32(0)
	if core {
		want = coreFlag
	}
	// Count the types each chunk contributes (a sequential pass over the
	// offsets only), then cut the chunks into parts of similar weight.
	counts := make([]int, len(d.offs))
	total := 0
	d.forOwnChunks(func(c int, chunk []uint32) {
		n := 0
		for _, off := range chunk {
			if off&coreFlag == want && (core || d.u32(d.types[off:]) != 0) {
				n++
			}
		}
		counts[c] = n
		total += n
	})
	nparts := 1
	if total >= parallelMin {
		nparts = min(runtime.GOMAXPROCS(0), 4, len(d.offs))
	}
	idx.parts = make([]indexPart, 0, nparts)
	first, acc, sum := 0, 0, 0
	for c, n := range counts {
		acc += n
		sum += n
		last := c == len(counts)-1
		if last || (len(idx.parts) < nparts-1 && sum*nparts >= total*(len(idx.parts)+1)) {
			size := 1 << bits.Len(uint(2*acc))
			idx.parts = append(idx.parts, indexPart{
				slots: make([]uint32, size), mask: uint32(size - 1),
				firstChunk: first, endChunk: c + 1,
			})
			first, acc = c+1, 0
		}
	}
	if len(idx.parts) == 1 {
		d.fillPart(&idx.parts[0], want)
		return
	}
	var wg sync.WaitGroup
	for i := range idx.parts {
		wg.Add(1)
		go func(p *indexPart) {
			defer wg.Done()
			d.fillPart(p, want)
		}(&idx.parts[i])
	}
	wg.Wait()
}

// fillPart inserts the types of part p's chunks whose class bit is want.
func (d *data) fillPart(p *indexPart, want uint32) {
	left := d.numOwn() - p.firstChunk*chunkSize
	id := uint32(d.firstID) + uint32(p.firstChunk*chunkSize)
	for _, chunk := range d.offs[p.firstChunk:p.endChunk] {
		if left < len(chunk) {
			chunk = chunk[:left]
		}
		left -= len(chunk)
		for _, off := range chunk {
			id++
			if off&coreFlag != want {
				continue
			}
			off &^= coreFlag
			name, _ := d.strTail(d.u32(d.types[off:]))
			if len(name) == 0 || name[0] == 0 {
				continue // anonymous (only possible here when !core)
			}
			for i := uint32(maphash.Bytes(nameSeed, nameKey(name))) & p.mask; ; i = (i + 1) & p.mask {
				if p.slots[i] == 0 {
					p.slots[i] = id - 1
					break
				}
			}
		}
	}
}

// forOwnChunks calls fn for every chunk of offs, cut to the own types.
func (d *data) forOwnChunks(fn func(c int, chunk []uint32)) {
	left := d.numOwn()
	for c, chunk := range d.offs {
		if left < len(chunk) {
			chunk = chunk[:left]
		}
		fn(c, chunk)
		left -= len(chunk)
	}
}

// nameKey returns the hash key of a name: its bytes up to the first "___"
// (all of them if there is none), stopping at a NUL. Any name and its
// essential name (see EssentialName) have the same key, so the index can be
// keyed without computing essential names.
func nameKey(name []byte) []byte {
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	if i := bytes.Index(name, flavorSep); i >= 0 {
		return name[:i]
	}
	return name
}

var flavorSep = []byte("___")

// nameKeyString is nameKey for strings.
func nameKeyString(name string) string {
	if i := strings.Index(name, "___"); i >= 0 {
		return name[:i]
	}
	return name
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
	h := uint32(maphash.String(nameSeed, nameKeyString(essential)))
	for p := range idx.parts {
		part := &idx.parts[p]
		for i := h & part.mask; part.slots[i] != 0; i = (i + 1) & part.mask {
			id := TypeID(part.slots[i])
			if string(d.essentialBytes(id)) == essential && keep(id) {
				ids = append(ids, id)
			}
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
	return s.FindByNameKind(name, KindUnknown)
}

// FindByNameKind returns the ids of the types named exactly name of kind
// kind (enum and enum64 match each other; KindUnknown matches every
// kind), in ascending order. Asking for a kind only builds the name index
// that holds that kind: looking up a typedef or struct in vmlinux never
// indexes its functions and variables.
func (s *Spec) FindByNameKind(name string, kind Kind) []TypeID {
	if name == "" {
		return nil
	}
	return s.find(EssentialName(name), kind, func(got string) bool { return got == name })
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
