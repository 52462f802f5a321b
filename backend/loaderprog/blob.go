// This file builds the loader's data blob: the single value of the
// "__loader.map" ARRAY map the loader program addresses by offset.
//
// Layout (every item 8-byte aligned, in this order):
//
//	fd_array region   one int per map of the object (index = map index,
//	                  the fd_array index the programs' ld_imm64 carry;
//	                  at least one slot, since a kfunc offset of 0 means
//	                  vmlinux), then one slot per distinct kfunc of the
//	                  program with the most (module BTF fds)
//	result slots      one u64 per bpf_btf_find_by_name_kind or
//	                  bpf_kallsyms_lookup_name of the loader
//	program fds       one int per program: its fd once loaded. With the
//	                  map fds of the fd_array region, what a run leaves
//	                  open, which a run-time reads back from the blob map
//	                  when the context cannot be copied back
//	                  (rt.FDRecord); the cleanup zeroes the slots it
//	                  closes. With the two regions above, the scratch
//	                  area the prologue zeroes (so a second run starts
//	                  clean)
//	BTF               the object's BTF bytes and the BTF_LOAD attr
//	per map           the MAP_CREATE attr (inner template's first); for
//	                  global data the initial value, key 0, the
//	                  MAP_UPDATE_ELEM attr and, for read-only maps, a
//	                  MAP_FREEZE attr
//	per program       license, instructions, func_info, line_info,
//	                  core_relos, the PROG_LOAD attr, then the names of
//	                  its externs and attach target
//	slots             key, value and MAP_UPDATE_ELEM attr per prog-array
//	                  or map-in-map initial entry
//
// With tracing, each step's bpf_trace_printk format follows its step's
// data. Sizes are not capped: the fd_array grows with the object.
//
// Attributes are the Linux 6.18 union bpf_attr layouts of internal/sys,
// encoded in the machine's byte order; pointer fields are left zero and
// written by the loader at run time, since only it knows the blob's
// kernel address.

package loaderprog

import (
	"fmt"
	"unsafe"

	"github.com/bpfc/bpfc/internal/sys"
)

// maxBlobOffset is the largest blob offset the verifier accepts in a
// map-value pointer (BPF_MAX_VAR_OFF is 1<<29).
const maxBlobOffset = 1<<29 - 1

// Sizes of the attributes passed to bpf_sys_bpf.
var (
	sizeBTFLoad   = int(unsafe.Sizeof(sys.BtfLoadAttr{}))
	sizeMapCreate = int(unsafe.Offsetof(sys.MapCreateAttr{}.ExclProgHash)) // up to map_token_fd
	sizeMapElem   = int(unsafe.Sizeof(sys.MapElemAttr{}))
	sizeProgLoad  = int(unsafe.Offsetof(sys.ProgLoadAttr{}.FdArrayCnt)) // up to prog_token_fd
)

// Offsets of the attribute fields the loader patches at run time.
var (
	offBTFLoadBtf      = int(unsafe.Offsetof(sys.BtfLoadAttr{}.Btf))
	offBTFLoadLogBuf   = int(unsafe.Offsetof(sys.BtfLoadAttr{}.BtfLogBuf))
	offBTFLoadLogSize  = int(unsafe.Offsetof(sys.BtfLoadAttr{}.BtfLogSize))
	offBTFLoadLogLevel = int(unsafe.Offsetof(sys.BtfLoadAttr{}.BtfLogLevel))

	offMapMaxEntries = int(unsafe.Offsetof(sys.MapCreateAttr{}.MaxEntries))
	offMapKeySize    = int(unsafe.Offsetof(sys.MapCreateAttr{}.KeySize))
	offMapValueSize  = int(unsafe.Offsetof(sys.MapCreateAttr{}.ValueSize))
	offMapBtfKeyID   = int(unsafe.Offsetof(sys.MapCreateAttr{}.BtfKeyTypeId))
	offMapBtfValueID = int(unsafe.Offsetof(sys.MapCreateAttr{}.BtfValueTypeId))
	offMapInnerFD    = int(unsafe.Offsetof(sys.MapCreateAttr{}.InnerMapFd))
	offMapBtfFd      = int(unsafe.Offsetof(sys.MapCreateAttr{}.BtfFd))
	offMapFlags      = int(unsafe.Offsetof(sys.MapCreateAttr{}.MapFlags))
	offMapVmlinuxID  = int(unsafe.Offsetof(sys.MapCreateAttr{}.BtfVmlinuxValueTypeId))
	offMapVtypeObjFd = int(unsafe.Offsetof(sys.MapCreateAttr{}.ValueTypeBtfObjFd))

	offElemMapFd = int(unsafe.Offsetof(sys.MapElemAttr{}.MapFd))
	offElemKey   = int(unsafe.Offsetof(sys.MapElemAttr{}.Key))
	offElemValue = int(unsafe.Offsetof(sys.MapElemAttr{}.Value))

	offProgInsns       = int(unsafe.Offsetof(sys.ProgLoadAttr{}.Insns))
	offProgLicense     = int(unsafe.Offsetof(sys.ProgLoadAttr{}.License))
	offProgLogLevel    = int(unsafe.Offsetof(sys.ProgLoadAttr{}.LogLevel))
	offProgLogSize     = int(unsafe.Offsetof(sys.ProgLoadAttr{}.LogSize))
	offProgLogBuf      = int(unsafe.Offsetof(sys.ProgLoadAttr{}.LogBuf))
	offProgBtfFd       = int(unsafe.Offsetof(sys.ProgLoadAttr{}.ProgBtfFd))
	offProgFuncInfo    = int(unsafe.Offsetof(sys.ProgLoadAttr{}.FuncInfo))
	offProgLineInfo    = int(unsafe.Offsetof(sys.ProgLoadAttr{}.LineInfo))
	offProgAttachBtfID = int(unsafe.Offsetof(sys.ProgLoadAttr{}.AttachBtfId))
	offProgAttachObjFd = int(unsafe.Offsetof(sys.ProgLoadAttr{}.AttachBtfObjFd))
	offProgExpAttach   = int(unsafe.Offsetof(sys.ProgLoadAttr{}.ExpectedAttachType))
	offProgFdArray     = int(unsafe.Offsetof(sys.ProgLoadAttr{}.FdArray))
	offProgCoreRelos   = int(unsafe.Offsetof(sys.ProgLoadAttr{}.CoreRelos))
)

// blob accumulates the loader's data.
type blob struct {
	buf []byte
	err error
}

// align8 rounds n up to a multiple of 8.
func align8(n int) int { return (n + 7) &^ 7 }

// add appends data (8-byte aligned) and returns its offset.
func (b *blob) add(data []byte) int {
	off := len(b.buf)
	b.buf = append(b.buf, data...)
	b.buf = append(b.buf, make([]byte, align8(len(b.buf))-len(b.buf))...)
	if len(b.buf) > maxBlobOffset && b.err == nil {
		b.err = fmt.Errorf("data blob exceeds %d bytes: %w", maxBlobOffset, ErrTooLarge)
	}
	return off
}

// reserve appends n zero bytes (8-byte aligned) and returns their offset.
func (b *blob) reserve(n int) int { return b.add(make([]byte, n)) }

// addString appends s with its terminating NUL; it returns the offset and
// the size including the NUL.
func (b *blob) addString(s string) (off, size int) {
	return b.add(append([]byte(s), 0)), len(s) + 1
}

// addAttr appends the first size bytes of an attribute struct.
func addAttr[T any](b *blob, attr *T, size int) int {
	return b.add(sys.AttrBytes(attr)[:size])
}
