// This file holds Builder, which encodes a new BTF blob from decoded types
// and extra strings: the static linker builds the merged BTF of several
// objects with it, and the ELF writer the .BTF of the object it writes,
// whose .BTF.ext records (section names, line_info, CO-RE access strings)
// need string offsets of their own.

package btf

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Builder collects types and strings for a new base BTF blob. Types get
// ids in the order they are added, from 1; they may refer to ids added
// later (struct members do). Strings added with AddString keep their
// offsets whatever is added after them.
type Builder struct {
	// from holds the types of a Spec added by AddSpec (ids 1 to
	// from.NumTypes()-1), copied record by record at Marshal.
	from  *Spec
	types []Type
	st    *strtab
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{st: newBuildStrtab()}
}

// Add appends t and returns its id. The Builder only reads t: its
// member, enum, parameter and entry slices are kept, not copied.
func (b *Builder) Add(t Type) TypeID {
	b.types = append(b.types, t)
	return TypeID(b.NumTypes() - 1)
}

// AddAll appends ts, as Add would each; the Builder keeps ts itself
// (not a copy) when it has no types yet, so the caller must not use ts
// after.
func (b *Builder) AddAll(ts []Type) {
	if b.types == nil {
		b.types = ts
		return
	}
	b.types = append(b.types, ts...)
}

// Grow makes room for n more types, so that adding them does not
// reallocate.
func (b *Builder) Grow(n int) { b.types = slices.Grow(b.types, n) }

// AddSpec adds every type of spec to an empty Builder, with the ids they
// have in spec; it reports false (adding nothing) when the Builder is not
// empty or spec is not a base Spec built by a Builder and left unedited,
// for which the caller adds the types one by one. The types are copied
// from spec's blob at Marshal, their strings added then, in the order
// encoding them would add them: the same bytes as adding each type,
// without decoding any.
func (b *Builder) AddSpec(spec *Spec) bool {
	if b.from != nil || len(b.types) > 0 || !spec.built || spec.base != nil || len(spec.mods) > 0 || len(spec.added) > 0 {
		return false
	}
	b.from = spec
	// Its strings go to b's table: room for them up front.
	b.st.buf = slices.Grow(b.st.buf, len(spec.strs))
	return true
}

// NumTypes returns the number of type ids so far, void included.
func (b *Builder) NumTypes() int {
	n := len(b.types) + 1
	if b.from != nil {
		n += b.from.NumTypes() - 1
	}
	return n
}

// AddString adds str to the string table (once) and returns its offset.
// A string containing NUL is an error wrapping ErrInvalid.
func (b *Builder) AddString(str string) (uint32, error) {
	return b.st.add(str)
}

// Marshal encodes the types and strings in the given byte order. Every
// type reference must name an added type (or void).
func (b *Builder) Marshal(order binary.ByteOrder) ([]byte, error) {
	app := appender(order)
	limit := TypeID(b.NumTypes())
	first := TypeID(1)
	var types []byte
	if b.from != nil {
		first = TypeID(b.from.NumTypes())
		types = make([]byte, 0, len(b.from.types)+32*len(b.types))
		var err error
		if types, err = b.copyFrom(types, app); err != nil {
			return nil, err
		}
	} else {
		types = make([]byte, 0, 32*len(b.types))
	}
	for i := range b.types {
		var err error
		if types, err = encodeType(types, app, b.st, &b.types[i], limit); err != nil {
			return nil, fmt.Errorf("btf: build type %d: %w", first+TypeID(i), err)
		}
	}
	return blob(app, types, b.st.buf)
}

// copyFrom appends the records of b.from to buf in the given order, every
// string offset replaced by that of the same string in b's table (added
// in record order: the name, then each member's, enumerator's or
// parameter's, as encodeType adds them).
func (b *Builder) copyFrom(buf []byte, order binary.AppendByteOrder) ([]byte, error) {
	d := b.from.data
	raw := d.types
	str := func(off uint32) (uint32, error) {
		s, ok := d.str(off)
		if !ok {
			return 0, fmt.Errorf("btf: build: string offset %d out of range: %w", off, ErrInvalid)
		}
		return b.st.add(s)
	}
	for off := 0; off < len(raw); {
		info := d.u32(raw[off+4:])
		size := typeSize(info)
		rec := raw[off : off+size]
		off += size
		name, err := str(d.u32(rec))
		if err != nil {
			return nil, err
		}
		buf = order.AppendUint32(buf, name)
		buf = order.AppendUint32(buf, info)
		buf = order.AppendUint32(buf, d.u32(rec[8:]))
		// Words of each vlen entry, the first of which is a name:
		// members (3), enumerators (2), enum64 values (3), params (2).
		stride := 0
		switch Kind(info >> 24 & 0x1f) {
		case KindStruct, KindUnion, KindEnum64:
			stride = 3
		case KindEnum, KindFuncProto:
			stride = 2
		}
		for w, at := 0, typeHeaderLen; at < size; w, at = w+1, at+4 {
			v := d.u32(rec[at:])
			if stride > 0 && w%stride == 0 {
				if v, err = str(v); err != nil {
					return nil, err
				}
			}
			buf = order.AppendUint32(buf, v)
		}
	}
	return buf, nil
}

// Build encodes the types and strings like Marshal and parses the result:
// the Spec every later lookup (names, string offsets) is made in.
func (b *Builder) Build(order binary.ByteOrder) (*Spec, error) {
	raw, err := b.Marshal(order)
	if err != nil {
		return nil, err
	}
	spec, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	spec.built = true
	return spec, nil
}
