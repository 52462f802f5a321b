// This file feeds the frontend broken objects, made by mutating bytes of
// committed ones, and checks that each gives its specific sentinel error
// with context, never a panic.

package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// section returns the file offset and size of a section of raw.
func sectionAt(t *testing.T, raw []byte, name string) (off, size int) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Section(name)
	if s == nil {
		t.Fatalf("no section %s", name)
	}
	return int(s.Offset), int(s.Size)
}

// headerAt returns the file offset of the section header of section name.
func headerAt(t *testing.T, raw []byte, name string) int {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range f.Sections {
		if s.Name == name {
			return int(binary.LittleEndian.Uint64(raw[40:])) + i*64
		}
	}
	t.Fatalf("no section %s", name)
	return 0
}

// symbolEntry returns the file offset of the Elf64_Sym of symbol name.
func symbolEntry(t *testing.T, raw []byte, name string) int {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	tab := f.Section(".symtab")
	for i, s := range syms {
		if s.Name == name {
			return int(tab.Offset) + (i+1)*24
		}
	}
	t.Fatalf("no symbol %s", name)
	return 0
}

func TestBadInput(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name   string
		obj    string
		mutate func(t *testing.T, raw []byte) []byte
		want   error
		msg    string // substring of the error message
	}{
		{"empty", "tailcall.o", func(t *testing.T, raw []byte) []byte { return nil }, ErrBadELF, "tailcall.o: not an ELF file: it is empty"},
		{"text", "tailcall.o", func(t *testing.T, raw []byte) []byte { return []byte("root:x:0:0:root:/root:/bin/bash\n") }, ErrBadELF,
			`tailcall.o: not an ELF file: it starts with "root", not "\x7fELF" (want a BPF object, as clang -target bpf -c writes)`},
		{"short", "tailcall.o", func(t *testing.T, raw []byte) []byte { return raw[:2] }, ErrBadELF, `not an ELF file: it starts with "\x7fE"`},
		{"truncated header", "tailcall.o", func(t *testing.T, raw []byte) []byte { return raw[:40] }, ErrBadELF, ""},
		{"truncated half", "tailcall.o", func(t *testing.T, raw []byte) []byte { return raw[:len(raw)/2] }, ErrBadELF, "tailcall.o: ELF header or section headers cut off (truncated file?)"},
		{"truncated before section headers end", "subprogs.o", func(t *testing.T, raw []byte) []byte { return raw[:len(raw)-10] }, ErrBadELF, "truncated file?"},
		{"not ELF", "tailcall.o", func(t *testing.T, raw []byte) []byte { raw[1] = 'X'; return raw }, ErrBadELF, "not an ELF file"},
		{"wrong machine", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			le.PutUint16(raw[18:], uint16(elf.EM_X86_64))
			return raw
		}, ErrBadELF, "want EM_BPF"},
		{"foreign byte order", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			raw[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
			return raw
		}, ErrBadELF, ""},
		{"32-bit class", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			raw[elf.EI_CLASS] = byte(elf.ELFCLASS32)
			return raw
		}, ErrBadELF, ""},
		{"executable, not relocatable", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			le.PutUint16(raw[16:], uint16(elf.ET_EXEC))
			return raw
		}, ErrBadELF, "want ET_REL"},
		{"corrupt BTF magic", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF")
			raw[off], raw[off+1] = 0, 0
			return raw
		}, ErrBadBTF, "section .BTF"},
		{"BTF in the other byte order", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF")
			raw[off], raw[off+1] = raw[off+1], raw[off]
			return raw
		}, ErrBadBTF, "byte order"},
		{"corrupt BTF type kind", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF")
			hdr := int(le.Uint32(raw[off+4:]))
			typeOff := int(le.Uint32(raw[off+8:]))
			raw[off+hdr+typeOff+7] = 0x1f // kind 31 in the first type's info
			return raw
		}, ErrBadBTF, "section .BTF"},
		{"BTF type section beyond data", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF")
			le.PutUint32(raw[off+12:], 1<<30)
			return raw
		}, ErrBadBTF, ""},
		{"corrupt BTF.ext magic", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF.ext")
			raw[off] = 0
			return raw
		}, ErrBadBTF, "section .BTF.ext"},
		{"BTF.ext func_info record size", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF.ext")
			hdr := int(le.Uint32(raw[off+4:]))
			fi := int(le.Uint32(raw[off+8:]))
			le.PutUint32(raw[off+hdr+fi:], 3)
			return raw
		}, ErrBadBTF, "section .BTF.ext"},
		{"BTF.ext record outside every function", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF.ext")
			hdr := int(le.Uint32(raw[off+4:]))
			fi := int(le.Uint32(raw[off+8:]))
			// rec_size, sec_name_off, num_info, then {insn_off, type_id}.
			le.PutUint32(raw[off+hdr+fi+12:], 0x7ff8)
			return raw
		}, ErrBadBTF, "not inside any function"},
		{"relocation outside its section", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".relxdp")
			le.PutUint64(raw[off:], 1<<20)
			return raw
		}, ErrBadReloc, `tailcall.o: section "xdp": relocation 0 at offset 1048576: outside the section`},
		{"unaligned relocation", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".relxdp")
			le.PutUint64(raw[off:], 4)
			return raw
		}, ErrBadReloc, "not at an instruction"},
		{"relocation against a missing symbol", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".relxdp")
			le.PutUint32(raw[off+12:], 5000) // r_info's symbol index
			return raw
		}, ErrBadReloc, `section "xdp": program tail_a: insn 0: relocation against symbol index 5000`},
		{"relocation on an ordinary instruction", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".relxdp")
			le.PutUint64(raw[off:], 2*8) // tail_a insn 2: a load, not ld_imm64
			return raw
		}, ErrBadReloc, "neither ld_imm64 nor call"},
		{"relocation section with a bad entry size", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			f, err := elf.NewFile(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range f.Sections {
				if s.Name == ".relxdp" {
					shoff := int(le.Uint64(raw[0x28:]))
					le.PutUint64(raw[shoff+i*64+56:], 12) // sh_entsize
				}
			}
			return raw
		}, ErrBadELF, "entry size"},
		{"call to a missing function (no relocation)", "subprogs.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".text")
			le.PutUint32(raw[off+4:], 0x7000) // global_a: call +2 -> +0x7000
			return raw
		}, ErrMissingFunc, `subprogs.o: section ".text": subprog global_a: insn 0: call: target insn 28673`},
		{"call to a missing function (relocated)", "subprogs.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, "xdp")
			le.PutUint32(raw[off+8+4:], 0x100) // sub_chain insn 1: call -1 -> +256
			return raw
		}, ErrMissingFunc, `section "xdp": program sub_chain: insn 1: call to "global_a"`},
		{"relocation against a data symbol in code", "subprogs.o", func(t *testing.T, raw []byte) []byte {
			sym := symbolEntry(t, raw, "mid_b")
			raw[sym+4] = byte(elf.STB_LOCAL)<<4 | byte(elf.STT_OBJECT) // st_info
			// sub_loop's call of leaf_c is against the .text section
			// symbol; its ld_imm64 of loop_cb too; make one use mid_b.
			off, size := sectionAt(t, raw, ".relxdp")
			f, err := elf.NewFile(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			syms, _ := f.Symbols()
			idx := 0
			for i, s := range syms {
				if s.Name == "mid_b" {
					idx = i + 1
				}
			}
			for e := off; e < off+size; e += 16 {
				if le.Uint64(raw[e:]) == 16*8 { // sub_loop insn 5, ld_imm64 of .text+0x60
					le.PutUint32(raw[e+12:], uint32(idx))
				}
			}
			return raw
		}, ErrBadReloc, `program sub_loop: insn 5: relocation against STT_OBJECT symbol "mid_b" in code section ".text", which is not a function`},
		{"extern BTF does not describe", "externs_percpu.o", func(t *testing.T, raw []byte) []byte {
			ext := symbolEntry(t, raw, "runqueues")
			lic := symbolEntry(t, raw, "LICENSE")
			copy(raw[ext:ext+4], raw[lic:lic+4]) // st_name: the undefined symbol is now "LICENSE"
			return raw
		}, ErrBadExtern, "extern LICENSE: no BTF VAR or FUNC"},
		{"function crossing its section's end", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			sym := symbolEntry(t, raw, "tail_entry")
			le.PutUint64(raw[sym+16:], 4096)
			return raw
		}, ErrBadELF, "crosses the end of the section"},
		{"function of a partial instruction", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			sym := symbolEntry(t, raw, "tail_a")
			le.PutUint64(raw[sym+16:], 12)
			return raw
		}, ErrBadELF, "not whole instructions"},
		{"legacy map too small", "legacy_maps.o", func(t *testing.T, raw []byte) []byte {
			sym := symbolEntry(t, raw, "legacy_hash")
			le.PutUint64(raw[sym+16:], 8)
			return raw
		}, ErrBadMap, `section "maps": map legacy_hash: 8-byte definition`},
		{"two sections of one name", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			copy(raw[headerAt(t, raw, "license"):][:4], raw[headerAt(t, raw, ".data"):][:4]) // sh_name
			return raw
		}, ErrBadELF, `are both named ".data"`},
		{"executable license", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			h := headerAt(t, raw, "license")
			le.PutUint64(raw[h+8:], le.Uint64(raw[h+8:])|uint64(elf.SHF_EXECINSTR))
			return raw
		}, ErrBadELF, `section "license": executable`},
		{"jump out of its function", "subprogs.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".text")
			le.PutUint16(raw[off+7*8+2:], 0x700) // global_pkt_len: if r1 == 0 goto +0x700
			return raw
		}, ErrBadELF, "function global_pkt_len: insn 1: jump to insn 1794, outside the function"},
		{"two func_info records for one function", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".BTF.ext")
			hdr := int(le.Uint32(raw[off+4:]))
			fi := int(le.Uint32(raw[off+8:]))
			// rec_size, sec_name_off, num_info, {insn_off, type_id}...: the
			// second record of the first section onto the first's insn.
			le.PutUint32(raw[off+hdr+fi+20:], le.Uint32(raw[off+hdr+fi+12:]))
			return raw
		}, ErrBadBTF, "a second func_info record"},
		{"two relocations of one instruction", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".relxdp")
			copy(raw[off+16:off+32], raw[off:off+16])
			return raw
		}, ErrBadReloc, "two relocations"},
		{"overlapping maps", "mapinmap.o", func(t *testing.T, raw []byte) []byte {
			a, b := symbolEntry(t, raw, "inner_a"), symbolEntry(t, raw, "inner_b")
			le.PutUint64(raw[b+8:], le.Uint64(raw[a+8:])+8)
			return raw
		}, ErrBadMap, "overlaps the map before"},
		{".values relocation outside every map", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".rel.maps")
			le.PutUint64(raw[off+16:], 0x18+8*5) // tail_b: values[2] -> values[5], past jump_table's 48 bytes
			return raw
		}, ErrBadReloc, `section ".rel.maps": relocation 1 at offset 64: not inside any map definition`},
		{".values relocation against a non-program", "tailcall.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".rel.maps")
			sym := binary.LittleEndian.Uint32(raw[off+12:]) // tail_a's index
			le.PutUint32(raw[off+12:], sym+1)               // tail_a_runs, a .bss variable
			return raw
		}, ErrBadReloc, `map jump_table: slot 0: "tail_a_runs" is not a program`},
		{"struct_ops relocation outside every map", "structops_cc.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".rel.struct_ops")
			le.PutUint64(raw[off:], 4096)
			return raw
		}, ErrBadReloc, `section ".rel.struct_ops": relocation 0 at offset 4096: not inside any struct_ops map`},
		{"struct_ops relocation between members", "structops_cc.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".rel.struct_ops")
			le.PutUint64(raw[off:], 4)
			return raw
		}, ErrBadReloc, "map bpfc_reno: offset 4 of struct tcp_congestion_ops is not at a member"},
		{"struct_ops relocation of a data member", "structops_cc.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".rel.struct_ops")
			le.PutUint64(raw[off:], 48) // name
			return raw
		}, ErrBadReloc, "map bpfc_reno: member name: not a function pointer"},
		{"struct_ops function pointer to a variable", "structops_cc.o", func(t *testing.T, raw []byte) []byte {
			off, _ := sectionAt(t, raw, ".rel.struct_ops")
			f, err := elf.NewFile(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			syms, _ := f.Symbols()
			for i, s := range syms {
				if s.Name == "cc_calls" {
					le.PutUint32(raw[off+12:], uint32(i+1))
				}
			}
			return raw
		}, ErrBadReloc, `map bpfc_reno: member init: "cc_calls" is not a function of this object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := append([]byte(nil), readObj(t, tt.obj)...)
			raw = tt.mutate(t, raw)
			obj, err := Parse(bytes.NewReader(raw), tt.obj)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse: err = %v, want %v (obj %v)", err, tt.want, obj != nil)
			}
			if obj != nil {
				t.Errorf("Parse returned an object with error %v", err)
			}
			if !strings.HasPrefix(err.Error(), tt.obj+": ") || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not start with %q and contain %q", err, tt.obj+": ", tt.msg)
			}
		})
	}
}

// TestRecoverPanics checks that the safety net turns a panic into an error.
func TestRecoverPanics(t *testing.T) {
	_, err := Parse(panicReader{}, "x.o")
	if !errors.Is(err, ErrBadELF) {
		t.Fatalf("err = %v, want ErrBadELF", err)
	}
}

type panicReader struct{}

func (panicReader) ReadAt([]byte, int64) (int, error) { panic("boom") }

// TestOpenMissing: a missing file is named once, as os.ReadFile names it.
func TestOpenMissing(t *testing.T) {
	_, err := Open("/nonexistent/bpfc.o")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v, want fs.ErrNotExist", err)
	}
	if got, want := err.Error(), "open /nonexistent/bpfc.o: no such file or directory"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}
