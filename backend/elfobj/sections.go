// This file builds the sections of the object being written: code (each
// function at its section offset, relocations for what it refers to),
// global data, .maps and legacy maps, license and version, .BTF and
// .BTF.ext, and the symbol table with locals first.

package elfobj

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/ir"
)

// Legacy struct bpf_map_def: five u32s.
const legacyMapSize = 20

// maxSection bounds the size of a section the writer fills: far above
// what any BPF object holds (a map value is at most a few MiB), it keeps
// a section size claimed by a malformed input from costing gigabytes.
const maxSection = 16 << 20

// strtab is the string table of section and symbol names (one table for
// both, as clang writes it).
type strtab struct {
	buf  []byte
	offs map[string]uint32
}

func (t *strtab) add(s string) uint32 {
	if s == "" {
		return 0
	}
	if off, ok := t.offs[s]; ok {
		return off
	}
	off := uint32(len(t.buf))
	t.buf = append(append(t.buf, s...), 0)
	t.offs[s] = off
	return off
}

// offset returns the offset of a name added before.
func (t *strtab) offset(s string) uint32 { return t.offs[s] }

// encoder is the state of one Marshal.
type encoder struct {
	obj   *ir.Object
	order binary.ByteOrder
	app   binary.AppendByteOrder

	secs      []*section
	strtab    *strtab
	strtabSec *section
	locals    []*symbol
	globals   []*symbol

	code     map[string]*section // code sections by name
	codeSyms map[string]*symbol  // function symbols by name
	dataSecs map[string]*section // data sections by name
	mapSyms  map[string]*symbol  // map symbols by name
	externs  map[string]*symbol
	// varSyms are the global variables' symbols of each data section,
	// with their extent.
	varSyms map[string][]varSym
}

// varSym is the symbol of a global variable.
type varSym struct {
	sym       *symbol
	off, size uint32
}

func newEncoder(obj *ir.Object) *encoder {
	var order binary.ByteOrder = binary.LittleEndian
	var app binary.AppendByteOrder = binary.LittleEndian
	if obj.ByteOrder == binary.BigEndian {
		order, app = binary.BigEndian, binary.BigEndian
	}
	return &encoder{obj: obj, order: order, app: app,
		strtab:   &strtab{buf: []byte{0}, offs: map[string]uint32{"": 0}},
		code:     map[string]*section{},
		codeSyms: map[string]*symbol{},
		dataSecs: map[string]*section{},
		mapSyms:  map[string]*symbol{},
		externs:  map[string]*symbol{},
		varSyms:  map[string][]varSym{},
	}
}

// addSection appends a section.
func (e *encoder) addSection(s *section) *section {
	s.index = len(e.secs)
	e.secs = append(e.secs, s)
	return s
}

// sectionSymbol returns s's STT_SECTION symbol, making it.
func (e *encoder) sectionSymbol(s *section) *symbol {
	if s.sym == nil {
		s.sym = &symbol{info: elffile.SymInfo(elffile.STB_LOCAL, elffile.STT_SECTION), sec: s}
		e.locals = append(e.locals, s.sym)
	}
	return s.sym
}

// addSymbol records a symbol: locals first in the table, then globals.
func (e *encoder) addSymbol(sym *symbol) *symbol {
	if elffile.SymBind(sym.info>>4) == elffile.STB_LOCAL {
		e.locals = append(e.locals, sym)
	} else {
		e.globals = append(e.globals, sym)
	}
	return sym
}

// bind returns the binding of a global or static symbol.
func bind(global, weak bool) elffile.SymBind {
	switch {
	case weak:
		return elffile.STB_WEAK
	case global:
		return elffile.STB_GLOBAL
	}
	return elffile.STB_LOCAL
}

func visibility(hidden bool) byte {
	if hidden {
		return byte(elffile.STV_HIDDEN)
	}
	return 0
}

