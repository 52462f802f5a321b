// Tests of Read and Map on a regular file, a file that reports no size
// (procfs), a file larger than its first read, a directory and a missing
// file, against os.ReadFile (a second implementation).

package sysfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
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
	}{{"Read", Read}, {"Map", Map}} {
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
