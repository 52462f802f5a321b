// This file defines FD, the owner of one kernel file descriptor.

package sys

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrClosedFD is returned when a closed *FD is used.
var ErrClosedFD = errors.New("use of closed file descriptor")

// FD owns a kernel file descriptor (a map, program, BTF object or link).
// Close it explicitly; no finalizer does it. Close is idempotent. An FD
// is not safe for concurrent Close and use.
type FD struct {
	raw int
}

// NewFD takes ownership of raw. A raw value of 0 is moved to a higher
// descriptor first, because several bpf_attr fields treat fd 0 as "none".
func NewFD(raw int) (*FD, error) {
	if raw < 0 {
		return nil, fmt.Errorf("invalid file descriptor %d", raw)
	}
	if raw == 0 {
		dup, err := unix.FcntlInt(uintptr(raw), unix.F_DUPFD_CLOEXEC, 1)
		unix.Close(raw)
		if err != nil {
			return nil, fmt.Errorf("move fd 0 away: %w", err)
		}
		raw = dup
	}
	return &FD{raw: raw}, nil
}

// Int returns the descriptor number, or -1 if fd is closed or nil.
func (fd *FD) Int() int {
	if fd == nil {
		return -1
	}
	return fd.raw
}

// Uint returns the descriptor number as the uint32 that bpf_attr fields
// use; 0 (meaning "none" to the kernel) if fd is closed or nil.
func (fd *FD) Uint() uint32 {
	if fd == nil || fd.raw < 0 {
		return 0
	}
	return uint32(fd.raw)
}

// String returns "fd N" or "fd closed".
func (fd *FD) String() string {
	if fd == nil || fd.raw < 0 {
		return "fd closed"
	}
	return "fd " + strconv.Itoa(fd.raw)
}

// Close closes the descriptor. Calling it again (or on nil) does nothing.
func (fd *FD) Close() error {
	if fd == nil || fd.raw < 0 {
		return nil
	}
	raw := fd.raw
	fd.raw = -1
	if err := unix.Close(raw); err != nil {
		return fmt.Errorf("close fd %d: %w", raw, err)
	}
	return nil
}

// Dup returns a new FD for the same kernel object, with close-on-exec set.
func (fd *FD) Dup() (*FD, error) {
	if fd == nil || fd.raw < 0 {
		return nil, ErrClosedFD
	}
	dup, err := unix.FcntlInt(uintptr(fd.raw), unix.F_DUPFD_CLOEXEC, 1)
	if err != nil {
		return nil, fmt.Errorf("dup fd %d: %w", fd.raw, err)
	}
	return &FD{raw: dup}, nil
}

// Disown gives up ownership and returns the raw descriptor; fd is closed
// afterwards as far as this package is concerned, but the kernel descriptor
// stays open.
func (fd *FD) Disown() int {
	if fd == nil {
		return -1
	}
	raw := fd.raw
	fd.raw = -1
	return raw
}