// build makes every section.
func (e *encoder) build() error {
	e.addSection(&section{}) // SHN_UNDEF
	e.strtabSec = e.addSection(&section{name: ".strtab", typ: elffile.SHT_STRTAB, align: 1})
	if err := e.codeSections(); err != nil {
		return err
	}
	if err := e.dataSections(); err != nil {
		return err
	}
	e.externSymbols()
	if err := e.patchCode(); err != nil {
		return err
	}
	if err := e.mapSlots(); err != nil {
		return err
	}
	if err := e.structOpsRelocs(); err != nil {
		return err
	}
	if err := e.btfSections(); err != nil {
		return err
	}
	e.relocationSections()
	e.symtab()
	for _, s := range e.secs {
		e.strtab.add(s.name)
	}
	e.strtabSec.data = e.strtab.buf
	return nil
}

// codeOrder returns the code sections' names: .text first (as clang
// writes it), then in the order programs and subprograms have them.
func (e *encoder) codeOrder() []string {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, f := range e.obj.Subprogs {
		if f.Section == ".text" {
			add(".text")
		}
	}
	for _, f := range e.obj.Units() {
		add(f.Section)
	}
	return names
}

// codeSections lays out every code section: each function at its section
// offset (gaps, where a linker dropped a function, are zero) and a
// symbol per function.
func (e *encoder) codeSections() error {
	for _, name := range e.codeOrder() {
		s := e.addSection(&section{name: name, typ: elffile.SHT_PROGBITS, flags: elffile.SHF_ALLOC | elffile.SHF_EXECINSTR, align: sectionAlign})
		e.code[name] = s
		e.sectionSymbol(s)
		var fns []*ir.Function
		end := 0
		for _, f := range e.obj.Units() {
			if f.Section == name {
				fns = append(fns, f)
				end = max(end, f.SectionOffset+len(f.Insns))
			}
		}
		slices.SortStableFunc(fns, func(a, b *ir.Function) int { return cmp.Compare(a.SectionOffset, b.SectionOffset) })
		for i, f := range fns {
			if f.SectionOffset < 0 || i > 0 && f.SectionOffset < fns[i-1].SectionOffset+len(fns[i-1].Insns) {
				return fmt.Errorf("section %s: function %s at slot %d overlaps the one before", name, f.Name, f.SectionOffset)
			}
		}
		s.data = make([]byte, end*ir.InsnSize)
		for _, f := range fns {
			if f.Name == "" || strings.IndexByte(f.Name, 0) >= 0 {
				return fmt.Errorf("section %s: function %q: bad name", name, f.Name)
			}
			if _, dup := e.codeSyms[f.Name]; dup {
				return fmt.Errorf("function %s: defined twice", f.Name)
			}
			e.codeSyms[f.Name] = e.addSymbol(&symbol{name: f.Name,
				info:  elffile.SymInfo(bind(f.Global, f.Weak), elffile.STT_FUNC),
				other: visibility(f.Hidden), sec: s,
				value: uint64(f.SectionOffset * ir.InsnSize), size: uint64(len(f.Insns) * ir.InsnSize)})
		}
	}
	return nil
}

