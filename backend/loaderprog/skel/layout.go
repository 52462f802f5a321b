// This file builds the language-neutral layout of a global-data map that
// the light-skeleton emitters render as a Go or C struct: one field per
// global variable of the map's BTF DATASEC at its exact offset, with
// explicit padding, and types simple enough that neither Go nor C inserts
// padding of its own. A type that cannot be mirrored exactly (bitfields,
// unions, packed members, 128-bit integers...) becomes a byte array of its
// size.

package skel

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// maxTypeDepth bounds the nesting of structs and arrays the emitters
// mirror; deeper types become byte arrays.
const maxTypeDepth = 8

// typeKind classifies a mirrored type.
type typeKind int

const (
	tBytes  typeKind = iota // [size]byte / char[size]
	tScalar                 // integer, bool, float, pointer value, enum
	tArray                  // [n]elem
	tStruct                 // struct with fields
)

// lType is a mirrored type.
type lType struct {
	kind  typeKind
	size  uint32
	align uint32
	// tScalar: the Go and C spellings; enum, if set, names the Go enum type.
	goName, cName string
	enum          *lEnum
	// tArray
	elem *lType
	n    uint32
	// tStruct
	fields []lField
}

// lField is a field of a mirrored struct: a variable of a datasec or a
// member of a struct. Padding is not a field: renderers fill the gaps.
type lField struct {
	name   string // the C name
	goName string // the exported Go name
	off    uint32
	t      *lType
}

// lEnum is a named enum found in the datasec types, rendered as a Go type
// with constants.
type lEnum struct {
	name     string // C name
	goName   string
	goBase   string
	values   []btf.EnumValue
	goValues []string // Go constant names, "" for those left out
}

// dataLayout is the layout of one global-data map.
type dataLayout struct {
	m      *loaderprog.MapDesc
	field  string // C member name (".rodata.cfg" → "rodata_cfg")
	goName string // Go field name ("RodataCfg")
	size   uint32 // value size
	t      *lType // a tStruct
}

// layouts builds the layouts of the mmapable global-data maps of obj, in
// map order. enums collects the named enums used.
func layouts(l *loaderprog.Loader, obj *ir.Object) ([]*dataLayout, []*lEnum, error) {
	lb := &layoutBuilder{obj: obj, enums: map[btf.TypeID]*lEnum{}}
	var out []*dataLayout
	// Section names that differ only in punctuation (.data.a.b and
	// .data.a_b) or case give the same identifiers: number the later ones.
	cSeen, goSeen := map[string]bool{}, map[string]bool{}
	for i := range l.Maps {
		m := &l.Maps[i]
		if !m.Kind.IsGlobalData() || !m.Mmapable() || m.ValueSize == 0 {
			continue
		}
		d := &dataLayout{m: m, field: uniqueName(cSeen, cIdent(strings.TrimPrefix(m.Name, ".")), "_"), size: m.ValueSize}
		d.goName = uniqueName(goSeen, goIdent(d.field), "")
		var def *ir.Map
		if i < len(obj.Maps) && obj.Maps[i].Name == m.Name {
			def = obj.Maps[i]
		}
		t, err := lb.datasec(def, m.ValueSize)
		if err != nil {
			return nil, nil, fmt.Errorf("map %s: %w", m.Name, err)
		}
		d.t = t
		out = append(out, d)
	}
	return out, lb.order, nil
}

type layoutBuilder struct {
	obj   *ir.Object
	enums map[btf.TypeID]*lEnum
	order []*lEnum
}

