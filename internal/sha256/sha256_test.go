// Tests of Sum256 against crypto/sha256 (a second implementation) on every
// length around the block and padding boundaries and on random data, and
// against the digests FIPS 180-4's examples give.

package sha256

import (
	"bytes"
	stdsha256 "crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

func TestSum256(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 4096)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	lengths := []int{4096, 4095, 1000, 1 << 12}
	for n := 0; n <= 3*blockSize+1; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		b := data[:min(n, len(data))]
		if got, want := Sum256(b), stdsha256.Sum256(b); got != want {
			t.Errorf("%d bytes: %x, crypto/sha256 %x", len(b), got, want)
		}
	}
	// FIPS 180-4 examples (NIST's SHA256.pdf).
	for in, want := range map[string]string{
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq": "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		"": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	} {
		got := Sum256([]byte(in))
		if w, _ := hex.DecodeString(want); !bytes.Equal(got[:], w) {
			t.Errorf("%q: %x, want %s", in, got, want)
		}
	}
}

func BenchmarkSum256(b *testing.B) {
	data := make([]byte, 8192)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Sum256(data)
	}
}
