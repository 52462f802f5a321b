// Package direct is bpfc's direct backend: it performs the bpf() system
// calls itself (BTF_LOAD, MAP_CREATE, MAP_UPDATE_ELEM, MAP_FREEZE,
// PROG_LOAD) for an IR object that has been through every pass, and
// returns a Collection of file descriptors. On any failure every
// descriptor created so far is closed and every pin created is removed.
// A Collection can also adopt what a loader program created (Adopt), so
// that both backends' results are used and pinned the same way. The
// backend depends on the IR, BTF and the kernel's facts, never on the
// passes or the loader backend.
//
// This file holds Load, the Collection it returns and the loader state
// that tracks what a Load created.
package direct

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/target"
	"github.com/bpfc/bpfc/uapi"
)

// Options tune Load.
type Options struct {
	// PinPath is the directory (on a bpffs) of maps pinned by name
	// (LIBBPF_PIN_BY_NAME); empty means DefaultPinPath.
	PinPath string
	// LogLevel is the verifier log level of every program load (0: a log
	// is only asked for when a load fails). With LogLevel > 0 each
	// Program's VerifierLog holds its log.
	LogLevel uint32
	// LogSize is the initial verifier log buffer size (0: the sys
	// package's default); it grows on ENOSPC.
	LogSize uint32
	// FullLog makes a LoadError print the whole verifier log instead of
	// its last lines.
	FullLog bool
	// NoBTF loads maps and programs without the object's BTF, as happens
	// when the kernel rejects it.
	NoBTF bool
}

// Collection is what Load created: maps and programs by name. Close it.
type Collection struct {
	// Object is the object's name.
	Object string
	// Maps and Programs by their names in the object.
	Maps     map[string]*Map
	Programs map[string]*Program
	// MapOrder and ProgramOrder list the names in creation order.
	MapOrder, ProgramOrder []string
	// Warnings note what was loaded differently than asked (e.g. without
	// BTF because the kernel refused it).
	Warnings []string

	btf  *sys.FD      // the object's BTF in the kernel (nil: none loaded)
	pins []string     // made by Pin
	usdt *attach.USDT // USDT attachment state, made on first use
}

// BTFFD returns the file descriptor of the object's BTF in the kernel, -1
// when the object has none or it was not loaded. The Collection owns it.
func (c *Collection) BTFFD() int { return c.btf.Int() }

