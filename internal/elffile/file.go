// Package elffile reads ELF files: the BPF objects clang writes
// (frontend/elf), the executables and libraries uprobes and USDT probes
// attach to (attach), and the .BTF section of a kernel image (btf). It
// decodes the file header, the section and program headers, section
// contents, the symbol tables with their names and GNU symbol versions, and
// relocation sections, for both classes and both byte orders, and names
// the ELF constants bpfc uses (libbpf keeps the same job in elf.c).
//
// It takes the place of debug/elf on bpfc's paths: that package links
// debug/dwarf, compress/zlib and internal/zstd, whose code, pages and
// initialisation every run of the command paid for. Compressed sections
// (SHF_COMPRESSED: debug info) are refused, not inflated.
//
// Malformed input gives an error wrapping ErrMalformed (ErrTruncated for
// anything that runs past the end of the file) that says what was being
// read, never a panic.
package elffile

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/bpfc/bpfc/internal/errs"
)

var malformed = errs.Sentinel{Msg: "malformed ELF file"}

// Sentinel errors, for errors.Is.
var (
	// ErrMalformed is wrapped by every error about the file's contents.
	ErrMalformed error = &malformed
	// ErrTruncated is wrapped by errors for headers or contents that run
	// past the end of the file. It is a kind of ErrMalformed.
	ErrTruncated error = &errs.Sentinel{Msg: "truncated ELF file", Parent: &malformed}
	// ErrNoSymbols is returned by Symbols and DynamicSymbols for a file
	// without that symbol table (a stripped binary, a static one).
	ErrNoSymbols error = &errs.Sentinel{Msg: "no symbol table"}
	// ErrCompressed is returned for the contents of a compressed
	// (SHF_COMPRESSED) section. It is a kind of errs.ErrNotSupported.
	ErrCompressed error = &errs.Sentinel{Msg: "compressed sections are not supported", Parent: &errs.NotSupported}
)

// File is an open ELF file. Its headers are decoded; section contents and
// symbol tables are read on demand.
type File struct {
	Class     Class
	Data      Data
	ByteOrder binary.ByteOrder
	Type      Type
	Machine   Machine
	Entry     uint64
	// Sections are the section headers, Sections[0] the null section
	// (when there are any): a section's index is its position.
	Sections []Section
	// Progs are the program headers (segments).
	Progs []Prog

	raw    []byte      // the whole file, nil if read through r
	r      io.ReaderAt // the file, when raw is nil
	size   int64       // the file's size, -1 if unknown
	closer io.Closer   // closed by Close (Open's file)
}

// Section is a section header, with its name.
type Section struct {
	Name      string
	Type      SectionType
	Flags     SectionFlag
	Addr      uint64
	Offset    uint64
	Size      uint64 // bytes in the file (none for SHT_NOBITS)
	Link      uint32
	Info      uint32
	Addralign uint64
	Entsize   uint64
}

// Prog is a program header (a segment).
type Prog struct {
	Type   ProgType
	Flags  ProgFlag
	Off    uint64
	Vaddr  uint64
	Paddr  uint64
	Filesz uint64
	Memsz  uint64
	Align  uint64
}

// NewFileBytes decodes the ELF file held in b. Section contents are slices
// of b (with their capacity capped): b must not change while they are used.
func NewFileBytes(b []byte) (*File, error) {
	if b == nil {
		b = []byte{}
	}
	return newFile(&File{raw: b, size: int64(len(b))})
}

// NewFile decodes the ELF file read from r, reading only what it is asked
// for. The size of the file is taken from r's Size or Stat method when it
// has one; without it, contents are read in bounded chunks, so that a
// size in a corrupt header costs no more memory than the file has.
func NewFile(r io.ReaderAt) (*File, error) {
	f := &File{r: r, size: -1}
	switch s := r.(type) {
	case interface{ Size() int64 }:
		f.size = s.Size()
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := s.Stat(); err == nil && fi.Mode().IsRegular() {
			f.size = fi.Size()
		}
	}
	return newFile(f)
}

// Open opens the ELF file at path. Close it when done. Errors about its
// contents do not name the file (the caller does); the os package's name it.
func Open(path string) (*File, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	f, err := NewFile(file)
	if err != nil {
		file.Close()
		return nil, err
	}
	f.closer = file
	return f, nil
}

// Close closes the file Open opened; for other Files it does nothing.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	err := f.closer.Close()
	f.closer = nil
	return err
}

