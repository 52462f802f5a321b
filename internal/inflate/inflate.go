// Package inflate decodes DEFLATE (RFC 1951) streams held in memory, as
// zip archives and gzip files (gunzip.go) carry them. compress/flate would
// do, but linking it costs every run of a program its encoder's tables
// built at package initialisation; here nothing is built before a stream
// is decoded (the fixed Huffman tables are built on first use), and a
// stream is decoded whole from a byte slice into a byte slice, without
// the streaming machinery a reader needs. Output is bounded by a limit the
// caller gives, and bad input is an error, never a panic or a hang.
package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Errors, for errors.Is.
var (
	// ErrCorrupt is returned for a stream that breaks the format.
	ErrCorrupt = errors.New("corrupt deflate stream")
	// ErrTruncated is returned for a stream that ends before its final
	// block does.
	ErrTruncated = errors.New("deflate stream ends early")
	// ErrTooLarge is returned for a stream that inflates to more than the
	// limit the caller gave.
	ErrTooLarge = errors.New("inflated data exceeds the limit")
)

// Append inflates the raw DEFLATE stream at the start of src and appends
// the result to dst. It returns the extended slice and the number of
// bytes of src the stream took (bytes after its final block are not
// read). At most limit bytes are appended: a stream that inflates to more
// is an error wrapping ErrTooLarge. Back-references reach only into the
// data this stream inflated, not into what dst held before. On error the
// data inflated so far is returned with it.
func Append(dst, src []byte, limit int) ([]byte, int, error) {
	d := decoder{in: src, out: dst, start: len(dst), limit: len(dst) + max(limit, 0)}
	err := d.run()
	return d.out, d.pos - int(d.nbits/8), err
}

// decoder is the state of one stream's decoding.
type decoder struct {
	in    []byte
	pos   int    // next byte of in to load into bits
	bits  uint64 // input bits, the next one lowest
	nbits uint   // how many bits of bits are loaded (bits above may hold the next bytes)

	out   []byte
	start int // where this stream's output starts in out
	limit int // the most out may hold

	lit, dist, clen huffman
	lens            [maxLit + maxDist]uint8
}

const (
	maxLit    = 286 // literal/length codes a dynamic block may define
	maxDist   = 30  // distance codes it may define
	maxCodes  = 19  // code length codes
	maxLen    = 15  // the longest Huffman code
	eob       = 256 // the end-of-block symbol
	maxWindow = 32768
)

// refill loads input bytes into bits until at least 56 bits are loaded or
// the input is used up.
func (d *decoder) refill() {
	if d.pos+8 <= len(d.in) {
		// Load 8 bytes at once; the bytes that do not fit whole land
		// above nbits, where the next refill loads them again.
		v := uint64(d.in[d.pos]) | uint64(d.in[d.pos+1])<<8 | uint64(d.in[d.pos+2])<<16 | uint64(d.in[d.pos+3])<<24 |
			uint64(d.in[d.pos+4])<<32 | uint64(d.in[d.pos+5])<<40 | uint64(d.in[d.pos+6])<<48 | uint64(d.in[d.pos+7])<<56
		d.bits |= v << d.nbits
		n := (63 - d.nbits) >> 3
		d.pos += int(n)
		d.nbits += n * 8
		return
	}
	for d.nbits <= 56 && d.pos < len(d.in) {
		d.bits |= uint64(d.in[d.pos]) << d.nbits
		d.pos++
		d.nbits += 8
	}
}

// need makes n (at most 56) bits available or reports the stream
// truncated.
func (d *decoder) need(n uint) error {
	if d.nbits < n {
		d.refill()
		if d.nbits < n {
			return d.truncated()
		}
	}
	return nil
}

// take consumes and returns n bits, which need made available.
func (d *decoder) take(n uint) uint32 {
	v := uint32(d.bits & (1<<n - 1))
	d.bits >>= n
	d.nbits -= n
	return v
}

// offset is the offset in the input of the next bit's byte, for errors.
func (d *decoder) offset() int { return d.pos - int(d.nbits/8) }

func (d *decoder) corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s (input byte %d)", ErrCorrupt, fmt.Sprintf(format, args...), d.offset())
}

func (d *decoder) truncated() error {
	return fmt.Errorf("%w: after %d bytes", ErrTruncated, len(d.in))
}

