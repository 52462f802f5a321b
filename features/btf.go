// This file builds the raw BTF blobs of the BTF probes: one header, a few
// types, a string table.

package features

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
)

// btfKind is a BTF type kind (linux/btf.h's BTF_KIND_*). The package keeps
// its own few numbers instead of importing package btf: attach imports
// features, every Go light skeleton imports attach, and a light skeleton
// links no BTF library (TestLayering holds backend/loaderprog/rt to it).
type btfKind uint32

// The kinds the probes build.
const (
	kindInt       btfKind = 1
	kindPtr       btfKind = 2
	kindFunc      btfKind = 12
	kindFuncProto btfKind = 13
	kindVar       btfKind = 14
	kindDatasec   btfKind = 15
	kindFloat     btfKind = 16
	kindDeclTag   btfKind = 17
	kindTypeTag   btfKind = 18
	kindEnum64    btfKind = 19
)

// rawBTF is a BTF blob being built: type words and a string table.
type rawBTF struct {
	types []uint32
	strs  []byte
}

// btfBlob is a probe's BTF: types and strings.
type btfBlob func() *rawBTF

func newBTF(strs ...string) *rawBTF {
	b := &rawBTF{strs: []byte{0}}
	for _, s := range strs {
		b.strs = append(append(b.strs, s...), 0)
	}
	return b
}

// str returns the offset of the n-th string given to newBTF (1-based).
func (b *rawBTF) str(n int) uint32 {
	off := 0
	for i := 0; i < n; i++ {
		for b.strs[off] != 0 {
			off++
		}
		off++
	}
	return uint32(off)
}

// typ appends a btf_type and its trailing words.
func (b *rawBTF) typ(name uint32, kind btfKind, vlen int, kflag bool, sizeOrType uint32, extra ...uint32) {
	info := uint32(kind)<<24 | uint32(vlen)
	if kflag {
		info |= 1 << 31
	}
	b.types = append(append(b.types, name, info, sizeOrType), extra...)
}

// bytes lays out header, types and strings.
func (b *rawBTF) bytes() []byte {
	typeLen := uint32(len(b.types) * 4)
	out := make([]byte, 24, 24+int(typeLen)+len(b.strs))
	binary.LittleEndian.PutUint16(out[0:], 0xeb9f)
	out[2] = 1 // version
	binary.LittleEndian.PutUint32(out[4:], 24)
	binary.LittleEndian.PutUint32(out[8:], 0)
	binary.LittleEndian.PutUint32(out[12:], typeLen)
	binary.LittleEndian.PutUint32(out[16:], typeLen)
	binary.LittleEndian.PutUint32(out[20:], uint32(len(b.strs)))
	for _, w := range b.types {
		out = binary.LittleEndian.AppendUint32(out, w)
	}
	return append(out, b.strs...)
}

// intType is the INT word: signed 32-bit int.
func (b *rawBTF) intType(name uint32) { b.typ(name, kindInt, 0, false, 4, 1<<24|32) }

// btfInt: [1] int.
func btfInt() *rawBTF {
	b := newBTF("int")
	b.intType(b.str(1))
	return b
}

// btfFunc: [1] int, [2] int (int a), [3] FUNC x with linkage.
func btfFunc(linkage int) btfBlob {
	return func() *rawBTF {
		b := newBTF("int", "x", "a")
		b.intType(b.str(1))
		b.typ(0, kindFuncProto, 1, false, 1, b.str(3), 1)
		b.typ(b.str(2), kindFunc, linkage, false, 2)
		return b
	}
}

// btfDatasec: [1] int, [2] static VAR x, [3] DATASEC .data {x}.
func btfDatasec() *rawBTF {
	b := newBTF("x", ".data")
	b.intType(0)
	b.typ(b.str(1), kindVar, 0, false, 1, 0)
	b.typ(b.str(2), kindDatasec, 1, false, 4, 2, 0, 4)
	return b
}

// btfQmarkDatasec: [1] int, [2] static VAR x, [3] DATASEC ?.data/x {x}.
func btfQmarkDatasec() *rawBTF {
	b := newBTF("x", "?.data/x")
	b.intType(0)
	b.typ(b.str(1), kindVar, 0, false, 1, 0)
	b.typ(b.str(2), kindDatasec, 1, false, 4, 2, 0, 4)
	return b
}

// btfFloat: [1] float.
func btfFloat() *rawBTF {
	b := newBTF("float")
	b.typ(b.str(1), kindFloat, 0, false, 4)
	return b
}

// btfDeclTag: [1] int, [2] VAR x, [3] DECL_TAG "tag" on [2].
func btfDeclTag() *rawBTF {
	b := newBTF("tag", "x")
	b.intType(0)
	b.typ(b.str(2), kindVar, 0, false, 1, 0)
	b.typ(b.str(1), kindDeclTag, 0, false, 2, 0xffffffff)
	return b
}

// btfTypeTag: [1] int, [2] TYPE_TAG "tag" -> [1], [3] PTR -> [2].
func btfTypeTag() *rawBTF {
	b := newBTF("tag")
	b.intType(0)
	b.typ(b.str(1), kindTypeTag, 0, false, 1)
	b.typ(0, kindPtr, 0, false, 2)
	return b
}

// btfEnum64: [1] enum64 with no values.
func btfEnum64() *rawBTF {
	b := newBTF("enum64")
	b.typ(b.str(1), kindEnum64, 0, false, 8)
	return b
}

// loadBTF loads a probe's BTF once (no log, no retry).
func loadBTF(blob btfBlob) (*sys.FD, error) {
	return sys.BtfLoadOnce(blob().bytes())
}

// btfLoads reports whether the kernel accepts the blob.
func btfLoads(blob btfBlob) (bool, error) {
	fd, err := loadBTF(blob)
	if err == nil {
		fd.Close()
		return true, nil
	}
	if errno, _ := sys.Errno(err); errno == unix.EPERM {
		return false, err
	}
	return false, nil
}