// dataSections writes global data, .maps, legacy maps, license and
// version, with a symbol per global variable and map.
func (e *encoder) dataSections() error {
	obj := e.obj
	var names []string
	for _, m := range obj.Maps {
		if m.Kind == ir.MapData && !slices.Contains(names, m.Name) {
			names = append(names, m.Name)
		}
	}
	for _, ds := range obj.DataSections {
		if !slices.Contains(names, ds.Name) {
			names = append(names, ds.Name)
		}
	}
	if obj.License != "" && !slices.Contains(names, "license") {
		names = append(names, "license")
	}
	for _, m := range obj.Maps {
		if (m.Kind == ir.MapBTF || m.Kind == ir.MapLegacy || m.Kind == ir.MapStructOps) && !slices.Contains(names, m.Section) {
			names = append(names, m.Section)
		}
	}
	for _, name := range names {
		if e.code[name] != nil || name == "" {
			return fmt.Errorf("section %q: both code and data", name)
		}
		s, err := e.dataSection(name)
		if err != nil {
			return fmt.Errorf("section %s: %w", name, err)
		}
		e.dataSecs[name] = s
		if ds := obj.DataSection(name); ds != nil {
			for _, v := range ds.Vars {
				if uint64(v.Offset)+uint64(v.Size) > max(uint64(len(s.data)), s.size) {
					return fmt.Errorf("section %s: variable %s [%d, +%d) outside the section", name, v.Name, v.Offset, v.Size)
				}
				sym := e.addSymbol(&symbol{name: v.Name, info: elffile.SymInfo(bind(true, v.Weak), elffile.STT_OBJECT),
					other: visibility(v.Hidden), sec: s, value: uint64(v.Offset), size: uint64(v.Size)})
				if name == ".maps" || ir.IsLegacyMapsSection(name) {
					e.mapSyms[v.Name] = sym
				} else {
					e.varSyms[name] = append(e.varSyms[name], varSym{sym, v.Offset, v.Size})
				}
			}
		}
	}
	// Static maps: a local symbol each.
	for _, m := range obj.Maps {
		if m.Kind != ir.MapBTF && m.Kind != ir.MapLegacy && m.Kind != ir.MapStructOps || e.mapSyms[m.Name] != nil {
			continue
		}
		if ds := obj.DataSection(m.Section); m.Kind == ir.MapStructOps && ds != nil &&
			slices.ContainsFunc(ds.Vars, func(v ir.DataVar) bool { return v.Name == m.Name }) {
			continue // a global variable, written above
		}
		e.mapSyms[m.Name] = e.addSymbol(&symbol{name: m.Name, info: elffile.SymInfo(elffile.STB_LOCAL, elffile.STT_OBJECT),
			sec: e.dataSecs[m.Section], value: uint64(m.Offset), size: uint64(e.mapSize(m))})
	}
	if obj.KernVersion != 0 {
		s := e.addSection(&section{name: "version", typ: elffile.SHT_PROGBITS, flags: elffile.SHF_ALLOC | elffile.SHF_WRITE, align: 4})
		s.data = e.app.AppendUint32(nil, obj.KernVersion)
	}
	return nil
}