func (d *decoder) tooLarge() error {
	return fmt.Errorf("%w of %d bytes", ErrTooLarge, d.limit-d.start)
}

// run decodes blocks up to the final one.
func (d *decoder) run() error {
	for {
		if err := d.need(3); err != nil {
			return err
		}
		final := d.take(1) == 1
		var err error
		switch d.take(2) {
		case 0:
			err = d.stored()
		case 1:
			f := fixed()
			err = d.huffmanBlock(&f.lit, &f.dist)
		case 2:
			if err = d.dynamic(); err == nil {
				err = d.huffmanBlock(&d.lit, &d.dist)
			}
		default:
			err = d.corrupt("block type 3")
		}
		if err != nil || final {
			return err
		}
	}
}

// stored copies a stored block: from the next byte boundary, its length,
// the length's complement and the bytes.
func (d *decoder) stored() error {
	d.pos -= int(d.nbits / 8) // give back the whole bytes loaded
	d.bits, d.nbits = 0, 0
	if len(d.in)-d.pos < 4 {
		d.pos = len(d.in)
		return d.truncated()
	}
	n := int(d.in[d.pos]) | int(d.in[d.pos+1])<<8
	nn := int(d.in[d.pos+2]) | int(d.in[d.pos+3])<<8
	if n != nn^0xffff {
		return d.corrupt("stored block length %#x does not match its complement %#x", n, nn)
	}
	d.pos += 4
	if len(d.in)-d.pos < n {
		d.out = append(d.out, d.in[d.pos:min(len(d.in), d.pos+d.limit-len(d.out))]...)
		d.pos = len(d.in)
		return d.truncated()
	}
	if len(d.out)+n > d.limit {
		return d.tooLarge()
	}
	d.out = append(d.out, d.in[d.pos:d.pos+n]...)
	d.pos += n
	return nil
}

// codeOrder is the order of the code length codes' lengths in a dynamic
// block's header.
var codeOrder = [maxCodes]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamic reads a dynamic block's header and builds its codes.
func (d *decoder) dynamic() error {
	if err := d.need(14); err != nil {
		return err
	}
	nlit := int(d.take(5)) + 257
	ndist := int(d.take(5)) + 1
	nclen := int(d.take(4)) + 4
	if nlit > maxLit {
		return d.corrupt("%d literal/length codes", nlit)
	}
	if ndist > maxDist {
		return d.corrupt("%d distance codes", ndist)
	}
	var clens [maxCodes]uint8
	for _, sym := range codeOrder[:nclen] {
		if err := d.need(3); err != nil {
			return err
		}
		clens[sym] = uint8(d.take(3))
	}
	if err := d.clen.build(clens[:], 7); err != nil {
		return d.corrupt("code length code: %v", err)
	}
	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		sym, err := d.decode(&d.clen)
		if err != nil {
			return err
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return d.corrupt("code length repeat with no previous length")
			}
			if err := d.need(2); err != nil {
				return err
			}
			rep, v = 3+int(d.take(2)), lens[i-1]
		case 17:
			if err := d.need(3); err != nil {
				return err
			}
			rep = 3 + int(d.take(3))
		default:
			if err := d.need(7); err != nil {
				return err
			}
			rep = 11 + int(d.take(7))
		}
		if i+rep > len(lens) {
			return d.corrupt("code lengths repeated past the %d codes", len(lens))
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if err := d.lit.build(lens[:nlit], 10); err != nil {
		return d.corrupt("literal/length code: %v", err)
	}
	if err := d.dist.build(lens[nlit:], 8); err != nil {
		return d.corrupt("distance code: %v", err)
	}
	return nil
}

// decode reads one symbol of the code h.
func (d *decoder) decode(h *huffman) (int, error) {
	if d.nbits < maxLen {
		d.refill()
	}
	e := h.table[d.bits&h.mask]
	if e&linkFlag != 0 {
		e = h.table[uint(e>>8)+uint(d.bits>>h.primary)&(1<<(e&15)-1)]
	}
	n := uint(e & 15)
	if n == 0 {
		if d.nbits == 0 {
			return 0, d.truncated()
		}
		return 0, d.corrupt("invalid Huffman code")
	}
	if n > d.nbits {
		return 0, d.truncated()
	}
	d.bits >>= n
	d.nbits -= n
	return int(e >> 8), nil
}

