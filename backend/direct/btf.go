// This file loads the object's BTF into the kernel, as it is or, where
// the kernel refuses it, sanitized for the kinds the kernel lacks
// (compat.go). If the kernel still refuses it, maps and programs are
// loaded without BTF (as libbpf does) and the collection records a
// warning.

package direct

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
)

// loadBTF marshals obj.BTF and loads it with BPF_BTF_LOAD.
func (l *loader) loadBTF() error {
	if l.obj.BTF == nil || l.opts.NoBTF {
		return nil
	}
	raw, err := l.obj.BTF.Marshal(binary.LittleEndian)
	if err != nil {
		return &LoadError{Object: l.obj.Name, Err: fmt.Errorf("encode BTF: %w", err)}
	}
	// As it is first: a kernel that takes it knows every kind it uses,
	// and nothing is probed. A refusal probes for the kinds it uses.
	if fd, err := sys.BtfLoadOnce(raw); err == nil {
		l.btfFD = fd
		return nil
	}
	sanitized, changed, err := l.sanitizeBTF(raw)
	if err != nil {
		return &LoadError{Object: l.obj.Name, Err: fmt.Errorf("sanitize BTF: %w", err)}
	}
	opts := sys.LogOptions{Size: l.opts.LogSize}
	if !changed {
		opts.Level = 1 // refused as it is: load again for the log
	}
	fd, log, err := sys.BtfLoadWithLog(sanitized, opts)
	if err != nil {
		l.warnf("kernel refused the object's BTF, loading without it: %v%s", err, logSuffix(log))
		return nil
	}
	l.btfFD = fd
	return nil
}

// logSuffix formats a BTF log for a warning.
func logSuffix(log string) string {
	if log == "" {
		return ""
	}
	return "\n" + log
}

// openModuleBTF returns an fd of the kernel BTF object of module name,
// found by walking the kernel's BTF ids.
func openModuleBTF(name string) (*sys.FD, error) {
	var id uint32
	for {
		next, err := sys.BtfGetNextID(id)
		if err != nil {
			if errors.Is(err, unix.ENOENT) {
				return nil, fmt.Errorf("no kernel BTF for module %q: %w", name, ErrNotSupported)
			}
			return nil, err
		}
		id = next
		fd, err := sys.BtfGetFDByID(id)
		if err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // unloaded meanwhile
			}
			return nil, err
		}
		info, err := sys.BtfInfoByFD(fd)
		if err == nil && info.KernelBTF && info.Name == name {
			return fd, nil
		}
		fd.Close()
		if err != nil {
			return nil, err
		}
	}
}
