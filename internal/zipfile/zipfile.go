// Package zipfile reads members of zip archives (PKWARE's APPNOTE.TXT):
// the end of central directory record (ZIP64's too), the central
// directory, and stored or deflated members, their CRC-32 checked.
// archive/zip would do, but linking it brings compress/flate's encoder
// tables and hash/crc32's set-up, built at every start of a program, and
// time's formatting and zone code for timestamps nobody here reads. The
// checks follow archive/zip's so that the archives it reads read the same
// (the tests compare the two): jar-like archives with a prefix, ZIP64
// records and extra fields, data descriptors with or without their
// signature.
package zipfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bpfc/bpfc/internal/crc32"
	"github.com/bpfc/bpfc/internal/inflate"
	"github.com/bpfc/bpfc/internal/sysfile"
)

// Errors, for errors.Is.
var (
	// ErrFormat is returned for a file that is not a zip archive or
	// whose records contradict each other.
	ErrFormat = errors.New("not a valid zip archive")
	// ErrMethod is returned for a member compressed with a method other
	// than store (0) or deflate (8).
	ErrMethod = errors.New("unsupported compression method")
	// ErrChecksum is returned for a member whose data does not match its
	// CRC-32.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrTooLarge is returned for a member larger than the caller's limit.
	ErrTooLarge = errors.New("member too large")
)

// Compression methods.
const (
	Store   = 0
	Deflate = 8
)

// Member is a file in an archive, as its central directory describes it.
type Member struct {
	// Name is the member's name as the archive stores it ("dir/x.o";
	// directories end in "/").
	Name string
	// Method is the compression method (Store, Deflate or another).
	Method uint16
	// Flags are the general purpose flags (bit 0: encrypted; bit 3:
	// a data descriptor follows the data).
	Flags uint16
	// CRC32 is the CRC-32 of the member's data.
	CRC32 uint32
	// CompressedSize and Size are the sizes of the data as stored and
	// as extracted.
	CompressedSize, Size uint64

	header int64 // offset of the local header in the file
}

// Archive is an open zip archive.
type Archive struct {
	// Members are the central directory's entries, in its order.
	Members []Member

	r    io.ReaderAt
	size int64
	file *sysfile.File // the file Open opened, or nil
}

// Record signatures and sizes.
const (
	localSig      = 0x04034b50
	centralSig    = 0x02014b50
	endSig        = 0x06054b50
	end64Sig      = 0x06064b50
	end64LocSig   = 0x07064b50
	descriptorSig = 0x08074b50

	localLen    = 30
	centralLen  = 46
	endLen      = 22
	end64Len    = 56
	end64LocLen = 20

	zip64Extra = 0x0001

	// endSearch is how far from the end the end record is looked for:
	// its comment is at most 65535 bytes (archive/zip looks as far).
	endSearch = 65 << 10
)

// Open opens the zip archive at path and reads its central directory. The
// file is read with pread, without the Go run-time's poller (package
// sysfile); errors reading it are *os.PathError. Close closes it.
func Open(path string) (*Archive, error) {
	f, err := sysfile.Open(path)
	if err != nil {
		return nil, err
	}
	if f.Size() < 0 {
		// Not a regular file: say what reading it says (a directory:
		// EISDIR), else that it is no archive.
		if _, err := f.ReadAt(make([]byte, 1), 0); err != nil && err != io.EOF {
			f.Close()
			return nil, err
		}
	}
	a, err := New(f, f.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	a.file = f
	return a, nil
}

// Close closes the file Open opened.
func (a *Archive) Close() error {
	if a.file == nil {
		return nil
	}
	err := a.file.Close()
	a.file = nil
	return err
}

// New reads the central directory of the zip archive r holds, size bytes.
func New(r io.ReaderAt, size int64) (*Archive, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: size %d", ErrFormat, size)
	}
	end, err := readEnd(r, size)
	if err != nil {
		return nil, err
	}
	a := &Archive{r: r, size: size}
	// The count of entries may have been cut to 16 bits: read entries up
	// to the first that is not one, and compare counts in 16 bits.
	if end.dirSize < uint64(size) && (uint64(size)-end.dirSize)/localLen >= end.records {
		a.Members = make([]Member, 0, end.records)
	}
	cur := cursor{r: r, off: end.base + int64(end.dirOffset), size: size}
	for {
		m, err := readCentral(&cur)
		if err != nil {
			if !errors.Is(err, ErrFormat) || errors.Is(err, errAtEnd) {
				return nil, err
			}
			if len(a.Members)&0xffff != int(end.records&0xffff) {
				return nil, fmt.Errorf("central directory entry %d: %w", len(a.Members), err)
			}
			break
		}
		m.header += end.base
		a.Members = append(a.Members, m)
	}
	return a, nil
}

