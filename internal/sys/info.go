// This file wraps BPF_OBJ_GET_INFO_BY_FD for programs, maps and BTF
// objects, including the 6.18 map hash.

package sys

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/uapi"
)

// ObjGetInfoByFD fills the info struct at info (size bytes, one of the
// *InfoRaw types) for fd and returns how many bytes the kernel wrote.
func ObjGetInfoByFD(fd *FD, info unsafe.Pointer, size uint32) (uint32, error) {
	if err := checkFD(fd); err != nil {
		return 0, cmdErr(CmdObjGetInfoByFD, err)
	}
	attr := InfoByFDAttr{BpfFd: fd.Uint(), InfoLen: size, Info: NewPointer(info)}
	if err := bpfNoFD(CmdObjGetInfoByFD, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err != nil {
		return 0, err
	}
	return attr.InfoLen, nil
}

// ObjID returns the kernel id of the program or map fd with the smallest
// OBJ_GET_INFO_BY_FD the kernel accepts: the first two fields of
// bpf_prog_info and bpf_map_info are both {u32 type; u32 id}. It is what a
// loader needs after each load, without copying translated instructions.
func ObjID(fd *FD) (uint32, error) {
	var head struct{ Type, ID uint32 }
	if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&head), uint32(unsafe.Sizeof(head))); err != nil {
		return 0, fmt.Errorf("object id: %w", err)
	}
	return head.ID, nil
}

// ProgInfo is what the kernel tells about a loaded program.
type ProgInfo struct {
	Type            uapi.ProgType
	ID              uint32
	Tag             [TagSize]byte // first 8 bytes of the program's sha256 digest
	Name            string
	JitedProgLen    uint32
	XlatedProgLen   uint32
	XlatedInsns     []byte        // translated instructions (nil if hidden from this process)
	MapIDs          []uint32      // maps the program uses
	LoadTime        time.Duration // since boot
	CreatedByUID    uint32
	GPLCompatible   bool
	Ifindex         uint32
	BTFID           uint32
	FuncInfoRecSize uint32
	NrFuncInfo      uint32
	LineInfoRecSize uint32
	NrLineInfo      uint32
	VerifiedInsns   uint32
	AttachBTFObjID  uint32
	AttachBTFID     uint32
	RunTimeNs       uint64
	RunCnt          uint64
	RecursionMisses uint64
}

// ProgInfoByFD returns information about the program fd, with its
// translated instructions and map ids (fetched in a second call).
func ProgInfoByFD(fd *FD) (*ProgInfo, error) {
	var raw ProgInfoRaw
	if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&raw), uint32(unsafe.Sizeof(raw))); err != nil {
		return nil, fmt.Errorf("program info: %w", err)
	}
	var insns []byte
	var mapIDs []uint32
	if raw.XlatedProgLen > 0 || raw.NrMapIds > 0 {
		var second ProgInfoRaw
		if raw.XlatedProgLen > 0 {
			insns = make([]byte, raw.XlatedProgLen)
			second.XlatedProgLen = raw.XlatedProgLen
			second.XlatedProgInsns = NewSlicePointer(insns)
		}
		if raw.NrMapIds > 0 {
			mapIDs = make([]uint32, raw.NrMapIds)
			second.NrMapIds = raw.NrMapIds
			second.MapIds = NewPointer(unsafe.Pointer(&mapIDs[0]))
		}
		if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&second), uint32(unsafe.Sizeof(second))); err != nil {
			return nil, fmt.Errorf("program info: instructions and maps: %w", err)
		}
		if insns != nil {
			insns = insns[:min(int(second.XlatedProgLen), len(insns))]
		}
		if mapIDs != nil {
			mapIDs = mapIDs[:min(int(second.NrMapIds), len(mapIDs))]
		}
	}
	return &ProgInfo{
		Type:            raw.Type,
		ID:              raw.Id,
		Tag:             raw.Tag,
		Name:            raw.Name.String(),
		JitedProgLen:    raw.JitedProgLen,
		XlatedProgLen:   raw.XlatedProgLen,
		XlatedInsns:     insns,
		MapIDs:          mapIDs,
		LoadTime:        time.Duration(raw.LoadTime),
		CreatedByUID:    raw.CreatedByUid,
		GPLCompatible:   raw.GplCompatible&1 != 0,
		Ifindex:         raw.Ifindex,
		BTFID:           raw.BtfId,
		FuncInfoRecSize: raw.FuncInfoRecSize,
		NrFuncInfo:      raw.NrFuncInfo,
		LineInfoRecSize: raw.LineInfoRecSize,
		NrLineInfo:      raw.NrLineInfo,
		VerifiedInsns:   raw.VerifiedInsns,
		AttachBTFObjID:  raw.AttachBtfObjId,
		AttachBTFID:     raw.AttachBtfId,
		RunTimeNs:       raw.RunTimeNs,
		RunCnt:          raw.RunCnt,
		RecursionMisses: raw.RecursionMisses,
	}, nil
}

