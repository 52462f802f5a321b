// This file holds Builder, which encodes a new BTF blob from decoded types
// and extra strings: the static linker builds the merged BTF of several
// objects with it, and the ELF writer the .BTF of the object it writes,
// whose .BTF.ext records (section names, line_info, CO-RE access strings)
// need string offsets of their own.

package btf

import (
	"encoding/binary"
	"fmt"
)

// Builder collects types and strings for a new base BTF blob. Types get
// ids in the order they are added, from 1; they may refer to ids added
// later (struct members do). Strings added with AddString keep their
// offsets whatever is added after them.
type Builder struct {
	types []*Type
	st    *strtab
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{st: &strtab{buf: []byte{0}, lookup: make(map[string]uint32)}}
}

// Add appends t and returns its id. The Builder only reads t: its
// member, enum, parameter and entry slices are kept, not copied.
func (b *Builder) Add(t Type) TypeID {
	b.types = append(b.types, &t)
	return TypeID(len(b.types))
}

// NumTypes returns the number of type ids so far, void included.
func (b *Builder) NumTypes() int { return len(b.types) + 1 }

// AddString adds str to the string table (once) and returns its offset.
// A string containing NUL is an error wrapping ErrInvalid.
func (b *Builder) AddString(str string) (uint32, error) {
	return b.st.add(str)
}

// Marshal encodes the types and strings in the given byte order. Every
// type reference must name an added type (or void).
func (b *Builder) Marshal(order binary.ByteOrder) ([]byte, error) {
	app := appender(order)
	limit := TypeID(len(b.types) + 1)
	types := make([]byte, 0, 32*len(b.types))
	for i, t := range b.types {
		var err error
		if types, err = encodeType(types, app, b.st, t, limit); err != nil {
			return nil, fmt.Errorf("btf: build type %d: %w", i+1, err)
		}
	}
	return blob(app, types, b.st.buf)
}

// Build encodes the types and strings like Marshal and parses the result:
// the Spec every later lookup (names, string offsets) is made in.
func (b *Builder) Build(order binary.ByteOrder) (*Spec, error) {
	raw, err := b.Marshal(order)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}