// Close closes every map, program and BTF fd of the collection. Pins stay.
func (c *Collection) Close() error {
	if c == nil {
		return nil
	}
	var errs []error // only the failures: a clean close allocates nothing
	for _, name := range c.ProgramOrder {
		if err := c.Programs[name].Close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, name := range c.MapOrder {
		if err := c.Maps[name].Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.btf.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// loader is the state of one Load call: what it has created so far.
type loader struct {
	obj  *ir.Object
	opts *Options
	coll *Collection

	btfFD   *sys.FD
	modFDs  map[string]*sys.FD // module BTF fds by module name
	fdArray []int32            // map fds in obj.Maps order, then module BTF fds: the PROG_LOAD fd_array
	newPins []string           // pins created by this call, removed on failure
	// kernelIDs are attach targets' vmlinux BTF ids the kernel found
	// (resolveAttachTargets).
	kernelIDs map[target.NameKind]btf.TypeID
}

// Load creates the maps and loads the programs of obj, which must have gone
// through every pass. The returned Collection owns every fd; on error
// nothing stays open and no pin created by this call remains.
func Load(obj *ir.Object, opts *Options) (_ *Collection, err error) {
	if obj == nil {
		return nil, fmt.Errorf("%w: nil object", ErrInvalidObject)
	}
	if opts == nil {
		opts = &Options{}
	}
	l := &loader{
		obj:  obj,
		opts: opts,
		coll: &Collection{Object: obj.Name, Maps: map[string]*Map{}, Programs: map[string]*Program{}},
	}
	defer func() {
		if err != nil {
			l.cleanup()
		}
	}()
	if obj.ByteOrder != nil && obj.ByteOrder.Uint16([]byte{1, 0}) != 1 {
		return nil, &LoadError{Object: obj.Name, Err: fmt.Errorf("%w: big-endian object on a little-endian kernel", ErrNotSupported)}
	}
	if err := l.loadBTF(); err != nil {
		return nil, err
	}
	if err := l.loadMaps(); err != nil {
		return nil, err
	}
	if err := l.buildFDArray(); err != nil {
		return nil, err
	}
	if err := l.fillMapSlots(false); err != nil {
		return nil, err
	}
	l.resolveAttachTargets(target.Running())
	if err := l.loadPrograms(); err != nil {
		return nil, err
	}
	if err := l.fillMapSlots(true); err != nil {
		return nil, err
	}
	if err := l.fillStructOps(); err != nil {
		return nil, err
	}
	l.closeModules()
	l.coll.btf = l.btfFD
	return l.coll, nil
}

// cleanup closes everything created so far and removes new pins.
func (l *loader) cleanup() {
	for _, p := range l.newPins {
		os.Remove(p)
	}
	l.coll.Close()
	l.btfFD.Close()
	l.closeModules()
}

// closeModules closes the module BTF fds, needed only while loading.
func (l *loader) closeModules() {
	for _, fd := range l.modFDs {
		fd.Close()
	}
	l.modFDs = nil
}

// moduleBTF returns an fd of the BTF of kernel module name, opened once
// per Load and closed when it ends.
func (l *loader) moduleBTF(name string) (*sys.FD, error) {
	if fd, ok := l.modFDs[name]; ok {
		return fd, nil
	}
	fd, err := openModuleBTF(name)
	if err != nil {
		return nil, err
	}
	if l.modFDs == nil {
		l.modFDs = map[string]*sys.FD{}
	}
	l.modFDs[name] = fd
	return fd, nil
}

// warnf records a warning on the collection.
func (l *loader) warnf(format string, args ...any) {
	l.coll.Warnings = append(l.coll.Warnings, fmt.Sprintf(format, args...))
}

// pinRoot returns the directory of maps pinned by name.
func (l *loader) pinRoot() string {
	if l.opts.PinPath != "" {
		return l.opts.PinPath
	}
	return DefaultPinPath
}

// addMap records a created map.
func (l *loader) addMap(m *Map) {
	l.coll.Maps[m.Name] = m
	l.coll.MapOrder = append(l.coll.MapOrder, m.Name)
}

// addProgram records a loaded program.
func (l *loader) addProgram(p *Program) {
	l.coll.Programs[p.Name] = p
	l.coll.ProgramOrder = append(l.coll.ProgramOrder, p.Name)
}

// buildFDArray builds the PROG_LOAD fd_array: the map fds in obj.Maps
// order (the maps pass's BPF_PSEUDO_MAP_IDX indices), then the BTF fds of
// the kernel modules of obj.ModuleSlots (kfunc call offsets).
func (l *loader) buildFDArray() error {
	n := len(l.obj.Maps)
	if len(l.obj.ModuleSlots) > 0 {
		n = l.obj.ModuleSlot(len(l.obj.ModuleSlots)-1) + 1
	}
	l.fdArray = make([]int32, n)
	for i, m := range l.obj.Maps {
		l.fdArray[i] = -1 // a map not created: no program may use it
		if cm, ok := l.coll.Maps[m.Name]; ok {
			l.fdArray[i] = int32(cm.fd.Int())
		}
	}
	for i, mod := range l.obj.ModuleSlots {
		fd, err := l.moduleBTF(mod)
		if err != nil {
			return &LoadError{Object: l.obj.Name, Err: fmt.Errorf("kfunc module %s: %w", mod, err)}
		}
		l.fdArray[l.obj.ModuleSlot(i)] = int32(fd.Int())
	}
	return nil
}

// kallsyms looks up a kernel symbol's address in the running kernel (read
// once per process, shared with the passes' target).
func (l *loader) kallsyms(name string) (uint64, bool, error) {
	return target.Running().Kallsyms(name)
}

// fillMapSlots writes the initial entries (ir.Map.Slots) of maps of maps
// (progs false) or of program arrays (progs true). Maps reused from a pin
// keep their contents, as with libbpf.
func (l *loader) fillMapSlots(progs bool) error {
	for _, def := range l.obj.Maps {
		m, ok := l.coll.Maps[def.Name]
		if !ok || len(def.Slots) == 0 || m.Reused || (m.Type == uapi.MapTypeProgArray) != progs {
			continue
		}
		for _, s := range def.Slots {
			var target *sys.FD
			if progs {
				p, ok := l.coll.Programs[s.Target]
				if !ok {
					if ip := l.obj.Program(s.Target); ip != nil && !ip.Autoload {
						continue // not loaded: leave the slot empty
					}
					return &LoadError{Object: l.obj.Name, Map: def.Name, Err: fmt.Errorf("slot %d: no program %q", s.Index, s.Target)}
				}
				target = p.fd
			} else {
				tm, ok := l.coll.Maps[s.Target]
				if !ok {
					return &LoadError{Object: l.obj.Name, Map: def.Name, Err: fmt.Errorf("slot %d: no map %q", s.Index, s.Target)}
				}
				target = tm.fd
			}
			if m.KeySize != 4 {
				return &LoadError{Object: l.obj.Name, Map: def.Name, Err: fmt.Errorf("%w: initial slots need a 4-byte key, have %d", ErrNotSupported, m.KeySize)}
			}
			key := make([]byte, 4)
			val := make([]byte, 4)
			nativePutUint32(key, s.Index)
			nativePutUint32(val, uint32(target.Int()))
			if err := sys.MapUpdateElem(m.fd, key, val, sys.UpdateAny); err != nil {
				return &LoadError{Object: l.obj.Name, Map: def.Name, Err: fmt.Errorf("slot %d = %s: %w", s.Index, s.Target, err)}
			}
		}
	}
	return nil
}

// nativePutUint32 stores v in b in host byte order (little-endian: the
// only order the sys package supports).
func nativePutUint32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// unsafePointer converts the address of an fd_array element.
func unsafePointer(p *int32) unsafe.Pointer { return unsafe.Pointer(p) }

// keepAlive keeps buffers referenced by an attribute alive until after the
// system call that reads them.
func keepAlive(bufs ...any) { runtime.KeepAlive(bufs) }
