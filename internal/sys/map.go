// This file wraps the map commands: create, element access, freeze.

package sys

import "unsafe"

// MapCreate creates a map and returns its fd.
func MapCreate(attr *MapCreateAttr) (*FD, error) {
	return bpfFD(CmdMapCreate, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
}

// mapElem runs one BPF_MAP_*_ELEM command on fd.
func mapElem(cmd Cmd, fd *FD, key, value []byte, flags uint64) error {
	if err := checkFD(fd); err != nil {
		return cmdErr(cmd, err)
	}
	attr := MapElemAttr{
		MapFd: fd.Uint(),
		Key:   NewSlicePointer(key),
		Value: NewSlicePointer(value),
		Flags: flags,
	}
	return bpfNoFD(cmd, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// MapUpdateElem sets key to value. key must be key_size bytes (nil for
// maps without keys, such as queues) and value value_size bytes (times the
// number of possible CPUs, rounded to 8, for per-CPU maps): the kernel reads
// exactly that many. flags is UpdateAny, UpdateNoExist or UpdateExist,
// optionally with UpdateLock.
func MapUpdateElem(fd *FD, key, value []byte, flags uint64) error {
	return mapElem(CmdMapUpdateElem, fd, key, value, flags)
}

// MapLookupElem reads the value of key into value, which must be at least
// as large as the map's value (see MapUpdateElem): the kernel writes that
// many bytes. A missing key gives an error that Is unix.ENOENT.
func MapLookupElem(fd *FD, key, value []byte) error {
	return mapElem(CmdMapLookupElem, fd, key, value, 0)
}

// MapLookupAndDeleteElem reads and removes key (or pops a queue or stack
// when key is nil).
func MapLookupAndDeleteElem(fd *FD, key, value []byte) error {
	return mapElem(CmdMapLookupAndDeleteElem, fd, key, value, 0)
}

// MapDeleteElem removes key.
func MapDeleteElem(fd *FD, key []byte) error {
	return mapElem(CmdMapDeleteElem, fd, key, nil, 0)
}

// MapGetNextKey writes the key following key into nextKey (key_size bytes).
// A nil key starts at the first key; the end gives an error that Is
// unix.ENOENT.
func MapGetNextKey(fd *FD, key, nextKey []byte) error {
	return mapElem(CmdMapGetNextKey, fd, key, nextKey, 0)
}

// MapFreeze makes the map read-only for user space (BPF_MAP_FREEZE).
func MapFreeze(fd *FD) error {
	return mapElem(CmdMapFreeze, fd, nil, nil, 0)
}
