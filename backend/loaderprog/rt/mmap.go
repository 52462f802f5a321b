// This file maps global-data maps (BPF_F_MMAPABLE arrays) into memory.

package rt

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Mmap maps the value of the single-entry mmapable ARRAY map fd: size
// bytes (the map's value size), shared with the kernel. A readonly
// mapping is needed for frozen maps such as .rodata, whose writable
// mapping the kernel refuses. Release the memory with Munmap.
func Mmap(fd int, size int, readonly bool) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("mmap map fd %d: size %d", fd, size)
	}
	prot := unix.PROT_READ
	if !readonly {
		prot |= unix.PROT_WRITE
	}
	mem, err := unix.Mmap(fd, 0, size, prot, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap map fd %d (%d bytes): %w", fd, size, err)
	}
	return mem, nil
}

// Munmap releases memory returned by Mmap.
func Munmap(mem []byte) error {
	if mem == nil {
		return nil
	}
	return unix.Munmap(mem)
}
