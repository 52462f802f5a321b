// This file holds Spec: header validation, the one-pass type offset index
// that Parse builds, and on-demand decoding of individual types.

package btf

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
)

const (
	btfMagic      = 0xeB9F
	btfVersion    = 1
	headerLen     = 24 // sizeof(struct btf_header)
	typeHeaderLen = 12 // sizeof(struct btf_type)

	// Type offsets are kept in fixed-size chunks so that indexing needs no
	// estimate of the type count and never copies while growing.
	chunkBits = 12
	chunkSize = 1 << chunkBits

	// maxVlen is the largest vlen the 16-bit field can hold.
	maxVlen = 0xffff
	// infoMask covers the bits of btf_type.info that carry meaning
	// (kind_flag, kind, vlen); the kernel rejects any other bit set.
	infoMask = 0x9f00ffff
)

// Spec is a BTF type graph: either a complete ("base") BTF blob, or split
// BTF whose type ids and string offsets continue after those of a base Spec
// (kernel module BTF on top of vmlinux).
//
// A Spec is a cheap view over shared, immutable parsed data plus its own
// edits (Set, Add): several views may share one parsed blob and its caches.
type Spec struct {
	*data

	mods  map[TypeID]*Type // replaced original types
	added []*Type          // appended types, ids from data.limit on
}

// data is the immutable parsed form of one BTF blob, shared by views.
type data struct {
	base    *Spec
	firstID TypeID // id of the first type in this blob (1 for base BTF)
	limit   TypeID // firstID + number of types in this blob

	bigEndian bool
	// built is set for a blob Builder.Build encoded: every record is
	// in the form encodeType writes, so copying it is re-encoding it.
	built   bool
	raw     []byte // whole blob as given to Parse
	types   []byte // type section
	strs    []byte // string section
	strBase uint32 // string offset where strs begins (base's total string length)

	// Where each own type starts. offs holds the byte offset in types of
	// type firstID+i (| coreFlag), in chunks; for a large blob (vmlinux:
	// 500 KB of offsets) it is built on first need (dense), and until
	// then typeOffset walks from the nearest mark: the offset of every
	// markSize-th type, recorded by Parse. A process that looks up a few
	// vmlinux types never builds it.
	offs     atomic.Pointer[[][]uint32]
	offsOnce sync.Once
	marks    []uint32
	sparse   atomic.Int32 // typeOffset calls answered from marks so far
	walks    atomic.Int32 // scans that walked the type section for want of offs

	cache typeCache // decoded types by own index

	coreIdx  nameIndex // named types of the kinds CO-RE looks up
	otherIdx nameIndex // every other named type
	memo     scanMemo  // answers of the lookups that scanned
}

// Parse parses a complete BTF blob (header, type and string sections), in
// either byte order as told by its magic number. It checks the header,
// section bounds, every type's kind, info bits, vlen against the section
// size and name offset; the types themselves are decoded when asked for.
// raw is retained and must not be modified afterwards.
func Parse(raw []byte) (*Spec, error) {
	d, err := parse(raw, nil)
	if err != nil {
		return nil, err
	}
	return &Spec{data: d}, nil
}

// ParseSplit parses split BTF on top of base: its first type id is the
// base's type count and its string offsets continue after the base's string
// table. Types of base are reached through the returned Spec as well.
func ParseSplit(raw []byte, base *Spec) (*Spec, error) {
	if base == nil {
		return nil, fmt.Errorf("btf: split BTF without base: %w", ErrInvalid)
	}
	d, err := parse(raw, base)
	if err != nil {
		return nil, err
	}
	return &Spec{data: d}, nil
}

