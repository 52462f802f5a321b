// Fuzz targets for the BTF and .BTF.ext decoders: bad input must give an
// error, never a panic, a hang or memory out of proportion to the input.
// Seeds live in testdata/fuzz/<FuzzName>/.

package btf

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func FuzzParse(f *testing.F) {
	f.Add(emptyBTF)
	for _, order := range orders {
		s := sampleSpec(f, order)
		raw, err := s.Marshal(order)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := Parse(raw)
		if err != nil {
			return
		}
		// Parse bounds the type count by the input size (12 bytes a type).
		if s.NumTypes() > len(raw)/typeHeaderLen+1 {
			t.Fatalf("%d types from %d bytes", s.NumTypes(), len(raw))
		}
		allOK := true
		for id := TypeID(0); int(id) < s.NumTypes(); id++ {
			typ, err := s.Type(id)
			if err != nil {
				allOK = false
				continue
			}
			if typ.Name != s.TypeName(id) || typ.Kind != s.TypeKind(id) {
				t.Fatalf("type %d: decoded %q/%v, cheap %q/%v", id, typ.Name, typ.Kind, s.TypeName(id), s.TypeKind(id))
			}
			_, _ = s.Sizeof(id)
			_, _ = s.Skip(id)
			if typ.Name != "" {
				found := false
				for _, got := range s.FindByName(typ.Name) {
					found = found || got == id
				}
				if !found {
					t.Fatalf("FindByName(%q) misses type %d", typ.Name, id)
				}
				found = false
				for _, got := range s.FindByEssentialName(EssentialName(typ.Name), typ.Kind) {
					found = found || got == id
				}
				if !found {
					t.Fatalf("FindByEssentialName(%q, %v) misses type %d", EssentialName(typ.Name), typ.Kind, id)
				}
				// The other ways of looking up agree (a large blob
				// searches its strings and walks its types).
				q := query{name: typ.Name, exact: true, kind: typ.Kind}
				want := s.findMode(q, lookupIndex)
				for _, mode := range []lookupMode{lookupScan, lookupScanStrings, lookupScanWalk} {
					if got := s.findMode(q, mode); !slices.Equal(got, want) {
						t.Fatalf("%+v: mode %d found %v, the index %v", q, mode, got, want)
					}
				}
			}
			if id >= s.firstID {
				i := uint32(id - s.firstID)
				if got, want := s.markOffset(i), int(s.dense()[i>>chunkBits][i&(chunkSize-1)]&^coreFlag); got != want {
					t.Fatalf("type %d: offset from marks %d, built %d", id, got, want)
				}
			}
		}
		for _, order := range orders {
			out, err := s.Marshal(order)
			if err != nil {
				t.Fatalf("Marshal of parsed spec: %v", err)
			}
			s2, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Marshal()): %v", err)
			}
			if !allOK {
				continue
			}
			if diff := cmp.Diff(allTypes(t, s), allTypes(t, s2)); diff != "" {
				t.Fatalf("round trip (-want +got):\n%s", diff)
			}
		}
	})
}

func FuzzParseExt(f *testing.F) {
	strs := "\x00.text\x00file.c\x00x = 1;\x000:1\x00"
	spec, err := Parse(rawBTF(binary.LittleEndian, []uint32{0, info(KindStruct, 0, false), 0}, strs))
	if err != nil {
		f.Fatal(err)
	}
	text, file, line, acc := strOff(strs, ".text"), strOff(strs, "file.c"), strOff(strs, "x = 1;"), strOff(strs, "0:1")
	f.Add(extBlob(binary.LittleEndian, 32,
		[]uint32{12, text, 2, 0, 1, 0, 16, 1, 0},
		[]uint32{16, text, 1, 8, file, line, 5<<10 | 3},
		[]uint32{16, text, 1, 24, 1, acc, 1}))
	f.Add(extBlob(binary.LittleEndian, 24, []uint32{8, text, 1, 0, 1}, nil, nil))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, order := range orders {
			ext, err := ParseExt(raw, order, spec)
			if err != nil {
				continue
			}
			records := 0
			for name, sec := range ext.Sections {
				if sec.Name != name {
					t.Fatalf("section %q named %q", name, sec.Name)
				}
				records += len(sec.FuncInfos) + len(sec.LineInfos) + len(sec.CORERelos)
			}
			// Every record takes at least 8 bytes of input.
			if records > len(raw)/8 {
				t.Fatalf("%d records from %d bytes", records, len(raw))
			}
		}
	})
}