// readChunk bounds one read when the file's size is unknown.
const readChunk = 1 << 20

// read returns n bytes at offset off of the file: a slice of the whole
// file if it is at hand, else a new buffer. what, and name if not "",
// name the bytes in errors. No bytes are there at any offset (an empty
// section's offset need not be inside the file).
func (f *File) read(off, n uint64, what, name string) ([]byte, error) {
	if n == 0 {
		return []byte{}, nil
	}
	if f.raw != nil {
		if off > uint64(len(f.raw)) || n > uint64(len(f.raw))-off {
			return nil, f.pastEnd(off, n, what, name)
		}
		return f.raw[off : off+n : off+n], nil
	}
	if f.size >= 0 && (off > uint64(f.size) || n > uint64(f.size)-off) ||
		off > 1<<63-1 || n > 1<<63-1-off {
		return nil, f.pastEnd(off, n, what, name)
	}
	step := n
	if f.size < 0 {
		step = min(n, readChunk)
	}
	buf := make([]byte, 0, step)
	for uint64(len(buf)) < n {
		k := int(min(n-uint64(len(buf)), step))
		buf = slices.Grow(buf, k)
		got, err := f.r.ReadAt(buf[len(buf):len(buf)+k], int64(off)+int64(len(buf)))
		buf = buf[:len(buf)+got]
		if got < k {
			if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, f.pastEnd(off, n, what, name)
			}
			return nil, fmt.Errorf("reading %s (%d bytes at offset %d): %w", describe(what, name), n, off, err)
		}
	}
	return buf, nil
}

// describe is what, followed by name quoted if there is one.
func describe(what, name string) string {
	if name == "" {
		return what
	}
	return fmt.Sprintf("%s %q", what, name)
}

// pastEnd is the error for n bytes at off that the file does not have.
func (f *File) pastEnd(off, n uint64, what, name string) error {
	what = describe(what, name)
	if f.size < 0 {
		return fmt.Errorf("%s (%d bytes at offset %d) runs past the end of the file: %w", what, n, off, ErrTruncated)
	}
	return fmt.Errorf("%s (%d bytes at offset %d) runs past the end of the file (%d bytes): %w", what, n, off, f.size, ErrTruncated)
}

// header is the class-independent part of the file header.
type header struct {
	phoff, shoff                uint64
	phentsize, phnum, shentsize uint64
	shnum, shstrndx             uint64
}

// newFile decodes the headers of f, whose raw or r (and size) are set.
func newFile(f *File) (*File, error) {
	ident, err := f.read(0, identSize, "ELF identification", "")
	if err != nil {
		return nil, err
	}
	if string(ident[:4]) != Magic {
		return nil, fmt.Errorf("not an ELF file: it starts with %q, not %q: %w", ident[:4], Magic, ErrMalformed)
	}
	f.Class, f.Data = Class(ident[EI_CLASS]), Data(ident[EI_DATA])
	hdrSize, shSize, phSize := uint64(Header64Size), uint64(Section64Size), uint64(Prog64Size)
	switch f.Class {
	case ELFCLASS64:
	case ELFCLASS32:
		hdrSize, shSize, phSize = Header32Size, Section32Size, Prog32Size
	default:
		return nil, fmt.Errorf("ELF class %v is neither ELFCLASS32 nor ELFCLASS64: %w", f.Class, ErrMalformed)
	}
	switch f.Data {
	case ELFDATA2LSB:
		f.ByteOrder = binary.LittleEndian
	case ELFDATA2MSB:
		f.ByteOrder = binary.BigEndian
	default:
		return nil, fmt.Errorf("ELF byte order %v is neither ELFDATA2LSB nor ELFDATA2MSB: %w", f.Data, ErrMalformed)
	}
	if ident[EI_VERSION] != EV_CURRENT {
		return nil, fmt.Errorf("ELF version %d, want %d: %w", ident[EI_VERSION], EV_CURRENT, ErrMalformed)
	}
	b, err := f.read(0, hdrSize, "ELF header", "")
	if err != nil {
		return nil, err
	}
	bo := f.ByteOrder
	f.Type, f.Machine = Type(bo.Uint16(b[16:])), Machine(bo.Uint16(b[18:]))
	if v := bo.Uint32(b[20:]); v != EV_CURRENT {
		return nil, fmt.Errorf("ELF header version %d, want %d: %w", v, EV_CURRENT, ErrMalformed)
	}
	var h header
	if f.Class == ELFCLASS64 {
		f.Entry = bo.Uint64(b[24:])
		h.phoff, h.shoff = bo.Uint64(b[32:]), bo.Uint64(b[40:])
		b = b[54:]
	} else {
		f.Entry = uint64(bo.Uint32(b[24:]))
		h.phoff, h.shoff = uint64(bo.Uint32(b[28:])), uint64(bo.Uint32(b[32:]))
		b = b[42:]
	}
	h.phentsize, h.phnum = uint64(bo.Uint16(b)), uint64(bo.Uint16(b[2:]))
	h.shentsize, h.shnum, h.shstrndx = uint64(bo.Uint16(b[4:])), uint64(bo.Uint16(b[6:])), uint64(bo.Uint16(b[8:]))
	if h.phnum > 0 && h.phentsize < phSize {
		return nil, fmt.Errorf("program header entry size %d, want at least %d: %w", h.phentsize, phSize, ErrMalformed)
	}
	if err := f.readProgs(&h); err != nil {
		return nil, err
	}
	if err := f.readSections(&h, shSize); err != nil {
		return nil, err
	}
	return f, nil
}