// Find returns the first member named name, or nil.
func (a *Archive) Find(name string) *Member {
	for i := range a.Members {
		if a.Members[i].Name == name {
			return &a.Members[i]
		}
	}
	return nil
}

// directoryEnd is what the end of central directory records say.
type directoryEnd struct {
	records            uint64
	dirSize, dirOffset uint64
	base               int64 // where the archive proper starts in the file (a prefix's length)
}

// readEnd finds the end of central directory record (the last one in the
// file whose comment fits), the ZIP64 one if it points to one, and the
// length of any prefix before the archive (as self-extracting archives
// and scripts with a jar appended have).
func readEnd(r io.ReaderAt, size int64) (*directoryEnd, error) {
	n := min(size, endSearch)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return nil, err
	}
	p := -1
	for i := len(buf) - endLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == endSig {
			if i+endLen+int(binary.LittleEndian.Uint16(buf[i+20:])) <= len(buf) {
				p = i
			}
			break // a truncated comment: not an archive
		}
	}
	if p < 0 {
		return nil, fmt.Errorf("%w: no end of central directory record", ErrFormat)
	}
	b := buf[p:]
	d := &directoryEnd{
		records:   uint64(binary.LittleEndian.Uint16(b[10:])),
		dirSize:   uint64(binary.LittleEndian.Uint32(b[12:])),
		dirOffset: uint64(binary.LittleEndian.Uint32(b[16:])),
	}
	endOff := size - n + int64(p)
	// Fields at their maximum may mean ZIP64 records hold the values
	// (archive/zip takes a directory size of 0xffff to mean so too).
	if d.records == 0xffff || d.dirSize == 0xffff || d.dirOffset == 0xffffffff {
		off, err := readEnd64(r, endOff, d)
		if err != nil {
			return nil, err
		}
		if off >= 0 {
			endOff = off
		}
	}
	if d.dirSize > 1<<63-1 || d.dirOffset > 1<<63-1 {
		return nil, fmt.Errorf("%w: central directory of %d bytes at %d", ErrFormat, d.dirSize, d.dirOffset)
	}
	d.base = endOff - int64(d.dirSize) - int64(d.dirOffset)
	if o := d.base + int64(d.dirOffset); o < 0 || o >= size {
		return nil, fmt.Errorf("%w: central directory at %d, outside the %d-byte file", ErrFormat, o, size)
	}
	// Some writers get the sizes wrong: where a directory entry is found
	// at the offset as it stands, there is no prefix.
	if d.base > 0 {
		cur := cursor{r: r, off: int64(d.dirOffset), size: size}
		if _, err := readCentral(&cur); err == nil {
			d.base = 0
		}
	}
	return d, nil
}

// readEnd64 reads the ZIP64 end of central directory locator before the
// end record at endOff and the record it points to into d, and returns
// the record's offset (-1 if there is no locator).
func readEnd64(r io.ReaderAt, endOff int64, d *directoryEnd) (int64, error) {
	locOff := endOff - end64LocLen
	if locOff < 0 {
		return -1, nil
	}
	var loc [end64LocLen]byte
	if _, err := r.ReadAt(loc[:], locOff); err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	if le.Uint32(loc[0:]) != end64LocSig || le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) != 1 {
		return -1, nil // no locator, or one for a multi-disk archive
	}
	off := int64(le.Uint64(loc[8:]))
	if off < 0 {
		return -1, nil // as archive/zip: not a locator
	}
	var rec [end64Len]byte
	if _, err := r.ReadAt(rec[:], off); err != nil {
		if err == io.EOF {
			return 0, fmt.Errorf("%w: ZIP64 end of central directory record at %d is outside the file", ErrFormat, uint64(off))
		}
		return 0, err
	}
	if le.Uint32(rec[0:]) != end64Sig {
		return 0, fmt.Errorf("%w: no ZIP64 end of central directory record at %d", ErrFormat, off)
	}
	d.records = le.Uint64(rec[32:])
	d.dirSize = le.Uint64(rec[40:])
	d.dirOffset = le.Uint64(rec[48:])
	return off, nil
}