// MapInfo is what the kernel tells about a map.
type MapInfo struct {
	Type                  uapi.MapType
	ID                    uint32
	KeySize               uint32
	ValueSize             uint32
	MaxEntries            uint32
	MapFlags              uapi.MapFlags
	Name                  string
	Ifindex               uint32
	BTFID                 uint32
	BTFKeyTypeID          uint32
	BTFValueTypeID        uint32
	BTFVmlinuxValueTypeID uint32
	BTFVmlinuxID          uint32
	MapExtra              uint64
}

// MapInfoByFD returns information about the map fd.
func MapInfoByFD(fd *FD) (*MapInfo, error) {
	var raw MapInfoRaw
	if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&raw), uint32(unsafe.Sizeof(raw))); err != nil {
		return nil, fmt.Errorf("map info: %w", err)
	}
	return &MapInfo{
		Type:                  raw.Type,
		ID:                    raw.Id,
		KeySize:               raw.KeySize,
		ValueSize:             raw.ValueSize,
		MaxEntries:            raw.MaxEntries,
		MapFlags:              raw.MapFlags,
		Name:                  raw.Name.String(),
		Ifindex:               raw.Ifindex,
		BTFID:                 raw.BtfId,
		BTFKeyTypeID:          raw.BtfKeyTypeId,
		BTFValueTypeID:        raw.BtfValueTypeId,
		BTFVmlinuxValueTypeID: raw.BtfVmlinuxValueTypeId,
		BTFVmlinuxID:          raw.BtfVmlinuxId,
		MapExtra:              raw.MapExtra,
	}, nil
}

// MapHash returns the sha256 of a frozen map's contents, as Linux 6.18
// computes it for bpf_map_info.hash (array maps only): the hash covers the
// array's storage, max_entries values each padded with zeros to a multiple
// of 8 bytes. For a map that is not frozen the error Is unix.EPERM.
func MapHash(fd *FD) ([HashSize]byte, error) {
	var hash [HashSize]byte
	raw := MapInfoRaw{Hash: NewPointer(unsafe.Pointer(&hash[0])), HashSize: HashSize}
	if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&raw), uint32(unsafe.Sizeof(raw))); err != nil {
		return hash, fmt.Errorf("map hash: %w", err)
	}
	return hash, nil
}

// BtfInfo is what the kernel tells about a BTF object.
type BtfInfo struct {
	ID        uint32
	Size      uint32 // size of the raw BTF in bytes
	Name      string // "vmlinux", a module name, or empty for user BTF
	KernelBTF bool
}

// btfNameLen is large enough for "vmlinux" and any module name.
const btfNameLen = 64

// BtfInfoByFD returns information about the BTF object fd.
func BtfInfoByFD(fd *FD) (*BtfInfo, error) {
	name := make([]byte, btfNameLen)
	raw := BtfInfoRaw{NameLen: btfNameLen, Name: NewSlicePointer(name)}
	_, err := ObjGetInfoByFD(fd, unsafe.Pointer(&raw), uint32(unsafe.Sizeof(raw)))
	if errors.Is(err, unix.E2BIG) {
		// Before 5.11 bpf_btf_info ends before name: ask without it
		// (such kernels have no named, module or vmlinux BTF objects).
		raw = BtfInfoRaw{}
		_, err = ObjGetInfoByFD(fd, unsafe.Pointer(&raw), uint32(unsafe.Offsetof(raw.Name)))
	}
	if err != nil {
		return nil, fmt.Errorf("btf info: %w", err)
	}
	return &BtfInfo{
		ID:        raw.Id,
		Size:      raw.BtfSize,
		Name:      cString(name),
		KernelBTF: raw.KernelBtf != 0,
	}, nil
}

// BtfDataByFD returns the raw BTF of the object fd as the kernel holds it.
func BtfDataByFD(fd *FD) ([]byte, error) {
	var raw BtfInfoRaw
	if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&raw), uint32(unsafe.Sizeof(raw))); err != nil {
		return nil, fmt.Errorf("btf data: %w", err)
	}
	data := make([]byte, raw.BtfSize)
	second := BtfInfoRaw{BtfSize: raw.BtfSize, Btf: NewSlicePointer(data)}
	if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&second), uint32(unsafe.Sizeof(second))); err != nil {
		return nil, fmt.Errorf("btf data: %w", err)
	}
	return data[:min(int(second.BtfSize), len(data))], nil
}
