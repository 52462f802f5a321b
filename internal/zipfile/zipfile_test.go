// Tests of the reader against archive/zip (a second implementation):
// archives of every testdata object written by archive/zip's writer
// (stored, deflated at several levels, with and without data
// descriptors, behind a prefix, with a comment), by Info-ZIP's zip and by
// jar where installed, and a hand-made ZIP64 archive read the same;
// damaged archives are refused where archive/zip refuses them; a fuzz
// target compares the two on any input.

package zipfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// objects returns the testdata objects by name.
func objects(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("../../testdata/*.o")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata objects: %v", err)
	}
	objs := make(map[string][]byte)
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		objs[filepath.Base(p)] = raw
	}
	return objs
}

// writeArchive writes members with archive/zip's writer: method Store or
// Deflate at level (compress/flate's), through CreateHeader (a data
// descriptor after each member) or, if raw, CreateRaw with the sizes and
// CRC in the headers.
func writeArchive(t testing.TB, names []string, members map[string][]byte, method uint16, level int, raw bool) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, level) })
	for _, name := range names {
		data := members[name]
		if !raw {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
			continue
		}
		stored := data
		if method == zip.Deflate {
			var z bytes.Buffer
			fw, _ := flate.NewWriter(&z, level)
			fw.Write(data)
			fw.Close()
			stored = z.Bytes()
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: method, CRC32: crc32.ChecksumIEEE(data),
			CompressedSize64: uint64(len(stored)), UncompressedSize64: uint64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(stored)
	}
	zw.SetComment("built by the zipfile tests")
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// same checks that New lists the members archive/zip lists and reads
// each one as archive/zip does: the same data, or an error where
// archive/zip has one.
func same(t *testing.T, what string, archive []byte, limit uint64) {
	t.Helper()
	zr, zerr := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	a, err := New(bytes.NewReader(archive), int64(len(archive)))
	if (zerr == nil) != (err == nil) {
		t.Fatalf("%s: New: %v; archive/zip: %v", what, err, zerr)
	}
	if err != nil {
		return
	}
	if len(a.Members) != len(zr.File) {
		t.Fatalf("%s: %d members, archive/zip lists %d", what, len(a.Members), len(zr.File))
	}
	for i, f := range zr.File {
		m := &a.Members[i]
		if m.Name != f.Name || m.Method != f.Method || m.Flags != f.Flags || m.CRC32 != f.CRC32 ||
			m.Size != f.UncompressedSize64 || m.CompressedSize != f.CompressedSize64 {
			t.Fatalf("%s: member %d: %+v; archive/zip: %+v", what, i, *m, f.FileHeader)
		}
		if i >= 8 {
			continue // enough to compare the data of
		}
		got, err := a.Read(m, limit)
		want, zerr := readStd(f, limit)
		switch {
		case !strings.HasSuffix(m.Name, "/") && (m.Flags&1 != 0 || m.Method != Store && m.Method != Deflate || m.Size > limit):
			// Refused here (encrypted, other methods, too large),
			// whatever archive/zip makes of it. A directory is read
			// as archive/zip reads it, whatever its method and flags
			// say: no data (as the fuzzer found).
			if err == nil {
				t.Fatalf("%s: %s: read a member flagged %#x, method %d, %d bytes", what, m.Name, m.Flags, m.Method, m.Size)
			}
		case (zerr == nil) != (err == nil):
			t.Fatalf("%s: %s: Read: %v; archive/zip: %v", what, m.Name, err, zerr)
		case err == nil && !bytes.Equal(got, want):
			t.Fatalf("%s: %s: data differs from archive/zip's (%d and %d bytes)", what, m.Name, len(got), len(want))
		}
	}
}

// readStd reads f with archive/zip, at most limit bytes.
func readStd(f *zip.File, limit uint64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) > limit {
		return nil, errors.New("too large")
	}
	return data, nil
}

