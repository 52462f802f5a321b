// Package sanitize rewrites an object's raw BTF for a kernel that lacks
// some BTF kinds or flags, the way libbpf sanitizes BTF before
// BPF_BTF_LOAD: every type keeps its id and its record size, so map key
// and value type ids, func_info and line_info stay valid.
//
//	VAR, DECL_TAG          -> INT (1 byte)             before 5.2 / 5.16
//	DATASEC                -> STRUCT of its variables  before 5.2
//	'?', '/' in DATASEC    -> '_'                      before 6.9
//	FUNC_PROTO             -> ENUM                     before 5.0
//	FUNC                   -> TYPEDEF                  before 5.0
//	FUNC global linkage    -> static                   before 5.6
//	FLOAT                  -> empty STRUCT, same size  before 5.13
//	TYPE_TAG               -> CONST                    before 5.17
//	ENUM64                 -> UNION of placeholders    before 6.0
//	signed ENUM (kflag)    -> unsigned ENUM            before 6.0
package sanitize

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/btf"
)

// Kernel says which BTF kinds and flags the kernel accepts.
type Kernel struct {
	Func         bool // FUNC and FUNC_PROTO (5.0)
	GlobalFunc   bool // FUNC with global linkage (5.6)
	Datasec      bool // VAR and DATASEC (5.2)
	QmarkDatasec bool // DATASEC names with any printable character, '?' or '/' (6.9)
	Float        bool // FLOAT (5.13)
	DeclTag      bool // DECL_TAG (5.16)
	TypeTag      bool // TYPE_TAG (5.17)
	Enum64       bool // ENUM64 and signed ENUM (6.0)
}

// All is a kernel that accepts every kind: nothing to sanitize.
var All = Kernel{true, true, true, true, true, true, true, true}

// ErrBadBTF is wrapped by the errors of BTF this package cannot walk.
var ErrBadBTF = errors.New("malformed BTF")

// header is the BTF header, little-endian (as the kernel wants it).
type header struct {
	hdrLen, typeOff, typeLen, strOff, strLen uint32
}

func parseHeader(raw []byte) (header, error) {
	if len(raw) < 24 || binary.LittleEndian.Uint16(raw) != 0xeb9f {
		return header{}, fmt.Errorf("%w: no little-endian BTF header", ErrBadBTF)
	}
	h := header{binary.LittleEndian.Uint32(raw[4:]), binary.LittleEndian.Uint32(raw[8:]), binary.LittleEndian.Uint32(raw[12:]), binary.LittleEndian.Uint32(raw[16:]), binary.LittleEndian.Uint32(raw[20:])}
	end := uint64(h.hdrLen)
	if h.hdrLen < 24 || uint64(h.hdrLen)+uint64(h.typeOff)+uint64(h.typeLen) > uint64(len(raw)) ||
		end+uint64(h.strOff)+uint64(h.strLen) > uint64(len(raw)) {
		return header{}, fmt.Errorf("%w: sections past the end (%d bytes)", ErrBadBTF, len(raw))
	}
	return h, nil
}

// trailing returns the size of the data after a type's 12-byte record.
func trailing(kind btf.Kind, vlen int) (int, error) {
	switch kind {
	case btf.KindInt, btf.KindVar, btf.KindDeclTag:
		return 4, nil
	case btf.KindPtr, btf.KindFwd, btf.KindTypedef, btf.KindVolatile, btf.KindConst, btf.KindRestrict, btf.KindFunc, btf.KindFloat, btf.KindTypeTag:
		return 0, nil
	case btf.KindArray:
		return 12, nil
	case btf.KindStruct, btf.KindUnion, btf.KindDatasec, btf.KindEnum64:
		return 12 * vlen, nil
	case btf.KindEnum, btf.KindFuncProto:
		return 8 * vlen, nil
	}
	return 0, fmt.Errorf("%w: unknown kind %d", ErrBadBTF, kind)
}

// Uses returns the kinds and flags of k's fields that raw uses: a field is
// true when some type of raw is rewritten by Sanitize for a kernel
// lacking it, so that Sanitize(raw, k) depends on k's fields where Uses is
// true only. A loader probes the running kernel for those alone.
func Uses(raw []byte) (Kernel, error) {
	var u Kernel
	h, err := parseHeader(raw)
	if err != nil {
		return u, err
	}
	types := raw[h.hdrLen+h.typeOff : h.hdrLen+h.typeOff+h.typeLen]
	strs := raw[h.hdrLen+h.strOff : h.hdrLen+h.strOff+h.strLen]
	for off, id := 0, 1; off < len(types); id++ {
		if off+12 > len(types) {
			return u, fmt.Errorf("%w: truncated type %d", ErrBadBTF, id)
		}
		t := types[off:]
		info := binary.LittleEndian.Uint32(t[4:])
		kind, vlen, kflag := btf.Kind(info>>24&0x1f), int(info&0xffff), info>>31 == 1
		n, err := trailing(kind, vlen)
		if err != nil {
			return u, fmt.Errorf("type %d: %w", id, err)
		}
		if off += 12 + n; off > len(types) {
			return u, fmt.Errorf("%w: truncated type %d", ErrBadBTF, id)
		}
		switch kind {
		case btf.KindVar:
			u.Datasec = true
		case btf.KindDatasec:
			u.Datasec = true
			for i := int(binary.LittleEndian.Uint32(t[0:])); i < len(strs) && strs[i] != 0; i++ {
				if c := strs[i]; c != '.' && !identChar(c) {
					u.QmarkDatasec = true
				}
			}
		case btf.KindFuncProto:
			u.Func = true
		case btf.KindFunc:
			u.Func = true
			u.GlobalFunc = u.GlobalFunc || vlen != 0
		case btf.KindFloat:
			u.Float = true
		case btf.KindDeclTag:
			u.DeclTag = true
		case btf.KindTypeTag:
			u.TypeTag = true
		case btf.KindEnum64:
			u.Enum64 = true
		case btf.KindEnum:
			u.Enum64 = u.Enum64 || kflag
		}
	}
	return u, nil
}