// datasec lays out a global-data map from its DATASEC: global variables
// only (static ones are padding, as in bpftool's skeletons).
func (lb *layoutBuilder) datasec(def *ir.Map, size uint32) (*lType, error) {
	st := &lType{kind: tStruct, size: size, align: 1}
	if def == nil || lb.obj.BTF == nil || def.ValueType == 0 {
		return st, nil
	}
	spec := lb.obj.BTF
	ds, err := spec.Type(def.ValueType)
	if err != nil {
		return nil, err
	}
	if ds.Kind != btf.KindDatasec {
		return st, nil
	}
	vars := append([]btf.VarSecinfo(nil), ds.Vars...)
	sort.SliceStable(vars, func(i, j int) bool { return vars[i].Offset < vars[j].Offset })
	var fields []lField
	end := uint32(0)
	for _, vs := range vars {
		v, err := spec.Type(vs.Type)
		if err != nil {
			return nil, err
		}
		if v.Kind != btf.KindVar || v.Linkage == 0 || v.Name == "" {
			continue // static variable or a function (.ksyms)
		}
		if vs.Size == 0 {
			continue // no storage (empty struct, zero-length array): see zeroSized
		}
		if vs.Offset < end || uint64(vs.Offset)+uint64(vs.Size) > uint64(size) {
			continue // overlapping or out of the value: leave to padding
		}
		t := lb.typ(v.Type, vs.Size, 0)
		if vs.Offset%t.align != 0 {
			t = bytesType(vs.Size)
		}
		fields = append(fields, lField{name: v.Name, off: vs.Offset, t: t})
		end = vs.Offset + vs.Size
	}
	st.fields = uniqueGoNames(fields)
	for _, f := range st.fields {
		st.align = max(st.align, f.t.align)
	}
	return st, nil
}

// zeroSized: variables and members without storage (an empty struct, a
// zero-length array such as a flexible `u32 more[0]`) are left out of the
// mirrored structs. Go pads a struct that ends with a zero-size field so
// that a pointer to the field stays inside the struct, which would break
// the layout; and there is nothing to read or write in them.

func bytesType(size uint32) *lType { return &lType{kind: tBytes, size: size, align: 1} }

// typ mirrors the BTF type id whose size must be size; anything it cannot
// mirror exactly becomes bytes.
func (lb *layoutBuilder) typ(id btf.TypeID, size uint32, depth int) *lType {
	spec := lb.obj.BTF
	if depth > maxTypeDepth {
		return bytesType(size)
	}
	rid, err := spec.Skip(id)
	if err != nil {
		return bytesType(size)
	}
	if got, err := spec.Sizeof(rid); err != nil || got != size {
		return bytesType(size)
	}
	t, err := spec.Type(rid)
	if err != nil {
		return bytesType(size)
	}
	switch t.Kind {
	case btf.KindInt:
		if t.IntOffset != 0 || uint32(t.IntBits) != 8*t.Size {
			return bytesType(size)
		}
		if t.IntEncoding&btf.IntBool != 0 && t.Size == 1 {
			return &lType{kind: tScalar, size: 1, align: 1, goName: "bool", cName: "_Bool"}
		}
		if (t.IntEncoding&btf.IntChar != 0 || t.Name == "char") && t.Size == 1 {
			return &lType{kind: tScalar, size: 1, align: 1, goName: "byte", cName: "char"}
		}
		return intType(t.Size, t.IntEncoding&btf.IntSigned != 0)
	case btf.KindPtr:
		return intType(8, false) // the pointer's value: kernel memory
	case btf.KindFloat:
		switch t.Size {
		case 4:
			return &lType{kind: tScalar, size: 4, align: 4, goName: "float32", cName: "float"}
		case 8:
			return &lType{kind: tScalar, size: 8, align: 8, goName: "float64", cName: "double"}
		}
	case btf.KindEnum, btf.KindEnum64:
		it := intType(t.Size, t.KindFlag)
		if it.kind != tScalar {
			return it
		}
		if t.Name != "" {
			it.enum = lb.enum(rid, t, it.goName)
		}
		return it
	case btf.KindArray:
		if t.Array.Nelems == 0 {
			return bytesType(size)
		}
		elem := lb.typ(t.Array.Type, size/t.Array.Nelems, depth+1)
		if elem.size*t.Array.Nelems != size {
			return bytesType(size)
		}
		if elem.kind == tScalar && elem.goName == "byte" && elem.enum == nil {
			return bytesType(size) // char[n]
		}
		return &lType{kind: tArray, size: size, align: elem.align, elem: elem, n: t.Array.Nelems}
	case btf.KindStruct:
		st := &lType{kind: tStruct, size: size, align: 1}
		end := uint32(0)
		for _, m := range t.Members {
			if m.BitfieldSize != 0 || m.BitOffset%8 != 0 || m.Name == "" {
				return bytesType(size)
			}
			off := m.BitOffset / 8
			msize, err := spec.Sizeof(m.Type)
			if err != nil || off < end || off+msize > size {
				return bytesType(size)
			}
			if msize == 0 {
				continue // see zeroSized
			}
			mt := lb.typ(m.Type, msize, depth+1)
			if off%mt.align != 0 {
				return bytesType(size)
			}
			st.fields = append(st.fields, lField{name: m.Name, off: off, t: mt})
			st.align = max(st.align, mt.align)
			end = off + msize
		}
		if size%st.align != 0 {
			return bytesType(size)
		}
		st.fields = uniqueGoNames(st.fields)
		return st
	}
	return bytesType(size)
}

