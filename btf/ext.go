// This file parses .BTF.ext (func_info, line_info and CO-RE relocation
// records, grouped by ELF section) and encodes the records the kernel takes
// in BPF_PROG_LOAD.

package btf

import (
	"encoding/binary"
	"fmt"
	"slices"
)

const (
	extHeaderLen     = 24 // up to line_info_len
	extHeaderCoreLen = 32 // with core_relo_off/len

	// Minimum record sizes (the kernel's struct sizes); files may use
	// larger records, whose tails are ignored.
	FuncInfoMinSize  = 8  // struct bpf_func_info
	LineInfoMinSize  = 16 // struct bpf_line_info
	CORERelosMinSize = 16 // struct bpf_core_relo
)

// FuncInfo is a bpf_func_info record: the function starting at InsnOff has
// type TypeID (a func). In .BTF.ext InsnOff is a byte offset relative to the
// start of the ELF section.
type FuncInfo struct {
	InsnOff uint32
	TypeID  TypeID
}

// LineInfo is a bpf_line_info record. FileNameOff and LineOff are offsets
// into the BTF string table (kept as they are so the records can be handed
// to the kernel together with the BTF); FileName and Line are the resolved
// strings. The line_col word is split into LineNum (line_col >> 10) and Col
// (line_col & 0x3ff).
type LineInfo struct {
	InsnOff              uint32
	FileNameOff, LineOff uint32
	FileName, Line       string
	LineNum              uint32
	Col                  uint32
}

// COREKind is the kind of a CO-RE relocation (enum bpf_core_relo_kind).
type COREKind uint32

// The CO-RE relocation kinds.
const (
	FieldByteOffset COREKind = iota
	FieldByteSize
	FieldExists
	FieldSigned
	FieldLShiftU64
	FieldRShiftU64
	TypeIDLocal
	TypeIDTarget
	TypeExists
	TypeSize
	EnumvalExists
	EnumvalValue
	TypeMatches
)

var coreKindNames = [...]string{
	FieldByteOffset: "field_byte_offset",
	FieldByteSize:   "field_byte_size",
	FieldExists:     "field_exists",
	FieldSigned:     "field_signed",
	FieldLShiftU64:  "field_lshift_u64",
	FieldRShiftU64:  "field_rshift_u64",
	TypeIDLocal:     "local_type_id",
	TypeIDTarget:    "target_type_id",
	TypeExists:      "type_exists",
	TypeSize:        "type_size",
	EnumvalExists:   "enumval_exists",
	EnumvalValue:    "enumval_value",
	TypeMatches:     "type_matches",
}

// String returns libbpf's name of the relocation kind, or "core_kind(N)".
func (k COREKind) String() string {
	if int(k) < len(coreKindNames) {
		return coreKindNames[k]
	}
	return fmt.Sprintf("core_kind(%d)", uint32(k))
}

// CORERelo is a bpf_core_relo record: the instruction at InsnOff (bytes,
// section-relative, in .BTF.ext) accesses local type TypeID along the access
// string Access (at AccessOff in the string table), e.g. "0:1:2".
type CORERelo struct {
	InsnOff   uint32
	TypeID    TypeID
	AccessOff uint32
	Access    string
	Kind      COREKind
}

// ExtSection holds the records of one ELF section.
type ExtSection struct {
	Name      string
	FuncInfos []FuncInfo
	LineInfos []LineInfo
	CORERelos []CORERelo
}

// Ext is a parsed .BTF.ext section. The record sizes are those of the file
// (0 when it has no such subsection).
type Ext struct {
	FuncInfoRecSize, LineInfoRecSize, CORERecSize uint32
	Sections                                      map[string]*ExtSection
}

// section returns the ExtSection named name, creating it.
func (e *Ext) section(name string) *ExtSection {
	sec := e.Sections[name]
	if sec == nil {
		sec = &ExtSection{Name: name}
		e.Sections[name] = sec
	}
	return sec
}

