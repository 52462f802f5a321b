// Tests of the decoder against compress/flate (a second implementation):
// every testdata object and synthetic data deflated at every level
// inflate back byte for byte, bad streams are refused with the error
// compress/flate also gives one for, and a fuzz target compares the two
// on any input; benchmarks compare their speed.

package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// levels are the compress/flate levels the round trips use: stored
// blocks, Huffman codes without matches, and matching from fastest to
// best.
var levels = []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, 4, flate.DefaultCompression, flate.BestCompression}

// corpus returns the testdata objects and a few synthetic inputs: empty,
// one byte, random bytes (stored or Huffman-only blocks), long runs
// (overlapping copies of every short distance) and text.
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	c := map[string][]byte{"empty": nil, "one": {'x'}}
	objs, err := filepath.Glob("../../testdata/*.o")
	if err != nil || len(objs) == 0 {
		t.Fatalf("no testdata objects: %v", err)
	}
	for _, p := range objs {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c[filepath.Base(p)] = raw
	}
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 100_000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	c["random"] = random
	var runs []byte
	for period := 1; period < 40; period++ {
		for i := range 700 {
			runs = append(runs, byte('a'+i%period))
		}
	}
	c["runs"] = runs
	c["text"] = bytes.Repeat([]byte("the loader reads the object, the loader loads the object; "), 2000)
	return c
}

func deflate(t testing.TB, data []byte, level int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestRoundTrip(t *testing.T) {
	for name, data := range corpus(t) {
		for _, level := range levels {
			z := deflate(t, data, level)
			// Bytes after the stream are not read.
			in := append(z[:len(z):len(z)], "trailer"...)
			got, n, err := Append([]byte("prefix"), in, len(data))
			if err != nil {
				t.Errorf("%s level %d: %v", name, level, err)
				continue
			}
			if !bytes.Equal(got[len("prefix"):], data) || string(got[:len("prefix")]) != "prefix" {
				t.Errorf("%s level %d: inflated data differs", name, level)
			}
			if n != len(z) {
				t.Errorf("%s level %d: took %d bytes of the %d-byte stream", name, level, n, len(z))
			}
			// One byte less of room is an error.
			if len(data) > 0 {
				if _, _, err := Append(nil, z, len(data)-1); !errors.Is(err, ErrTooLarge) {
					t.Errorf("%s level %d: limit %d: %v, want ErrTooLarge", name, level, len(data)-1, err)
				}
			}
		}
	}
}

// TestTruncated cuts a stream of each block type at every byte: each cut
// is an error, and compress/flate agrees.
func TestTruncated(t *testing.T) {
	data := corpus(t)["tailcall.o"]
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.DefaultCompression} {
		z := deflate(t, data, level)
		for cut := range len(z) {
			_, _, err := Append(nil, z[:cut], len(data))
			if err == nil {
				t.Fatalf("level %d cut at %d of %d: no error", level, cut, len(z))
			}
			if _, ferr := io.ReadAll(flate.NewReader(bytes.NewReader(z[:cut]))); ferr == nil {
				t.Fatalf("level %d cut at %d: compress/flate reads it", level, cut)
			}
		}
	}
}

