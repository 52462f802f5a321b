// Package sysfile reads whole files with plain system calls. os.Open and
// os.ReadFile set up the Go run-time's poller on the first file they open
// (an epoll instance, an event fd, their registration, and fcntl calls on
// every file), which regular files, sysfs and procfs files never need:
// for a short-lived loader that is a good part of its system calls. It
// depends on the standard library only.
package sysfile

import (
	"os"
	"syscall"
)

// Read returns the contents of the file at path, read with open, fstat
// and read: one read when the file's size is known (and one more to see
// its end), more for files that report no size (procfs) or grew. Errors
// are *os.PathError, as os.ReadFile's.
func Read(path string) ([]byte, error) {
	fd, err := open(path)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	size := 4096
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) == nil && st.Size > 0 && st.Size < 1<<30 {
		size = int(st.Size) + 1 // one more byte to see the end in one read
	}
	return readAll(fd, path, make([]byte, 0, size))
}

// Map returns the contents of the file at path mapped read-only
// (MAP_PRIVATE), or read as Read does where the file cannot be mapped or
// reports no size. A mapping is never unmapped: the caller may keep
// pointers into it for the life of the process, so Map is for files read
// once per process (kernel BTF), not for files a long-running program
// reads again and again.
func Map(path string) ([]byte, error) {
	fd, err := open(path)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Size > 0 && st.Size < 1<<31 {
		if raw, err := syscall.Mmap(fd, 0, int(st.Size), syscall.PROT_READ, syscall.MAP_PRIVATE); err == nil {
			return raw, nil
		}
	}
	// Sysfs files report their size; read a bit more to see the end.
	return readAll(fd, path, make([]byte, 0, max(st.Size, 4096)+1))
}

// open opens path read-only, retrying on EINTR.
func open(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return fd, nil
	}
}

// readAll reads fd to its end into buf, growing it as needed.
func readAll(fd int, path string, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grows by half or more
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}
