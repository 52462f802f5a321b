// Tests of Gunzip against compress/gzip (a second implementation): files
// with every header field, several members, damaged trailers and cuts.

package inflate

import (
	"bytes"
	"compress/gzip"
	"errors"
	stdcrc "hash/crc32"
	"io"
	"os"
	"testing"
)

func gzipped(t *testing.T, members ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	for i, m := range members {
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if i%2 == 0 {
			w.Header.Name = "config"
			w.Header.Comment = "kernel config"
			w.Header.Extra = []byte("xx")
		}
		w.Write(m)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func gunzipStd(in []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(in))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func TestGunzip(t *testing.T) {
	c := corpus(t)
	text, obj := c["text"], c["tailcall.o"]
	for _, tc := range []struct {
		name    string
		members [][]byte
	}{
		{"one", [][]byte{text}},
		{"plain header", [][]byte{nil, obj}},
		{"three", [][]byte{text, obj, text}},
	} {
		in := gzipped(t, tc.members...)
		want := bytes.Join(tc.members, nil)
		got, err := Gunzip(in, len(want))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v (equal %v)", tc.name, err, bytes.Equal(got, want))
		}
		if len(want) > 0 {
			if _, err := Gunzip(in, len(want)-1); !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s: limit: %v, want ErrTooLarge", tc.name, err)
			}
		}
		for cut := 1; cut < len(in); cut += 1 + cut/64 {
			_, err := Gunzip(in[:cut], len(want))
			_, serr := gunzipStd(in[:cut])
			if (err == nil) != (serr == nil) {
				t.Errorf("%s cut at %d: %v; compress/gzip: %v", tc.name, cut, err, serr)
			}
		}
	}
	// A plain header (no name, comment or extra field).
	var plain bytes.Buffer
	w := gzip.NewWriter(&plain)
	w.Write(text)
	w.Close()
	in := plain.Bytes()
	// A header CRC, right and wrong.
	hc := append([]byte{0x1f, 0x8b, 8, gzipHeaderCRC, 0, 0, 0, 0, 0, 3}, 0, 0)
	hc[10], hc[11] = byte(stdcrc.ChecksumIEEE(hc[:10])), byte(stdcrc.ChecksumIEEE(hc[:10])>>8)
	withCRC := append(hc, in[10:]...)
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"header CRC", withCRC, true},
		{"bad header CRC", append(append([]byte(nil), withCRC[:10]...), append([]byte{hc[10] ^ 1, hc[11]}, in[10:]...)...), false},
		{"bad CRC", flip(in, len(in)-8), false},
		{"bad size", flip(in, len(in)-1), false},
		{"bad magic", flip(in, 0), false},
		{"garbage after", append(bytes.Clone(in), "junk"...), false},
	} {
		_, err := Gunzip(tc.in, 1<<20)
		_, serr := gunzipStd(tc.in)
		if (err == nil) != tc.ok || (serr == nil) != tc.ok {
			t.Errorf("%s: %v; compress/gzip: %v", tc.name, err, serr)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}

// TestProcConfig reads the running kernel's /proc/config.gz where it has
// one (CONFIG_IKCONFIG_PROC), as compress/gzip reads it.
func TestProcConfig(t *testing.T) {
	in, err := os.ReadFile("/proc/config.gz")
	if err != nil {
		t.Logf("no /proc/config.gz to read: %v", err)
		return
	}
	want, err := gunzipStd(in)
	if err != nil {
		t.Fatalf("compress/gzip: %v", err)
	}
	got, err := Gunzip(in, 64<<20)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Gunzip: %v (equal %v)", err, bytes.Equal(got, want))
	}
}

// BenchmarkGunzip reads /proc/config.gz (a gzip'd text where the kernel
// has none) with Gunzip and with compress/gzip.
func BenchmarkGunzip(b *testing.B) {
	in, err := os.ReadFile("/proc/config.gz")
	if err != nil {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(corpus(b)["text"])
		w.Close()
		in = z.Bytes()
	}
	b.Run("bpfc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Gunzip(in, 64<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compress-gzip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gunzipStd(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzGunzip compares Gunzip with compress/gzip on any input: the same
// data where either reads it.
func FuzzGunzip(f *testing.F) {
	c := corpus(f)
	var plain bytes.Buffer
	w := gzip.NewWriter(&plain)
	w.Write(c["text"][:3000])
	w.Close()
	f.Add(plain.Bytes())
	var named bytes.Buffer
	w = gzip.NewWriter(&named)
	w.Header.Name, w.Header.Comment, w.Header.Extra = "config", "kernel config", []byte("xy")
	w.Write(c["tailcall.o"][:500])
	w.Close()
	f.Add(named.Bytes())
	f.Add(append(bytes.Clone(plain.Bytes()), named.Bytes()...))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Gunzip(in, fuzzLimit)
		want, serr := gunzipStd(in)
		switch {
		case serr == nil && len(want) > fuzzLimit:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("compress/gzip reads more than %d bytes; Gunzip: %v", fuzzLimit, err)
			}
		case serr == nil:
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("compress/gzip reads %d bytes; Gunzip: %v (%d bytes, equal %v)", len(want), err, len(got), bytes.Equal(got, want))
			}
		case err == nil:
			t.Fatalf("Gunzip reads %d bytes; compress/gzip: %v", len(got), serr)
		}
	})
}