// ExtVisitor receives the records of a .BTF.ext section from WalkExt.
type ExtVisitor interface {
	// ExtSection announces n records of kind ("func_info", "line_info"
	// or "core_relo") of ELF section name, which the calls that follow
	// hand over one by one.
	ExtSection(kind, name string, n int) error
	// FuncInfo, LineInfo and CORERelo hand over one record of the
	// section ExtSection announced last; an error stops the walk and is
	// WalkExt's.
	FuncInfo(fi FuncInfo) error
	LineInfo(li LineInfo) error
	CORERelo(cr CORERelo) error
}

// ExtRecSizes are the record sizes of a .BTF.ext section (0 for a
// subsection it does not have).
type ExtRecSizes struct {
	FuncInfo, LineInfo, CORE uint32
}

// ParseExt parses a .BTF.ext section in byte order order. Section names,
// line_info strings and CO-RE access strings are resolved through strs, the
// BTF the records belong to. It checks the header, each subsection's bounds,
// record sizes (at least the kernel's, a multiple of 4; larger records are
// accepted and their tails ignored), that record counts fit in the data, and
// every string offset; memory used is proportional to len(raw).
func ParseExt(raw []byte, order binary.ByteOrder, strs *Spec) (*Ext, error) {
	b := &extBuilder{ext: &Ext{Sections: make(map[string]*ExtSection)}}
	sizes, err := WalkExt(raw, order, strs, b)
	if err != nil {
		return nil, err
	}
	b.ext.FuncInfoRecSize, b.ext.LineInfoRecSize, b.ext.CORERecSize = sizes.FuncInfo, sizes.LineInfo, sizes.CORE
	return b.ext, nil
}

// extBuilder is the ExtVisitor of ParseExt: it keeps every record.
type extBuilder struct {
	ext *Ext
	cur *ExtSection
}

func (b *extBuilder) ExtSection(kind, name string, n int) error {
	b.cur = b.ext.section(name)
	switch kind {
	case "func_info":
		b.cur.FuncInfos = slices.Grow(b.cur.FuncInfos, n)
	case "line_info":
		b.cur.LineInfos = slices.Grow(b.cur.LineInfos, n)
	case "core_relo":
		b.cur.CORERelos = slices.Grow(b.cur.CORERelos, n)
	}
	return nil
}

func (b *extBuilder) FuncInfo(fi FuncInfo) error {
	b.cur.FuncInfos = append(b.cur.FuncInfos, fi)
	return nil
}

func (b *extBuilder) LineInfo(li LineInfo) error {
	b.cur.LineInfos = append(b.cur.LineInfos, li)
	return nil
}

func (b *extBuilder) CORERelo(cr CORERelo) error {
	b.cur.CORERelos = append(b.cur.CORERelos, cr)
	return nil
}

