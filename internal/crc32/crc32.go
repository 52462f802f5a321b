// Package crc32 computes the CRC-32 of the IEEE polynomial (the checksum
// of zip members and gzip streams) in plain Go. hash/crc32 would do, but
// it builds its tables and picks a CPU-specific implementation at package
// initialisation, which every run of a program linking it pays for; here
// the tables are built on first use, and the data checked (BPF objects,
// kernel configs) is small.
package crc32

import "sync"

// poly is the IEEE polynomial, bit-reversed (the CRC is computed
// least-significant bit first).
const poly = 0xedb88320

// tables are the slicing-by-8 tables: tables[0] is the byte-wise table,
// tables[k][b] the CRC of byte b followed by k zero bytes.
var (
	tables     *[8][256]uint32
	tablesOnce sync.Once
)

// buildTables builds the tables on first use.
func buildTables() {
	t := new([8][256]uint32)
	for i := range 256 {
		c := uint32(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ poly
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := range 256 {
		c := t[0][i]
		for k := 1; k < 8; k++ {
			c = t[0][c&0xff] ^ c>>8
			t[k][i] = c
		}
	}
	tables = t
}

// Checksum returns the CRC-32 (IEEE) of data.
func Checksum(data []byte) uint32 {
	return Update(0, data)
}

// Update returns the CRC-32 (IEEE) of the data whose CRC is crc followed
// by data: Update(Checksum(a), b) == Checksum(a+b).
func Update(crc uint32, data []byte) uint32 {
	tablesOnce.Do(buildTables)
	t := tables
	c := ^crc
	for len(data) >= 8 {
		lo := c ^ (uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24)
		c = t[7][lo&0xff] ^ t[6][lo>>8&0xff] ^ t[5][lo>>16&0xff] ^ t[4][lo>>24] ^
			t[3][data[4]] ^ t[2][data[5]] ^ t[1][data[6]] ^ t[0][data[7]]
		data = data[8:]
	}
	for _, b := range data {
		c = t[0][byte(c)^b] ^ c>>8
	}
	return ^c
}
