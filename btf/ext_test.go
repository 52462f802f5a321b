// Tests for .BTF.ext parsing and the kernel record encoders, on clang output
// (testdata/minimal.o) and hand-made blobs.

package btf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// minimalObject returns the BTF and raw .BTF.ext of testdata/minimal.o.
func minimalObject(t testing.TB) (*Spec, []byte) {
	t.Helper()
	spec, err := LoadTarget("testdata/minimal.o")
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open("testdata/minimal.o")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ext, err := f.Section(".BTF.ext").Data()
	if err != nil {
		t.Fatal(err)
	}
	return spec, ext
}

func TestMinimalObject(t *testing.T) {
	spec, raw := minimalObject(t)
	ids := spec.FindByName("task_struct")
	if len(ids) != 1 {
		t.Fatalf("FindByName(task_struct) = %v", ids)
	}
	ts, _ := spec.Type(ids[0])
	want := []Member{
		{Name: "pid", Type: 3}, {Name: "tgid", Type: 3, BitOffset: 32}, {Name: "parent", Type: 1, BitOffset: 64},
		{Name: "flags", Type: 4, BitOffset: 128, BitfieldSize: 3}, {Name: "other", Type: 4, BitOffset: 131, BitfieldSize: 5},
	}
	if diff := cmp.Diff(want, ts.Members); diff != "" || !ts.KindFlag || ts.Size != 24 {
		t.Errorf("task_struct (kind_flag %v size %d) members (-want +got):\n%s", ts.KindFlag, ts.Size, diff)
	}

	ext, err := ParseExt(raw, binary.LittleEndian, spec)
	if err != nil {
		t.Fatal(err)
	}
	if ext.FuncInfoRecSize != 8 || ext.LineInfoRecSize != 16 || ext.CORERecSize != 16 {
		t.Errorf("record sizes %d %d %d", ext.FuncInfoRecSize, ext.LineInfoRecSize, ext.CORERecSize)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for name := range ext.Sections {
			if !yield(name) {
				return
			}
		}
	}); !slices.Equal(got, []string{".text", "raw_tp/sys_enter"}) {
		t.Fatalf("sections %v", got)
	}
	prog := ext.Sections["raw_tp/sys_enter"]
	if len(prog.FuncInfos) != 1 || spec.TypeName(prog.FuncInfos[0].TypeID) != "prog" || prog.FuncInfos[0].InsnOff != 0 {
		t.Errorf("prog func_info %+v", prog.FuncInfos)
	}
	if len(prog.LineInfos) == 0 {
		t.Fatal("no line_info for prog")
	}
	li := prog.LineInfos[0]
	if li.FileName != "./minimal.c" || li.Line != "\tcounter++;" || li.LineNum != 27 || li.Col != 9 {
		t.Errorf("first line_info %+v", li)
	}
	if s, _ := spec.String(li.LineOff); s != li.Line {
		t.Errorf("LineOff does not point at Line")
	}
	wantRelo := []CORERelo{{InsnOff: 48, TypeID: ids[0], Access: "0:0", Kind: FieldExists}}
	if diff := cmp.Diff(wantRelo, prog.CORERelos, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".AccessOff"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("prog CO-RE relos (-want +got):\n%s", diff)
	}
	var accesses []string
	for _, r := range ext.Sections[".text"].CORERelos {
		if r.Kind != FieldByteOffset {
			t.Errorf("helper relo kind %v", r.Kind)
		}
		accesses = append(accesses, r.Access)
	}
	if !slices.Equal(accesses, []string{"0:2", "0:3", "0:1"}) {
		t.Errorf("helper access strings %v", accesses)
	}
}

// extBlob assembles a .BTF.ext with the given subsections (nil = absent).
func extBlob(order binary.ByteOrder, hdrLen uint32, funcs, lines, core []uint32) []byte {
	app := appender(order)
	var body []byte
	var offs []uint32
	for _, sub := range [][]uint32{funcs, lines, core} {
		offs = append(offs, uint32(len(body)), uint32(4*len(sub)))
		for _, w := range sub {
			body = app.AppendUint32(body, w)
		}
	}
	var b []byte
	b = app.AppendUint16(b, btfMagic)
	b = append(b, 1, 0)
	b = app.AppendUint32(b, hdrLen)
	for _, o := range offs[:(hdrLen-8)/4] {
		b = app.AppendUint32(b, o)
	}
	return append(b, body...)
}

func TestParseExt(t *testing.T) {
	for _, order := range orders {
		strs := "\x00.text\x00file.c\x00x = 1;\x000:1\x00"
		spec, err := Parse(rawBTF(order, []uint32{0, info(KindStruct, 0, false), 0}, strs))
		if err != nil {
			t.Fatal(err)
		}
		text, file, line, acc := strOff(strs, ".text"), strOff(strs, "file.c"), strOff(strs, "x = 1;"), strOff(strs, "0:1")
		// Records larger than the minimum: their tails are skipped.
		raw := extBlob(order, 32,
			[]uint32{12, text, 2, 0, 1, 0xdead, 16, 1, 0xbeef},
			[]uint32{16, text, 1, 8, file, line, 5<<10 | 3},
			[]uint32{16, text, 1, 24, 1, acc, uint32(FieldByteSize)})
		ext, err := ParseExt(raw, order, spec)
		if err != nil {
			t.Fatal(err)
		}
		want := &Ext{FuncInfoRecSize: 12, LineInfoRecSize: 16, CORERecSize: 16, Sections: map[string]*ExtSection{
			".text": {
				Name:      ".text",
				FuncInfos: []FuncInfo{{0, 1}, {16, 1}},
				LineInfos: []LineInfo{{InsnOff: 8, FileNameOff: file, LineOff: line, FileName: "file.c", Line: "x = 1;", LineNum: 5, Col: 3}},
				CORERelos: []CORERelo{{InsnOff: 24, TypeID: 1, AccessOff: acc, Access: "0:1", Kind: FieldByteSize}},
			},
		}}
		if diff := cmp.Diff(want, ext); diff != "" {
			t.Errorf("%v: (-want +got):\n%s", order, diff)
		}
		// A header without the CO-RE fields is fine too.
		if ext, err := ParseExt(extBlob(order, 24, nil, []uint32{16, text, 1, 8, file, line, 0}, nil), order, spec); err != nil || ext.CORERecSize != 0 {
			t.Errorf("24-byte header: %v, %+v", err, ext)
		}
	}
}