// intType is the fixed-size integer of size bytes.
func intType(size uint32, signed bool) *lType {
	var g, c string
	switch size {
	case 1:
		g, c = "uint8", "__u8"
	case 2:
		g, c = "uint16", "__u16"
	case 4:
		g, c = "uint32", "__u32"
	case 8:
		g, c = "uint64", "__u64"
	default:
		return bytesType(size)
	}
	if signed {
		g, c = g[1:], "__s"+c[3:]
	}
	return &lType{kind: tScalar, size: size, align: size, goName: g, cName: c}
}

// enum records a named enum for the Go constants.
func (lb *layoutBuilder) enum(id btf.TypeID, t *btf.Type, base string) *lEnum {
	if e := lb.enums[id]; e != nil {
		return e
	}
	e := &lEnum{name: t.Name, goName: goIdent(t.Name), goBase: base, values: t.Enums}
	lb.enums[id] = e
	lb.order = append(lb.order, e)
	return e
}

// uniqueName returns n, or n followed by sep and the first number from 2
// that makes it absent from seen, and records the result in seen.
func uniqueName(seen map[string]bool, n, sep string) string {
	out := n
	for k := 2; seen[out]; k++ {
		out = fmt.Sprintf("%s%s%d", n, sep, k)
	}
	seen[out] = true
	return out
}

// uniqueGoNames fills the Go names of fields, unique within the struct.
func uniqueGoNames(fields []lField) []lField {
	seen := map[string]bool{}
	for i := range fields {
		n := goIdent(fields[i].name)
		for k := 2; seen[n]; k++ {
			n = fmt.Sprintf("%s%d", goIdent(fields[i].name), k)
		}
		seen[n] = true
		fields[i].goName = n
	}
	return fields
}

// goIdent turns a C name ("bss_runs", ".rodata.cfg", "MODE_ADD") into an
// exported Go identifier ("BssRuns", "RodataCfg", "ModeAdd").
func goIdent(s string) string {
	var b strings.Builder
	upper := true
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			upper = true
			continue
		}
		if upper {
			b.WriteRune(unicode.ToUpper(r))
			upper = false
		} else {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if allUpper(s) {
		// MODE_ADD → ModeAdd rather than MODEADD.
		var c strings.Builder
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r)) || r >= unicode.MaxASCII }) {
			c.WriteString(part[:1])
			c.WriteString(strings.ToLower(part[1:]))
		}
		out = c.String()
	}
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "X" + out
	}
	return out
}

func allUpper(s string) bool {
	letters := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters = true
		}
	}
	return letters
}

