// Package sysfile reads whole files with plain system calls. os.Open and
// os.ReadFile set up the Go run-time's poller on the first file they open
// (an epoll instance, an event fd, their registration, and fcntl calls on
// every file), which regular files, sysfs and procfs files never need:
// for a short-lived loader that is a good part of its system calls. It
// depends on the standard library only.
package sysfile

import (
	"io"
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

// File is a file opened read-only for reads at offsets (pread), with
// plain system calls: an io.ReaderAt with a Size, for a reader that wants
// a few parts of a large file (an object's code and BTF without its
// DWARF) instead of all of it.
type File struct {
	fd   int
	path string
	size int64
}

// Open opens the file at path for ReadAt. Its size is taken once, at
// open; a file that reports none (procfs, sysfs) has Size -1. Errors are
// *os.PathError.
func Open(path string) (*File, error) {
	fd, err := open(path)
	if err != nil {
		return nil, err
	}
	size := int64(-1)
	var st syscall.Stat_t
	if syscall.Fstat(fd, &st) == nil && st.Size > 0 && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		// Only a regular file's size is its length (sysfs reports a
		// page, a pipe what it holds).
		size = st.Size
	}
	return &File{fd: fd, path: path, size: size}, nil
}

// Size is the file's size when it was opened, or -1 if it reports none.
func (f *File) Size() int64 { return f.size }

// ReadAt reads len(p) bytes at off, as io.ReaderAt: fewer only at the
// end of the file (with io.EOF) or on an error (an *os.PathError).
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &os.PathError{Op: "read", Path: f.path, Err: syscall.EINVAL}
	}
	n := 0
	for n < len(p) {
		k, err := syscall.Pread(f.fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "read", Path: f.path, Err: err}
		}
		if k == 0 {
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}

// ReadAll reads the whole file from its start with read(2), as Read
// does: it also reads what has no size and cannot be read at offsets (a
// pipe, procfs). Call it once, before any other read of the file.
func (f *File) ReadAll() ([]byte, error) {
	size := 4096
	if f.size > 0 && f.size < 1<<30 {
		size = int(f.size) + 1 // one more byte to see the end in one read
	}
	return readAll(f.fd, f.path, make([]byte, 0, size))
}

// Close closes the file.
func (f *File) Close() error {
	if f.fd < 0 {
		return nil
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil {
		return &os.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
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
