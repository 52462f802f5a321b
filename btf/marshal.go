// This file encodes a Spec back into a BTF blob (Spec.Marshal).

package btf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// isBigEndian reports whether order is big endian.
func isBigEndian(order binary.ByteOrder) bool {
	return order.Uint16(orderProbe[:]) == 0x1234
}

// orderProbe is what isBigEndian decodes: a slice of a variable, so that
// handing it to an interface method allocates nothing (a slice literal
// would escape to the heap on every call).
var orderProbe = [2]byte{0x12, 0x34}

// Marshal encodes the Spec's own types (not a base's) into a BTF blob in the
// given byte order.
//
// The original string table is kept byte for byte as the prefix of the new
// one, so every string offset into it (names, and the file and line strings
// that .BTF.ext line_info refers to) stays valid; strings of edited or added
// types that are not in it are appended, each once. Unedited types are
// copied from the parsed blob (byte-swapped word by word if the order
// differs); edited and added types are encoded and checked.
func (s *Spec) Marshal(order binary.ByteOrder) ([]byte, error) {
	be := isBigEndian(order)
	app := appender(order)
	st := newStrtab(s.data)
	// One buffer: the header (written last), the types encoded in place,
	// then the strings. Room for the strings as they are now; added ones
	// may grow it once.
	out := make([]byte, headerLen, headerLen+len(s.types)+64*len(s.added)+len(st.buf)+64)
	n := TypeID(s.NumTypes())
	for id := s.firstID; id < n; id++ {
		if t := s.edited(id); t != nil {
			var err error
			if out, err = encodeType(out, app, st, t, n); err != nil {
				return nil, fmt.Errorf("btf: marshal type %d: %w", id, err)
			}
			continue
		}
		start := s.typeOffset(uint32(id - s.firstID))
		raw := s.types[start : start+typeSize(s.u32(s.types[start+4:]))]
		if be == s.bigEndian {
			out = append(out, raw...)
			continue
		}
		// Every field of an encoded type is a 32-bit word.
		for w := 0; w+4 <= len(raw); w += 4 {
			out = app.AppendUint32(out, s.u32(raw[w:]))
		}
	}
	typeLen := len(out) - headerLen
	if uint64(typeLen)+uint64(len(st.buf)) > math.MaxUint32-headerLen {
		return nil, fmt.Errorf("btf: marshal: %d bytes of types and strings: %w", typeLen+len(st.buf), ErrInvalid)
	}
	out = append(out, st.buf...)
	putHeader(out[:0], app, typeLen, len(st.buf))
	return out, nil
}

// putHeader appends a BTF header for a type section of typeLen bytes
// followed by a string section of strLen bytes to out (which, given a
// zero-length slice of a buffer, writes the header in place).
func putHeader(out []byte, app binary.AppendByteOrder, typeLen, strLen int) []byte {
	out = app.AppendUint16(out, btfMagic)
	out = append(out, btfVersion, 0)
	out = app.AppendUint32(out, headerLen)
	out = app.AppendUint32(out, 0)               // type_off
	out = app.AppendUint32(out, uint32(typeLen)) // type_len
	out = app.AppendUint32(out, uint32(typeLen)) // str_off
	return app.AppendUint32(out, uint32(strLen)) // str_len
}

// blob frames a type section and a string section with a BTF header.
func blob(app binary.AppendByteOrder, types, strs []byte) ([]byte, error) {
	if uint64(len(types))+uint64(len(strs)) > math.MaxUint32-headerLen {
		return nil, fmt.Errorf("btf: marshal: %d bytes of types and strings: %w", len(types)+len(strs), ErrInvalid)
	}
	out := putHeader(make([]byte, 0, headerLen+len(types)+len(strs)), app, len(types), len(strs))
	out = append(out, types...)
	out = append(out, strs...)
	return out, nil
}

