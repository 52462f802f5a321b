// This file implements the string table: lookups by offset (zero-copy),
// reverse lookups by content, CO-RE essential names, and the table builder
// that Marshal uses.

package btf

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"strings"
	"unsafe"
)

// str returns the string at offset off of the combined (base + own) string
// table, without copying: the result points into the parsed blob.
func (d *data) str(off uint32) (string, bool) {
	b, ok := d.strBytes(off)
	if !ok {
		return "", false
	}
	if len(b) == 0 {
		return "", true
	}
	return unsafe.String(&b[0], len(b)), true
}

// strBytes returns the bytes of the string at offset off, without its NUL.
func (d *data) strBytes(off uint32) ([]byte, bool) {
	if off < d.strBase {
		if d.base == nil {
			return nil, false
		}
		return d.base.strBytes(off)
	}
	off -= d.strBase
	if uint64(off) >= uint64(len(d.strs)) {
		return nil, false
	}
	b := d.strs[off:]
	// Parse checked that the section ends in NUL, so there is one.
	return b[:bytes.IndexByte(b, 0)], true
}

// strTail returns the string table from offset off on: the string at off,
// its NUL and whatever follows (for scanning without a separate search for
// the NUL).
func (d *data) strTail(off uint32) ([]byte, bool) {
	if off < d.strBase {
		if d.base == nil {
			return nil, false
		}
		return d.base.strTail(off)
	}
	off -= d.strBase
	if uint64(off) >= uint64(len(d.strs)) {
		return nil, false
	}
	return d.strs[off:], true
}

// nameAt resolves a name offset for the decoder.
func (d *data) nameAt(off uint32) (string, error) {
	s, ok := d.str(off)
	if !ok {
		return "", fmt.Errorf("string offset %d out of range: %w", off, ErrInvalid)
	}
	return s, nil
}

// String returns the string at offset off of the string table (which for
// split BTF continues the base's table). It refers to the table as parsed:
// strings that Marshal would append for edited types have no offset yet.
func (s *Spec) String(off uint32) (string, error) {
	str, ok := s.str(off)
	if !ok {
		return "", fmt.Errorf("btf: string offset %d out of range (table ends at %d): %w",
			off, uint64(s.strBase)+uint64(len(s.strs)), ErrNotFound)
	}
	return str, nil
}

// StringOffset returns the offset of str in the parsed string table (the
// base's, then this Spec's own, for split BTF), or false. It finds str also
// as the tail of a longer string, as the kernel allows. It scans the table:
// it is meant for occasional lookups, not hot loops.
func (s *Spec) StringOffset(str string) (uint32, bool) {
	if str == "" {
		return 0, true
	}
	if s.base != nil {
		if off, ok := s.base.StringOffset(str); ok {
			return off, true
		}
	}
	if i := findString(s.strs, str); i >= 0 {
		return s.strBase + uint32(i), true
	}
	return 0, false
}

// findString returns the offset in a NUL-separated table of a NUL-terminated
// occurrence of str (a whole entry or the tail of one), or -1.
func findString(table []byte, str string) int {
	if str == "" || strings.IndexByte(str, 0) >= 0 {
		return -1
	}
	needle := make([]byte, 0, len(str)+1)
	needle = append(needle, str...)
	needle = append(needle, 0)
	return bytes.Index(table, needle)
}

// EssentialName returns name with a CO-RE flavor suffix removed, the way
// libbpf does it: the name is cut after the last character X of the last
// "X___Y" pattern where neither X nor Y is an underscore. So
// "task_struct___v1" gives "task_struct", "a___b___c" gives "a___b", and
// "__u32" or "x___" stay as they are.
func EssentialName(name string) string {
	return name[:essentialLen(name)]
}

// essentialLen returns the length of name's essential prefix.
func essentialLen[S ~string | ~[]byte](name S) int {
	for i := len(name) - 5; i >= 0; i-- {
		if name[i] != '_' && name[i+1] == '_' && name[i+2] == '_' && name[i+3] == '_' && name[i+4] != '_' {
			return i + 1
		}
	}
	return len(name)
}

// strtab builds the string section for Marshal: the original table byte for
// byte, then new strings, each stored once.
type strtab struct {
	base uint32 // offset of buf[0] in the combined table
	orig []byte // original own table (prefix of buf)
	buf  []byte
	// index finds the strings added so far (new ones, and original ones
	// found in orig) by hash: an open-addressing table of their offsets
	// in buf, compared against buf itself, so that a string costs no
	// allocation of its own (a map[string]uint32 kept a string header
	// per entry and grew by doubling).
	seed  maphash.Seed
	index []strSlot
	count int
}

// strSlot is one entry of strtab.index: a string's offset in buf plus one
// (0: empty) and its hash.
type strSlot struct {
	off  uint32
	hash uint32
}

func newStrtab(d *data) *strtab {
	// The parsed strings themselves, capacity capped: the first string
	// added copies them (most marshals add none).
	buf := d.strs[:len(d.strs):len(d.strs)]
	if len(buf) == 0 && d.base == nil {
		buf = append(buf, 0)
	}
	return &strtab{base: d.strBase, orig: d.strs, buf: buf, seed: maphash.MakeSeed()}
}

// newBuildStrtab returns the empty table of a Builder: just the empty
// string.
func newBuildStrtab() *strtab {
	return &strtab{buf: []byte{0}, seed: maphash.MakeSeed()}
}

// add returns the offset of str, appending it if the table lacks it.
func (t *strtab) add(str string) (uint32, error) {
	if str == "" {
		return 0, nil
	}
	if strings.IndexByte(str, 0) >= 0 {
		return 0, fmt.Errorf("string %q contains NUL: %w", str, ErrInvalid)
	}
	if len(t.index) == 0 {
		t.index = make([]strSlot, 16)
	}
	h := maphash.String(t.seed, str)
	mask := uint64(len(t.index) - 1)
	i := h & mask
	for ; t.index[i].off != 0; i = (i + 1) & mask {
		if e := t.index[i]; e.hash == uint32(h) && t.at(e.off-1, str) {
			return t.base + e.off - 1, nil
		}
	}
	var off uint32
	if j := findString(t.orig, str); j >= 0 {
		off = uint32(j)
	} else {
		off = uint32(len(t.buf))
		t.buf = append(t.buf, str...)
		t.buf = append(t.buf, 0)
	}
	t.index[i] = strSlot{off: off + 1, hash: uint32(h)}
	t.count++
	if 2*t.count > len(t.index) {
		t.grow()
	}
	return t.base + off, nil
}

// at reports whether buf holds str, NUL-terminated, at off.
func (t *strtab) at(off uint32, str string) bool {
	end := uint64(off) + uint64(len(str))
	return end < uint64(len(t.buf)) && t.buf[end] == 0 && string(t.buf[off:end]) == str
}

// grow doubles the index.
func (t *strtab) grow() {
	old := t.index
	t.index = make([]strSlot, 2*len(old))
	mask := uint64(len(t.index) - 1)
	for _, e := range old {
		if e.off == 0 {
			continue
		}
		// Only 32 bits of the hash are kept: re-hash the string for
		// the slot.
		start := e.off - 1
		n := bytes.IndexByte(t.buf[start:], 0)
		h := maphash.Bytes(t.seed, t.buf[start:int(start)+n])
		i := h & mask
		for t.index[i].off != 0 {
			i = (i + 1) & mask
		}
		t.index[i] = e
	}
}