// dataSection makes the data section called name.
func (e *encoder) dataSection(name string) (*section, error) {
	obj := e.obj
	ds := obj.DataSection(name)
	s := &section{name: name, typ: elffile.SHT_PROGBITS, flags: elffile.SHF_ALLOC | elffile.SHF_WRITE, align: 8}
	size := uint64(0)
	if ds != nil {
		size, s.align = uint64(ds.Size), uint64(max(ds.Align, 1))
	}
	isKind := func(k string) bool { return name == k || strings.HasPrefix(name, k+".") }
	if m, _ := obj.Map(name); m != nil && m.Kind == ir.MapData {
		size = max(size, uint64(m.ValueSize))
	}
	for _, m := range obj.Maps {
		if (m.Kind == ir.MapBTF || m.Kind == ir.MapLegacy || m.Kind == ir.MapStructOps) && m.Section == name {
			size = max(size, uint64(m.Offset)+uint64(e.mapSize(m)))
		}
	}
	if size > maxSection {
		return nil, fmt.Errorf("%d bytes is more than the writer writes (%d)", size, maxSection)
	}
	switch {
	case name == "license":
		if uint64(len(obj.License)) > size {
			size = uint64(len(obj.License)) + 1
		}
		s.data = make([]byte, size)
		copy(s.data, obj.License)
		s.align = max(s.align, 1)
	case name == ".maps":
		for _, m := range obj.Maps {
			if m.Kind == ir.MapBTF {
				size = max(size, uint64(m.Offset)+uint64(e.mapSize(m)))
			}
		}
		s.data = make([]byte, size)
	case ir.IsLegacyMapsSection(name):
		for _, m := range obj.Maps {
			if m.Kind == ir.MapLegacy && m.Section == name {
				size = max(size, uint64(m.Offset)+uint64(e.mapSize(m)))
			}
		}
		s.data = make([]byte, size)
		for _, m := range obj.Maps {
			if m.Kind != ir.MapLegacy || m.Section != name {
				continue
			}
			def := s.data[m.Offset : m.Offset+e.mapSize(m)]
			for i, v := range []uint32{uint32(m.Type), m.KeySize, m.ValueSize, m.MaxEntries, uint32(m.Flags)} {
				if 4*i+4 <= len(def) {
					e.order.PutUint32(def[4*i:], v)
				} else if v != 0 {
					return nil, fmt.Errorf("map %s: %d-byte definition has no room for map_flags %#x", m.Name, len(def), v)
				}
			}
		}
	case isStructOpsSection(name):
		// The maps' structs, function pointers zero: relocations
		// (structOpsRelocs) set them.
		s.data = make([]byte, size)
		for _, m := range obj.Maps {
			if m.Kind == ir.MapStructOps && m.Section == name {
				copy(s.data[m.Offset:m.Offset+e.mapSize(m)], m.Data)
			}
		}
	default:
		m, _ := obj.Map(name)
		if m != nil && m.Kind == ir.MapData {
			size = uint64(m.ValueSize)
			if m.Data == nil && isKind(".bss") {
				s.typ, s.size = elffile.SHT_NOBITS, size
				break
			}
			s.data = make([]byte, size)
			copy(s.data, m.Data)
		} else if size > 0 && (isKind(".data") || isKind(".rodata")) {
			// A section of data that is no global data map (the
			// input's was not PROGBITS): written so that it is none
			// when read back either.
			s.typ, s.size = elffile.SHT_NOBITS, size
		} else {
			s.data = make([]byte, size)
		}
		if isKind(".rodata") {
			s.flags = elffile.SHF_ALLOC
		}
	}
	if s.align&(s.align-1) != 0 {
		return nil, fmt.Errorf("alignment %d is not a power of two", s.align)
	}
	e.addSection(s)
	e.sectionSymbol(s)
	return s, nil
}

// isStructOpsSection reports whether name is a section of struct_ops
// maps (".struct_ops", ".struct_ops.link", with or without a "?").
func isStructOpsSection(name string) bool {
	name = strings.TrimPrefix(name, "?")
	return name == ".struct_ops" || name == ".struct_ops.link"
}

// mapSize returns the size of the definition of a BTF or legacy map: its
// symbol's, else its VAR's in the .maps DATASEC, else that of a struct
// bpf_map_def; for a struct_ops map, its struct's.
func (e *encoder) mapSize(m *ir.Map) uint32 {
	if m.Kind == ir.MapStructOps {
		return uint32(len(m.Data))
	}
	if ds := e.obj.DataSection(m.Section); ds != nil {
		for _, v := range ds.Vars {
			if v.Name == m.Name && v.Size > 0 {
				return v.Size
			}
		}
	}
	if m.Kind == ir.MapBTF {
		if vs, _ := e.mapVar(m.Name); vs != nil && vs.Size > 0 {
			return vs.Size
		}
		return 0
	}
	return legacyMapSize
}

// mapVar returns the entry of the .maps DATASEC of the map called name and
// its VAR.
func (e *encoder) mapVar(name string) (*btf.VarSecinfo, *btf.Type) {
	spec := e.obj.BTF
	if spec == nil {
		return nil, nil
	}
	for _, id := range spec.FindByNameKind(".maps", btf.KindDatasec) {
		ds, err := spec.Type(id)
		if err != nil {
			continue
		}
		for i, vs := range ds.Vars {
			if spec.TypeName(vs.Type) == name {
				vt, err := spec.Type(vs.Type)
				if err != nil {
					return nil, nil
				}
				return &ds.Vars[i], vt
			}
		}
	}
	return nil, nil
}