// cursor reads a file sequentially from off through a buffer.
type cursor struct {
	r    io.ReaderAt
	off  int64 // file offset of buf[0]
	size int64
	buf  []byte
}

// errAtEnd is a directory that runs into the file's end exactly at an
// entry's boundary (archive/zip refuses it, whatever the count of
// entries). next wraps it with ErrFormat.
var errAtEnd = errors.New("central directory runs to the end of the file")

// next returns the next n bytes, or an error wrapping ErrFormat where
// the file ends first.
func (c *cursor) next(n int) ([]byte, error) {
	if len(c.buf) < n {
		if c.off >= c.size && n > 0 {
			return nil, fmt.Errorf("%w: %w", ErrFormat, errAtEnd)
		}
		if int64(n) > c.size-c.off {
			return nil, fmt.Errorf("%w: truncated at %d", ErrFormat, c.size)
		}
		want := int(min(max(int64(n), 64<<10), c.size-c.off))
		buf := make([]byte, want)
		if _, err := c.r.ReadAt(buf, c.off); err != nil && err != io.EOF {
			return nil, err
		}
		c.buf = buf
	}
	b := c.buf[:n]
	c.buf = c.buf[n:]
	c.off += int64(n)
	return b, nil
}

// readCentral reads a central directory entry.
func readCentral(c *cursor) (Member, error) {
	le := binary.LittleEndian
	b, err := c.next(centralLen)
	if err != nil {
		return Member{}, err
	}
	if le.Uint32(b) != centralSig {
		return Member{}, fmt.Errorf("%w: no central directory entry at %d", ErrFormat, c.off-centralLen)
	}
	m := Member{
		Flags:          le.Uint16(b[8:]),
		Method:         le.Uint16(b[10:]),
		CRC32:          le.Uint32(b[16:]),
		CompressedSize: uint64(le.Uint32(b[20:])),
		Size:           uint64(le.Uint32(b[24:])),
		header:         int64(le.Uint32(b[42:])),
	}
	nameLen, extraLen, commentLen := int(le.Uint16(b[28:])), int(le.Uint16(b[30:])), int(le.Uint16(b[32:]))
	v, err := c.next(nameLen + extraLen + commentLen)
	if err != nil {
		return Member{}, err
	}
	m.Name = string(v[:nameLen])
	// The ZIP64 extra field holds, in this order, the sizes and offset
	// whose 32-bit fields are at their maximum.
	needSize, needCSize, needHeader := m.Size == 0xffffffff, m.CompressedSize == 0xffffffff, m.header == 0xffffffff
	for extra := v[nameLen : nameLen+extraLen]; len(extra) >= 4; {
		tag, n := le.Uint16(extra), int(le.Uint16(extra[2:]))
		extra = extra[4:]
		if len(extra) < n {
			break
		}
		field := extra[:n]
		extra = extra[n:]
		if tag != zip64Extra {
			continue
		}
		for _, f := range []struct {
			need *bool
			v    *uint64
		}{{&needSize, &m.Size}, {&needCSize, &m.CompressedSize}} {
			if !*f.need {
				continue
			}
			*f.need = false
			if len(field) < 8 {
				return Member{}, fmt.Errorf("%w: %s: short ZIP64 extra field", ErrFormat, m.Name)
			}
			*f.v = le.Uint64(field)
			field = field[8:]
		}
		if needHeader {
			needHeader = false
			if len(field) < 8 {
				return Member{}, fmt.Errorf("%w: %s: short ZIP64 extra field", ErrFormat, m.Name)
			}
			m.header = int64(le.Uint64(field))
		}
	}
	// An uncompressed size of 0xffffffff without a ZIP64 field may be
	// just that; the others cannot.
	if needCSize || needHeader {
		return Member{}, fmt.Errorf("%w: %s: no ZIP64 extra field for its sizes", ErrFormat, m.Name)
	}
	return m, nil
}

