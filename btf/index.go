// This file implements the name lookups FindByName, FindByNameKind and
// FindByEssentialName. The first few lookups of a blob scan it: find the
// name in the string section, then the types whose name offset is one of
// those found. Once lookups keep coming, a name index is built (an
// open-addressed hash table of type ids keyed by the hash of each type's
// essential name) and answers the rest. A process that looks up a handful
// of names in vmlinux (a kfunc, a tp_btf target, LINUX_HAS_SYSCALL_WRAPPER)
// never pays for the index.

package btf

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The seed of the name index's hash, made with the first index: a seed
// made at start-up would cost every program linking this package.
var (
	seedOnce sync.Once
	seed     maphash.Seed
)

// nameSeed returns the seed of the name index's hash.
func nameSeed() maphash.Seed {
	seedOnce.Do(func() { seed = maphash.MakeSeed() })
	return seed
}

// nameIndex is an open-addressed (linear probing) hash table of the ids of
// this blob's own named types, split into parts that cover consecutive id
// ranges so that large blobs (vmlinux) are indexed by several goroutines at
// once. Slots hold type ids; 0 (void, never named) marks an empty slot.
// Types sharing an essential name simply occupy several slots; a lookup
// walks each part's probe sequence to the next empty slot and checks each
// candidate's name. Every part is at most half full.
type nameIndex struct {
	once  sync.Once
	built atomic.Bool // once has run: parts are ready
	scans atomic.Int32
	parts []indexPart
}

// Lookups of one index's kinds scan the blob up to a limit; the next one
// builds the index. Building costs a few scans (BenchmarkLookupVmlinux:
// about 2 scans' CPU time for the CO-RE kinds' index of vmlinux, 5 for the
// other, which holds its 60,000 functions and variables), so by its limit
// an index has about paid for itself, and a load that looks up only a
// tp_btf target, a kfunc and LINUX_HAS_SYSCALL_WRAPPER builds none.
const (
	coreScanLimit  = 4
	otherScanLimit = 8
)

