// This file wraps the object commands: pinning to bpffs and getting fds
// by path, by id, and iterating ids.

package sys

import (
	"fmt"
	"unsafe"
)

// ObjPin pins the object behind fd at path, which must lie on a bpffs.
func ObjPin(fd *FD, path string) error {
	if err := checkFD(fd); err != nil {
		return fmt.Errorf("%s %s: %w", CmdObjPin, path, err)
	}
	attr := ObjPinAttr{Pathname: NewStringPointer(path), BpfFd: fd.Uint()}
	if _, err := BPF(CmdObjPin, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err != nil {
		return fmt.Errorf("%s %s: %w", CmdObjPin, path, err)
	}
	return nil
}

// ObjGet opens the object pinned at path.
func ObjGet(path string) (*FD, error) {
	attr := ObjPinAttr{Pathname: NewStringPointer(path)}
	fd, err := bpfFD(CmdObjGet, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fd, nil
}

// getFDByID runs one of the BPF_*_GET_FD_BY_ID commands.
func getFDByID(cmd Cmd, id uint32) (*FD, error) {
	attr := GetIDAttr{ID: id}
	fd, err := bpfFD(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil {
		return nil, fmt.Errorf("id %d: %w", id, err)
	}
	return fd, nil
}

// ProgGetFDByID opens the program with the given id.
func ProgGetFDByID(id uint32) (*FD, error) { return getFDByID(CmdProgGetFDByID, id) }

// MapGetFDByID opens the map with the given id.
func MapGetFDByID(id uint32) (*FD, error) { return getFDByID(CmdMapGetFDByID, id) }

// BtfGetFDByID opens the BTF object with the given id.
func BtfGetFDByID(id uint32) (*FD, error) { return getFDByID(CmdBTFGetFDByID, id) }

// getNextID runs one of the BPF_*_GET_NEXT_ID commands.
func getNextID(cmd Cmd, start uint32) (uint32, error) {
	attr := GetIDAttr{ID: start}
	if err := bpfNoFD(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); err != nil {
		return 0, err
	}
	return attr.NextId, nil
}

// ProgGetNextID returns the smallest program id above start; after the
// last one the error Is unix.ENOENT.
func ProgGetNextID(start uint32) (uint32, error) { return getNextID(CmdProgGetNextID, start) }

// MapGetNextID returns the smallest map id above start; after the last one
// the error Is unix.ENOENT.
func MapGetNextID(start uint32) (uint32, error) { return getNextID(CmdMapGetNextID, start) }

// BtfGetNextID returns the smallest BTF id above start; after the last one
// the error Is unix.ENOENT.
func BtfGetNextID(start uint32) (uint32, error) { return getNextID(CmdBTFGetNextID, start) }
