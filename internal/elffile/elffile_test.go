// This file checks the reader against debug/elf: on every committed BPF
// object, the committed objects of other machines (testdata/Makefile), and
// system binaries, the headers, sections, section contents, symbols (with
// versions) and relocations must be the same; and it holds the fuzz
// target, which compares the two wherever both accept the input.

package elffile

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// testFiles lists the ELF files the reader is checked on.
func testFiles(t testing.TB) []string {
	var files []string
	for _, glob := range []string{"../../testdata/*.o", "../../testdata/link/*/*.o", "../../frontend/elf/testdata/*.o", "../../btf/testdata/*.o", "testdata/sample_*"} {
		m, err := filepath.Glob(glob)
		if err != nil || len(m) == 0 {
			t.Fatalf("no files match %s: %v", glob, err)
		}
		files = append(files, m...)
	}
	exe, err := os.Executable() // a Go test binary: no .symtab, no .dynsym
	if err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	gofmt := filepath.Join(filepath.Dir(goTool), "gofmt") // a Go binary with .symtab
	files = append(files, exe, gofmt, "/bin/true")
	libc := ""
	for _, p := range []string{"/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6", "/lib64/libc.so.6", "/usr/lib/libc.so.6"} {
		if _, err := os.Stat(p); err == nil {
			libc = p
			break
		}
	}
	if libc == "" {
		t.Fatal("no C library found to read")
	}
	return append(files, libc)
}

// TestMatchesDebugELF reads every test file both ways (whole in memory
// and through a file) and compares with debug/elf.
func TestMatchesDebugELF(t *testing.T) {
	for _, path := range testFiles(t) {
		t.Run(path, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := elf.NewFile(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			got, err := NewFileBytes(raw)
			if err != nil {
				t.Fatalf("NewFileBytes: %v", err)
			}
			for _, d := range compare(want, got, true) {
				t.Error(d)
			}
			opened, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer opened.Close()
			for _, d := range compare(want, opened, true) {
				t.Errorf("Open: %s", d)
			}
		})
	}
}

// TestCoverage checks that the test files have what the comparison is
// meant to cover, so that it cannot pass by comparing nothing.
func TestCoverage(t *testing.T) {
	seen := map[string]bool{}
	for _, path := range testFiles(t) {
		f, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		seen[f.Class.String()+" "+f.Data.String()] = true
		for _, s := range f.Sections {
			seen[s.Type.String()] = true
			if s.Flags&elf.SHF_COMPRESSED != 0 {
				seen["compressed"] = true
			}
		}
		if syms, err := f.DynamicSymbols(); err == nil {
			for _, s := range syms {
				if s.Version != "" && s.Library != "" {
					seen["needed version"] = true
				}
				if s.Version != "" && s.Library == "" {
					seen["defined version"] = true
				}
			}
		}
		if len(f.Progs) > 0 {
			seen["program headers"] = true
		}
		f.Close()
	}
	for _, want := range []string{"ELFCLASS64 ELFDATA2LSB", "ELFCLASS64 ELFDATA2MSB", "ELFCLASS32 ELFDATA2LSB", "ELFCLASS32 ELFDATA2MSB",
		"SHT_REL", "SHT_RELA", "SHT_NOBITS", "SHT_DYNSYM", "SHT_GNU_VERSYM", "SHT_GNU_VERDEF", "SHT_GNU_VERNEED",
		"compressed", "needed version", "defined version", "program headers"} {
		if !seen[want] {
			t.Errorf("no test file has %s", want)
		}
	}
}

// TestUnsizedReader reads through a ReaderAt without Size or Stat (in
// bounded chunks), which must give the same as NewFileBytes.
func TestUnsizedReader(t *testing.T) {
	raw, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	want, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := NewFile(unsized{bytes.NewReader(raw)})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range compare(want, got, true) {
		t.Error(d)
	}
	// A section claiming more than the file holds is cut off, with the
	// same error whether the size is known or not.
	s := got.Sections[1]
	s.Size = 1 << 40
	if _, err := got.SectionData(&s); !errors.Is(err, ErrTruncated) {
		t.Errorf("oversized section through an unsized reader: %v, want ErrTruncated", err)
	}
}

