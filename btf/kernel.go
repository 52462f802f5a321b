// This file loads BTF from the running kernel (vmlinux, modules) and from
// target BTF files given on the command line.

package btf

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

const sysfsBTF = "/sys/kernel/btf"

var kernel struct {
	once sync.Once
	data *data
	err  error
}

// LoadKernel returns the running kernel's BTF, from /sys/kernel/btf/vmlinux
// (or, without it, a vmlinux ELF in the usual places). It is read and
// parsed at most once per process; each call returns a new view (Spec) of
// that shared data, so Set and Add on one caller's Spec do not leak to
// another's. The sysfs file is mapped read-only when the kernel allows it
// (Linux 6.16 and later) and read into memory otherwise; either way it is
// kept for the life of the process.
func LoadKernel() (*Spec, error) {
	kernel.once.Do(func() {
		kernel.data, kernel.err = loadKernel()
	})
	if kernel.err != nil {
		return nil, kernel.err
	}
	return &Spec{data: kernel.data}, nil
}

func loadKernel() (*data, error) {
	raw, err := readKernelFile(filepath.Join(sysfsBTF, "vmlinux"))
	if err == nil {
		d, err := parse(raw, nil)
		if err != nil {
			return nil, fmt.Errorf("btf: vmlinux: %w", err)
		}
		return d, nil
	}
	if !os.IsNotExist(err) {
		return nil, fmt.Errorf("btf: vmlinux: %w", err)
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return nil, fmt.Errorf("btf: uname: %w", err)
	}
	release := unix.ByteSliceToString(uts.Release[:])
	for _, p := range []string{
		"/boot/vmlinux-%s",
		"/lib/modules/%s/vmlinux-%[1]s",
		"/lib/modules/%s/build/vmlinux",
		"/usr/lib/modules/%s/kernel/vmlinux",
		"/usr/lib/debug/boot/vmlinux-%s",
		"/usr/lib/debug/boot/vmlinux-%s.debug",
		"/usr/lib/debug/lib/modules/%s/vmlinux",
	} {
		path := fmt.Sprintf(p, release)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		spec, err := LoadSpecFromELF(path)
		if err != nil {
			return nil, err
		}
		return spec.data, nil
	}
	return nil, fmt.Errorf("btf: no kernel BTF (no %s/vmlinux, no vmlinux for %s): %w", sysfsBTF, release, ErrNotFound)
}

// readKernelFile maps a read-only sysfs BTF file, or reads it if mapping is
// not supported. Mappings are never unmapped: strings handed out point
// into them. It uses plain system calls: os.Open would set up the
// runtime's poller, which a sysfs file never needs.
func readKernelFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	if size := st.Size; size > 0 && size < 1<<31 {
		if raw, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ, unix.MAP_PRIVATE); err == nil {
			return raw, nil
		}
	}
	// Sysfs files report their size; read a bit more to see the end.
	buf := make([]byte, 0, max(st.Size, 4096)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
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

// LoadKernelModule returns the split BTF of kernel module name, from
// /sys/kernel/btf/<name>, on top of base (LoadKernel's Spec if base is nil).
func LoadKernelModule(name string, base *Spec) (*Spec, error) {
	if name == "" || name == "vmlinux" || filepath.Base(name) != name {
		return nil, fmt.Errorf("btf: invalid module name %q: %w", name, ErrInvalid)
	}
	if base == nil {
		var err error
		if base, err = LoadKernel(); err != nil {
			return nil, err
		}
	}
	raw, err := readKernelFile(filepath.Join(sysfsBTF, name))
	if err != nil {
		return nil, fmt.Errorf("btf: module %s: %w", name, err)
	}
	spec, err := ParseSplit(raw, base)
	if err != nil {
		return nil, fmt.Errorf("btf: module %s: %w", name, err)
	}
	return spec, nil
}

// LoadTarget loads target BTF for CO-RE from a file: raw BTF (by its magic
// number, either byte order) or an ELF file with a .BTF section.
func LoadTarget(path string) (*Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("btf: %w", err)
	}
	switch {
	case len(raw) >= 2 && (raw[0] == 0x9f && raw[1] == 0xeb || raw[0] == 0xeb && raw[1] == 0x9f):
		spec, err := Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return spec, nil
	case bytes.HasPrefix(raw, []byte("\x7fELF")):
		spec, err := ParseELF(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return spec, nil
	}
	return nil, fmt.Errorf("btf: %s: neither raw BTF nor ELF: %w", path, ErrInvalid)
}