// cIdent turns a name into a C identifier, replacing every other
// character by '_'.
func cIdent(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}

// objectBase returns the object name without directory and extension:
// "xdp_globals.o" → "xdp_globals", "prog.bpf.o" → "prog".
func objectBase(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, ".o")
	name = strings.TrimSuffix(name, ".bpf")
	return name
}

// GoTypeName returns the skeleton type name derived from an object name:
// "xdp_globals.o" → "XdpGlobals".
func GoTypeName(object string) string { return goIdent(objectBase(object)) }

// GoPackageName returns the default package name of a Go skeleton:
// "xdp_globals.o" → "xdpglobals".
func GoPackageName(object string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(objectBase(object)) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || unicode.IsDigit(rune(s[0])) {
		s = "skel" + s
	}
	return s
}

// CName returns the default C skeleton name of an object:
// "xdp_globals.o" → "xdp_globals".
func CName(object string) string { return cIdent(objectBase(object)) }

// structOpsLayout is the shadow type of a struct_ops map (libbpf's): its
// kernel value as the loader was generated for, with a field for every
// data member the kernel's struct has, at its place in the value. Set
// before Load, the fields are the map's initial value, which the run-time
// lays out for the kernel it runs on.
type structOpsLayout struct {
	m      *loaderprog.MapDesc
	field  string // C member name ("bpfc_reno")
	goName string // Go field name ("BpfcReno")
	size   uint32 // value size
	t      *lType // a tStruct
}

// structOpsLayouts builds the shadow types of the struct_ops maps the
// loader creates, in map order.
func structOpsLayouts(l *loaderprog.Loader, obj *ir.Object) ([]*structOpsLayout, error) {
	lb := &layoutBuilder{obj: obj, enums: map[btf.TypeID]*lEnum{}}
	var out []*structOpsLayout
	cSeen, goSeen := map[string]bool{}, map[string]bool{}
	for i := range l.Maps {
		m := &l.Maps[i]
		if m.StructOps == nil || i >= len(obj.Maps) || obj.Maps[i].StructOps == nil {
			continue
		}
		def := obj.Maps[i]
		d := &structOpsLayout{m: m, field: uniqueName(cSeen, cIdent(m.Name), "_"), size: m.ValueSize}
		d.goName = uniqueName(goSeen, goIdent(d.field), "")
		st := &lType{kind: tStruct, size: m.ValueSize, align: 1}
		local, err := obj.BTF.Type(def.ValueType)
		if err != nil {
			return nil, fmt.Errorf("map %s: %w", m.Name, err)
		}
		for _, mem := range def.StructOps.Members {
			if mem.Func || mem.Missing || mem.Size == 0 {
				continue
			}
			var typ btf.TypeID
			for _, lm := range local.Members {
				if lm.Name == mem.Name {
					typ = lm.Type
				}
			}
			t := noEnums(lb.typ(typ, mem.Size, 0))
			if mem.KernelOffset%t.align != 0 {
				t = bytesType(mem.Size)
			}
			st.fields = append(st.fields, lField{name: mem.Name, off: mem.KernelOffset, t: t})
			st.align = max(st.align, t.align)
		}
		sort.SliceStable(st.fields, func(a, b int) bool { return st.fields[a].off < st.fields[b].off })
		st.fields = uniqueGoNames(st.fields)
		d.t = st
		out = append(out, d)
	}
	return out, nil
}

// noEnums drops the enum names of t's scalars (the shadow types use
// plain integers: their enums are the kernel's, not the object's data).
func noEnums(t *lType) *lType {
	c := *t
	c.enum = nil
	if c.elem != nil {
		c.elem = noEnums(c.elem)
	}
	if len(c.fields) > 0 {
		c.fields = append([]lField(nil), c.fields...)
		for i := range c.fields {
			c.fields[i].t = noEnums(c.fields[i].t)
		}
	}
	return &c
}