func TestBad(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"block type 3", []byte{0x07}, ErrCorrupt},
		{"stored length complement", []byte{0x01, 0x05, 0x00, 0xfa, 0xfe, 'a'}, ErrCorrupt},
		{"stored short", []byte{0x01, 0x05, 0x00, 0xfa, 0xff, 'a'}, ErrTruncated},
		// Fixed codes: literal 'a', then length 3 (symbol 257, code
		// 0000001) at distance 2 (code 00001) with one byte behind.
		{"distance too far", fixedStream(t, []bitsOf{{0x30 + 'a', 8}, {1, 7}, {1, 5}, {0, 7}}), ErrCorrupt},
		// Literal/length symbol 286 (code 11000110).
		{"symbol 286", fixedStream(t, []bitsOf{{0xc6, 8}}), ErrCorrupt},
		// Distance symbol 30 (code 11110).
		{"distance symbol 30", fixedStream(t, []bitsOf{{0x30 + 'a', 8}, {1, 7}, {30, 5}}), ErrCorrupt},
		// A dynamic block with 30 distance codes is fine; 31 is not.
		{"31 distance codes", []byte{0x05, 0x1e, 0x00}, ErrCorrupt},
		// 287 literal/length codes.
		{"287 literal codes", []byte{0x05 | 30<<3, 0x00, 0x00}, ErrCorrupt},
	} {
		_, _, err := Append(nil, tc.in, 1<<20)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if _, ferr := io.ReadAll(flate.NewReader(bytes.NewReader(tc.in))); ferr == nil {
			t.Errorf("%s: compress/flate reads it", tc.name)
		}
	}
}

// bitsOf is a Huffman code or value, n bits, most significant bit first.
type bitsOf struct {
	v uint32
	n uint
}

// fixedStream writes a final fixed-code block holding codes (written
// most significant bit first, as Huffman codes are; none of the codes
// used has extra bits) and pads it to a byte.
func fixedStream(t *testing.T, codes []bitsOf) []byte {
	t.Helper()
	var out []byte
	var acc uint32
	var n uint
	put := func(v uint32, bits uint) { // least significant bit first
		for i := range bits {
			acc |= (v >> i & 1) << n
			n++
			if n == 8 {
				out = append(out, byte(acc))
				acc, n = 0, 0
			}
		}
	}
	put(1, 1) // final
	put(1, 2) // fixed codes
	for _, c := range codes {
		put(reverse(c.v, c.n), c.n)
	}
	if n > 0 {
		out = append(out, byte(acc))
	}
	return out
}

// fuzzLimit bounds the output in the fuzz target.
const fuzzLimit = 1 << 20

// FuzzInflate compares Append with compress/flate on any input: the same
// data and the same number of bytes taken when either succeeds; both
// refuse a stream or both read it.
func FuzzInflate(f *testing.F) {
	for name, data := range corpus(f) {
		if len(data) > 20_000 {
			continue
		}
		for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, flate.BestCompression} {
			f.Add(deflate(f, data, level))
		}
		_ = name
	}
	f.Add([]byte{0x07})
	f.Add([]byte{0x01, 0x00, 0x00, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		got, n, err := Append(nil, in, fuzzLimit)
		br := bytes.NewReader(in)
		want, ferr := io.ReadAll(io.LimitReader(flate.NewReader(br), fuzzLimit+1))
		taken := len(in) - br.Len()
		switch {
		case ferr == nil && len(want) > fuzzLimit:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("compress/flate inflates more than %d bytes; Append: %v", fuzzLimit, err)
			}
		case ferr == nil:
			if err != nil {
				t.Fatalf("compress/flate inflates %d bytes; Append: %v", len(want), err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("inflated data differs from compress/flate's (%d and %d bytes)", len(got), len(want))
			}
			if n != taken {
				t.Fatalf("took %d bytes, compress/flate %d", n, taken)
			}
		case err == nil:
			t.Fatalf("Append inflates %d bytes; compress/flate: %v", len(got), ferr)
		}
	})
}

// BenchmarkInflate inflates a testdata object deflated at the default
// level, with this package and with compress/flate reading it into a
// buffer of the object's size.
func BenchmarkInflate(b *testing.B) {
	for _, obj := range []string{"execsnoop.o", "sockfilter.o"} {
		data := corpus(b)[obj]
		z := deflate(b, data, flate.DefaultCompression)
		b.Run(obj+"/bpfc", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Append(make([]byte, 0, len(data)), z, len(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(obj+"/compress-flate", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				buf := bytes.NewBuffer(make([]byte, 0, len(data)))
				r := flate.NewReader(bytes.NewReader(z))
				if _, err := buf.ReadFrom(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
