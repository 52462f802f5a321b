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

	"github.com/bpfc/bpfc/internal/sysfile"
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
	raw, err := sysfile.Map(filepath.Join(sysfsBTF, "vmlinux"))
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
	raw, err := sysfile.Map(filepath.Join(sysfsBTF, name))
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
	raw, err := sysfile.Read(path)
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