// externSymbols makes an undefined symbol per extern.
func (e *encoder) externSymbols() {
	for _, x := range e.obj.Externs {
		e.externs[x.Name] = e.addSymbol(&symbol{name: x.Name,
			info:  elffile.SymInfo(bind(true, x.Weak), elffile.STT_NOTYPE),
			other: visibility(x.Hidden)})
	}
}

// varAt returns the global variable of data section sec that byte off
// lies in (a variable of no size: at its offset).
func (e *encoder) varAt(sec string, off int64) (varSym, bool) {
	for _, v := range e.varSyms[sec] {
		if off == int64(v.off) || off > int64(v.off) && off < int64(v.off)+int64(v.size) {
			return v, true
		}
	}
	return varSym{}, false
}

// functionAt returns the section and slot of function name.
func (e *encoder) functionAt(name string) (*section, int, bool) {
	sym := e.codeSyms[name]
	if sym == nil {
		return nil, 0, false
	}
	return sym.sec, int(sym.value / ir.InsnSize), true
}

// patchCode encodes every function into its section, with the immediates
// relocations against section symbols carry, and records the
// relocations.
func (e *encoder) patchCode() error {
	var insns []ir.Insn // one scratch copy for every function's patching
	for _, f := range e.obj.Units() {
		s := e.code[f.Section]
		insns = append(insns[:0], f.Insns...)
		for _, r := range f.Relocs {
			if err := e.reloc(s, f, insns, r); err != nil {
				return fmt.Errorf("function %s: insn %d: %s relocation of %s: %w", f.Name, r.Insn, r.Kind, r.Symbol, err)
			}
		}
		// Encoded in place: the section has room for every function.
		at := f.SectionOffset * ir.InsnSize
		ir.Marshal(s.data[at:at], insns, e.order)
	}
	return nil
}