// readProgs decodes the program headers.
func (f *File) readProgs(h *header) error {
	if h.phnum == 0 {
		return nil
	}
	b, err := f.read(h.phoff, h.phnum*h.phentsize, "program headers", "")
	if err != nil {
		return err
	}
	bo := f.ByteOrder
	f.Progs = make([]Prog, h.phnum)
	for i := range f.Progs {
		e := b[uint64(i)*h.phentsize:]
		p := &f.Progs[i]
		if f.Class == ELFCLASS64 {
			*p = Prog{Type: ProgType(bo.Uint32(e)), Flags: ProgFlag(bo.Uint32(e[4:])), Off: bo.Uint64(e[8:]),
				Vaddr: bo.Uint64(e[16:]), Paddr: bo.Uint64(e[24:]), Filesz: bo.Uint64(e[32:]),
				Memsz: bo.Uint64(e[40:]), Align: bo.Uint64(e[48:])}
		} else {
			*p = Prog{Type: ProgType(bo.Uint32(e)), Off: uint64(bo.Uint32(e[4:])), Vaddr: uint64(bo.Uint32(e[8:])),
				Paddr: uint64(bo.Uint32(e[12:])), Filesz: uint64(bo.Uint32(e[16:])), Memsz: uint64(bo.Uint32(e[20:])),
				Flags: ProgFlag(bo.Uint32(e[24:])), Align: uint64(bo.Uint32(e[28:]))}
		}
	}
	return nil
}

// decodeSection decodes the section header at the start of e, returning
// its sh_name.
func (f *File) decodeSection(e []byte, s *Section) uint32 {
	bo := f.ByteOrder
	if f.Class == ELFCLASS64 {
		*s = Section{Type: SectionType(bo.Uint32(e[4:])), Flags: SectionFlag(bo.Uint64(e[8:])),
			Addr: bo.Uint64(e[16:]), Offset: bo.Uint64(e[24:]), Size: bo.Uint64(e[32:]),
			Link: bo.Uint32(e[40:]), Info: bo.Uint32(e[44:]), Addralign: bo.Uint64(e[48:]), Entsize: bo.Uint64(e[56:])}
	} else {
		*s = Section{Type: SectionType(bo.Uint32(e[4:])), Flags: SectionFlag(bo.Uint32(e[8:])),
			Addr: uint64(bo.Uint32(e[12:])), Offset: uint64(bo.Uint32(e[16:])), Size: uint64(bo.Uint32(e[20:])),
			Link: bo.Uint32(e[24:]), Info: bo.Uint32(e[28:]), Addralign: uint64(bo.Uint32(e[32:])), Entsize: uint64(bo.Uint32(e[36:]))}
	}
	return bo.Uint32(e)
}

