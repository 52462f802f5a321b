// This file reads gzip files (RFC 1952): members of a header, a DEFLATE
// stream and a trailer with the data's CRC-32 and size, one after the
// other, as /proc/config.gz is one.

package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/internal/crc32"
)

// ErrGzip is returned for a gzip file whose header or trailer is bad.
var ErrGzip = errors.New("bad gzip data")

// Header flags.
const (
	gzipHeaderCRC = 1 << 1
	gzipExtra     = 1 << 2
	gzipName      = 1 << 3
	gzipComment   = 1 << 4
)

// Gunzip returns the data of the gzip file src: its members' data one
// after the other, each checked against its trailer's CRC-32 and size. At
// most limit bytes are inflated: more is an error wrapping ErrTooLarge.
func Gunzip(src []byte, limit int) ([]byte, error) {
	out := make([]byte, 0, gzipSizeHint(src, limit))
	off := 0
	for member := 0; ; member++ {
		if member > 0 && off == len(src) {
			return out, nil
		}
		start := off
		h, err := gzipHeader(src[off:])
		if err != nil {
			return nil, fmt.Errorf("gzip member %d at byte %d: %w", member, start, err)
		}
		off += h
		n := len(out)
		var used int
		out, used, err = Append(out, src[off:], limit-n)
		if err != nil {
			return nil, fmt.Errorf("gzip member %d at byte %d: %w", member, start, err)
		}
		off += used
		if len(src)-off < 8 {
			return nil, fmt.Errorf("gzip member %d at byte %d: %w: trailer cut short", member, start, ErrGzip)
		}
		sum, size := binary.LittleEndian.Uint32(src[off:]), binary.LittleEndian.Uint32(src[off+4:])
		off += 8
		if got := crc32.Checksum(out[n:]); got != sum || uint32(len(out)-n) != size {
			return nil, fmt.Errorf("gzip member %d at byte %d: %w: CRC-32 %#08x and size %d, the trailer says %#08x and %d",
				member, start, ErrGzip, got, uint32(len(out)-n), sum, size)
		}
	}
}

// gzipSizeHint is the size of one member's data as the file's last four
// bytes say it (mod 4 GiB), bounded by limit.
func gzipSizeHint(src []byte, limit int) int {
	if len(src) < 4 {
		return 0
	}
	return min(int(binary.LittleEndian.Uint32(src[len(src)-4:])), limit, 64<<20)
}

// maxGzipString bounds a header's name and comment with their NUL, as
// compress/gzip does.
const maxGzipString = 512

// gzipHeader checks a member's header and returns its length.
func gzipHeader(b []byte) (int, error) {
	if len(b) < 10 {
		return 0, fmt.Errorf("%w: header cut short", ErrGzip)
	}
	if b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 {
		return 0, fmt.Errorf("%w: not a gzip header (% x)", ErrGzip, b[:3])
	}
	flags := b[3]
	n := 10
	if flags&gzipExtra != 0 {
		if len(b) < n+2 {
			return 0, fmt.Errorf("%w: header cut short", ErrGzip)
		}
		n += 2 + int(binary.LittleEndian.Uint16(b[n:]))
	}
	for _, f := range []byte{gzipName, gzipComment} {
		if flags&f == 0 || n > len(b) {
			continue
		}
		end := n
		for end < len(b) && b[end] != 0 {
			end++
		}
		if end-n >= maxGzipString && end < len(b) {
			return 0, fmt.Errorf("%w: a header string of more than %d bytes", ErrGzip, maxGzipString-1)
		}
		n = end + 1
	}
	if flags&gzipHeaderCRC != 0 {
		if n+2 <= len(b) && uint16(crc32.Checksum(b[:n])) != binary.LittleEndian.Uint16(b[n:]) {
			return 0, fmt.Errorf("%w: header CRC mismatch", ErrGzip)
		}
		n += 2
	}
	if n > len(b) {
		return 0, fmt.Errorf("%w: header cut short", ErrGzip)
	}
	return n, nil
}