// useIndex reports whether a lookup of idx's kinds should use the index
// (building it if needed) rather than scan: the index is there already,
// or the lookups have gone past limit.
func (idx *nameIndex) useIndex(limit int32) bool {
	return idx.built.Load() || idx.scans.Add(1) > limit
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
	idx.once.Do(func() {
		d.buildIndex(idx, core)
		idx.built.Store(true)
	})
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
	offs := d.dense()
	counts := make([]int, len(offs))
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
		nparts = min(runtime.GOMAXPROCS(0), 4, len(offs))
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
	seed := nameSeed()
	for _, chunk := range d.dense()[p.firstChunk:p.endChunk] {
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
			for i := uint32(maphash.Bytes(seed, nameKey(name))) & p.mask; ; i = (i + 1) & p.mask {
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
	for c, chunk := range d.dense() {
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
	h := uint32(maphash.String(nameSeed(), nameKeyString(essential)))
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
// indexes its functions and variables, and the first few lookups build
// no index at all.
func (s *Spec) FindByNameKind(name string, kind Kind) []TypeID {
	if name == "" {
		return nil
	}
	return s.find(query{name: name, exact: true, kind: kind})
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
	return s.find(query{name: essential, kind: kind})
}

// query is one name lookup: types named name (exact), or whose essential
// name is name (!exact), of a kind matching kind.
type query struct {
	name  string
	exact bool
	kind  Kind
}

// nameOK reports whether a type called got answers q.
func (q *query) nameOK(got string) bool {
	if q.exact {
		return got == q.name
	}
	return EssentialName(got) == q.name
}

// essential returns the essential name the indexes are keyed by.
func (q *query) essential() string {
	if q.exact {
		return EssentialName(q.name)
	}
	return q.name
}

// lookupMode says how find looks up unedited types: by index or scan as
// the number of lookups so far suggests (auto), or always one way (the
// tests compare both).
type lookupMode uint8

const (
	lookupAuto lookupMode = iota
	lookupScan
	lookupScanStrings // scan, searching the strings of any base blob
	lookupScanWalk    // lookupScanStrings, walking the types even with offs
	lookupIndex
)

// useIndex reports whether a lookup of idx's kinds (whose scan limit is
// limit) in mode uses the index.
func (m lookupMode) useIndex(idx *nameIndex, limit int32) bool {
	switch m {
	case lookupScan, lookupScanStrings, lookupScanWalk:
		return false
	case lookupIndex:
		return true
	}
	return idx.useIndex(limit)
}

// find implements the name lookups: base types first, then this blob's
// unedited types (by index or by scan), then a scan of edited and added
// types.
func (s *Spec) find(q query) []TypeID { return s.findMode(q, lookupAuto) }

func (s *Spec) findMode(q query, mode lookupMode) []TypeID {
	var ids []TypeID
	if s.base != nil {
		ids = s.base.findMode(q, mode)
	}
	n := len(ids)
	for _, id := range s.findOwn(q, mode) {
		if s.mods[id] == nil { // an edited type is checked below with its new name and kind
			ids = append(ids, id)
		}
	}
	for id, t := range s.mods {
		if id >= s.firstID && kindMatches(q.kind, t.Kind) && t.Name != "" && q.nameOK(t.Name) {
			ids = append(ids, id)
		}
	}
	for i, t := range s.added {
		if kindMatches(q.kind, t.Kind) && t.Name != "" && q.nameOK(t.Name) {
			ids = append(ids, s.limit+TypeID(i))
		}
	}
	slices.Sort(ids[n:])
	return ids
}

// findOwn returns the unedited own types of the blob that answer q, in
// no particular order. A query a large blob (vmlinux) has answered by a
// scan before is answered again from its memo, and does not count towards
// the scan limits: a load asks for the same few names over and over (a
// struct_ops object's kernel struct: once in the structops pass, then
// once for each of its programs' attach targets), and they should not
// build an index. A small blob (an object's BTF) scans in microseconds,
// and keeps no memo.
func (d *data) findOwn(q query, mode lookupMode) []TypeID {
	memo := mode == lookupAuto && d.numOwn() >= scanStringsMin
	if memo {
		if own, ok := d.memo.get(q); ok {
			return own
		}
	}
	var own []TypeID
	keep := func(id TypeID) bool {
		return kindMatches(q.kind, d.rawKind(id)) && q.nameOK(d.rawName(id))
	}
	// Which index classes the kind needs, and which of them scan.
	core, other := q.kind == KindUnknown || coreKind(q.kind), q.kind == KindUnknown || !coreKind(q.kind)
	var scan [2]bool // [core, other]
	if core {
		if mode.useIndex(&d.coreIdx, coreScanLimit) {
			own = d.lookup(own, d.index(true), q.essential(), keep)
		} else {
			scan[0] = true
		}
	}
	if other {
		if mode.useIndex(&d.otherIdx, otherScanLimit) {
			own = d.lookup(own, d.index(false), q.essential(), keep)
		} else {
			scan[1] = true
		}
	}
	if scan[0] || scan[1] {
		byStrings := d.base == nil && (d.numOwn() >= scanStringsMin || mode == lookupScanStrings || mode == lookupScanWalk)
		own = d.scan(own, &q, scan, byStrings, mode == lookupScanWalk, keep)
		if memo {
			d.memo.put(q, own)
		}
	}
	return own
}

// scanMemo holds the answers of a blob's scans, by query. It stays small:
// once the lookups of a kind class pass its scan limit, the index answers
// them and nothing more is added.
type scanMemo struct {
	mu      sync.Mutex
	answers map[query][]TypeID
}

// get returns the memorised answer to q, if any. The caller must not
// modify it.
func (m *scanMemo) get(q query) ([]TypeID, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	own, ok := m.answers[q]
	return own, ok
}

// put memorises own as the answer to q.
func (m *scanMemo) put(q query, own []TypeID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.answers == nil {
		m.answers = make(map[query][]TypeID)
	}
	m.answers[q] = slices.Clip(own)
}

// scan appends to ids the own types of the index classes selected by
// classes ([core, other]) that answer q and pass keep, without an index.
// byStrings (for a large base blob: vmlinux) finds the offsets in the
// string section where a matching name starts (nameOffsets), then walks
// the type offsets for types named at one of them; otherwise (split BTF,
// whose names may sit in the base's strings, and small blobs) each named
// type's name is compared.
//
// Without offs, the first scan by strings walks the type section instead
// of building them (forceWalk walks always).
func (d *data) scan(ids []TypeID, q *query, classes [2]bool, byStrings, forceWalk bool, keep func(TypeID) bool) []TypeID {
	if strings.IndexByte(q.name, 0) >= 0 {
		return ids // no name holds a NUL
	}
	if !byStrings {
		id := d.firstID
		d.forOwnChunks(func(_ int, chunk []uint32) {
			for _, off := range chunk {
				// Named types of a CO-RE kind carry coreFlag.
				if (classes[0] && off&coreFlag != 0 || classes[1] && off&coreFlag == 0) &&
					d.u32(d.types[off&^coreFlag:]) != 0 && keep(id) {
					ids = append(ids, id)
				}
				id++
			}
		})
		return ids
	}
	offs := d.nameOffsets(q, nil)
	if len(offs) == 0 {
		return ids
	}
	if d.bigEndian {
		// Compare the encoded words: the loop then reads them as stored.
		for i := range offs {
			offs[i] = bits.ReverseBytes32(offs[i])
		}
	}
	// A name usually occurs once; for more, a 64-bit filter (one bit per
	// offset, picked by a multiplicative hash) rejects most name offsets
	// before the list is searched.
	first, many, filter := offs[0], len(offs) > 1, uint64(0)
	for _, o := range offs {
		filter |= 1 << (o * 0x9e3779b1 >> 26)
	}
	types := d.types
	id := d.firstID
	if forceWalk || d.offs.Load() == nil && d.walks.Add(1) <= walkLimit {
		// No offsets yet: the first walkLimit such scans walk the type
		// section rather than build them (a process that looks up a few
		// names never needs them); later ones build them and then only
		// read them.
		for off := 0; off < len(types); id++ {
			h := types[off : off+typeHeaderLen : off+typeHeaderLen]
			w, info := binary.LittleEndian.Uint32(h[0:4]), d.u32(h[4:8])
			if w == first || many && filter>>(w*0x9e3779b1>>26)&1 != 0 && slices.Contains(offs, w) {
				core := coreKinds>>(info>>24&0x1f)&1 != 0 // and named: w matched a name
				if (classes[0] && core || classes[1] && !core) && keep(id) {
					ids = append(ids, id)
				}
			}
			off += typeSize(info)
		}
		return ids
	}
	d.forOwnChunks(func(_ int, chunk []uint32) {
		for _, off := range chunk {
			o := off &^ coreFlag
			w := binary.LittleEndian.Uint32(types[o : o+4])
			if w == first || many && filter>>(w*0x9e3779b1>>26)&1 != 0 && slices.Contains(offs, w) {
				// Named types of a CO-RE kind carry coreFlag.
				if (classes[0] && off&coreFlag != 0 || classes[1] && off&coreFlag == 0) && keep(id) {
					ids = append(ids, id)
				}
			}
			id++
		}
	})
	return ids
}

// walkLimit is the number of scans of a blob without offs that walk its
// types rather than build the offsets. A walk costs a little more than
// reading the offsets, building them (500 KB for vmlinux) more than
// several walks (BenchmarkLookupVmlinux).
const walkLimit = 4

// scanStringsMin is the number of types from which a base blob's scan
// searches the string section first rather than comparing every type's
// name.
const scanStringsMin = 4 << 10

// nameOffsets appends to dst the offsets (in the combined string table)
// of this blob's own strings that may be the name of a type answering q:
// every place name occurs followed by a NUL, and for an essential-name
// query also followed by "___" (a flavored name; the caller checks the
// exact rule). A type's name offset may point at the tail of a longer
// string, so occurrences anywhere count, not only at the start of a
// string.
//
// The search runs bytes.IndexByte over the table for the name's rarest
// byte (by byteRank) and compares the whole needle around each hit: on
// vmlinux's 2 MB of identifiers that skips far more than searching for
// the first byte.
func (d *data) nameOffsets(q *query, dst []uint32) []uint32 {
	table := d.strs
	needle := make([]byte, 0, len(q.name)+1)
	needle = append(needle, q.name...)
	if q.exact {
		needle = append(needle, 0)
	}
	k := 0
	for i := 1; i < len(q.name); i++ {
		if byteRank(q.name[i]) < byteRank(q.name[k]) {
			k = i
		}
	}
	c := needle[k]
	for pos := k; pos < len(table); {
		j := bytes.IndexByte(table[pos:], c)
		if j < 0 {
			break
		}
		at := pos + j - k // pos >= k, so at >= 0
		pos += j + 1
		if at+len(needle) > len(table) {
			break
		}
		if !bytes.Equal(table[at:at+len(needle)], needle) {
			continue
		}
		if !q.exact {
			// The table ends in a NUL that needle lacks: rest is not empty.
			rest := table[at+len(needle):]
			if rest[0] != 0 && !bytes.HasPrefix(rest, flavorSep) {
				continue
			}
		}
		dst = append(dst, d.strBase+uint32(at))
	}
	return dst
}

// byteRanks orders bytes by how often they occur in kernel identifiers:
// byteRanks[c] is '0' + max(0, log2(n)-9) for c's count n in the string
// section of a Linux 6.18 x86 vmlinux BTF (2.3 MB), '9' for NUL; bytes
// from 0x80 on rank 0. Only a heuristic: any order is correct, a good one
// is fast.
const byteRanks = "90000000000000000000000000000000000000000000000011223020100000000534454335024445515553322210000907676865571566777477865455200000"

// byteRank returns c's rank in byteRanks: lower is rarer.
func byteRank(c byte) byte {
	if c >= byte(len(byteRanks)) {
		return 0
	}
	return byteRanks[c]
}
