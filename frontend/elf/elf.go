// Package elf lowers a BPF ELF object, as clang -g -O2 -target bpf (or
// bpfeb) writes it, into bpfc's IR: programs and subprograms with their
// instructions, relocation records, func_info/line_info/CO-RE records,
// BTF-defined, legacy and global-data maps, and extern symbols.
//
// This file reads and validates the ELF container (relocatable, EM_BPF,
// 64-bit, either byte order), reads the license and version sections and
// drives the other files, one per concern.
package elf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"

	"github.com/bpfc/bpfc/internal/sysfile"
)

// Sentinel errors. Every error returned by this package wraps one of them,
// with context naming the object, section, symbol, program and instruction
// concerned; test with errors.Is. Each is also a kind of ErrInvalidObject
// (the backends' ErrInvalidObject): errors.Is(err, ErrInvalidObject) holds
// for every error about a malformed object.
var (
	// ErrInvalidObject is matched by every error of this package. It is
	// direct.ErrInvalidObject and loaderprog.ErrInvalidObject.
	ErrInvalidObject error = &errs.InvalidObject
	// ErrBadELF is returned for input that is not a well-formed BPF ELF
	// relocatable object (header, sections, symbols, functions).
	ErrBadELF error = &errs.Sentinel{Msg: "bad ELF", Parent: &errs.InvalidObject}
	// ErrBadBTF is returned for a malformed .BTF or .BTF.ext section, or
	// BTF that does not describe the object (missing map or extern types,
	// records outside every function).
	ErrBadBTF error = &errs.Sentinel{Msg: "bad BTF", Parent: &errs.InvalidObject}
	// ErrBadReloc is returned for a relocation that cannot be understood:
	// outside its section, on an instruction that takes none, against a
	// symbol that is neither code, map, data nor extern.
	ErrBadReloc error = &errs.Sentinel{Msg: "bad relocation", Parent: &errs.InvalidObject}
	// ErrMissingFunc is returned for a call or function reference whose
	// target is not inside any function.
	ErrMissingFunc error = &errs.Sentinel{Msg: "missing function", Parent: &errs.InvalidObject}
	// ErrBadMap is returned for a map definition that cannot be decoded.
	ErrBadMap error = &errs.Sentinel{Msg: "bad map definition", Parent: &errs.InvalidObject}
	// ErrBadExtern is returned for an extern symbol bpfc cannot classify.
	ErrBadExtern error = &errs.Sentinel{Msg: "bad extern", Parent: &errs.InvalidObject}
)

// maxSectionLen bounds the section (and zip member) read.
const maxSectionLen = 1 << 30

// Open reads the BPF object at path and lowers it into the IR. The object's
// Name is the file's base name. A path "app.zip!/prog.o" names the member
// prog.o of the zip archive app.zip (zip.go); the object is then named
// "app.zip!/prog.o". The file is read with plain system calls (package
// sysfile), without the run-time's poller: a small file whole, a larger
// one a section at a time, only the sections lowering needs (an object
// built with clang -g is mostly DWARF, which bpfc never reads).
func Open(path string) (*ir.Object, error) {
	if archive, member, ok := splitArchive(path); ok {
		return openMember(archive, member)
	}
	f, err := sysfile.Open(path)
	if err != nil {
		return nil, err // an *fs.PathError: "open PATH: reason"
	}
	defer f.Close()
	return lowerFile(f, filepath.Base(path), wholeReadMax)
}

// objectFile is an open object file (a *sysfile.File; tests count its
// reads).
type objectFile interface {
	io.ReaderAt
	// Size is the file's length, or -1 if unknown (a pipe).
	Size() int64
	// ReadAll reads the whole file; it is called before any ReadAt.
	ReadAll() ([]byte, error)
}

// lowerFile lowers f: from memory, read whole, up to wholeMax bytes (or
// when its size is unknown), and a section at a time above.
func lowerFile(f objectFile, name string, wholeMax int64) (*ir.Object, error) {
	if f.Size() > wholeMax {
		return parse(f, nil, name)
	}
	raw, err := f.ReadAll()
	if err != nil {
		return nil, err
	}
	return parse(bytes.NewReader(raw), raw, name)
}