// reloc turns one relocation record into an ELF relocation (or, for a
// call within its section, a pc-relative immediate clang would have
// written).
func (e *encoder) reloc(s *section, f *ir.Function, insns []ir.Insn, r *ir.Reloc) error {
	if r.Insn < 0 || r.Insn >= len(insns) {
		return fmt.Errorf("outside the function")
	}
	in := &insns[r.Insn]
	off := uint64((f.SectionOffset + r.Insn) * ir.InsnSize)
	ldImm64 := func() error {
		if !in.IsLdImm64() || r.Insn+1 >= len(insns) {
			return fmt.Errorf("not a ld_imm64")
		}
		return nil
	}
	switch r.Kind {
	case ir.RelocMap:
		if err := ldImm64(); err != nil {
			return err
		}
		sym := e.mapSyms[r.Symbol]
		if sym == nil {
			return fmt.Errorf("no such map")
		}
		in.Imm = 0
		s.rels = append(s.rels, rel{off, sym, elffile.R_BPF_64_64})
	case ir.RelocMapValue:
		if err := ldImm64(); err != nil {
			return err
		}
		ds := e.dataSecs[r.Symbol]
		if ds == nil || r.Offset < 0 || r.Offset > 1<<31-1 {
			return fmt.Errorf("no such data section, or offset %d out of range", r.Offset)
		}
		// Into a global variable: against its symbol, as clang writes
		// it, so that a later link can replace a weak one.
		if v, ok := e.varAt(r.Symbol, r.Offset); ok {
			in.Imm = int32(r.Offset - int64(v.off))
			s.rels = append(s.rels, rel{off, v.sym, elffile.R_BPF_64_64})
			return nil
		}
		in.Imm = int32(r.Offset)
		s.rels = append(s.rels, rel{off, e.sectionSymbol(ds), elffile.R_BPF_64_64})
	case ir.RelocCall, ir.RelocFunc:
		ts, slot, ok := e.functionAt(r.Symbol)
		if !ok {
			return fmt.Errorf("no such function")
		}
		if r.Offset%ir.InsnSize != 0 {
			return fmt.Errorf("offset %d into the function is not whole instructions", r.Offset)
		}
		target := int64(slot) + r.Offset/ir.InsnSize
		if sym := e.codeSyms[r.Symbol]; elffile.SymBind(sym.info>>4) != elffile.STB_LOCAL {
			// A global function: against its symbol, as clang
			// writes it, so that a later link can replace a weak
			// one (libbpf: the callee is at the symbol plus imm+1
			// slots for a call, plus imm bytes for an address).
			if r.Kind == ir.RelocCall {
				if !in.IsPseudoCall() {
					return fmt.Errorf("not a bpf2bpf call")
				}
				in.Imm = int32(r.Offset/ir.InsnSize - 1)
				s.rels = append(s.rels, rel{off, sym, elffile.R_BPF_64_32})
				return nil
			}
			if err := ldImm64(); err != nil {
				return err
			}
			in.Imm = int32(r.Offset)
			s.rels = append(s.rels, rel{off, sym, elffile.R_BPF_64_64})
			return nil
		}
		if r.Kind == ir.RelocCall {
			if !in.IsPseudoCall() {
				return fmt.Errorf("not a bpf2bpf call")
			}
			if ts == s {
				in.Imm = int32(target - int64(f.SectionOffset+r.Insn) - 1)
				return nil
			}
			in.Imm = int32(target - 1)
			s.rels = append(s.rels, rel{off, e.sectionSymbol(ts), elffile.R_BPF_64_32})
			return nil
		}
		if err := ldImm64(); err != nil {
			return err
		}
		in.Imm = int32(target * ir.InsnSize)
		s.rels = append(s.rels, rel{off, e.sectionSymbol(ts), elffile.R_BPF_64_64})
	case ir.RelocExtern:
		sym := e.externs[r.Symbol]
		if sym == nil {
			return fmt.Errorf("no such extern")
		}
		typ := uint32(elffile.R_BPF_64_64)
		if in.IsCall() {
			typ = elffile.R_BPF_64_32
		} else if err := ldImm64(); err != nil {
			return err
		}
		s.rels = append(s.rels, rel{off, sym, typ})
	default:
		return fmt.Errorf("an ELF object has no such relocation")
	}
	return nil
}

// mapSlots writes the `.values` initialisers of prog arrays and maps of
// maps as relocations of .maps.
func (e *encoder) mapSlots() error {
	for _, m := range e.obj.Maps {
		if len(m.Slots) == 0 {
			continue
		}
		if m.Kind != ir.MapBTF {
			return fmt.Errorf("map %s: initial slots in a %s map", m.Name, m.Kind)
		}
		values, err := e.valuesOffset(m)
		if err != nil {
			return fmt.Errorf("map %s: %w", m.Name, err)
		}
		s := e.dataSecs[".maps"]
		for _, sl := range m.Slots {
			sym := e.codeSyms[sl.Target]
			if sym == nil {
				sym = e.mapSyms[sl.Target]
			}
			if sym == nil {
				return fmt.Errorf("map %s: slot %d: no program or map %s", m.Name, sl.Index, sl.Target)
			}
			s.rels = append(s.rels, rel{uint64(m.Offset) + values + 8*uint64(sl.Index), sym, elffile.R_BPF_64_ABS64})
		}
	}
	return nil
}

