// Package sha256 computes SHA-256 (FIPS 180-4) digests in plain Go, for
// the loader's blob and program hashes. crypto/sha256 would do, but
// importing it links and initialises the Go FIPS module's packages
// (crypto/internal/fips140/...: DRBG, AES, HMAC and their self-test
// registrations) in every program, the bpfc command included, which pays
// for them at every start-up, loads or not. The data hashed here is a few
// kilobytes; speed is not the point.
package sha256

import "encoding/binary"

// Size is the size of a digest in bytes.
const Size = 32

// blockSize is the size of the blocks SHA-256 compresses.
const blockSize = 64

// k are the round constants: the first 32 bits of the fractional parts of
// the cube roots of the first 64 primes.
var k = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// iv is the initial hash value: the first 32 bits of the fractional parts
// of the square roots of the first 8 primes.
var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// Sum256 returns the SHA-256 digest of data.
func Sum256(data []byte) [Size]byte {
	h := iv
	n := len(data) / blockSize * blockSize
	blocks(&h, data[:n])
	// The last block(s): the rest of the data, a 1 bit, zeros, and the
	// length in bits as a 64-bit big-endian number.
	var tail [2 * blockSize]byte
	rest := copy(tail[:], data[n:])
	tail[rest] = 0x80
	end := blockSize
	if rest+1+8 > blockSize {
		end = 2 * blockSize
	}
	binary.BigEndian.PutUint64(tail[end-8:end], uint64(len(data))<<3)
	blocks(&h, tail[:end])
	var sum [Size]byte
	for i, v := range h {
		binary.BigEndian.PutUint32(sum[4*i:], v)
	}
	return sum
}

// rotr rotates x right by n bits.
func rotr(x uint32, n uint) uint32 { return x>>n | x<<(32-n) }

// blocks compresses whole 64-byte blocks of p into h.
func blocks(h *[8]uint32, p []byte) {
	var w [64]uint32
	for ; len(p) >= blockSize; p = p[blockSize:] {
		for t := range 16 {
			w[t] = binary.BigEndian.Uint32(p[4*t:])
		}
		for t := 16; t < 64; t++ {
			s0 := rotr(w[t-15], 7) ^ rotr(w[t-15], 18) ^ w[t-15]>>3
			s1 := rotr(w[t-2], 17) ^ rotr(w[t-2], 19) ^ w[t-2]>>10
			w[t] = w[t-16] + s0 + w[t-7] + s1
		}
		a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
		for t := range 64 {
			s1 := rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
			ch := e&f ^ ^e&g
			t1 := hh + s1 + ch + k[t] + w[t]
			s0 := rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
			maj := a&b ^ a&c ^ b&c
			t2 := s0 + maj
			hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
		}
		h[0] += a
		h[1] += b
		h[2] += c
		h[3] += d
		h[4] += e
		h[5] += f
		h[6] += g
		h[7] += hh
	}
}
