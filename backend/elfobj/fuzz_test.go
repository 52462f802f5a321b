// This file holds the fuzz target of the ELF writer: write-then-read is a
// round trip.

package elfobj

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
)

// FuzzRoundTrip reads arbitrary bytes with the frontend; an object it
// accepts is written back, which must succeed (or be refused with
// ErrNotWritable), and the written object read again must give the same
// IR, and written again the same bytes.
func FuzzRoundTrip(f *testing.F) {
	for _, name := range []string{"subprogs_insec.o", "tailcall.o", "legacy_maps.o", "mapinmap.o", "link/basic/a.o", "link/weak/b.o", "link/structops/a.o", "structops_cc.o"} {
		raw, err := os.ReadFile(filepath.Join(testdataDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := elf.Parse(bytes.NewReader(data), "fuzz.o")
		if err != nil {
			return
		}
		raw, err := Marshal(obj)
		if err != nil {
			if !errors.Is(err, ErrNotWritable) {
				t.Fatalf("Marshal: %v", err)
			}
			return
		}
		back, err := elf.Parse(bytes.NewReader(raw), "fuzz.o")
		if err != nil {
			t.Fatalf("the written object does not read back: %v", err)
		}
		if err := ir.Check(back, 0); err != nil {
			t.Fatalf("read back, invalid IR: %v", err)
		}
		if a, b := canonical(obj), canonical(back); a != b {
			t.Fatalf("read back differs:\n%s", diffLines(a, b))
		}
		again, err := Marshal(back)
		if err != nil {
			t.Fatalf("writing the read-back object: %v", err)
		}
		if !bytes.Equal(raw, again) {
			t.Fatalf("written twice, %d and %d bytes differ", len(raw), len(again))
		}
	})
}