// Read returns the data of member m, inflated if deflated, at most limit
// bytes, its size and CRC-32 checked against the central directory's
// and any data descriptor's.
func (a *Archive) Read(m *Member, limit uint64) ([]byte, error) {
	le := binary.LittleEndian
	var lh [localLen]byte
	if _, err := a.r.ReadAt(lh[:], m.header); err != nil {
		if err == io.EOF || m.header < 0 {
			return nil, fmt.Errorf("%w: local header at %d is outside the file", ErrFormat, m.header)
		}
		return nil, err
	}
	if le.Uint32(lh[:]) != localSig {
		return nil, fmt.Errorf("%w: no local header at %d", ErrFormat, m.header)
	}
	dataOff := m.header + localLen + int64(le.Uint16(lh[26:])) + int64(le.Uint16(lh[28:]))
	if strings.HasSuffix(m.Name, "/") {
		// A directory has no data (jar writes some as deflated, with
		// compressed bytes but none inflated).
		if m.Size != 0 {
			return nil, fmt.Errorf("%w: directory of %d bytes", ErrFormat, m.Size)
		}
		return []byte{}, nil
	}
	if m.Flags&1 != 0 {
		return nil, fmt.Errorf("%w: encrypted", ErrMethod)
	}
	if m.Method != Store && m.Method != Deflate {
		return nil, fmt.Errorf("%w %d: only stored and deflated members are read", ErrMethod, m.Method)
	}
	if m.Size > limit {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, m.Size, limit)
	}
	// The stored data, as much of it as the file holds.
	n := int64(0)
	if dataOff >= 0 && dataOff < a.size {
		n = a.size - dataOff
		if m.CompressedSize < uint64(n) {
			n = int64(m.CompressedSize)
		}
	}
	raw := make([]byte, n)
	if n > 0 {
		if _, err := a.r.ReadAt(raw, dataOff); err != nil && err != io.EOF {
			return nil, err
		}
	}
	var data []byte
	switch m.Method {
	case Store:
		data = raw
		if uint64(len(data)) > m.Size {
			return nil, fmt.Errorf("%w: %d bytes stored, the directory says %d", ErrFormat, len(data), m.Size)
		}
	case Deflate:
		var err error
		data, _, err = inflate.Append(make([]byte, 0, min(m.Size, 64<<20)), raw, int(m.Size))
		if errors.Is(err, inflate.ErrTooLarge) {
			return nil, fmt.Errorf("%w: more than the %d bytes the directory says", ErrFormat, m.Size)
		}
		if err != nil {
			return nil, err
		}
	}
	if uint64(len(data)) != m.Size {
		return nil, fmt.Errorf("%w: %d bytes, the directory says %d", ErrFormat, len(data), m.Size)
	}
	sum := crc32.Checksum(data)
	if m.Flags&8 != 0 {
		// A data descriptor: its signature (optional), CRC-32 and sizes
		// (which the directory has).
		var dd [16]byte
		k, err := a.r.ReadAt(dd[:], dataOff+int64(len(raw)))
		if err != nil && err != io.EOF {
			return nil, err
		}
		b := dd[:k]
		if len(b) >= 4 && le.Uint32(b) == descriptorSig {
			b = b[4:]
		}
		if len(b) < 12 {
			return nil, fmt.Errorf("%w: data descriptor cut short", ErrFormat)
		}
		if le.Uint32(b) != m.CRC32 {
			return nil, fmt.Errorf("%w: the data descriptor says CRC-32 %#08x, the directory %#08x", ErrChecksum, le.Uint32(b), m.CRC32)
		}
		if sum != m.CRC32 {
			return nil, fmt.Errorf("%w: CRC-32 %#08x, the archive says %#08x", ErrChecksum, sum, m.CRC32)
		}
	} else if m.CRC32 != 0 && sum != m.CRC32 {
		// A CRC-32 of 0 may be one the writer did not set.
		return nil, fmt.Errorf("%w: CRC-32 %#08x, the archive says %#08x", ErrChecksum, sum, m.CRC32)
	}
	return data, nil
}