// readSections decodes the section headers and names the sections.
func (f *File) readSections(h *header, shSize uint64) error {
	if h.shoff == 0 {
		if h.shnum != 0 {
			return fmt.Errorf("%d sections but no section header table (e_shoff 0): %w", h.shnum, ErrMalformed)
		}
		return nil
	}
	if h.shentsize < shSize {
		return fmt.Errorf("section header entry size %d, want at least %d: %w", h.shentsize, shSize, ErrMalformed)
	}
	if h.shnum == 0 {
		// 0xff00 sections or more: the count is section 0's sh_size,
		// and an index past 0xfeff of the names' section its sh_link.
		b, err := f.read(h.shoff, shSize, "section header 0", "")
		if err != nil {
			return err
		}
		var s0 Section
		f.decodeSection(b, &s0)
		if s0.Type != SHT_NULL {
			return fmt.Errorf("section 0 is of type %v, want SHT_NULL: %w", s0.Type, ErrMalformed)
		}
		h.shnum = s0.Size
		if h.shnum < uint64(SHN_LORESERVE) {
			return fmt.Errorf("e_shnum 0 and section 0's count %d is below 0xff00: %w", h.shnum, ErrMalformed)
		}
		if h.shstrndx == uint64(SHN_XINDEX) {
			h.shstrndx = uint64(s0.Link)
			if h.shstrndx < uint64(SHN_LORESERVE) {
				return fmt.Errorf("e_shstrndx SHN_XINDEX and section 0's index %d is below 0xff00: %w", h.shstrndx, ErrMalformed)
			}
		}
	}
	if h.shnum > (1<<63-1)/h.shentsize {
		return fmt.Errorf("%d sections of %d bytes: %w", h.shnum, h.shentsize, ErrMalformed)
	}
	if h.shstrndx >= h.shnum {
		return fmt.Errorf("section name table index %d, but %d sections: %w", h.shstrndx, h.shnum, ErrMalformed)
	}
	b, err := f.read(h.shoff, h.shnum*h.shentsize, "section header table", "")
	if err != nil {
		return err
	}
	f.Sections = make([]Section, h.shnum)
	names := make([]uint32, h.shnum)
	for i := range f.Sections {
		names[i] = f.decodeSection(b[uint64(i)*h.shentsize:], &f.Sections[i])
	}
	if h.shstrndx == 0 {
		return nil // no section names
	}
	shstr := &f.Sections[h.shstrndx]
	if shstr.Type != SHT_STRTAB {
		return fmt.Errorf("section name table (section %d) is of type %v, want SHT_STRTAB: %w", h.shstrndx, shstr.Type, ErrMalformed)
	}
	if shstr.Flags&SHF_COMPRESSED != 0 {
		// Names are needed to find anything, so no linker compresses
		// them: a file that says so is broken, and says nothing else.
		return fmt.Errorf("section name table (section %d) is marked compressed (SHF_COMPRESSED): %w", h.shstrndx, ErrMalformed)
	}
	raw, err := f.read(shstr.Offset, shstr.Size, "section name table", "")
	if err != nil {
		return err
	}
	strs := string(raw)
	for i, off := range names {
		name, ok := cString(strs, off)
		if !ok {
			return fmt.Errorf("section %d: name at offset %d outside the section name table (%d bytes) or not NUL-terminated: %w", i, off, len(strs), ErrMalformed)
		}
		f.Sections[i].Name = name
	}
	return nil
}

// cString returns the NUL-terminated string at off in a string table, and
// false if off is out of range or the string is not terminated.
func cString(strs string, off uint32) (string, bool) {
	if uint64(off) >= uint64(len(strs)) {
		return "", false
	}
	s := strs[off:]
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return s[:i], true
		}
	}
	return "", false
}

// Section returns the first section called name, or nil.
func (f *File) Section(name string) *Section {
	for i := range f.Sections {
		if f.Sections[i].Name == name {
			return &f.Sections[i]
		}
	}
	return nil
}

// SectionByType returns the first section of type typ, or nil.
func (f *File) SectionByType(typ SectionType) *Section {
	for i := range f.Sections {
		if f.Sections[i].Type == typ {
			return &f.Sections[i]
		}
	}
	return nil
}

// InMemory reports whether the whole file is in memory (NewFileBytes):
// SectionData then returns slices of it without reading or copying.
func (f *File) InMemory() bool { return f.raw != nil }

// SectionData returns the contents of section s: a slice of the file for
// NewFileBytes's files (do not change it), a new buffer for the others.
// SHT_NOBITS sections have none (an error), nor do compressed ones here
// (ErrCompressed).
func (f *File) SectionData(s *Section) ([]byte, error) {
	switch {
	case s.Type == SHT_NOBITS:
		return nil, fmt.Errorf("section %q is SHT_NOBITS: it has no contents in the file: %w", s.Name, ErrMalformed)
	case s.Flags&SHF_COMPRESSED != 0:
		return nil, fmt.Errorf("section %q: %w", s.Name, ErrCompressed)
	}
	return f.read(s.Offset, s.Size, "section", s.Name)
}