func TestParseExtBad(t *testing.T) {
	le := binary.LittleEndian
	strs := "\x00.text\x00"
	spec, err := Parse(rawBTF(le, nil, strs))
	if err != nil {
		t.Fatal(err)
	}
	text := strOff(strs, ".text")
	good := extBlob(le, 32, []uint32{8, text, 1, 0, 0}, nil, nil)
	if _, err := ParseExt(good, le, spec); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"short header", good[:10], "header: 10 bytes"},
		{"bad magic", append([]byte{0, 0}, good[2:]...), "bad magic"},
		{"byte order", append([]byte{0xeb, 0x9f}, good[2:]...), "other byte order"},
		{"version", append([]byte{0x9f, 0xeb, 9}, good[3:]...), "version 9"},
		{"hdr_len", extBlob(le, 32, nil, nil, nil)[:28], "hdr_len 32 out of range"},
		{"func rec size too small", extBlob(le, 32, []uint32{4, text, 1, 0}, nil, nil), "func_info: record size 4"},
		{"line rec size too small", extBlob(le, 32, nil, []uint32{8, text, 1, 0, 0}, nil), "line_info: record size 8"},
		{"core rec size unaligned", extBlob(le, 32, nil, nil, []uint32{17, text, 1, 0, 0, 0, 0}), "core_relo: record size 17"},
		{"count overflowing", extBlob(le, 32, []uint32{8, text, 0x20000000, 0, 0}, nil, nil), "536870912 records of 8 bytes exceed the 8 bytes left"},
		{"count times size wraps", extBlob(le, 32, []uint32{0x80000000, text, 2, 0, 0}, nil, nil), "2 records of 2147483648 bytes"},
		{"no records", extBlob(le, 32, []uint32{8, text, 0}, nil, nil), "no records"},
		{"section name", extBlob(le, 32, []uint32{8, 999, 1, 0, 0}, nil, nil), "section name: btf: string offset 999"},
		{"truncated sec header", extBlob(le, 32, []uint32{8, text}, nil, nil), "truncated section header"},
		{"no rec size", extBlob(le, 32, nil, nil, nil)[:32], ""},
		{"line strings", extBlob(le, 32, nil, []uint32{16, text, 1, 0, 555, 0, 0}, nil), "record 0: file name: btf: string offset 555"},
		{"access string", extBlob(le, 32, nil, nil, []uint32{16, text, 1, 0, 0, 777, 0}), "access string: btf: string offset 777"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseExt(tc.raw, le, spec)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotFound) {
				t.Fatalf("error %v wraps neither sentinel", err)
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	raw := extBlob(le, 32, []uint32{8, text, 1, 0, 0}, nil, nil)
	le.PutUint32(raw[8:], 0xfffffffc) // func_info_off
	if _, err := ParseExt(raw, le, spec); !errors.Is(err, ErrInvalid) {
		t.Errorf("section offset overflow: %v", err)
	}
	if _, err := ParseExt(good, le, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil spec: %v", err)
	}
}

func TestAppendRecords(t *testing.T) {
	for _, order := range orders {
		app := appender(order)
		var want, got []byte
		for _, w := range []uint32{0, 5, 3, 9} {
			want = app.AppendUint32(want, w)
		}
		for _, fi := range []FuncInfo{{0, 5}, {3, 9}} {
			got = AppendFuncInfo(got, fi, order)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("AppendFuncInfo = %x, want %x", got, want)
		}
		want = nil
		for _, w := range []uint32{2, 10, 20, 7<<10 | 1} {
			want = app.AppendUint32(want, w)
		}
		li := LineInfo{InsnOff: 2, FileNameOff: 10, LineOff: 20, LineNum: 7, Col: 0x401}
		if got := AppendLineInfo(nil, li, order); !bytes.Equal(got, want) {
			t.Errorf("AppendLineInfo = %x, want %x", got, want)
		}
		want = nil
		for _, w := range []uint32{8, 2, 30, 11} {
			want = app.AppendUint32(want, w)
		}
		cr := CORERelo{InsnOff: 8, TypeID: 2, AccessOff: 30, Kind: EnumvalValue}
		if got := AppendCORERelo(nil, cr, order); !bytes.Equal(got, want) {
			t.Errorf("AppendCORERelo = %x, want %x", got, want)
		}
	}
}

func TestLoadTargetBad(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"junk": "hello", "empty": "", "badelf": "\x7fELF\x02\x01\x01"} {
		path := dir + "/" + name
		if err := writeFile(path, content); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadTarget(path); err == nil {
			t.Errorf("LoadTarget(%s) succeeded", name)
		}
	}
	if _, err := LoadTarget(dir + "/missing"); err == nil {
		t.Error("LoadTarget(missing) succeeded")
	}
	if _, err := LoadSpecFromELF("testdata/minimal.c"); err == nil {
		t.Error("LoadSpecFromELF(C source) succeeded")
	}
}