// Lengths and distances: the base of each length (symbol 257 on) and
// distance code, and the number of extra bits added to it.
var (
	lenBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase  = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// huffmanBlock decodes a compressed block's symbols up to its end. The
// hot loop keeps the input position, the bit buffer and the output in
// locals and refills the buffer once per symbol (a literal/length code,
// its extra bits, a distance code and its extra bits take at most 48
// bits); near the end of the input every step checks that its bits are
// there.
func (d *decoder) huffmanBlock(lit, dist *huffman) error {
	in, pos, bits, nbits, out := d.in, d.pos, d.bits, d.nbits, d.out
	var err error
loop:
	for {
		if nbits < 48 {
			if pos+8 <= len(in) {
				bits |= binary.LittleEndian.Uint64(in[pos:]) << nbits
				n := (63 - nbits) >> 3
				pos += int(n)
				nbits += n * 8
			} else {
				d.pos, d.bits, d.nbits = pos, bits, nbits
				d.refill()
				pos, bits, nbits = d.pos, d.bits, d.nbits
			}
		}
		e := lit.table[bits&lit.mask]
		if e&linkFlag != 0 {
			e = lit.table[uint(e>>8)+uint(bits>>lit.primary)&(1<<(e&15)-1)]
		}
		n := uint(e & 15)
		if n == 0 || n > nbits {
			d.pos, d.bits, d.nbits = pos, bits, nbits
			if _, err = d.decode(lit); err == nil { // the error, worded
				err = d.corrupt("invalid Huffman code")
			}
			break
		}
		bits >>= n
		nbits -= n
		sym := int(e >> 8)
		if sym < eob {
			if len(out) >= d.limit {
				err = d.tooLarge()
				break
			}
			out = append(out, byte(sym))
			continue
		}
		if sym == eob {
			break
		}
		sym -= 257
		if sym >= len(lenBase) {
			d.pos, d.bits, d.nbits = pos, bits, nbits
			err = d.corrupt("literal/length symbol %d", sym+257)
			break
		}
		length := int(lenBase[sym])
		if x := uint(lenExtra[sym]); x > 0 {
			if x > nbits {
				err = d.truncated()
				break
			}
			length += int(bits & (1<<x - 1))
			bits >>= x
			nbits -= x
		}
		e = dist.table[bits&dist.mask]
		if e&linkFlag != 0 {
			e = dist.table[uint(e>>8)+uint(bits>>dist.primary)&(1<<(e&15)-1)]
		}
		n = uint(e & 15)
		if n == 0 || n > nbits {
			d.pos, d.bits, d.nbits = pos, bits, nbits
			if _, err = d.decode(dist); err == nil {
				err = d.corrupt("invalid Huffman code")
			}
			break
		}
		bits >>= n
		nbits -= n
		dsym := int(e >> 8)
		if dsym >= len(distBase) {
			d.pos, d.bits, d.nbits = pos, bits, nbits
			err = d.corrupt("distance symbol %d", dsym)
			break
		}
		distance := int(distBase[dsym])
		if x := uint(distExtra[dsym]); x > 0 {
			if x > nbits {
				err = d.truncated()
				break
			}
			distance += int(bits & (1<<x - 1))
			bits >>= x
			nbits -= x
		}
		if have := len(out) - d.start; distance > have {
			d.pos, d.bits, d.nbits = pos, bits, nbits
			err = d.corrupt("distance %d back from the %d bytes inflated", distance, have)
			break
		}
		if length > d.limit-len(out) {
			err = d.tooLarge()
			break
		}
		at := len(out)
		out = slices.Grow(out, length)[:at+length]
		from := at - distance
		switch {
		case distance >= length:
			copy(out[at:], out[from:from+length])
		case distance == 1:
			// A run of one byte.
			b := out[from]
			for i := at; i < at+length; i++ {
				out[i] = b
			}
		default:
			// An overlapping copy repeats the last distance bytes:
			// copy them, then twice as many, and so on.
			for i := at; i < at+length; {
				i += copy(out[i:at+length], out[from:i])
			}
		}
		continue loop
	}
	d.pos, d.bits, d.nbits, d.out = pos, bits, nbits, out
	return err
}

// huffman is a decoding table of a canonical Huffman code (zlib's
// scheme): indexed by the next primary bits of input, an entry holds the
// symbol and its code's length, or, for codes longer than primary bits,
// links to a subtable indexed by the bits after them.
type huffman struct {
	table   []uint32
	primary uint   // bits of the primary index
	mask    uint64 // 1<<primary - 1
}

// An entry is sym<<8 | length (1 to 15) for a symbol, base<<8 | linkFlag
// | bits for a link to the subtable at table[base:] indexed by bits more
// bits, and 0 for a code that no symbol has.
const linkFlag = 0x80

// Reasons a code is refused.
var (
	errOversubscribed = errors.New("over-subscribed code lengths")
	errIncomplete     = errors.New("incomplete code lengths")
)

// build builds h for the code whose symbol i has a code lengths[i] bits
// long (0 for none), with primary bits of primary index at most. A code
// must be complete, as RFC 1951 codes made by an encoder are, with two
// exceptions that zlib and compress/flate accept: no codes at all (using
// the code is then an error), and a single code of one bit.
func (h *huffman) build(lengths []uint8, primary uint) error {
	var count [maxLen + 1]int
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	longest := uint(0)
	for l := uint(maxLen); l > 0; l-- {
		if count[l] != 0 {
			longest = l
			break
		}
	}
	left := 1
	for l := 1; l <= maxLen; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return errOversubscribed
		}
	}
	if left > 0 && longest != 0 && !(longest == 1 && count[1] == 1) {
		return errIncomplete
	}
	p := min(primary, max(longest, 1))
	h.primary, h.mask = p, 1<<p-1

	// Canonical codes, then each symbol's code bit-reversed (DEFLATE
	// sends codes most significant bit first into a stream read least
	// significant bit first).
	var next [maxLen + 1]uint32
	code := uint32(0)
	for l := 1; l <= maxLen; l++ {
		code = (code + uint32(count[l-1])) << 1
		next[l] = code
	}
	var sub [1 << 10]uint8 // subtable index bits per primary entry
	var codes [maxLit + 2]uint16
	for sym, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		r := reverse(c, uint(l))
		codes[sym] = uint16(r)
		if uint(l) > p {
			sub[r&uint32(h.mask)] = max(sub[r&uint32(h.mask)], l-uint8(p))
		}
	}
	size := 1 << p
	var base [1 << 10]uint16
	if uint(longest) > p {
		for i := range 1 << p {
			if sub[i] != 0 {
				base[i] = uint16(size)
				size += 1 << sub[i]
			}
		}
	}
	if cap(h.table) < size {
		h.table = make([]uint32, size)
	} else {
		h.table = h.table[:size]
		clear(h.table)
	}
	t := h.table
	for sym, l := range lengths {
		if l == 0 {
			continue
		}
		r := uint(codes[sym])
		e := uint32(sym)<<8 | uint32(l)
		if uint(l) <= p {
			for i := r; i < 1<<p; i += 1 << l {
				t[i] = e
			}
			continue
		}
		prefix := r & uint(h.mask)
		s, b := uint(sub[prefix]), uint(base[prefix])
		t[prefix] = uint32(b)<<8 | linkFlag | uint32(s)
		for i := r >> p; i < 1<<s; i += 1 << (uint(l) - p) {
			t[b+i] = e
		}
	}
	return nil
}

// reverse reverses the low n bits of c.
func reverse(c uint32, n uint) uint32 {
	r := uint32(0)
	for range n {
		r = r<<1 | c&1
		c >>= 1
	}
	return r
}

// fixedCodes are the codes of fixed-code blocks (RFC 1951 3.2.6),
// built on first use.
type fixedCodes struct{ lit, dist huffman }

var (
	fixedOnce  sync.Once
	fixedTable *fixedCodes
)

// fixed returns the fixed codes, building them on first use.
func fixed() *fixedCodes {
	fixedOnce.Do(buildFixed)
	return fixedTable
}

func buildFixed() {
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	f := new(fixedCodes)
	f.lit.build(lens[:], 9)
	// Distance codes 30 and 31 are five bits long like the others and
	// an error where they occur.
	var dl [32]uint8
	for i := range dl {
		dl[i] = 5
	}
	f.dist.build(dl[:], 5)
	fixedTable = f
}