// Needed reports whether raw uses a kind or flag k lacks.
func Needed(raw []byte, k Kernel) (bool, error) {
	_, changes, err := Sanitize(raw, k)
	return len(changes) > 0, err
}

// Sanitize returns raw rewritten for kernel k, and one line per kind of
// rewrite made (e.g. "3 FLOAT as STRUCT"), empty when raw needed none (raw
// is then returned as is). raw is not modified.
func Sanitize(raw []byte, k Kernel) ([]byte, []string, error) {
	h, err := parseHeader(raw)
	if err != nil {
		return nil, nil, err
	}
	if k == All {
		// Nothing to rewrite: check that the types can be walked, and
		// hand raw back without copying it.
		if _, err := typeOffsets(raw[h.hdrLen+h.typeOff:h.hdrLen+h.typeOff+h.typeLen], nil); err != nil {
			return nil, nil, err
		}
		return raw, nil, nil
	}
	out := append([]byte(nil), raw...)
	types := out[h.hdrLen+h.typeOff : h.hdrLen+h.typeOff+h.typeLen]
	strs := out[h.hdrLen+h.strOff : h.hdrLen+h.strOff+h.strLen]

	// First pass: the offset of every type record, by id.
	offs, err := typeOffsets(types, []int{})
	if err != nil {
		return nil, nil, err
	}
	typeAt := func(id uint32) []byte {
		if id == 0 || int(id) > len(offs) {
			return nil
		}
		return types[offs[id-1]:]
	}
	rename := func(nameOff uint32, fn func(i int, c byte) byte) {
		for i := int(nameOff); i < len(strs) && strs[i] != 0; i++ {
			strs[i] = fn(i-int(nameOff), strs[i])
		}
	}

	counts := map[string]int{}
	var order []string
	note := func(what string) {
		if counts[what] == 0 {
			order = append(order, what)
		}
		counts[what]++
	}
	setInfo := func(t []byte, kind btf.Kind, vlen int, kflag bool) {
		info := uint32(kind)<<24 | uint32(vlen)
		if kflag {
			info |= 1 << 31
		}
		binary.LittleEndian.PutUint32(t[4:], info)
	}
	placeholder := uint32(0) // id of the INT enum64 members become
	for _, off := range offs {
		t := types[off:]
		info := binary.LittleEndian.Uint32(t[4:])
		kind, vlen, kflag := btf.Kind(info>>24&0x1f), int(info&0xffff), info>>31 == 1
		switch {
		case !k.Datasec && kind == btf.KindVar || !k.DeclTag && kind == btf.KindDeclTag:
			if kind == btf.KindVar {
				note("VAR as INT")
			} else {
				note("DECL_TAG as INT")
			}
			setInfo(t, btf.KindInt, 0, false)
			binary.LittleEndian.PutUint32(t[8:], 1)  // size 1: never bigger than the variable
			binary.LittleEndian.PutUint32(t[12:], 8) // 8 bits, unsigned
		case !k.Datasec && kind == btf.KindDatasec:
			note("DATASEC as STRUCT")
			// A struct name is an identifier: '.', '?', '/' become '_'.
			rename(binary.LittleEndian.Uint32(t[0:]), func(_ int, c byte) byte {
				if identChar(c) {
					return c
				}
				return '_'
			})
			setInfo(t, btf.KindStruct, vlen, false)
			for j := 0; j < vlen; j++ {
				m := t[12+12*j:]
				varID, offset := binary.LittleEndian.Uint32(m[0:]), binary.LittleEndian.Uint32(m[4:])
				name := uint32(0)
				if vt := typeAt(varID); vt != nil {
					name = binary.LittleEndian.Uint32(vt[0:])
				}
				// secinfo {type, offset, size} -> member {name, type, bit offset}
				binary.LittleEndian.PutUint32(m[0:], name)
				binary.LittleEndian.PutUint32(m[4:], varID)
				binary.LittleEndian.PutUint32(m[8:], offset*8)
			}
		case !k.QmarkDatasec && kind == btf.KindDatasec:
			// Before 6.9 a DATASEC name is an identifier with dots:
			// '?' (libbpf's optional sections), '/' ("maps/static")
			// and the like become '_'.
			changed := false
			rename(binary.LittleEndian.Uint32(t[0:]), func(_ int, c byte) byte {
				if c == '.' || identChar(c) {
					return c
				}
				changed = true
				return '_'
			})
			if changed {
				note("DATASEC name with '?' or '/' as '_'")
			}
		case !k.Func && kind == btf.KindFuncProto:
			note("FUNC_PROTO as ENUM")
			setInfo(t, btf.KindEnum, vlen, false)
			binary.LittleEndian.PutUint32(t[8:], 4)
		case !k.Func && kind == btf.KindFunc:
			note("FUNC as TYPEDEF")
			setInfo(t, btf.KindTypedef, 0, false)
		case !k.GlobalFunc && kind == btf.KindFunc && vlen != 0:
			note("global FUNC as static")
			setInfo(t, btf.KindFunc, 0, false)
		case !k.Float && kind == btf.KindFloat:
			note("FLOAT as STRUCT")
			binary.LittleEndian.PutUint32(t[0:], 0) // anonymous: "float" is no struct name
			setInfo(t, btf.KindStruct, 0, false)
		case !k.TypeTag && kind == btf.KindTypeTag:
			note("TYPE_TAG as CONST")
			binary.LittleEndian.PutUint32(t[0:], 0)
			setInfo(t, btf.KindConst, 0, false)
		case !k.Enum64 && kind == btf.KindEnum && kflag:
			note("signed ENUM as unsigned")
			setInfo(t, btf.KindEnum, vlen, false)
		case !k.Enum64 && kind == btf.KindEnum64:
			note("ENUM64 as UNION")
			if placeholder == 0 {
				placeholder = uint32(len(offs)) + 1
			}
			setInfo(t, btf.KindUnion, vlen, false)
			for j := 0; j < vlen; j++ {
				m := t[12+12*j:]
				// enum64 {name, lo32, hi32} -> member {name, type, offset 0}
				binary.LittleEndian.PutUint32(m[4:], placeholder)
				binary.LittleEndian.PutUint32(m[8:], 0)
			}
		}
	}
	if len(order) == 0 {
		return raw, nil, nil
	}
	if placeholder != 0 {
		out, err = appendPlaceholder(out, h)
		if err != nil {
			return nil, nil, err
		}
	}
	changes := make([]string, len(order))
	for i, what := range order {
		changes[i] = fmt.Sprintf("%d %s", counts[what], what)
	}
	return out, changes, nil
}