type unsized struct{ r io.ReaderAt }

func (u unsized) ReadAt(p []byte, off int64) (int, error) { return u.r.ReadAt(p, off) }

// compare lists the differences between debug/elf's reading of a file and
// ours, which both accepted. strict counts an error on one side only as a
// difference; otherwise only what both read is compared (for fuzzed
// input, which each may refuse for reasons of its own).
func compare(want *elf.File, got *File, strict bool) (diffs []string) {
	d := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if got.Class != Class(want.Class) || got.Data != Data(want.Data) || got.Type != Type(want.Type) ||
		got.Machine != Machine(want.Machine) || got.Entry != want.Entry || got.ByteOrder != want.ByteOrder {
		d("header: %v %v %v %v %#x, debug/elf %v %v %v %v %#x", got.Class, got.Data, got.Type, got.Machine, got.Entry,
			want.Class, want.Data, want.Type, want.Machine, want.Entry)
	}
	if len(got.Progs) != len(want.Progs) {
		d("%d program headers, debug/elf %d", len(got.Progs), len(want.Progs))
	} else {
		for i, p := range want.Progs {
			w := Prog{ProgType(p.Type), ProgFlag(p.Flags), p.Off, p.Vaddr, p.Paddr, p.Filesz, p.Memsz, p.Align}
			if got.Progs[i] != w {
				d("program header %d: %+v, debug/elf %+v", i, got.Progs[i], w)
			}
		}
	}
	if len(got.Sections) != len(want.Sections) {
		d("%d sections, debug/elf %d", len(got.Sections), len(want.Sections))
		return diffs
	}
	for i, ws := range want.Sections {
		gs := &got.Sections[i]
		w := Section{ws.Name, SectionType(ws.Type), SectionFlag(ws.Flags), ws.Addr, ws.Offset, ws.FileSize,
			ws.Link, ws.Info, ws.Addralign, ws.Entsize}
		if ws.Flags&elf.SHF_COMPRESSED != 0 {
			w.Addralign = gs.Addralign // debug/elf gives the compression header's
		}
		w.Flags |= gs.Flags &^ 0xffffffff // debug/elf keeps 32 bits of sh_flags
		if *gs != w {
			d("section %d: %+v, debug/elf %+v", i, *gs, w)
			continue
		}
		if ws.Type == elf.SHT_NOBITS || ws.Flags&elf.SHF_COMPRESSED != 0 {
			if _, err := got.SectionData(gs); err == nil && strict {
				d("section %d (%s): contents of a %v section", i, ws.Name, ws.Type)
			}
			continue
		}
		wb, werr := ws.Data()
		gb, gerr := got.SectionData(gs)
		switch {
		case (werr == nil) != (gerr == nil):
			if strict {
				d("section %d (%s): error %v, debug/elf %v", i, ws.Name, gerr, werr)
			}
		case werr == nil && !bytes.Equal(gb, wb):
			d("section %d (%s): contents differ", i, ws.Name)
		}
		if ws.Type == elf.SHT_REL || ws.Type == elf.SHT_RELA {
			diffs = append(diffs, compareRelocs(want, ws, got, gs, strict)...)
		}
	}
	ws, werr := want.Symbols()
	gs, gerr := got.Symbols()
	diffs = append(diffs, compareSymbols("symbols", ws, werr, gs, gerr, strict)...)
	ws, werr = want.DynamicSymbols()
	gs, gerr = got.DynamicSymbols()
	diffs = append(diffs, compareSymbols("dynamic symbols", ws, werr, gs, gerr, strict)...)
	return diffs
}