// encodeType appends the encoding of t to buf. Type ids must be below limit.
func encodeType(buf []byte, order binary.AppendByteOrder, st *strtab, t *Type, limit TypeID) ([]byte, error) {
	if t.Kind == KindUnknown || t.Kind > maxKind {
		return nil, fmt.Errorf("invalid kind %d: %w", t.Kind, ErrInvalid)
	}
	// what describes the field for an error: what alone when i < 0, else
	// "what i" (formatted only when there is an error to report).
	what := func(what string, i int) string {
		if i < 0 {
			return what
		}
		return fmt.Sprintf("%s %d", what, i)
	}
	refAt := func(field string, i int, id TypeID) error {
		if id >= limit {
			return fmt.Errorf("%s: type id %d out of range: %w", what(field, i), id, ErrInvalid)
		}
		return nil
	}
	ref := func(field string, id TypeID) error { return refAt(field, -1, id) }
	nameAt := func(field string, i int, str string) (uint32, error) {
		off, err := st.add(str)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what(field, i), err)
		}
		return off, nil
	}
	name := func(field, str string) (uint32, error) { return nameAt(field, -1, str) }

	vlen := t.vlen()
	if vlen > maxVlen {
		return nil, fmt.Errorf("%s: vlen %d exceeds %d: %w", t.Kind, vlen, maxVlen, ErrInvalid)
	}
	nameOff, err := name("name", t.Name)
	if err != nil {
		return nil, err
	}
	info := uint32(t.Kind)<<24 | uint32(vlen)
	if t.KindFlag {
		info |= 1 << 31
	}
	var sizeType uint32
	switch {
	case hasSize(t.Kind):
		sizeType = t.Size
	case hasTypeRef(t.Kind):
		if err := ref(t.Kind.String(), t.Type); err != nil {
			return nil, err
		}
		sizeType = uint32(t.Type)
	}
	buf = order.AppendUint32(buf, nameOff)
	buf = order.AppendUint32(buf, info)
	buf = order.AppendUint32(buf, sizeType)

	switch t.Kind {
	case KindInt:
		if t.IntEncoding > 0xf {
			return nil, fmt.Errorf("int encoding %#x: %w", t.IntEncoding, ErrInvalid)
		}
		buf = order.AppendUint32(buf, uint32(t.IntEncoding)<<24|uint32(t.IntOffset)<<16|uint32(t.IntBits))
	case KindArray:
		if err := ref("array element", t.Array.Type); err != nil {
			return nil, err
		}
		if err := ref("array index", t.Array.IndexType); err != nil {
			return nil, err
		}
		buf = order.AppendUint32(buf, uint32(t.Array.Type))
		buf = order.AppendUint32(buf, uint32(t.Array.IndexType))
		buf = order.AppendUint32(buf, t.Array.Nelems)
	case KindStruct, KindUnion:
		for i, m := range t.Members {
			off, err := nameAt("member", i, m.Name)
			if err != nil {
				return nil, err
			}
			if err := refAt("member", i, m.Type); err != nil {
				return nil, err
			}
			bits := m.BitOffset
			if t.KindFlag {
				if m.BitfieldSize > 0xff || m.BitOffset > 0xffffff {
					return nil, fmt.Errorf("member %d: bitfield size %d / offset %d too large: %w", i, m.BitfieldSize, m.BitOffset, ErrInvalid)
				}
				bits |= m.BitfieldSize << 24
			} else if m.BitfieldSize != 0 {
				return nil, fmt.Errorf("member %d: bitfield without kind_flag: %w", i, ErrInvalid)
			}
			buf = order.AppendUint32(buf, off)
			buf = order.AppendUint32(buf, uint32(m.Type))
			buf = order.AppendUint32(buf, bits)
		}
	case KindEnum:
		for i, e := range t.Enums {
			off, err := nameAt("enum value", i, e.Name)
			if err != nil {
				return nil, err
			}
			if (t.KindFlag && (e.Value < math.MinInt32 || e.Value > math.MaxInt32)) ||
				(!t.KindFlag && (e.Value < 0 || e.Value > math.MaxUint32)) {
				return nil, fmt.Errorf("enum value %d: %d does not fit 32 bits (signed=%v): %w", i, e.Value, t.KindFlag, ErrInvalid)
			}
			buf = order.AppendUint32(buf, off)
			buf = order.AppendUint32(buf, uint32(e.Value))
		}
	case KindEnum64:
		for i, e := range t.Enums {
			off, err := nameAt("enum64 value", i, e.Name)
			if err != nil {
				return nil, err
			}
			buf = order.AppendUint32(buf, off)
			buf = order.AppendUint32(buf, uint32(uint64(e.Value)))
			buf = order.AppendUint32(buf, uint32(uint64(e.Value)>>32))
		}
	case KindFuncProto:
		for i, p := range t.Params {
			off, err := nameAt("param", i, p.Name)
			if err != nil {
				return nil, err
			}
			if err := refAt("param", i, p.Type); err != nil {
				return nil, err
			}
			buf = order.AppendUint32(buf, off)
			buf = order.AppendUint32(buf, uint32(p.Type))
		}
	case KindVar:
		buf = order.AppendUint32(buf, t.Linkage)
	case KindDatasec:
		for i, v := range t.Vars {
			if err := refAt("datasec var", i, v.Type); err != nil {
				return nil, err
			}
			buf = order.AppendUint32(buf, uint32(v.Type))
			buf = order.AppendUint32(buf, v.Offset)
			buf = order.AppendUint32(buf, v.Size)
		}
	case KindDeclTag:
		if t.ComponentIdx < -1 {
			return nil, fmt.Errorf("decl_tag component_idx %d: %w", t.ComponentIdx, ErrInvalid)
		}
		buf = order.AppendUint32(buf, uint32(t.ComponentIdx))
	}
	return buf, nil
}
