// This file holds the fuzz target of the frontend, the generator of its
// committed seed corpus, and the parse benchmark.

package elf

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/ir"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzParse from the smallest committed objects")

// corpusObjects seed FuzzParse: small objects that between them have code
// in and out of .text, BTF-defined, legacy and data maps, .values slots and
// externs.
var corpusObjects = []string{"subprogs_insec.o", "tailcall.o", "legacy_maps.o", "externs_percpu.o", "mapinmap.o"}

// TestFuzzCorpus checks that the committed seed corpus exists (and writes
// it with -update-corpus) in the "go test fuzz v1" file format.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	for _, name := range corpusObjects {
		path := filepath.Join(dir, "seed-"+name)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", readObj(t, name))
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("seed corpus file missing (go test -run TestFuzzCorpus -update-corpus): %v", err)
		}
	}
}

// FuzzParse feeds arbitrary bytes to Parse: it must return an object or an
// error, never panic or hang, and an object it returns must pass the IR
// checker. The same bytes lowered a section at a time (as Open lowers a
// large file) must give the same answer: an error, or the same IR.
func FuzzParse(f *testing.F) {
	recoverPanics = false
	f.Cleanup(func() { recoverPanics = true })
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := Parse(bytes.NewReader(data), "fuzz.o")
		byParts, partsErr := parse(bytes.NewReader(data), nil, "fuzz.o")
		if (err == nil) != (partsErr == nil) {
			t.Fatalf("from memory: %v; a section at a time: %v", err, partsErr)
		}
		if err != nil {
			if obj != nil || byParts != nil {
				t.Fatalf("object and error %v", err)
			}
			return
		}
		if err := ir.Check(obj, 0); err != nil {
			t.Fatalf("Parse returned invalid IR: %v", err)
		}
		if got, want := byParts.String(), obj.String(); got != want {
			t.Fatalf("a section at a time:\n%s\nfrom memory:\n%s", got, want)
		}
	})
}

// BenchmarkParse lowers the largest committed test object.
func BenchmarkParse(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(objDir, "*.o"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no test objects in %s: %v", objDir, err)
	}
	var raw []byte
	var name string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if len(data) > len(raw) {
			raw, name = data, filepath.Base(f)
		}
	}
	b.Logf("object %s, %d bytes", name, len(raw))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(raw), name); err != nil {
			b.Fatal(err)
		}
	}
}