func TestRoundTrip(t *testing.T) {
	objs := objects(t)
	var names []string
	for name := range objs {
		names = append(names, "bpf/"+name)
	}
	members := make(map[string][]byte)
	for name, data := range objs {
		members["bpf/"+name] = data
	}
	names = append(names, "bpf/", "empty")
	members["bpf/"] = nil
	members["empty"] = nil
	for _, tc := range []struct {
		name   string
		method uint16
		level  int
		raw    bool
	}{
		{"store", zip.Store, 0, false},
		{"store-raw", zip.Store, 0, true},
		{"deflate-1", zip.Deflate, flate.BestSpeed, false},
		{"deflate-6", zip.Deflate, flate.DefaultCompression, false},
		{"deflate-9", zip.Deflate, flate.BestCompression, false},
		{"deflate-huffman", zip.Deflate, flate.HuffmanOnly, false},
		{"deflate-9-raw", zip.Deflate, flate.BestCompression, true},
	} {
		archive := writeArchive(t, names, members, tc.method, tc.level, tc.raw)
		// A script before the archive, as self-extracting archives
		// and executable jars have.
		prefixed := append([]byte("#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n"), archive...)
		for _, arch := range []struct {
			what string
			data []byte
		}{{tc.name, archive}, {tc.name + "-prefixed", prefixed}} {
			a, err := New(bytes.NewReader(arch.data), int64(len(arch.data)))
			if err != nil {
				t.Fatalf("%s: %v", arch.what, err)
			}
			for name, want := range members {
				m := a.Find(name)
				if m == nil {
					t.Fatalf("%s: no member %s", arch.what, name)
				}
				got, err := a.Read(m, 1<<30)
				if err != nil {
					t.Fatalf("%s: %s: %v", arch.what, name, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: %s: data differs", arch.what, name)
				}
			}
			same(t, arch.what, arch.data, 1<<30)
		}
	}
}

// TestTools reads archives Info-ZIP's zip and jar make (streamed zip
// output has data descriptors and ZIP64 fields), where installed.
func TestTools(t *testing.T) {
	dir := t.TempDir()
	objs := objects(t)
	var files []string
	for name, data := range objs {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	type tool struct {
		name string
		args []string
	}
	ran := 0
	for _, tc := range []tool{
		{"zip", []string{"-q", "-9", "out.zip"}},
		{"zip", []string{"-q", "-0", "out.zip"}},
		{"zip", []string{"-q", "-fz", "out.zip"}}, // ZIP64 fields forced
		{"zip", []string{"-q", "-", "-"}},         // to a pipe: data descriptors
		{"jar", []string{"cf", "out.zip"}},
	} {
		path, err := exec.LookPath(tc.name)
		if err != nil {
			t.Logf("%s is not installed", tc.name)
			continue
		}
		os.Remove(filepath.Join(dir, "out.zip"))
		args := append(tc.args[:len(tc.args):len(tc.args)], files...)
		if tc.args[len(tc.args)-1] == "-" {
			args = append(tc.args[:len(tc.args)-1:len(tc.args)-1], files...)
		}
		cmd := exec.Command(path, args...)
		cmd.Dir = dir
		var out []byte
		if tc.args[len(tc.args)-1] == "-" {
			out, err = cmd.Output()
		} else {
			_, err = cmd.Output()
			if err == nil {
				out, err = os.ReadFile(filepath.Join(dir, "out.zip"))
			}
		}
		if err != nil {
			t.Fatalf("%s %v: %v", tc.name, tc.args, err)
		}
		ran++
		what := tc.name + " " + strings.Join(tc.args, " ")
		a, err := New(bytes.NewReader(out), int64(len(out)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for name, want := range objs {
			m := a.Find(name)
			if m == nil {
				t.Fatalf("%s: no member %s", what, name)
			}
			got, err := a.Read(m, 1<<30)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: %s: %v (equal %v)", what, name, err, bytes.Equal(got, want))
			}
		}
		same(t, what, out, 1<<30)
	}
	if ran == 0 {
		t.Log("neither zip nor jar is installed")
	}
}

// zip64Archive makes an archive whose member has its sizes and offset in
// a ZIP64 extra field and whose directory end is a ZIP64 record, as
// writers make for members over 4 GiB.
func zip64Archive(data []byte) []byte {
	le := binary.LittleEndian
	var b []byte
	u16 := func(v uint16) { b = le.AppendUint16(b, v) }
	u32 := func(v uint32) { b = le.AppendUint32(b, v) }
	u64 := func(v uint64) { b = le.AppendUint64(b, v) }
	name := "big.o"
	sum := crc32.ChecksumIEEE(data)
	// Local header: sizes in its own ZIP64 field.
	u32(localSig)
	u16(45)
	u16(0)
	u16(Store)
	u16(0)
	u16(0)
	u32(sum)
	u32(0xffffffff)
	u32(0xffffffff)
	u16(uint16(len(name)))
	u16(20)
	b = append(b, name...)
	u16(zip64Extra)
	u16(16)
	u64(uint64(len(data)))
	u64(uint64(len(data)))
	b = append(b, data...)
	dirOff := len(b)
	u32(centralSig)
	u16(45)
	u16(45)
	u16(0)
	u16(Store)
	u16(0)
	u16(0)
	u32(sum)
	u32(0xffffffff)
	u32(0xffffffff)
	u16(uint16(len(name)))
	u16(28)
	u16(0)
	u16(0)
	u16(0)
	u32(0)
	u32(0xffffffff)
	b = append(b, name...)
	u16(zip64Extra)
	u16(24)
	u64(uint64(len(data)))
	u64(uint64(len(data)))
	u64(0)
	dirSize := len(b) - dirOff
	end64 := len(b)
	u32(end64Sig)
	u64(end64Len - 12)
	u16(45)
	u16(45)
	u32(0)
	u32(0)
	u64(1)
	u64(1)
	u64(uint64(dirSize))
	u64(uint64(dirOff))
	u32(end64LocSig)
	u32(0)
	u64(uint64(end64))
	u32(1)
	u32(endSig)
	u16(0)
	u16(0)
	u16(0xffff)
	u16(0xffff)
	u32(0xffffffff)
	u32(0xffffffff)
	u16(0)
	return b
}

func TestZIP64(t *testing.T) {
	data := objects(t)["tailcall.o"]
	archive := zip64Archive(data)
	a, err := New(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Read(a.Find("big.o"), 1<<30)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Read: %v (equal %v)", err, bytes.Equal(got, data))
	}
	same(t, "zip64", archive, 1<<30)
}

// TestDamaged changes archives written by archive/zip: cut at every
// byte, a byte of the data changed, limits; each is refused, as
// archive/zip refuses it.
func TestDamaged(t *testing.T) {
	data := objects(t)["tailcall.o"]
	for _, tc := range []struct {
		name   string
		method uint16
		raw    bool
	}{{"store", zip.Store, false}, {"deflate", zip.Deflate, false}, {"deflate-raw", zip.Deflate, true}} {
		archive := writeArchive(t, []string{"a.o"}, map[string][]byte{"a.o": data}, tc.method, 6, tc.raw)
		for cut := range len(archive) {
			same(t, tc.name+" cut", archive[:cut], 1<<30)
		}
		// Flip a bit in the middle of the member's data.
		bad := bytes.Clone(archive)
		bad[localLen+len("a.o")+len(data)/4] ^= 0x10
		same(t, tc.name+" flipped", bad, 1<<30)
		a, err := New(bytes.NewReader(bad), int64(len(bad)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Read(a.Find("a.o"), 1<<30); err == nil {
			t.Errorf("%s: a changed byte is not noticed", tc.name)
		}
		// The size limit.
		a, err = New(bytes.NewReader(archive), int64(len(archive)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Read(a.Find("a.o"), uint64(len(data)-1)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: limit: %v, want ErrTooLarge", tc.name, err)
		}
	}
	if _, err := New(bytes.NewReader([]byte("not a zip archive")), 17); !errors.Is(err, ErrFormat) {
		t.Errorf("not an archive: %v, want ErrFormat", err)
	}
}

func TestOpen(t *testing.T) {
	data := objects(t)["tailcall.o"]
	path := filepath.Join(t.TempDir(), "a.zip")
	if err := os.WriteFile(path, writeArchive(t, []string{"a.o"}, map[string][]byte{"a.o": data}, zip.Deflate, 6, false), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Read(a.Find("a.o"), 1<<30)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("Read: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Error(err)
	}
	var pe *os.PathError
	if _, err := Open(filepath.Join(t.TempDir(), "none.zip")); !errors.As(err, &pe) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Open(t.TempDir()); !errors.As(err, &pe) {
		t.Errorf("directory: %v, want an *os.PathError", err)
	}
}

// FuzzZip compares New and Read with archive/zip on any input.
func FuzzZip(f *testing.F) {
	data := objects(f)["tailcall.o"]
	f.Add(writeArchive(f, []string{"a.o", "d/"}, map[string][]byte{"a.o": data}, zip.Store, 0, false))
	f.Add(writeArchive(f, []string{"a.o"}, map[string][]byte{"a.o": data[:300]}, zip.Deflate, 6, false))
	f.Add(writeArchive(f, []string{"a.o", "b"}, map[string][]byte{"a.o": data[:200], "b": []byte("bb")}, zip.Deflate, 1, true))
	f.Add(zip64Archive(data[:100]))
	f.Fuzz(func(t *testing.T, archive []byte) {
		same(t, "fuzz", archive, 1<<20)
	})
}

// BenchmarkRead opens an archive and reads a deflated object from it,
// with this package and with archive/zip.
func BenchmarkRead(b *testing.B) {
	data := objects(b)["sockfilter.o"]
	archive := writeArchive(b, []string{"README", "sockfilter.o"}, map[string][]byte{"README": []byte("hi"), "sockfilter.o": data}, zip.Deflate, 6, false)
	b.Run("bpfc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a, err := New(bytes.NewReader(archive), int64(len(archive)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := a.Read(a.Find("sockfilter.o"), 1<<30); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("archive-zip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := readStd(zr.File[1], 1<<30); err != nil {
				b.Fatal(err)
			}
		}
	})
}