// WalkExt checks a .BTF.ext section as ParseExt does and hands its records
// to v as it decodes them, keeping none: a caller that moves the records
// into structures of its own (the ELF frontend) does not hold them twice.
// Subsections come in the order func_info, line_info, core_relo, each
// section's records in file order. An error of v stops the walk and is
// returned as it is.
func WalkExt(raw []byte, order binary.ByteOrder, strs *Spec, v ExtVisitor) (ExtRecSizes, error) {
	var sizes ExtRecSizes
	if strs == nil {
		return sizes, fmt.Errorf("btf.ext: no BTF to resolve strings: %w", ErrInvalid)
	}
	if len(raw) < extHeaderLen {
		return sizes, fmt.Errorf("btf.ext: header: %d bytes, need %d: %w", len(raw), extHeaderLen, ErrInvalid)
	}
	if m := order.Uint16(raw); m != btfMagic {
		if m == btfMagic>>8|btfMagic<<8&0xff00 {
			return sizes, fmt.Errorf("btf.ext: header: magic in the other byte order: %w", ErrInvalid)
		}
		return sizes, fmt.Errorf("btf.ext: header: bad magic %#04x: %w", m, ErrInvalid)
	}
	if raw[2] != btfVersion {
		return sizes, fmt.Errorf("btf.ext: header: unsupported version %d: %w", raw[2], ErrInvalid)
	}
	if raw[3] != 0 {
		return sizes, fmt.Errorf("btf.ext: header: unsupported flags %#x: %w", raw[3], ErrInvalid)
	}
	hdrLen := order.Uint32(raw[4:])
	if hdrLen < extHeaderLen || uint64(hdrLen) > uint64(len(raw)) {
		return sizes, fmt.Errorf("btf.ext: header: hdr_len %d out of range [%d, %d]: %w", hdrLen, extHeaderLen, len(raw), ErrInvalid)
	}
	body := raw[hdrLen:]

	// The three subsections, decoded by one loop that switches on the
	// kind (closures per kind would each be an allocation).
	const (
		subFunc = iota
		subLine
		subCORE
	)
	type sub struct {
		name    string
		off     uint32
		len     uint32
		minSize uint32
		recSize *uint32
	}
	subs := [3]sub{
		subFunc: {"func_info", order.Uint32(raw[8:]), order.Uint32(raw[12:]), FuncInfoMinSize, &sizes.FuncInfo},
		subLine: {"line_info", order.Uint32(raw[16:]), order.Uint32(raw[20:]), LineInfoMinSize, &sizes.LineInfo},
	}
	nsubs := 2
	if hdrLen >= extHeaderCoreLen {
		nsubs = 3
		subs[subCORE] = sub{"core_relo", order.Uint32(raw[24:]), order.Uint32(raw[28:]), CORERelosMinSize, &sizes.CORE}
	}
	// decode hands record r of a kind to v; a string it cannot resolve is
	// an error of the walk, v's errors are its own (visitErr).
	var visitErr error
	decode := func(kind int, r []byte) error {
		switch kind {
		case subFunc:
			visitErr = v.FuncInfo(FuncInfo{InsnOff: order.Uint32(r), TypeID: TypeID(order.Uint32(r[4:]))})
		case subLine:
			li := LineInfo{InsnOff: order.Uint32(r), FileNameOff: order.Uint32(r[4:]), LineOff: order.Uint32(r[8:])}
			lc := order.Uint32(r[12:])
			li.LineNum, li.Col = lc>>10, lc&0x3ff
			var err error
			if li.FileName, err = strs.String(li.FileNameOff); err != nil {
				return fmt.Errorf("file name: %w", err)
			}
			if li.Line, err = strs.String(li.LineOff); err != nil {
				return fmt.Errorf("line: %w", err)
			}
			visitErr = v.LineInfo(li)
		case subCORE:
			cr := CORERelo{InsnOff: order.Uint32(r), TypeID: TypeID(order.Uint32(r[4:])),
				AccessOff: order.Uint32(r[8:]), Kind: COREKind(order.Uint32(r[12:]))}
			var err error
			if cr.Access, err = strs.String(cr.AccessOff); err != nil {
				return fmt.Errorf("access string: %w", err)
			}
			visitErr = v.CORERelo(cr)
		}
		return nil
	}

	for kind, sb := range subs[:nsubs] {
		if sb.len == 0 {
			continue
		}
		if uint64(sb.off)+uint64(sb.len) > uint64(len(body)) {
			return sizes, fmt.Errorf("btf.ext: %s: [%d, +%d) beyond end of data (%d bytes): %w", sb.name, sb.off, sb.len, len(body), ErrInvalid)
		}
		data := body[sb.off : sb.off+sb.len]
		if len(data) < 4 {
			return sizes, fmt.Errorf("btf.ext: %s: %d bytes, too short for record size: %w", sb.name, len(data), ErrInvalid)
		}
		recSize := order.Uint32(data)
		if recSize < sb.minSize || recSize%4 != 0 {
			return sizes, fmt.Errorf("btf.ext: %s: record size %d (need a multiple of 4, at least %d): %w", sb.name, recSize, sb.minSize, ErrInvalid)
		}
		*sb.recSize = recSize
		data = data[4:]
		for len(data) > 0 {
			if len(data) < 8 {
				return sizes, fmt.Errorf("btf.ext: %s: truncated section header (%d bytes): %w", sb.name, len(data), ErrInvalid)
			}
			nameOff, num := order.Uint32(data), order.Uint32(data[4:])
			data = data[8:]
			name, err := strs.String(nameOff)
			if err != nil {
				return sizes, fmt.Errorf("btf.ext: %s: section name: %w", sb.name, err)
			}
			if num == 0 {
				return sizes, fmt.Errorf("btf.ext: %s: section %s: no records: %w", sb.name, name, ErrInvalid)
			}
			if uint64(num)*uint64(recSize) > uint64(len(data)) {
				return sizes, fmt.Errorf("btf.ext: %s: section %s: %d records of %d bytes exceed the %d bytes left: %w",
					sb.name, name, num, recSize, len(data), ErrInvalid)
			}
			if err := v.ExtSection(sb.name, name, int(num)); err != nil {
				return sizes, err
			}
			for i := uint32(0); i < num; i++ {
				if err := decode(kind, data[:recSize]); err != nil {
					return sizes, fmt.Errorf("btf.ext: %s: section %s: record %d: %w", sb.name, name, i, err)
				}
				if visitErr != nil {
					return sizes, visitErr
				}
				data = data[recSize:]
			}
		}
	}
	return sizes, nil
}

