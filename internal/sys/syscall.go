// This file holds the one raw entry point into bpf(2) and the error
// wrapping every command shares.

package sys

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// AttrSize is sizeof(union bpf_attr) in the Linux 6.18 uapi.
const AttrSize = 168

// String returns the uapi name of the command, e.g. "BPF_MAP_CREATE".
func (c Cmd) String() string {
	if c >= 0 && int(c) < len(cmdNames) && cmdNames[c] != "" {
		return cmdNames[c]
	}
	return "BPF_CMD(" + strconv.Itoa(int(c)) + ")"
}

// BPF calls bpf(cmd, attr, size) and returns the result. A failure is
// returned as the bare unix.Errno; callers add context. EINTR is retried.
func BPF(cmd Cmd, attr unsafe.Pointer, size uintptr) (int, error) {
	for {
		r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return int(r), errno
		}
		return int(r), nil
	}
}

// cmdErr wraps an errno with the command name.
func cmdErr(cmd Cmd, err error) error {
	return fmt.Errorf("%s: %w", cmd, err)
}

// bpfFD runs a command that returns a new file descriptor.
func bpfFD(cmd Cmd, attr unsafe.Pointer, size uintptr) (*FD, error) {
	r, err := BPF(cmd, attr, size)
	if err != nil {
		return nil, cmdErr(cmd, err)
	}
	fd, err := NewFD(r)
	if err != nil {
		return nil, cmdErr(cmd, err)
	}
	return fd, nil
}

// bpfNoFD runs a command whose only result is success or an errno.
func bpfNoFD(cmd Cmd, attr unsafe.Pointer, size uintptr) error {
	if _, err := BPF(cmd, attr, size); err != nil {
		return cmdErr(cmd, err)
	}
	return nil
}

// checkFD returns ErrClosedFD for a nil or closed FD.
func checkFD(fd *FD) error {
	if fd == nil || fd.raw < 0 {
		return ErrClosedFD
	}
	return nil
}

// Errno returns the errno inside err, if there is one.
func Errno(err error) (unix.Errno, bool) {
	var errno unix.Errno
	ok := errors.As(err, &errno)
	return errno, ok
}