// structOpsRelocs sets the function pointers of struct_ops maps: an
// R_BPF_64_ABS64 relocation of the struct_ops section against the program
// (or, left unresolved by a partial link, the extern function) each
// member is set to, as clang writes them.
func (e *encoder) structOpsRelocs() error {
	for _, m := range e.obj.Maps {
		if m.StructOps == nil {
			continue
		}
		s := e.dataSecs[m.Section]
		if s == nil {
			return fmt.Errorf("struct_ops map %s: no section %s", m.Name, m.Section)
		}
		for _, mem := range m.StructOps.Funcs() {
			var sym *symbol
			if mem.Extern {
				if sym = e.externs[mem.Program]; sym == nil {
					sym = e.addSymbol(&symbol{name: mem.Program, info: elffile.SymInfo(elffile.STB_GLOBAL, elffile.STT_NOTYPE)})
					e.externs[mem.Program] = sym
				}
			} else if sym = e.codeSyms[mem.Program]; sym == nil {
				return fmt.Errorf("struct_ops map %s: member %s: no program %s", m.Name, mem.Name, mem.Program)
			}
			if uint64(mem.Offset)+8 > uint64(len(m.Data)) {
				return fmt.Errorf("struct_ops map %s: member %s: an 8-byte pointer at %d outside the %d-byte struct", m.Name, mem.Name, mem.Offset, len(m.Data))
			}
			s.rels = append(s.rels, rel{uint64(m.Offset) + uint64(mem.Offset), sym, elffile.R_BPF_64_ABS64})
		}
	}
	return nil
}

// valuesOffset returns the byte offset of the "values" member in the
// definition of map m.
func (e *encoder) valuesOffset(m *ir.Map) (uint64, error) {
	_, vt := e.mapVar(m.Name)
	if vt == nil {
		return 0, fmt.Errorf("no VAR in the .maps DATASEC")
	}
	spec := e.obj.BTF
	id, err := spec.Skip(vt.Type)
	if err != nil {
		return 0, err
	}
	st, err := spec.Type(id)
	if err != nil {
		return 0, err
	}
	for _, mem := range st.Members {
		if mem.Name == "values" {
			return uint64(mem.BitOffset / 8), nil
		}
	}
	return 0, fmt.Errorf("definition has no 'values' member")
}

// btfSections writes .BTF (the object's types, re-encoded with the strings
// .BTF.ext needs) and .BTF.ext.
func (e *encoder) btfSections() error {
	spec := e.obj.BTF
	if spec == nil {
		for _, f := range e.obj.Units() {
			if len(f.FuncInfo)+len(f.LineInfo)+len(f.CORE) > 0 {
				return fmt.Errorf("function %s: BTF records in an object without BTF", f.Name)
			}
		}
		return nil
	}
	b := btf.NewBuilder()
	if !b.AddSpec(spec) {
		b.Grow(spec.NumTypes() - 1)
		for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
			t, err := spec.Type(id)
			if err != nil {
				return fmt.Errorf("BTF: %w", err)
			}
			b.Add(*t)
		}
	}
	var exts []*btf.ExtSection
	bySection := map[string][]*ir.Function{}
	for _, f := range e.obj.Units() {
		bySection[f.Section] = append(bySection[f.Section], f)
	}
	for _, name := range e.codeOrder() {
		es := &btf.ExtSection{Name: name}
		fns := bySection[name]
		slices.SortStableFunc(fns, func(a, b *ir.Function) int { return cmp.Compare(a.SectionOffset, b.SectionOffset) })
		var nfi, nli, ncr int
		for _, f := range fns {
			nfi, nli, ncr = nfi+len(f.FuncInfo), nli+len(f.LineInfo), ncr+len(f.CORE)
		}
		es.FuncInfos = make([]btf.FuncInfo, 0, nfi)
		es.LineInfos = make([]btf.LineInfo, 0, nli)
		es.CORERelos = make([]btf.CORERelo, 0, ncr)
		for _, f := range fns {
			at := func(slot int) uint32 { return uint32((f.SectionOffset + slot) * ir.InsnSize) }
			for _, fi := range f.FuncInfo {
				es.FuncInfos = append(es.FuncInfos, btf.FuncInfo{InsnOff: at(fi.Insn), TypeID: fi.TypeID})
			}
			for _, li := range f.LineInfo {
				file, err := b.AddString(li.FileName)
				if err != nil {
					return fmt.Errorf("function %s: line_info: %w", f.Name, err)
				}
				line, err := b.AddString(li.Line)
				if err != nil {
					return fmt.Errorf("function %s: line_info: %w", f.Name, err)
				}
				es.LineInfos = append(es.LineInfos, btf.LineInfo{InsnOff: at(li.Insn), FileNameOff: file, LineOff: line, LineNum: li.LineNum, Col: li.Col})
			}
			for _, cr := range f.CORE {
				acc, err := b.AddString(cr.Access)
				if err != nil {
					return fmt.Errorf("function %s: CO-RE access string: %w", f.Name, err)
				}
				es.CORERelos = append(es.CORERelos, btf.CORERelo{InsnOff: at(cr.Insn), TypeID: cr.TypeID, AccessOff: acc, Kind: cr.Kind})
			}
		}
		exts = append(exts, es)
	}
	hasExt := slices.ContainsFunc(exts, func(es *btf.ExtSection) bool {
		return len(es.FuncInfos)+len(es.LineInfos)+len(es.CORERelos) > 0
	})
	var ext []byte
	if hasExt {
		var err error
		if ext, err = btf.MarshalExt(exts, b.AddString, e.order); err != nil {
			return err
		}
	}
	raw, err := b.Marshal(e.order)
	if err != nil {
		return fmt.Errorf("BTF: %w", err)
	}
	e.addSection(&section{name: ".BTF", typ: elffile.SHT_PROGBITS, align: 4, data: raw})
	if hasExt {
		e.addSection(&section{name: ".BTF.ext", typ: elffile.SHT_PROGBITS, align: 4, data: ext})
	}
	return nil
}