// AppendFuncInfo appends fi encoded as a bpf_func_info record for
// BPF_PROG_LOAD (func_info_rec_size 8). The kernel wants InsnOff in
// instructions (8-byte units) from the start of the program, not the
// section-relative byte offsets .BTF.ext holds: the caller converts.
func AppendFuncInfo(buf []byte, fi FuncInfo, order binary.ByteOrder) []byte {
	app := appender(order)
	buf = app.AppendUint32(buf, fi.InsnOff)
	return app.AppendUint32(buf, uint32(fi.TypeID))
}

// AppendLineInfo appends li encoded as a bpf_line_info record for
// BPF_PROG_LOAD (line_info_rec_size 16). As for AppendFuncInfo, InsnOff
// must already be in instructions. FileNameOff and LineOff are written as
// they are (the strings are not looked up); line_col is
// LineNum<<10 | Col&0x3ff.
func AppendLineInfo(buf []byte, li LineInfo, order binary.ByteOrder) []byte {
	app := appender(order)
	buf = app.AppendUint32(buf, li.InsnOff)
	buf = app.AppendUint32(buf, li.FileNameOff)
	buf = app.AppendUint32(buf, li.LineOff)
	return app.AppendUint32(buf, li.LineNum<<10|li.Col&0x3ff)
}

// AppendCORERelo appends cr encoded as a bpf_core_relo record for
// BPF_PROG_LOAD (core_relo_rec_size 16). InsnOff is written as given: the
// kernel wants bytes from the start of the program. AccessOff is written
// as it is.
func AppendCORERelo(buf []byte, cr CORERelo, order binary.ByteOrder) []byte {
	app := appender(order)
	buf = app.AppendUint32(buf, cr.InsnOff)
	buf = app.AppendUint32(buf, uint32(cr.TypeID))
	buf = app.AppendUint32(buf, cr.AccessOff)
	return app.AppendUint32(buf, uint32(cr.Kind))
}

// appender returns the AppendByteOrder for order. It asks order which
// order it is rather than assert it to binary.AppendByteOrder: the
// assertion builds an itab at run time, whose first use in a process reads
// type metadata from pages of the binary not touched before (1.6% of a
// small load's process).
func appender(order binary.ByteOrder) binary.AppendByteOrder {
	if isBigEndian(order) {
		return binary.BigEndian
	}
	return binary.LittleEndian
}
