// This file feeds the reader broken files, made by changing bytes of
// committed ones, and checks that each gives its sentinel error with a
// message saying what is wrong, never a panic.

package elffile

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/errs"
)

// shdr returns the file offset of the header of section name of a 64-bit
// little-endian file.
func shdr(t *testing.T, raw []byte, name string) int {
	t.Helper()
	f, err := NewFileBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range f.Sections {
		if s.Name == name {
			return int(binary.LittleEndian.Uint64(raw[40:])) + i*Section64Size
		}
	}
	t.Fatalf("no section %s", name)
	return 0
}

func TestBadInput(t *testing.T) {
	le := binary.LittleEndian
	symbols := func(f *File) error { _, err := f.Symbols(); return err }
	data := func(name string) func(f *File) error {
		return func(f *File) error { _, err := f.SectionData(f.Section(name)); return err }
	}
	relocs := func(name string) func(f *File) error {
		return func(f *File) error { _, err := f.Relocations(f.Section(name)); return err }
	}
	dynamic := func(f *File) error { _, err := f.DynamicSymbols(); return err }
	const bpf, so = "../../testdata/tailcall.o", "testdata/sample_i386.so"
	tests := []struct {
		name   string
		file   string
		mutate func(t *testing.T, raw []byte) []byte
		op     func(f *File) error // nil: NewFileBytes must fail
		want   error
		msg    string
	}{
		{"empty", bpf, func(t *testing.T, raw []byte) []byte { return nil }, nil, ErrTruncated,
			"ELF identification (16 bytes at offset 0) runs past the end of the file (0 bytes)"},
		{"not ELF", bpf, func(t *testing.T, raw []byte) []byte { raw[1] = 'X'; return raw }, nil, ErrMalformed,
			`not an ELF file: it starts with "\x7fXLF"`},
		{"class", bpf, func(t *testing.T, raw []byte) []byte { raw[EI_CLASS] = 3; return raw }, nil, ErrMalformed,
			"ELF class ELFCLASS(3) is neither"},
		{"byte order", bpf, func(t *testing.T, raw []byte) []byte { raw[EI_DATA] = 0; return raw }, nil, ErrMalformed,
			"ELF byte order ELFDATA(0) is neither"},
		{"ident version", bpf, func(t *testing.T, raw []byte) []byte { raw[EI_VERSION] = 2; return raw }, nil, ErrMalformed,
			"ELF version 2, want 1"},
		{"header version", bpf, func(t *testing.T, raw []byte) []byte { le.PutUint32(raw[20:], 0); return raw }, nil, ErrMalformed,
			"ELF header version 0, want 1"},
		{"header cut off", bpf, func(t *testing.T, raw []byte) []byte { return raw[:40] }, nil, ErrTruncated,
			"ELF header (64 bytes at offset 0) runs past the end of the file (40 bytes)"},
		{"section headers cut off", bpf, func(t *testing.T, raw []byte) []byte { return raw[:len(raw)-10] }, nil, ErrTruncated,
			"section header table ("},
		{"section header entry size", bpf, func(t *testing.T, raw []byte) []byte { le.PutUint16(raw[58:], 32); return raw }, nil, ErrMalformed,
			"section header entry size 32, want at least 64"},
		{"sections without a table", bpf, func(t *testing.T, raw []byte) []byte { le.PutUint64(raw[40:], 0); return raw }, nil, ErrMalformed,
			"but no section header table (e_shoff 0)"},
		{"name table index", bpf, func(t *testing.T, raw []byte) []byte { le.PutUint16(raw[62:], le.Uint16(raw[60:])); return raw }, nil, ErrMalformed,
			"section name table index"},
		{"name table type", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint32(raw[shdr(t, raw, ".strtab")+4:], uint32(SHT_PROGBITS))
			return raw
		}, nil, ErrMalformed, "is of type SHT_PROGBITS, want SHT_STRTAB"},
		{"name table compressed", bpf, func(t *testing.T, raw []byte) []byte {
			off := shdr(t, raw, ".strtab") + 8 // sh_flags
			le.PutUint64(raw[off:], le.Uint64(raw[off:])|uint64(SHF_COMPRESSED))
			return raw
		}, nil, ErrMalformed, "is marked compressed (SHF_COMPRESSED)"},
		{"name offset", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint32(raw[shdr(t, raw, ".BTF"):], 1<<30)
			return raw
		}, nil, ErrMalformed, "name at offset 1073741824 outside the section name table"},
		{"name table cut off", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint64(raw[shdr(t, raw, ".strtab")+32:], 1<<40)
			return raw
		}, nil, ErrTruncated, "section name table (1099511627776 bytes at offset"},
		{"extended count, section 0 not null", bpf, func(t *testing.T, raw []byte) []byte {
			shoff := le.Uint64(raw[40:])
			le.PutUint16(raw[60:], 0)
			le.PutUint32(raw[shoff+4:], uint32(SHT_PROGBITS))
			return raw
		}, nil, ErrMalformed, "section 0 is of type SHT_PROGBITS, want SHT_NULL"},
		{"extended count too small", bpf, func(t *testing.T, raw []byte) []byte {
			shoff := le.Uint64(raw[40:])
			le.PutUint16(raw[60:], 0)
			le.PutUint64(raw[shoff+32:], 5)
			return raw
		}, nil, ErrMalformed, "section 0's count 5 is below 0xff00"},
		{"extended count past the end", bpf, func(t *testing.T, raw []byte) []byte {
			shoff := le.Uint64(raw[40:])
			le.PutUint16(raw[60:], 0)
			le.PutUint64(raw[shoff+32:], 1<<40)
			return raw
		}, nil, ErrTruncated, "section header table (70368744177664 bytes"},
		{"extended count overflows", bpf, func(t *testing.T, raw []byte) []byte {
			shoff := le.Uint64(raw[40:])
			le.PutUint16(raw[60:], 0)
			le.PutUint64(raw[shoff+32:], 1<<62)
			return raw
		}, nil, ErrMalformed, "sections of 64 bytes"},
		{"extended name table index", bpf, func(t *testing.T, raw []byte) []byte {
			shoff := le.Uint64(raw[40:])
			le.PutUint16(raw[60:], 0)
			le.PutUint16(raw[62:], uint16(SHN_XINDEX))
			le.PutUint64(raw[shoff+32:], 0xff00)
			le.PutUint32(raw[shoff+40:], 3)
			return raw
		}, nil, ErrMalformed, "section 0's index 3 is below 0xff00"},
		{"program header entry size", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint16(raw[54:], 10)
			le.PutUint16(raw[56:], 1)
			return raw
		}, nil, ErrMalformed, "program header entry size 10, want at least 56"},
		{"program headers past the end", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint64(raw[32:], 1<<20)
			le.PutUint16(raw[54:], 56)
			le.PutUint16(raw[56:], 2)
			return raw
		}, nil, ErrTruncated, "program headers (112 bytes at offset 1048576)"},
		{"section past the end", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint64(raw[shdr(t, raw, ".BTF")+24:], 1<<40)
			return raw
		}, data(".BTF"), ErrTruncated, `section ".BTF" (`},
		{"section of no bits", bpf, func(t *testing.T, raw []byte) []byte { return raw }, data(".bss"), ErrMalformed,
			`section ".bss" is SHT_NOBITS`},
		{"compressed section", "testdata/sample_x86_64_z.o", func(t *testing.T, raw []byte) []byte { return raw }, data(".debug_info"), ErrCompressed,
			`section ".debug_info": compressed sections are not supported`},
		{"symbol table size", bpf, func(t *testing.T, raw []byte) []byte {
			h := shdr(t, raw, ".symtab")
			le.PutUint64(raw[h+32:], le.Uint64(raw[h+32:])-1)
			return raw
		}, symbols, ErrMalformed, "is not a whole number of 24-byte symbols"},
		{"symbol table link", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint32(raw[shdr(t, raw, ".symtab")+40:], 1000)
			return raw
		}, symbols, ErrMalformed, `symbol table ".symtab": string table link 1000 is not a section`},
		{"symbol table past the end", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint64(raw[shdr(t, raw, ".symtab")+24:], 1<<30)
			return raw
		}, symbols, ErrTruncated, `symbol table: section ".symtab" (`},
		{"no symbol table", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint32(raw[shdr(t, raw, ".symtab")+4:], uint32(SHT_PROGBITS))
			return raw
		}, symbols, ErrNoSymbols, "no symbol table"},
		{"relocation entry size", bpf, func(t *testing.T, raw []byte) []byte {
			le.PutUint64(raw[shdr(t, raw, ".relxdp")+56:], 12)
			return raw
		}, relocs(".relxdp"), ErrMalformed, `section ".relxdp": entry size 12, want 16`},
		{"relocation section size", bpf, func(t *testing.T, raw []byte) []byte {
			h := shdr(t, raw, ".relxdp")
			le.PutUint64(raw[h+32:], le.Uint64(raw[h+32:])+1)
			return raw
		}, relocs(".relxdp"), ErrMalformed, "is not a whole number of 16-byte relocations"},
		{"relocations of a section of code", bpf, func(t *testing.T, raw []byte) []byte { return raw }, relocs("xdp"), ErrMalformed,
			`section "xdp" is of type SHT_PROGBITS, not SHT_REL or SHT_RELA`},
		{"version definition version", so, func(t *testing.T, raw []byte) []byte {
			f, err := elf.NewFile(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			binary.LittleEndian.PutUint16(raw[f.SectionByType(elf.SHT_GNU_VERDEF).Offset:], 2)
			return raw
		}, dynamic, ErrMalformed, `section ".gnu.version_d": version definition at offset 0 has version 2, want 1`},
		{"version definition without a name", so, func(t *testing.T, raw []byte) []byte {
			f, err := elf.NewFile(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			binary.LittleEndian.PutUint16(raw[f.SectionByType(elf.SHT_GNU_VERDEF).Offset+6:], 0)
			return raw
		}, dynamic, ErrMalformed, "version definition at offset 0 has no name"},
		{"version table past the end", so, func(t *testing.T, raw []byte) []byte {
			f, err := elf.NewFile(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range f.Sections {
				if s.Type == elf.SHT_GNU_VERSYM {
					shoff := binary.LittleEndian.Uint32(raw[32:])
					binary.LittleEndian.PutUint32(raw[shoff+uint32(i)*Section32Size+16:], 1<<30) // sh_offset
				}
			}
			return raw
		}, dynamic, ErrTruncated, `symbol versions: section ".gnu.version" (`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			raw := tt.mutate(t, append([]byte(nil), orig...))
			f, err := NewFileBytes(raw)
			if tt.op != nil {
				if err != nil {
					t.Fatalf("NewFileBytes: %v", err)
				}
				err = tt.op(f)
			} else if f != nil {
				t.Errorf("NewFileBytes returned a file with error %v", err)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v, want %v containing %q", err, tt.want, tt.msg)
			}
			if errors.Is(tt.want, ErrMalformed) != errors.Is(err, ErrMalformed) {
				t.Errorf("error %v: matches ErrMalformed %v, want %v", err, !errors.Is(tt.want, ErrMalformed), errors.Is(tt.want, ErrMalformed))
			}
		})
	}
	// An empty section has no bytes wherever its offset points.
	raw, err := os.ReadFile(bpf)
	if err != nil {
		t.Fatal(err)
	}
	le.PutUint64(raw[shdr(t, raw, ".BTF")+24:], 1<<40)
	le.PutUint64(raw[shdr(t, raw, ".BTF")+32:], 0)
	f, err := NewFileBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := f.SectionData(f.Section(".BTF")); err != nil || len(b) != 0 {
		t.Errorf("empty section past the end: %q, %v", b, err)
	}
	if !errors.Is(ErrCompressed, errs.ErrNotSupported) {
		t.Error("ErrCompressed is not a kind of ErrNotSupported")
	}
}

// TestOpen checks Open's errors and that Close closes the file once.
func TestOpen(t *testing.T) {
	if _, err := Open("/nonexistent/x.o"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open("bad_test.go"); !errors.Is(err, ErrMalformed) || !strings.HasPrefix(err.Error(), "not an ELF file: it starts with") {
		t.Errorf("not ELF: %v", err)
	}
	f, err := Open("testdata/sample_ppc.o")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
