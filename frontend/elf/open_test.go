// Tests of Open's two ways of reading an object file, whole into memory
// (small files) and a section at a time (larger ones): the same IR either
// way, none of an object's DWARF read, and a file without a size (a pipe)
// read whole.

package elf

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/internal/sysfile"
	"github.com/bpfc/bpfc/ir"
)

// countingFile records the reads lowering makes of a file.
type countingFile struct {
	*sysfile.File
	reads [][2]int64 // offset, length
	whole bool       // ReadAll was called
}

func (c *countingFile) ReadAt(p []byte, off int64) (int, error) {
	c.reads = append(c.reads, [2]int64{off, int64(len(p))})
	return c.File.ReadAt(p, off)
}

func (c *countingFile) ReadAll() ([]byte, error) {
	c.whole = true
	return c.File.ReadAll()
}

// lowerCounting lowers the file at path through lowerFile with wholeMax,
// counting its reads.
func lowerCounting(t *testing.T, path string, wholeMax int64) (*ir.Object, *countingFile, error) {
	t.Helper()
	f, err := sysfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cf := &countingFile{File: f}
	obj, err := lowerFile(cf, filepath.Base(path), wholeMax)
	return obj, cf, err
}

// TestOpenSectionwise lowers every committed object a section at a time
// (as Open does files larger than wholeReadMax) and from memory: the IR,
// or the error, must be the same.
func TestOpenSectionwise(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.o", "dwarf/*.o", "link/*/*.o"} {
		m, err := filepath.Glob(filepath.Join(objDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 40 {
		t.Fatalf("only %d test objects (run make -C testdata)", len(files))
	}
	for _, path := range files {
		rel, _ := filepath.Rel(objDir, path)
		t.Run(rel, func(t *testing.T) {
			got, cf, gotErr := lowerCounting(t, path, 0)
			if cf.whole {
				t.Fatal("read whole with wholeMax 0")
			}
			want, wantErr := lowerCountingWhole(t, path)
			if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("section at a time: %v; whole: %v", gotErr, wantErr)
			}
			if gotErr != nil {
				return
			}
			sameIR(t, got, want)
		})
	}
}

// sameIR fails the test unless got and want dump the same and carry the
// same BTF. (reflect.DeepEqual cannot compare them: the BTF's lazily
// filled caches hold atomic pointers.)
func sameIR(t *testing.T, got, want *ir.Object) {
	t.Helper()
	var g, w strings.Builder
	if err := ir.Dump(&g, got); err != nil {
		t.Fatal(err)
	}
	if err := ir.Dump(&w, want); err != nil {
		t.Fatal(err)
	}
	if g.String() != w.String() {
		t.Fatalf("the IR differs\ngot:\n%s\nwant:\n%s", g.String(), w.String())
	}
	if (got.BTF == nil) != (want.BTF == nil) {
		t.Fatalf("BTF: got %v, want %v", got.BTF != nil, want.BTF != nil)
	}
	if got.BTF != nil {
		gb, gerr := got.BTF.Marshal(got.ByteOrder)
		wb, werr := want.BTF.Marshal(want.ByteOrder)
		if gerr != nil || werr != nil || !bytes.Equal(gb, wb) {
			t.Fatalf("the BTF differs (%v, %v)", gerr, werr)
		}
	}
}

// lowerCountingWhole lowers the file at path read whole.
func lowerCountingWhole(t *testing.T, path string) (*ir.Object, error) {
	t.Helper()
	obj, cf, err := lowerCounting(t, path, 1<<40)
	if !cf.whole || len(cf.reads) != 0 {
		t.Fatalf("whole read: ReadAll %v, %d reads at offsets", cf.whole, len(cf.reads))
	}
	return obj, err
}

// TestOpenReadsNoDWARF lowers an object that kept its DWARF a section at a
// time: no read may touch a .debug_* section or its relocations.
func TestOpenReadsNoDWARF(t *testing.T) {
	path := objPath(t, "dwarf/xdp_globals.o")
	raw := readObj(t, "dwarf/xdp_globals.o")
	ef, err := elffile.NewFileBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	var dwarf int64
	var debug []elffile.Section
	for _, s := range ef.Sections {
		if strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".rel.debug_") {
			debug = append(debug, s)
			dwarf += int64(s.Size)
		}
	}
	if len(debug) == 0 {
		t.Fatal("dwarf/xdp_globals.o has no DWARF sections (rebuild it: make -C testdata)")
	}
	obj, cf, err := lowerCounting(t, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(obj.Programs) == 0 {
		t.Fatal("no programs lowered")
	}
	var read int64
	for _, r := range cf.reads {
		read += r[1]
		for _, s := range debug {
			if r[0] < int64(s.Offset+s.Size) && int64(s.Offset) < r[0]+r[1] {
				t.Errorf("read of %d bytes at %d overlaps %s", r[1], r[0], s.Name)
			}
		}
	}
	t.Logf("%d reads, %d bytes of a %d-byte file (%d bytes of DWARF)", len(cf.reads), read, len(raw), dwarf)
	if read+dwarf > int64(len(raw)) {
		t.Errorf("read %d bytes; the file less its DWARF is %d", read, int64(len(raw))-dwarf)
	}
}

// TestOpenPipe opens an object through a pipe, which has no size and
// cannot be read at offsets: it is read whole.
func TestOpenPipe(t *testing.T) {
	raw := readObj(t, "xdp_globals.o")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(raw)
		w.Close()
		done <- err
	}()
	obj, err := Open("/proc/self/fd/" + strconv.Itoa(int(r.Fd())))
	if werr := <-done; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatalf("Open(pipe): %v", err)
	}
	want := openObj(t, "xdp_globals.o")
	want.Name = obj.Name
	sameIR(t, obj, want)
}