func (d *data) u32(b []byte) uint32 {
	if d.bigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// parse validates raw and builds the type offset index. It is the
// constructor behind Parse, ParseSplit and LoadKernel (and the benchmarks).
func parse(raw []byte, base *Spec) (*data, error) {
	if len(raw) < headerLen {
		return nil, fmt.Errorf("btf: header: %d bytes, need %d: %w", len(raw), headerLen, ErrInvalid)
	}
	d := &data{raw: raw, base: base, firstID: 1}
	switch {
	case raw[0] == 0x9f && raw[1] == 0xeb:
	case raw[0] == 0xeb && raw[1] == 0x9f:
		d.bigEndian = true
	default:
		return nil, fmt.Errorf("btf: header: bad magic %#02x%02x: %w", raw[0], raw[1], ErrInvalid)
	}
	if raw[2] != btfVersion {
		return nil, fmt.Errorf("btf: header: unsupported version %d: %w", raw[2], ErrInvalid)
	}
	if raw[3] != 0 {
		return nil, fmt.Errorf("btf: header: unsupported flags %#x: %w", raw[3], ErrInvalid)
	}
	hdrLen := d.u32(raw[4:])
	if hdrLen < headerLen || uint64(hdrLen) > uint64(len(raw)) {
		return nil, fmt.Errorf("btf: header: hdr_len %d out of range [%d, %d]: %w", hdrLen, headerLen, len(raw), ErrInvalid)
	}
	for _, b := range raw[headerLen:hdrLen] {
		if b != 0 {
			return nil, fmt.Errorf("btf: header: unsupported non-zero header fields beyond %d bytes: %w", headerLen, ErrInvalid)
		}
	}
	typeOff, typeLen := d.u32(raw[8:]), d.u32(raw[12:])
	strOff, strLen := d.u32(raw[16:]), d.u32(raw[20:])
	body := raw[hdrLen:]
	if uint64(typeOff)+uint64(typeLen) > uint64(len(body)) {
		return nil, fmt.Errorf("btf: header: type section [%d, +%d) beyond end of data (%d bytes): %w", typeOff, typeLen, len(body), ErrInvalid)
	}
	if uint64(strOff)+uint64(strLen) > uint64(len(body)) {
		return nil, fmt.Errorf("btf: header: string section [%d, +%d) beyond end of data (%d bytes): %w", strOff, strLen, len(body), ErrInvalid)
	}
	if typeOff%4 != 0 {
		return nil, fmt.Errorf("btf: header: type section offset %d not 4-byte aligned: %w", typeOff, ErrInvalid)
	}
	if typeLen%4 != 0 {
		return nil, fmt.Errorf("btf: header: type section length %d not a multiple of 4: %w", typeLen, ErrInvalid)
	}
	if typeLen > 0 && strLen > 0 && typeOff < strOff+strLen && strOff < typeOff+typeLen {
		return nil, fmt.Errorf("btf: header: type and string sections overlap: %w", ErrInvalid)
	}
	d.types = body[typeOff : typeOff+typeLen]
	d.strs = body[strOff : strOff+strLen]

	if base != nil {
		d.firstID = base.limit
		d.strBase = base.strBase + uint32(len(base.strs))
		if uint64(d.strBase)+uint64(strLen) > math.MaxUint32 {
			return nil, fmt.Errorf("btf: string section: combined size with base exceeds 4 GiB: %w", ErrInvalid)
		}
	} else if strLen == 0 || d.strs[0] != 0 {
		return nil, fmt.Errorf("btf: string section does not start with an empty string: %w", ErrInvalid)
	}
	if strLen > 0 && d.strs[strLen-1] != 0 {
		return nil, fmt.Errorf("btf: string section not NUL-terminated: %w", ErrInvalid)
	}

	if err := d.indexTypes(); err != nil {
		return nil, err
	}
	return d, nil
}

// Per-kind framing, packed into constants so that the indexing loop needs
// no memory loads to size a type (this keeps its critical path short):
// for kind k, bits 2k..2k+1 of fixedWords hold the number of 32-bit words
// after the header, those of vlenWords the words per vlen unit; bit k of
// the masks says whether k is a valid kind, may have a non-zero vlen, and
// goes into the CO-RE name index when named. (TestFramingConstants
// derives them from trailerSize and coreKind.)
const (
	fixedWords uint64 = 1<<(2*KindInt) | 3<<(2*KindArray) | 1<<(2*KindVar) | 1<<(2*KindDeclTag)
	vlenWords  uint64 = 3<<(2*KindStruct) | 3<<(2*KindUnion) | 2<<(2*KindEnum) | 2<<(2*KindFuncProto) |
		3<<(2*KindDatasec) | 3<<(2*KindEnum64)
	validKinds uint32 = 1<<(maxKind+1) - 1<<KindInt // KindInt..maxKind
	vlenKinds  uint32 = 1<<KindStruct | 1<<KindUnion | 1<<KindEnum | 1<<KindFunc | 1<<KindFuncProto |
		1<<KindDatasec | 1<<KindEnum64
	coreKinds uint32 = 1<<KindInt | 1<<KindStruct | 1<<KindUnion | 1<<KindEnum | 1<<KindEnum64 |
		1<<KindFwd | 1<<KindTypedef | 1<<KindFloat
)

// indexTypes walks the type section once, validating each type's framing
// and recording its offset. This loop is the whole cost of opening vmlinux,
// so it checks with bit masks and leaves the wording of errors to
// checkType.
func (d *data) indexTypes() error {
	types := d.types
	be := d.bigEndian
	strEnd := uint64(d.strBase) + uint64(len(d.strs))
	fixedW, vlenW, valid, vlenOK := fixedWords, vlenWords, validKinds, vlenKinds
	// Every type takes at least a header: no more marks than this.
	marks := make([]uint32, 0, len(types)/typeHeaderLen/markSize+1)
	n, off := 0, 0
	for off < len(types) {
		if len(types)-off < typeHeaderLen {
			return d.checkType(n, off)
		}
		h := types[off : off+typeHeaderLen : off+typeHeaderLen]
		nameOff := binary.LittleEndian.Uint32(h[0:4])
		info := binary.LittleEndian.Uint32(h[4:8])
		if be {
			nameOff, info = bits.ReverseBytes32(nameOff), bits.ReverseBytes32(info)
		}
		k := info >> 24 & 0x1f
		vlen := info & 0xffff
		if info&^infoMask != 0 || valid>>k&1 == 0 || uint64(nameOff) >= strEnd || (vlen != 0 && vlenOK>>k&1 == 0) {
			return d.checkType(n, off)
		}
		size := typeHeaderLen + 4*int(fixedW>>(2*k)&3+(vlenW>>(2*k)&3)*uint64(vlen))
		if size > len(types)-off {
			return d.checkType(n, off)
		}
		if n&(markSize-1) == 0 {
			marks = append(marks, uint32(off))
		}
		off += size
		n++
	}
	if uint64(d.firstID)+uint64(n) > math.MaxUint32 {
		return fmt.Errorf("btf: too many types: %w", ErrInvalid)
	}
	d.limit = d.firstID + TypeID(n)
	d.marks = marks
	if n <= smallCache {
		d.cache.small = make([]atomic.Pointer[Type], n)
	} else {
		d.cache.chunks = make([]atomic.Pointer[[chunkSize]atomic.Pointer[Type]], (n+chunkSize-1)/chunkSize)
	}
	if n <= chunkSize {
		d.dense() // a small blob: one chunk, and every type will be read
	}
	return nil
}

// dense returns the offsets of every own type, in chunks, building them
// on first use with a walk of the type section (validated by Parse).
// Offsets are multiples of 4: bit 0 (coreFlag) marks named types of the
// kinds in the CO-RE index, so building that index needs no second walk.
func (d *data) dense() [][]uint32 {
	if o := d.offs.Load(); o != nil {
		return *o
	}
	d.offsOnce.Do(func() {
		n := d.numOwn()
		offs := make([][]uint32, 0, (n+chunkSize-1)/chunkSize)
		types, coreK := d.types, coreKinds
		off := 0
		for c := 0; c*chunkSize < n; c++ {
			chunk := make([]uint32, min(chunkSize, n-c*chunkSize))
			for i := range chunk {
				nameOff, info := d.u32(types[off:]), d.u32(types[off+4:])
				entry := uint32(off)
				if coreK>>(info>>24&0x1f)&1 != 0 && nameOff != 0 {
					entry |= coreFlag
				}
				chunk[i] = entry
				off += typeSize(info)
			}
			offs = append(offs, chunk)
		}
		d.offs.Store(&offs)
	})
	return *d.offs.Load()
}

// typeSize returns the encoded size of a type whose info word is info
// (Parse has checked that it is valid).
func typeSize(info uint32) int {
	k, vlen := info>>24&0x1f, info&0xffff
	return typeHeaderLen + 4*int(fixedWords>>(2*k)&3+(vlenWords>>(2*k)&3)*uint64(vlen))
}

// checkType describes what is wrong with the framing of own type index n at
// offset off, for indexTypes.
func (d *data) checkType(n, off int) error {
	types := d.types
	id := uint64(d.firstID) + uint64(n)
	strEnd := uint64(d.strBase) + uint64(len(d.strs))
	if len(types)-off < typeHeaderLen {
		return fmt.Errorf("btf: type %d: header truncated at offset %d: %w", id, off, ErrInvalid)
	}
	nameOff := d.u32(types[off:])
	info := d.u32(types[off+4:])
	if info&^infoMask != 0 {
		return fmt.Errorf("btf: type %d: reserved info bits set (%#x): %w", id, info, ErrInvalid)
	}
	kind := Kind(info >> 24 & 0x1f)
	vlen := info & 0xffff
	extra, ok := trailerSize(kind, vlen)
	if !ok {
		return fmt.Errorf("btf: type %d: unknown kind %d: %w", id, kind, ErrInvalid)
	}
	if vlen != 0 && vlenKinds>>kind&1 == 0 {
		return fmt.Errorf("btf: type %d: %s with vlen %d: %w", id, kind, vlen, ErrInvalid)
	}
	if uint64(nameOff) >= strEnd {
		return fmt.Errorf("btf: type %d: name offset %d out of range (string section ends at %d): %w", id, nameOff, strEnd, ErrInvalid)
	}
	size := typeHeaderLen + int(extra)
	return fmt.Errorf("btf: type %d: %s with vlen %d needs %d bytes, %d left in type section: %w", id, kind, vlen, size, len(types)-off, ErrInvalid)
}

// numOwn returns the number of types encoded in this blob.
func (d *data) numOwn() int { return int(d.limit - d.firstID) }

// coreFlag marks an entry of data.offs as a named type of a CO-RE kind.
const coreFlag = 1

const (
	// markBits sets the distance between marks: 32 types, so that a
	// lookup without offs walks 16 type headers on average.
	markBits = 5
	markSize = 1 << markBits
	// denseAfter is the number of typeOffset calls answered by walking
	// from a mark after which the offsets are built: a few hundred walks
	// cost less than building them (a walk of every type), thousands
	// more (CO-RE matching in user space reads many types).
	denseAfter = 1024
)

// typeOffset returns the offset in d.types of own type index i.
func (d *data) typeOffset(i uint32) int {
	if o := d.offs.Load(); o != nil {
		return int((*o)[i>>chunkBits][i&(chunkSize-1)] &^ coreFlag)
	}
	if d.sparse.Add(1) > denseAfter {
		return int(d.dense()[i>>chunkBits][i&(chunkSize-1)] &^ coreFlag)
	}
	return d.markOffset(i)
}

// markOffset returns the offset of own type index i by walking from the
// mark before it.
func (d *data) markOffset(i uint32) int {
	off := int(d.marks[i>>markBits])
	for k := i &^ (markSize - 1); k < i; k++ {
		off += typeSize(d.u32(d.types[off+4:]))
	}
	return off
}

// NumTypes returns the number of type ids in the Spec, including void (id 0),
// the base's types for split BTF and types appended with Add. Valid ids are
// [0, NumTypes()).
func (s *Spec) NumTypes() int { return int(s.limit) + len(s.added) }

// Base returns the base Spec of split BTF, or nil.
func (s *Spec) Base() *Spec { return s.base }

// FirstID returns the id of the first type encoded in this Spec's own blob:
// 1 for base BTF (0 is void), the base's type count for split BTF.
func (s *Spec) FirstID() TypeID { return s.firstID }

// Copy returns a new view of the Spec with its own copy of the edits made so
// far; edits to either do not affect the other. The parsed data and the
// decode cache are shared, so this is cheap.
func (s *Spec) Copy() *Spec {
	c := &Spec{data: s.data}
	if s.mods != nil {
		c.mods = make(map[TypeID]*Type, len(s.mods))
		for id, t := range s.mods {
			c.mods[id] = t
		}
	}
	c.added = append([]*Type(nil), s.added...)
	return c
}

// edited returns the edited or appended type with the given id, or nil.
func (s *Spec) edited(id TypeID) *Type {
	if id >= s.limit {
		if i := int(id - s.limit); i < len(s.added) {
			return s.added[i]
		}
		return nil
	}
	if s.mods != nil {
		return s.mods[id]
	}
	return nil
}

var voidType = &Type{}

// Type returns the type with the given id, decoding it on first use. Id 0 is
// void (Kind KindUnknown). The result is shared: do not modify it (see
// Type.Copy). An id out of range gives an error wrapping ErrNotFound; a type
// whose encoding is invalid one wrapping ErrInvalid.
func (s *Spec) Type(id TypeID) (*Type, error) {
	if t := s.edited(id); t != nil {
		return t, nil
	}
	if id < s.firstID {
		if s.base != nil {
			return s.base.Type(id)
		}
		return voidType, nil
	}
	if id >= s.limit {
		return nil, fmt.Errorf("btf: type %d: %w (spec has %d types)", id, ErrNotFound, s.NumTypes())
	}
	i := uint32(id - s.firstID)
	if t := s.cache.load(i); t != nil {
		return t, nil
	}
	t, err := s.decode(id)
	if err != nil {
		return nil, err
	}
	return s.cache.store(i, t), nil
}

// smallCache is the largest number of types whose cache is one slice of
// that length, allocated with the index (an object's BTF: a chunk would
// be mostly unused).
const smallCache = 1024

// typeCache holds decoded types by own index, in chunks of chunkSize
// pointers allocated on first use, so that a huge blob costs nothing until
// its types are decoded and a lookup is two loads, without locks. A blob
// of at most smallCache types has one exactly sized slice instead.
type typeCache struct {
	small  []atomic.Pointer[Type]
	chunks []atomic.Pointer[[chunkSize]atomic.Pointer[Type]]
}

// load returns the cached type of own index i, or nil.
func (c *typeCache) load(i uint32) *Type {
	if uint64(i) < uint64(len(c.small)) {
		return c.small[i].Load()
	}
	if int(i>>chunkBits) >= len(c.chunks) {
		return nil
	}
	chunk := c.chunks[i>>chunkBits].Load()
	if chunk == nil {
		return nil
	}
	return chunk[i&(chunkSize-1)].Load()
}

// store caches t as own index i and returns the cached type: t, or the
// one another goroutine stored first.
func (c *typeCache) store(i uint32, t *Type) *Type {
	if uint64(i) < uint64(len(c.small)) {
		if c.small[i].CompareAndSwap(nil, t) {
			return t
		}
		return c.small[i].Load()
	}
	if int(i>>chunkBits) >= len(c.chunks) {
		return t // not cacheable (cache not sized): decode again next time
	}
	slot := &c.chunks[i>>chunkBits]
	chunk := slot.Load()
	if chunk == nil {
		fresh := new([chunkSize]atomic.Pointer[Type])
		if slot.CompareAndSwap(nil, fresh) {
			chunk = fresh
		} else {
			chunk = slot.Load()
		}
	}
	if chunk[i&(chunkSize-1)].CompareAndSwap(nil, t) {
		return t
	}
	return chunk[i&(chunkSize-1)].Load()
}

// TypeName returns the name of a type without decoding it; "" for void,
// anonymous types and ids out of range.
func (s *Spec) TypeName(id TypeID) string {
	if t := s.edited(id); t != nil {
		return t.Name
	}
	if id < s.firstID {
		if s.base != nil {
			return s.base.TypeName(id)
		}
		return ""
	}
	if id >= s.limit {
		return ""
	}
	off := s.typeOffset(uint32(id - s.firstID))
	name, _ := s.str(s.u32(s.types[off:]))
	return name
}

// TypeKind returns the kind of a type without decoding it; KindUnknown for
// void and ids out of range.
func (s *Spec) TypeKind(id TypeID) Kind {
	if t := s.edited(id); t != nil {
		return t.Kind
	}
	if id < s.firstID {
		if s.base != nil {
			return s.base.TypeKind(id)
		}
		return KindUnknown
	}
	if id >= s.limit {
		return KindUnknown
	}
	return s.rawKind(id)
}

// rawName returns the name of own, unedited type id.
func (d *data) rawName(id TypeID) string {
	off := d.typeOffset(uint32(id - d.firstID))
	name, _ := d.str(d.u32(d.types[off:]))
	return name
}

// rawKind returns the kind of own, unedited type id.
func (d *data) rawKind(id TypeID) Kind {
	off := d.typeOffset(uint32(id - d.firstID))
	return Kind(d.u32(d.types[off+4:]) >> 24 & 0x1f)
}

// Set replaces the type with the given id, which must belong to this Spec
// (not to its base). t is copied.
func (s *Spec) Set(id TypeID, t Type) error {
	if t.Kind == KindUnknown || t.Kind > maxKind {
		return fmt.Errorf("btf: set type %d: invalid kind %d: %w", id, t.Kind, ErrInvalid)
	}
	if id < s.firstID || int(id) >= s.NumTypes() {
		return fmt.Errorf("btf: set type %d: %w (own ids are [%d, %d))", id, ErrNotFound, s.firstID, s.NumTypes())
	}
	c := t.Copy()
	if id >= s.limit {
		s.added[id-s.limit] = &c
		return nil
	}
	if s.mods == nil {
		s.mods = make(map[TypeID]*Type)
	}
	s.mods[id] = &c
	return nil
}

// Add appends a copy of t and returns its id. Do not Add to a Spec that is
// the base of split BTF: the split types already own the following ids.
func (s *Spec) Add(t Type) TypeID {
	c := t.Copy()
	s.added = append(s.added, &c)
	return TypeID(s.NumTypes() - 1)
}

// TypeCopy returns the type with the given id as a value the caller owns
// (its slices shared with nothing), as Type followed by Type.Copy would,
// but without keeping a decoded copy in the Spec: for a caller that reads
// every type once (the static linker, whose inputs' Specs are dropped
// after).
func (s *Spec) TypeCopy(id TypeID) (Type, error) {
	if s.edited(id) == nil && id >= s.firstID && id < s.limit && s.cache.load(uint32(id-s.firstID)) == nil {
		var t Type
		if err := s.decodeInto(id, &t); err != nil {
			return Type{}, err
		}
		return t, nil
	}
	t, err := s.Type(id)
	if err != nil {
		return Type{}, err
	}
	return t.Copy(), nil
}

// decode decodes own type id from the raw type section.
func (s *Spec) decode(id TypeID) (*Type, error) {
	t := new(Type)
	if err := s.decodeInto(id, t); err != nil {
		return nil, err
	}
	return t, nil
}

// decodeInto decodes own type id into *t, every slice freshly allocated.
func (s *Spec) decodeInto(id TypeID, t *Type) error {
	b := s.types[s.typeOffset(uint32(id-s.firstID)):]
	info := s.u32(b[4:])
	*t = Type{
		Kind:     Kind(info >> 24 & 0x1f),
		KindFlag: info>>31 != 0,
	}
	vlen := int(info & 0xffff)
	var err error
	if t.Name, err = s.nameAt(s.u32(b)); err != nil {
		return fmt.Errorf("btf: type %d: name: %w", id, err)
	}
	sizeType := s.u32(b[8:])
	b = b[typeHeaderLen:]
	if hasSize(t.Kind) {
		t.Size = sizeType
	} else if hasTypeRef(t.Kind) {
		t.Type = TypeID(sizeType)
		if err := s.checkRef(t.Type); err != nil {
			return fmt.Errorf("btf: type %d: %s: %w", id, t.Kind, err)
		}
	} else if sizeType != 0 {
		return fmt.Errorf("btf: type %d: %s with non-zero size/type %d: %w", id, t.Kind, sizeType, ErrInvalid)
	}

	switch t.Kind {
	case KindInt:
		enc := s.u32(b)
		t.IntEncoding = uint8(enc >> 24 & 0x0f)
		t.IntOffset = uint8(enc >> 16)
		t.IntBits = uint8(enc)
		if enc&0xf000ff00 != 0 {
			return fmt.Errorf("btf: type %d: int: reserved bits set in %#x: %w", id, enc, ErrInvalid)
		}
	case KindArray:
		t.Array = Array{Type: TypeID(s.u32(b)), IndexType: TypeID(s.u32(b[4:])), Nelems: s.u32(b[8:])}
		if err := s.checkRef(t.Array.Type); err != nil {
			return fmt.Errorf("btf: type %d: array element: %w", id, err)
		}
		if err := s.checkRef(t.Array.IndexType); err != nil {
			return fmt.Errorf("btf: type %d: array index: %w", id, err)
		}
	case KindStruct, KindUnion:
		t.Members = make([]Member, vlen)
		for i := range t.Members {
			r := b[i*12:]
			m := &t.Members[i]
			if m.Name, err = s.nameAt(s.u32(r)); err != nil {
				return fmt.Errorf("btf: type %d: %s member %d: name: %w", id, t.Kind, i, err)
			}
			m.Type = TypeID(s.u32(r[4:]))
			if err := s.checkRef(m.Type); err != nil {
				return fmt.Errorf("btf: type %d: %s member %d: %w", id, t.Kind, i, err)
			}
			off := s.u32(r[8:])
			if t.KindFlag {
				m.BitfieldSize, m.BitOffset = off>>24, off&0xffffff
			} else {
				m.BitOffset = off
			}
		}
	case KindEnum:
		t.Enums = make([]EnumValue, vlen)
		for i := range t.Enums {
			r := b[i*8:]
			e := &t.Enums[i]
			if e.Name, err = s.nameAt(s.u32(r)); err != nil {
				return fmt.Errorf("btf: type %d: enum value %d: name: %w", id, i, err)
			}
			v := s.u32(r[4:])
			if t.KindFlag {
				e.Value = int64(int32(v))
			} else {
				e.Value = int64(v)
			}
		}
	case KindEnum64:
		t.Enums = make([]EnumValue, vlen)
		for i := range t.Enums {
			r := b[i*12:]
			e := &t.Enums[i]
			if e.Name, err = s.nameAt(s.u32(r)); err != nil {
				return fmt.Errorf("btf: type %d: enum64 value %d: name: %w", id, i, err)
			}
			e.Value = int64(uint64(s.u32(r[4:])) | uint64(s.u32(r[8:]))<<32)
		}
	case KindFunc:
		t.Linkage = uint32(vlen)
	case KindFuncProto:
		t.Params = make([]Param, vlen)
		for i := range t.Params {
			r := b[i*8:]
			p := &t.Params[i]
			if p.Name, err = s.nameAt(s.u32(r)); err != nil {
				return fmt.Errorf("btf: type %d: func_proto param %d: name: %w", id, i, err)
			}
			p.Type = TypeID(s.u32(r[4:]))
			if err := s.checkRef(p.Type); err != nil {
				return fmt.Errorf("btf: type %d: func_proto param %d: %w", id, i, err)
			}
		}
	case KindVar:
		t.Linkage = s.u32(b)
	case KindDatasec:
		t.Vars = make([]VarSecinfo, vlen)
		for i := range t.Vars {
			r := b[i*12:]
			v := &t.Vars[i]
			v.Type = TypeID(s.u32(r))
			if err := s.checkRef(v.Type); err != nil {
				return fmt.Errorf("btf: type %d: datasec var %d: %w", id, i, err)
			}
			v.Offset, v.Size = s.u32(r[4:]), s.u32(r[8:])
		}
	case KindDeclTag:
		t.ComponentIdx = int32(s.u32(b))
		if t.ComponentIdx < -1 {
			return fmt.Errorf("btf: type %d: decl_tag component_idx %d: %w", id, t.ComponentIdx, ErrInvalid)
		}
	}
	return nil
}

// checkRef checks that a type id referenced from an original type is in range.
func (d *data) checkRef(ref TypeID) error {
	if ref >= d.limit {
		return fmt.Errorf("type id %d out of range: %w", ref, ErrInvalid)
	}
	return nil
}

// emptyBTF is a valid little-endian blob with no types and an empty string
// table.
var emptyBTF = []byte{
	0x9f, 0xeb, btfVersion, 0,
	headerLen, 0, 0, 0,
	0, 0, 0, 0, // type_off
	0, 0, 0, 0, // type_len
	0, 0, 0, 0, // str_off
	1, 0, 0, 0, // str_len
	0,
}

// NewSpec returns an empty base Spec (only void) to build types into with
// Add and encode with Marshal.
func NewSpec() *Spec {
	s, err := Parse(emptyBTF)
	if err != nil {
		panic(err) // emptyBTF is a constant
	}
	return s
}