// wholeReadMax is the largest object file Open reads whole, in one read,
// and lowers from memory; a larger one is read a section at a time. A
// page of the whole file costs a page fault whether lowering needs it or
// not; a section costs a system call and a copy. Measured cold (whole
// bpfc processes, bench/spawn): read a section at a time, 4-13 KiB
// objects load up to 15% slower, 18-35 KiB ones as fast, and 720 KiB
// libbpf-tools objects built with -g 13-20% faster with 14% less peak RSS
// (TestOpenReadsNoDWARF checks that no DWARF is read).
const wholeReadMax = 64 << 10

// recoverPanics turns a panic while lowering into an error. The fuzz test
// turns it off so that a panic is reported as the bug it is.
var recoverPanics = true

// maxWholeRead bounds the input Parse reads into memory at once; larger
// inputs are read section by section.
const maxWholeRead = 64 << 20

// Parse lowers the BPF object read from r into the IR; name names the
// object in errors and becomes Object.Name.
func Parse(r io.ReaderAt, name string) (*ir.Object, error) {
	// Reading the whole input once (when its size is known) lets every
	// section be a slice of one buffer instead of a copy of its own.
	var file []byte
	if sz, ok := r.(interface{ Size() int64 }); ok && sz.Size() > 0 && sz.Size() <= maxWholeRead {
		buf := make([]byte, sz.Size())
		if n, err := r.ReadAt(buf, 0); n == len(buf) && (err == nil || err == io.EOF) {
			file = buf
		}
	}
	return parse(r, file, name)
}

