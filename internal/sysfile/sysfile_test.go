// Tests of Read and Map on a regular file, a file that reports no size
// (procfs), a file larger than its first read, a directory and a missing
// file, against os.ReadFile (a second implementation).

package sysfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	big := filepath.Join(dir, "big")
	empty := filepath.Join(dir, "empty")
	for p, content := range map[string][]byte{
		small: bytes.Repeat([]byte("btf!"), 3000),
		big:   bytes.Repeat([]byte("0123456789abcdef"), 1<<16),
		empty: nil,
	} {
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, read := range []struct {
		name string
		fn   func(string) ([]byte, error)
	}{{"Read", Read}, {"Map", Map}, {"File.ReadAll", fileReadAll}, {"File.ReadAt", fileReadAt}} {
		// /proc/self/maps reports size 0 and is longer than 4 KiB (the
		// first read's buffer) in any Go test binary.
		for _, p := range []string{small, big, empty, "/proc/self/status", "/proc/self/maps"} {
			got, err := read.fn(p)
			if err != nil {
				t.Errorf("%s(%s): %v", read.name, p, err)
				continue
			}
			want, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(p, "/proc/") {
				// The files change between reads (status's third line
				// says whether the thread was running): compare the
				// first lines (Name:, the first mapping), stable ones.
				firstLine := func(b []byte) []byte {
					if i := bytes.IndexByte(b, '\n'); i >= 0 {
						return b[:i]
					}
					return nil
				}
				got, want = firstLine(got), firstLine(want)
				if len(got) == 0 {
					t.Errorf("%s(%s): no first line", read.name, p)
				}
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s(%s): %d bytes differ from os.ReadFile's %d", read.name, p, len(got), len(want))
			}
		}
		var pe *os.PathError
		if _, err := read.fn(small + ".missing"); !errors.Is(err, os.ErrNotExist) || !errors.As(err, &pe) || pe.Path != small+".missing" || pe.Op != "open" {
			t.Errorf("%s of a missing file: %v", read.name, err)
		}
		if _, err := read.fn(dir); !errors.Is(err, syscall.EISDIR) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s of a directory: %v", read.name, err)
		}
	}
}

// fileReadAll reads the file at path with Open and File.ReadAll.
func fileReadAll(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadAll()
}

// fileReadAt reads the file at path with Open and File.ReadAt, in two
// parts, and checks what a read at and past its end returns; a file
// without a size is read with ReadAll.
func fileReadAt(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Size() < 0 {
		return f.ReadAll()
	}
	buf := make([]byte, f.Size())
	half := len(buf) / 2
	if n, err := f.ReadAt(buf[half:], int64(half)); n != len(buf)-half || err != nil {
		return nil, fmt.Errorf("ReadAt of the second half: %d bytes, %v", n, err)
	}
	if n, err := f.ReadAt(buf[:half], 0); n != half || err != nil {
		return nil, fmt.Errorf("ReadAt of the first half: %d bytes, %v", n, err)
	}
	var past [8]byte
	if n, err := f.ReadAt(past[:], f.Size()-4); n != 4 || err != io.EOF {
		return nil, fmt.Errorf("ReadAt across the end: %d bytes, %v; want 4, EOF", n, err)
	}
	if n, err := f.ReadAt(past[:], -1); n != 0 || !errors.Is(err, syscall.EINVAL) {
		return nil, fmt.Errorf("ReadAt at -1: %d bytes, %v", n, err)
	}
	return buf, nil
}

// TestFileSize checks Size: a regular file's length, -1 for procfs and a
// pipe, which report none that is their length.
func TestFileSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for path, want := range map[string]int64{
		p:                   5000,
		"/proc/self/status": -1,
		"/proc/self/fd/" + strconv.Itoa(int(r.Fd())): -1,
	} {
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Size(); got != want {
			t.Errorf("Size of %s: %d, want %d", path, got, want)
		}
		if err := f.Close(); err != nil {
			t.Errorf("Close of %s: %v", path, err)
		}
		if err := f.Close(); err != nil {
			t.Errorf("second Close of %s: %v", path, err)
		}
	}
}