// compareSymbols compares symbol tables (ours has the null symbol first).
func compareSymbols(what string, want []elf.Symbol, werr error, got []Symbol, gerr error, strict bool) (diffs []string) {
	switch {
	case werr != nil || gerr != nil:
		if strict && (errors.Is(werr, elf.ErrNoSymbols) != errors.Is(gerr, ErrNoSymbols) || (werr == nil) != (gerr == nil)) {
			diffs = append(diffs, fmt.Sprintf("%s: error %v, debug/elf %v", what, gerr, werr))
		}
		return diffs
	case len(got) != len(want)+1:
		return []string{fmt.Sprintf("%s: %d, debug/elf %d and the null symbol", what, len(got), len(want))}
	case strict && got[0] != Symbol{}:
		diffs = append(diffs, fmt.Sprintf("%s: null symbol %+v", what, got[0]))
	}
	for i, s := range want {
		w := Symbol{s.Name, s.Info, s.Other, SectionIndex(s.Section), s.Value, s.Size, s.Version, s.Library}
		if got[i+1] != w {
			diffs = append(diffs, fmt.Sprintf("%s: symbol %d: %+v, debug/elf %+v", what, i+1, got[i+1], w))
		}
	}
	return diffs
}

// compareRelocs compares the relocation section s, as debug/elf's
// structures decode it.
func compareRelocs(f *elf.File, s *elf.Section, got *File, gs *Section, strict bool) []string {
	data, err := s.Data()
	if err != nil {
		return nil
	}
	var want []Reloc
	r := bytes.NewReader(data)
	switch {
	case f.Class == elf.ELFCLASS64 && s.Type == elf.SHT_REL:
		rels := make([]elf.Rel64, len(data)/16)
		if binary.Read(r, f.ByteOrder, rels) == nil {
			for _, e := range rels {
				want = append(want, Reloc{e.Off, elf.R_SYM64(e.Info), elf.R_TYPE64(e.Info), 0})
			}
		}
	case f.Class == elf.ELFCLASS64:
		rels := make([]elf.Rela64, len(data)/24)
		if binary.Read(r, f.ByteOrder, rels) == nil {
			for _, e := range rels {
				want = append(want, Reloc{e.Off, elf.R_SYM64(e.Info), elf.R_TYPE64(e.Info), e.Addend})
			}
		}
	case s.Type == elf.SHT_REL:
		rels := make([]elf.Rel32, len(data)/8)
		if binary.Read(r, f.ByteOrder, rels) == nil {
			for _, e := range rels {
				want = append(want, Reloc{uint64(e.Off), elf.R_SYM32(e.Info), elf.R_TYPE32(e.Info), 0})
			}
		}
	default:
		rels := make([]elf.Rela32, len(data)/12)
		if binary.Read(r, f.ByteOrder, rels) == nil {
			for _, e := range rels {
				want = append(want, Reloc{uint64(e.Off), elf.R_SYM32(e.Info), elf.R_TYPE32(e.Info), int64(e.Addend)})
			}
		}
	}
	rels, err := got.Relocations(gs)
	if err != nil {
		size := relSize(f.Class, s.Type)
		if strict && (s.Entsize == 0 || s.Entsize == uint64(size)) && len(data)%size == 0 {
			return []string{fmt.Sprintf("relocations of %s: %v", s.Name, err)}
		}
		return nil // an entry size or length ours refuses and debug/elf has no say on
	}
	if !slices.Equal(rels, want) {
		return []string{fmt.Sprintf("relocations of %s: %+v, debug/elf's structures %+v", s.Name, rels, want)}
	}
	return nil
}

func relSize(c elf.Class, t elf.SectionType) int {
	switch {
	case c == elf.ELFCLASS64 && t == elf.SHT_REL:
		return 16
	case c == elf.ELFCLASS64:
		return 24
	case t == elf.SHT_REL:
		return 8
	}
	return 12
}