// parse is Parse with, in file, the whole input if it is at hand (nil if
// not): section contents are then sliced from it, not read.
func parse(r io.ReaderAt, file []byte, name string) (obj *ir.Object, err error) {
	defer func() {
		// The ELF reader and the decoders are written not to panic, but
		// the frontend must never take the process down on bad input.
		if !recoverPanics {
			return
		}
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("%s: internal error on malformed input: %v: %w", name, p, ErrBadELF)
		}
	}()
	rd, err := newReader(r, file, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := rd.lower(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rd.obj, nil
}

// symbol is an ELF symbol with its table index.
type symbol struct {
	elffile.Symbol
	index int
}

// reader holds the state of one lowering.
type reader struct {
	name  string
	f     *elffile.File
	order binary.ByteOrder
	obj   *ir.Object

	syms []symbol       // index i is ELF symbol i (0 is the null symbol)
	data map[int][]byte // section contents read from the file (none when the input is at hand)
	spec *btf.Spec      // object BTF, nil without .BTF
	code map[int]*codeSection
	// maps by defining section and offset (.maps and maps).
	mapAt   map[int]map[uint64]*ir.Map
	btfMaps []btfMapLoc
	// global data maps by section.
	dataMaps map[int]*ir.Map
	// externs by symbol index; kindless ones are classified by use.
	externs map[int]*ir.Extern
	// loaded are the externs some ld_imm64 refers to.
	loaded map[*ir.Extern]bool
	// opsExterns are the undefined functions struct_ops maps are set to:
	// programs of another object, not externs of this one's code.
	opsExterns map[string]bool
	// relocs are unused relocation records, for newReloc.
	relocs []ir.Reloc
	// statics are the static functions of program sections, subprograms
	// unless promoteStatics makes them programs.
	statics []staticFunc
}

// notELF describes input that does not start with the ELF magic (a
// source file, an archive, a skeleton given by mistake), or "" for input
// that does.
func notELF(r io.ReaderAt) string {
	var magic [len(elffile.Magic)]byte
	n, _ := r.ReadAt(magic[:], 0)
	switch {
	case n == 0:
		return "not an ELF file: it is empty"
	case n < len(magic) || string(magic[:]) != elffile.Magic:
		return fmt.Sprintf("not an ELF file: it starts with %q, not %q", magic[:n], elffile.Magic)
	}
	return ""
}

// newReader decodes the ELF headers of the object read from r, or of file
// when the whole input is at hand (then section contents are slices of it).
func newReader(r io.ReaderAt, file []byte, name string) (*reader, error) {
	if why := notELF(r); why != "" {
		return nil, fmt.Errorf("%s (want a BPF object, as clang -target bpf -c writes): %w", why, ErrBadELF)
	}
	var f *elffile.File
	var err error
	if file != nil {
		f, err = elffile.NewFileBytes(file)
	} else {
		f, err = elffile.NewFile(r)
	}
	if err != nil {
		if errors.Is(err, elffile.ErrTruncated) {
			return nil, fmt.Errorf("ELF header or section headers cut off (truncated file?): %w: %w", err, ErrBadELF)
		}
		return nil, fmt.Errorf("%w: %w", err, ErrBadELF)
	}
	if f.Class != elffile.ELFCLASS64 {
		return nil, fmt.Errorf("ELF class %v, want ELFCLASS64: %w", f.Class, ErrBadELF)
	}
	if f.Machine != elffile.EM_BPF {
		hint := ""
		if swapped := elffile.Machine(uint16(f.Machine)>>8 | uint16(f.Machine)<<8); swapped == elffile.EM_BPF {
			hint = fmt.Sprintf(" (EM_BPF in the other byte order: the header's %v byte order is wrong)", f.Data)
		}
		return nil, fmt.Errorf("machine %v, want EM_BPF%s: %w", f.Machine, hint, ErrBadELF)
	}
	if f.Type != elffile.ET_REL {
		return nil, fmt.Errorf("ELF type %v, want ET_REL (a relocatable object): %w", f.Type, ErrBadELF)
	}
	rd := &reader{
		name:    name,
		f:       f,
		order:   f.ByteOrder,
		code:    make(map[int]*codeSection),
		mapAt:   make(map[int]map[uint64]*ir.Map),
		externs: make(map[int]*ir.Extern),
		loaded:  make(map[*ir.Extern]bool),
		obj:     &ir.Object{Name: name, ByteOrder: f.ByteOrder},
	}
	return rd, nil
}

// lower runs the steps in dependency order.
func (rd *reader) lower() error {
	if err := rd.uniqueSections(); err != nil {
		return err
	}
	if err := rd.readSymbols(); err != nil {
		return err
	}
	steps := []func() error{
		rd.readLicense,
		rd.readBTF,
		rd.readCode,
		rd.readLegacyMaps,
		rd.readBTFMaps,
		rd.readData,
		rd.readStructOps,
		rd.readDataSections,
		rd.readExterns,
		rd.readRelocs,
		rd.promoteStatics,
		rd.readMapSlots,
		rd.readBTFExt,
		rd.finishExterns,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	for _, fn := range rd.obj.Units() {
		slices.SortStableFunc(fn.Relocs, byInsn)
		for i := 1; i < len(fn.Relocs); i++ {
			if fn.Relocs[i].Insn == fn.Relocs[i-1].Insn {
				return fmt.Errorf("section %q: %s: insn %d: two relocations (%s %s, %s %s): %w", fn.Section, rd.unit(fn),
					fn.Relocs[i].Insn, fn.Relocs[i-1].Kind, fn.Relocs[i-1].Symbol, fn.Relocs[i].Kind, fn.Relocs[i].Symbol, ErrBadReloc)
			}
		}
	}
	return nil
}

// uniqueSections refuses two sections of one name: sections are found by
// name (code, data, .maps, .BTF), and neither clang nor libbpf's linker
// writes such a pair.
func (rd *reader) uniqueSections() error {
	secs := rd.f.Sections
	if len(secs) <= uniqueScan {
		// Few sections (clang writes a dozen or two): compare names
		// pairwise rather than build a map.
		for i := 1; i < len(secs); i++ {
			for j := 1; j < i; j++ {
				if secs[i].Name != "" && secs[i].Name == secs[j].Name {
					return fmt.Errorf("sections %d and %d are both named %q: %w", j, i, secs[i].Name, ErrBadELF)
				}
			}
		}
		return nil
	}
	seen := make(map[string]int, len(secs))
	for i := range secs {
		s := &secs[i]
		if i == 0 || s.Name == "" {
			continue
		}
		if j, dup := seen[s.Name]; dup {
			return fmt.Errorf("sections %d and %d are both named %q: %w", j, i, s.Name, ErrBadELF)
		}
		seen[s.Name] = i
	}
	return nil
}

// uniqueScan is the most sections uniqueSections compares pairwise.
const uniqueScan = 48

// byInsn orders relocation records by instruction.
func byInsn(a, b *ir.Reloc) int { return a.Insn - b.Insn }

// readSymbols reads the symbol table, keeping ELF indexes (names are
// substrings of one copy of the string table).
func (rd *reader) readSymbols() error {
	syms, err := rd.f.Symbols()
	if errors.Is(err, elffile.ErrNoSymbols) {
		rd.syms = make([]symbol, 1) // the null symbol
		return nil
	}
	if err != nil {
		return fmt.Errorf("symbol table: %w: %w", err, ErrBadELF)
	}
	rd.syms = make([]symbol, len(syms))
	for i := 1; i < len(syms); i++ {
		rd.syms[i] = symbol{Symbol: syms[i], index: i}
	}
	return nil
}

// symbolAt returns ELF symbol i.
func (rd *reader) symbolAt(i uint32) (*symbol, bool) {
	if i == 0 || uint64(i) >= uint64(len(rd.syms)) {
		return nil, false
	}
	return &rd.syms[i], true
}

// section returns ELF section i, or nil.
func (rd *reader) section(i int) *elffile.Section {
	if i <= 0 || i >= len(rd.f.Sections) {
		return nil
	}
	return &rd.f.Sections[i]
}

// sectionIndex returns the index of the section called name, or -1.
func (rd *reader) sectionIndex(name string) int {
	for i := 1; i < len(rd.f.Sections); i++ {
		if rd.f.Sections[i].Name == name {
			return i
		}
	}
	return -1
}

// sectionData returns the contents of section i (nil for SHT_NOBITS).
// A section of the input at hand is a slice of it, made anew each time;
// one read from the file is kept.
func (rd *reader) sectionData(i int) ([]byte, error) {
	if b, ok := rd.data[i]; ok {
		return b, nil
	}
	s := rd.section(i)
	if s == nil {
		return nil, fmt.Errorf("section %d does not exist: %w", i, ErrBadELF)
	}
	if s.Type == elffile.SHT_NOBITS {
		return nil, nil
	}
	if s.Size > maxSectionLen {
		return nil, fmt.Errorf("section %q: %d bytes is too large: %w", s.Name, s.Size, ErrBadELF)
	}
	// A slice of the whole input when it is at hand (capacity capped, so
	// appending copies).
	b, err := rd.f.SectionData(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrBadELF)
	}
	if rd.f.InMemory() {
		return b, nil // a slice of the input: made again at no cost
	}
	if rd.data == nil {
		rd.data = make(map[int][]byte)
	}
	rd.data[i] = b
	return b, nil
}

// symName returns a symbol's name for messages and records: section
// symbols are named after their section, as libbpf does.
func (rd *reader) symName(s *symbol) string {
	if s.Type() == elffile.STT_SECTION && s.Name == "" {
		if sec := rd.section(int(s.Section)); sec != nil {
			return sec.Name
		}
	}
	return s.Name
}

// readLicense reads the "license" and "version" sections.
func (rd *reader) readLicense() error {
	for _, name := range []string{"license", "version", ".maps", "maps"} {
		if i := rd.sectionIndex(name); i > 0 && rd.section(i).Flags&elffile.SHF_EXECINSTR != 0 {
			return fmt.Errorf("section %q: executable: %w", name, ErrBadELF)
		}
	}
	if i := rd.sectionIndex("license"); i > 0 {
		b, err := rd.sectionData(i)
		if err != nil {
			return err
		}
		if n := bytes.IndexByte(b, 0); n >= 0 {
			b = b[:n]
		}
		rd.obj.License = string(b)
	}
	if i := rd.sectionIndex("version"); i > 0 {
		b, err := rd.sectionData(i)
		if err != nil {
			return err
		}
		if len(b) != 4 {
			return fmt.Errorf("section \"version\": %d bytes, want 4: %w", len(b), ErrBadELF)
		}
		rd.obj.KernVersion = rd.order.Uint32(b)
	}
	return nil
}

// isCode reports whether section i holds instructions libbpf would load:
// SHT_PROGBITS with SHF_EXECINSTR.
func (rd *reader) isCode(i int) bool {
	s := rd.section(i)
	return s != nil && s.Type == elffile.SHT_PROGBITS && s.Flags&elffile.SHF_EXECINSTR != 0
}
