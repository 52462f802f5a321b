// Tests of objects read from zip archives: stored and deflated members
// give the object the file gives, and errors name archive and member.

package elf

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/internal/zipfile"
)

// writeZip writes an archive of members (name -> contents), stored or
// deflated by method, and returns its path.
func writeZip(t *testing.T, members map[string][]byte, method uint16) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.zip")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenZip(t *testing.T) {
	raw := readObj(t, "tailcall.o")
	plain, err := Open(filepath.Join(objDir, "tailcall.o"))
	if err != nil {
		t.Fatal(err)
	}
	// A path with "!/" that names a file as it stands is that file.
	dir := filepath.Join(t.TempDir(), "app.zip!")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tailcall.o"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if obj, err := Open(filepath.Join(dir, "tailcall.o")); err != nil || obj.Name != "tailcall.o" {
		t.Errorf("a file under a directory named app.zip!: %v", err)
	}
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		archive := writeZip(t, map[string][]byte{"bpf/tailcall.o": raw, "README": []byte("hi")}, method)
		obj, err := Open(archive + "!/bpf/tailcall.o")
		if err != nil {
			t.Fatalf("method %d: %v", method, err)
		}
		if obj.Name != "app.zip!/bpf/tailcall.o" {
			t.Errorf("method %d: name %q", method, obj.Name)
		}
		obj.Name = plain.Name
		if obj.String() != plain.String() {
			t.Errorf("method %d: the member lowers differently from the file", method)
		}
	}
}

// TestOpenZipAll puts every testdata object in archives, stored and
// deflated by archive/zip's writer, and opens each member: it lowers as
// the file does, or fails as it does.
func TestOpenZipAll(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(objDir, "*.o"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata objects: %v", err)
	}
	members := make(map[string][]byte)
	for _, p := range paths {
		members["objs/"+filepath.Base(p)] = readObj(t, filepath.Base(p))
	}
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		archive := writeZip(t, members, method)
		for _, p := range paths {
			plain, perr := Open(p)
			obj, err := Open(archive + "!/objs/" + filepath.Base(p))
			if (err == nil) != (perr == nil) {
				t.Errorf("method %d: %s: %v; the file: %v", method, filepath.Base(p), err, perr)
				continue
			}
			if err != nil {
				continue
			}
			obj.Name = plain.Name
			if obj.String() != plain.String() {
				t.Errorf("method %d: %s: the member lowers differently from the file", method, filepath.Base(p))
			}
		}
	}
}

func TestOpenZipErrors(t *testing.T) {
	archive := writeZip(t, map[string][]byte{"a.o": readObj(t, "tailcall.o"), "bad.o": []byte("not ELF")}, zip.Deflate)
	notZip := filepath.Join(t.TempDir(), "plain.zip")
	if err := os.WriteFile(notZip, []byte("not a zip archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A member compressed with bzip2 (method 12), written raw.
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "bz.o", Method: 12, CompressedSize64: 3, UncompressedSize64: 3})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("xyz"))
	zw.Close()
	bz := filepath.Join(t.TempDir(), "bz.zip")
	if err := os.WriteFile(bz, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A stored member with a byte changed after its CRC was taken.
	raw := readObj(t, "tailcall.o")
	data, err := os.ReadFile(writeZip(t, map[string][]byte{"a.o": raw}, zip.Store))
	if err != nil {
		t.Fatal(err)
	}
	data[bytes.Index(data, raw)+100] ^= 1
	crc := filepath.Join(t.TempDir(), "crc.zip")
	if err := os.WriteFile(crc, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		target error
		want   []string
	}{
		{archive + "!/missing.o", ErrNoMember, []string{"app.zip!/missing.o", "has no member missing.o", "a.o"}},
		{archive + "!/bad.o", ErrBadELF, []string{"app.zip!/bad.o"}},
		{notZip + "!/a.o", ErrBadArchive, []string{"plain.zip"}},
		{bz + "!/bz.o", ErrBadArchive, []string{"bz.zip!/bz.o", "compression method 12"}},
		{crc + "!/a.o", zipfile.ErrChecksum, []string{"crc.zip!/a.o", "member a.o of", "CRC-32"}},
		{filepath.Join(t.TempDir(), "nosuch.zip") + "!/a.o", fs.ErrNotExist, []string{"nosuch.zip"}},
	} {
		_, err := Open(tc.path)
		if !errors.Is(err, tc.target) {
			t.Errorf("%s: %v, want %v", tc.path, err, tc.target)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tc.path, err, w)
			}
		}
	}
	if _, err := Open(crc + "!/a.o"); !errors.Is(err, ErrBadArchive) {
		t.Errorf("CRC mismatch: not ErrBadArchive: %v", err)
	}
	if _, err := Open(archive + "!/missing.o"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("missing member: not errs.ErrNotFound: %v", err)
	}
}