// relocationSections adds a .rel section for each section with
// relocations; their symbol indexes are filled in by symtab.
func (e *encoder) relocationSections() {
	for _, s := range slices.Clone(e.secs) {
		if len(s.rels) == 0 {
			continue
		}
		s.relSec = e.addSection(&section{name: ".rel" + s.name, typ: elffile.SHT_REL, flags: elffile.SHF_INFO_LINK,
			align: 8, entsize: elffile.Rel64Size, info: uint32(s.index)})
	}
}

// symtab numbers the symbols (locals first), writes .symtab and the
// relocations that refer to them.
func (e *encoder) symtab() {
	syms := append(append([]*symbol{{}}, e.locals...), e.globals...)
	for i, sym := range syms {
		sym.index = i
	}
	tab := e.addSection(&section{name: ".symtab", typ: elffile.SHT_SYMTAB, align: 8, entsize: elffile.Sym64Size,
		link: uint32(e.strtabSec.index), info: uint32(1 + len(e.locals))})
	app := e.app
	for _, sym := range syms {
		shndx := uint16(elffile.SHN_UNDEF)
		if sym.sec != nil {
			shndx = uint16(sym.sec.index)
		}
		tab.data = app.AppendUint32(tab.data, e.strtab.add(sym.name))
		tab.data = append(tab.data, sym.info, sym.other)
		tab.data = app.AppendUint16(tab.data, shndx)
		tab.data = app.AppendUint64(tab.data, sym.value)
		tab.data = app.AppendUint64(tab.data, sym.size)
	}
	for _, s := range e.secs {
		if s.relSec == nil {
			continue
		}
		s.relSec.link = uint32(tab.index)
		slices.SortStableFunc(s.rels, func(a, b rel) int { return cmp.Compare(a.off, b.off) })
		for _, r := range s.rels {
			s.relSec.data = app.AppendUint64(s.relSec.data, r.off)
			s.relSec.data = app.AppendUint64(s.relSec.data, uint64(r.sym.index)<<32|uint64(r.typ))
		}
	}
}