// FuzzNewFile feeds arbitrary bytes to the reader: it must never panic or
// hang, and where debug/elf reads the same input without error (or
// panic), the two must agree.
func FuzzNewFile(f *testing.F) {
	for _, p := range []string{"testdata/sample_i386.o", "testdata/sample_i386.so", "testdata/sample_ppc.o", "testdata/sample_s390x.o",
		"../../testdata/tailcall.o", "../../frontend/elf/testdata/subprogs_eb.o"} {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := NewFileBytes(data)
		// The same read in chunks through a reader of unknown size.
		chunked, cerr := NewFile(unsized{bytes.NewReader(data)})
		if (err == nil) != (cerr == nil) {
			t.Fatalf("NewFileBytes: %v, NewFile: %v", err, cerr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) || !errors.Is(cerr, ErrMalformed) {
				t.Fatalf("errors %v, %v do not wrap ErrMalformed", err, cerr)
			}
			return
		}
		if !slices.Equal(got.Sections, chunked.Sections) || !slices.Equal(got.Progs, chunked.Progs) {
			t.Fatalf("headers differ between NewFileBytes and NewFile")
		}
		// Everything the reader offers, as the frontend and attach use it.
		for i := range got.Sections {
			s := &got.Sections[i]
			b, err := got.SectionData(s)
			cb, cerr := chunked.SectionData(s)
			if (err == nil) != (cerr == nil) || !bytes.Equal(b, cb) {
				t.Fatalf("section %d: NewFileBytes %v, NewFile %v", i, err, cerr)
			}
			if s.Type == SHT_REL || s.Type == SHT_RELA {
				got.Relocations(s)
			}
		}
		syms, err := got.Symbols()
		csyms, cerr := chunked.Symbols()
		if (err == nil) != (cerr == nil) || !slices.Equal(syms, csyms) {
			t.Fatalf("symbols: NewFileBytes %v, NewFile %v", err, cerr)
		}
		got.DynamicSymbols()
		want, ok := debugELF(data)
		if !ok {
			return
		}
		for _, d := range compareAccepted(want, got) {
			t.Error(d)
		}
	})
}

// debugELF reads data with debug/elf, which may panic on malformed input.
func debugELF(data []byte) (f *elf.File, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	return f, err == nil
}

// compareAccepted is compare for inputs debug/elf may panic on later,
// reading sections or symbols, or accept where we refuse: the
// differences of contents both read.
func compareAccepted(want *elf.File, got *File) (diffs []string) {
	defer func() {
		if recover() != nil {
			diffs = nil // debug/elf panicked: it has no answer to compare
		}
	}()
	return compare(want, got, false)
}

// BenchmarkRead reads what the frontend reads of a BPF object (headers,
// symbols, every section's contents and relocations) and what a uprobe
// on a versioned function reads of the C library (headers, dynamic
// symbols with versions), with this package and with debug/elf in the
// same run: compare the two ns/op, B/op and allocs/op of each file.
func BenchmarkRead(b *testing.B) {
	for _, path := range []string{"../../testdata/execsnoop.o", "/lib/x86_64-linux-gnu/libc.so.6"} {
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Skip(err)
		}
		dynamic := filepath.Ext(path) != ".o"
		name := filepath.Base(path)
		b.Run("elffile/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, err := NewFileBytes(raw)
				if err != nil {
					b.Fatal(err)
				}
				if dynamic {
					if _, err := f.DynamicSymbols(); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if _, err := f.Symbols(); err != nil {
					b.Fatal(err)
				}
				for i := range f.Sections {
					s := &f.Sections[i]
					if s.Type == SHT_NOBITS {
						continue
					}
					if _, err := f.SectionData(s); err != nil {
						b.Fatal(err)
					}
					if s.Type == SHT_REL {
						if _, err := f.Relocations(s); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
		b.Run("debug_elf/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, err := elf.NewFile(bytes.NewReader(raw))
				if err != nil {
					b.Fatal(err)
				}
				if dynamic {
					if _, err := f.DynamicSymbols(); err != nil {
						b.Fatal(err)
					}
					continue
				}
				if _, err := f.Symbols(); err != nil {
					b.Fatal(err)
				}
				for _, s := range f.Sections {
					if s.Type == elf.SHT_NOBITS {
						continue
					}
					data, err := s.Data()
					if err != nil {
						b.Fatal(err)
					}
					if s.Type == elf.SHT_REL {
						rels := make([]elf.Rel64, len(data)/16)
						if err := binary.Read(bytes.NewReader(data), f.ByteOrder, rels); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
	}
}
