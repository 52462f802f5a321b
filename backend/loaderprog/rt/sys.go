// This file is the run-time's own tiny bpf(2) layer for loading: attributes
// are encoded into byte arrays at the offsets of the Linux 6.18 union
// bpf_attr. (Attaching goes through package attach.)

package rt

import (
	"encoding/binary"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// bpf commands, program and map types used by the run-time.
const (
	cmdMapCreate      = 0
	cmdMapUpdateElem  = 2
	cmdProgLoad       = 5
	cmdProgTestRun    = 10
	cmdObjGetInfoByFD = 15
	cmdMapFreeze      = 22
	mapTypeArray      = 2
	progTypeSyscall   = 31
	progFlagSleepable = 1 << 4
	attrSize          = 168 // sizeof(union bpf_attr) in 6.18
	hashSize          = 32
	objNameLen        = 16
	loaderMapName     = "__loader.map"
	loaderProgName    = "__loader.prog"
	loaderProgLicense = "Dual BSD/GPL"
)

// Offsets of the fields the run-time sets in union bpf_attr (and struct
// bpf_map_info), and the sizes it passes, as in Linux 6.18. offsets_test.go
// checks them against internal/sys's structs and the kernel's BTF.
const (
	// BPF_MAP_CREATE
	offMapType          = 0
	offMapKeySize       = 4
	offMapValueSize     = 8
	offMapMaxEntries    = 12
	offMapName          = 28
	offMapExclHash      = 80 // excl_prog_hash
	offMapExclHashSize  = 88 // excl_prog_hash_size
	sizeMapCreate       = 96
	sizeMapCreateNoExcl = 80 // up to excl_prog_hash, for kernels before 6.18

	// BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_FREEZE
	offElemMapFD = 0
	offElemKey   = 8
	offElemValue = 16
	sizeMapElem  = 32

	// BPF_OBJ_GET_INFO_BY_FD, and struct bpf_map_info
	offInfoFD          = 0
	offInfoLen         = 4
	offInfo            = 8
	sizeInfoByFD       = 16
	offMapInfoHash     = 88
	offMapInfoHashSize = 96
	mapInfoSize        = 104 // sizeof(struct bpf_map_info)

	// BPF_PROG_LOAD
	offProgType     = 0
	offProgInsnCnt  = 4
	offProgInsns    = 8
	offProgLicense  = 16
	offProgLogLevel = 24
	offProgLogSize  = 28
	offProgLogBuf   = 32
	offProgFlags    = 44
	offProgName     = 48
	offProgFDArray  = 120

	offProgSignature     = 152 // signature
	offProgSignatureSize = 160 // signature_size
	offProgKeyringID     = 164 // keyring_id

	// BPF_PROG_TEST_RUN
	offRunProgFD      = 0
	offRunRetval      = 4
	offRunDataSizeIn  = 8
	offRunDataSizeOut = 12
	offRunDataIn      = 16
	offRunDataOut     = 24
	offRunRepeat      = 32
	offRunCtxSizeIn   = 40
	offRunCtxSizeOut  = 44
	offRunCtxIn       = 48
	offRunCtxOut      = 56
	sizeTestRun       = 80
)

// attr is one union bpf_attr (or info struct) being built.
type attr [attrSize]byte

func (a *attr) u32(off int, v uint32) { binary.NativeEndian.PutUint32(a[off:], v) }
func (a *attr) u64(off int, v uint64) { binary.NativeEndian.PutUint64(a[off:], v) }

// ptr stores the address of buf's first byte at off. The caller keeps buf
// pinned (see pinner) until the syscall returned.
func (a *attr) ptr(off int, buf []byte) {
	if len(buf) == 0 {
		a.u64(off, 0)
		return
	}
	a.u64(off, uint64(uintptr(unsafe.Pointer(&buf[0]))))
}

// name stores a NUL-padded object name (at most 15 bytes) at off.
func (a *attr) name(off int, s string) {
	copy(a[off:off+objNameLen-1], s)
}

// pinner pins every buffer whose address is written into an attribute or
// the loader context, so the garbage collector keeps it in place.
type pinner struct{ p runtime.Pinner }

func (p *pinner) pin(buf []byte) []byte {
	if len(buf) > 0 {
		p.p.Pin(&buf[0])
	}
	return buf
}

func (p *pinner) unpin() { p.p.Unpin() }

// sysBPF calls bpf(cmd, a, size), retrying EINTR, and returns the result
// or the errno. Tests replace it to inject failures.
var sysBPF = bpfSyscall

func bpfSyscall(cmd int, a *attr, size int) (int, error) {
	for {
		r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(unsafe.Pointer(&a[0])), uintptr(size))
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return -1, errno
		}
		return int(r), nil
	}
}

// newFD keeps a descriptor returned by the kernel away from 0, which
// several attribute fields read as "none".
func newFD(raw int) (int, error) {
	if raw != 0 {
		return raw, nil
	}
	dup, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 1)
	unix.Close(0)
	if err != nil {
		return -1, err
	}
	return dup, nil
}

// addr returns the address of buf's first byte (0 for an empty buf). The
// caller keeps buf pinned while the kernel may use the address.
func addr(buf []byte) uint64 {
	if len(buf) == 0 {
		return 0
	}
	return uint64(uintptr(unsafe.Pointer(&buf[0])))
}
