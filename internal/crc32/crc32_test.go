// Tests of the CRC against hash/crc32 (a second implementation) on known
// vectors, every length around the 8-byte stride, split updates and
// fuzzed data, and a benchmark of both.

package crc32

import (
	stdcrc "hash/crc32"
	"math/rand/v2"
	"testing"
)

func TestChecksum(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
	}{
		{"", 0},
		{"a", 0xe8b7be43},
		{"123456789", 0xcbf43926}, // the check value of CRC-32/ISO-HDLC
		{"The quick brown fox jumps over the lazy dog", 0x414fa339},
	} {
		if got := Checksum([]byte(tc.in)); got != tc.want {
			t.Errorf("Checksum(%q) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for n := range len(data) {
		if got, want := Checksum(data[:n]), stdcrc.ChecksumIEEE(data[:n]); got != want {
			t.Errorf("len %d: %#x, hash/crc32 says %#x", n, got, want)
		}
		if got, want := Update(Checksum(data[:n]), data[n:]), stdcrc.ChecksumIEEE(data); got != want {
			t.Errorf("split at %d: %#x, hash/crc32 says %#x", n, got, want)
		}
	}
}

func FuzzChecksum(f *testing.F) {
	f.Add([]byte("123456789"), uint32(0))
	f.Fuzz(func(t *testing.T, data []byte, crc uint32) {
		if got, want := Update(crc, data), stdcrc.Update(crc, stdcrc.IEEETable, data); got != want {
			t.Fatalf("Update(%#x, %x) = %#x, hash/crc32 says %#x", crc, data, got, want)
		}
	})
}

func BenchmarkChecksum(b *testing.B) {
	data := make([]byte, 16<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	b.Run("bpfc", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			Checksum(data)
		}
	})
	b.Run("hash-crc32", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			stdcrc.ChecksumIEEE(data)
		}
	})
}