// typeOffsets walks the type section types and returns offs with the
// offset of every type record appended, by id (with offs nil, it only
// counts and checks the records, and returns nil).
func typeOffsets(types []byte, offs []int) ([]int, error) {
	n := 0
	for off := 0; off < len(types); {
		if off+12 > len(types) {
			return nil, fmt.Errorf("%w: truncated type %d", ErrBadBTF, n+1)
		}
		info := binary.LittleEndian.Uint32(types[off+4:])
		size, err := trailing(btf.Kind(info>>24&0x1f), int(info&0xffff))
		if err != nil {
			return nil, fmt.Errorf("type %d: %w", n+1, err)
		}
		if offs != nil {
			offs = append(offs, off)
		}
		n++
		off += 12 + size
		if off > len(types) {
			return nil, fmt.Errorf("%w: truncated type %d", ErrBadBTF, n)
		}
	}
	return offs, nil
}

// identChar reports whether c may appear in a C identifier.
func identChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// placeholderName names the 1-byte INT that ENUM64 union members get.
const placeholderName = "enum64_placeholder"

// appendPlaceholder adds INT enum64_placeholder (1 byte) after the last
// type, its name at the end of the strings; the header follows.
func appendPlaceholder(raw []byte, h header) ([]byte, error) {
	if h.strOff != h.typeOff+h.typeLen {
		return nil, fmt.Errorf("%w: strings do not follow types", ErrBadBTF)
	}
	typesEnd := h.hdrLen + h.typeOff + h.typeLen
	strsEnd := h.hdrLen + h.strOff + h.strLen
	rec := make([]byte, 16)
	binary.LittleEndian.PutUint32(rec[0:], h.strLen) // the name is appended to the strings
	binary.LittleEndian.PutUint32(rec[4:], uint32(btf.KindInt)<<24)
	binary.LittleEndian.PutUint32(rec[8:], 1)
	binary.LittleEndian.PutUint32(rec[12:], 8)
	out := make([]byte, 0, len(raw)+len(rec)+len(placeholderName)+1)
	out = append(out, raw[:typesEnd]...)
	out = append(out, rec...)
	out = append(out, raw[typesEnd:strsEnd]...)
	out = append(out, placeholderName...)
	out = append(out, 0)
	binary.LittleEndian.PutUint32(out[12:], h.typeLen+16)
	binary.LittleEndian.PutUint32(out[16:], h.strOff+16)
	binary.LittleEndian.PutUint32(out[20:], h.strLen+uint32(len(placeholderName))+1)
	return out, nil
}
