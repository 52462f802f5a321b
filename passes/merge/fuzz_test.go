// This file holds the fuzz target of the static linker.

package merge

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/backend/elfobj"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
)

// FuzzObjects links two objects the frontend accepts: the linker returns
// an error or an object that passes the IR checker at the merge stage,
// and that object is written as ELF (or refused with ErrNotWritable) and
// reads back.
func FuzzObjects(f *testing.F) {
	for _, set := range []string{"basic", "weak", "legacy", "ksyms", "structops", "bad_map"} {
		paths, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "link", set, "*.o"))
		if len(paths) < 2 {
			f.Fatalf("link set %s", set)
		}
		a, err := os.ReadFile(paths[0])
		if err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(paths[1])
		if err != nil {
			f.Fatal(err)
		}
		f.Add(a, b)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var units []*ir.Object
		for _, data := range [][]byte{a, b} {
			o, err := elf.Parse(bytes.NewReader(data), "fuzz.o")
			if err != nil {
				return
			}
			units = append(units, o)
		}
		obj, err := Objects(units)
		if err != nil {
			return
		}
		if err := ir.Check(obj, ir.StageMerge); err != nil {
			t.Fatalf("linked object fails the IR checker: %v", err)
		}
		raw, err := elfobj.Marshal(obj)
		if err != nil {
			if !errors.Is(err, elfobj.ErrNotWritable) {
				t.Fatalf("Marshal: %v", err)
			}
			return
		}
		if _, err := elf.Parse(bytes.NewReader(raw), "linked.o"); err != nil {
			t.Fatalf("the written linked object does not read back: %v", err)
		}
	})
}
