// This file creates the object's maps from definitions fixed up by package
// mapdef (kernel names, perf event array and ring buffer sizes, BTF ids
// the kernel refuses): inner map templates for maps of maps, reuse of maps
// pinned by name, and the initial contents of global data maps.

package direct

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpfc/bpfc/backend/internal/mapattr"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// PinByName is LIBBPF_PIN_BY_NAME, the ir.Map.Pinning value of maps pinned
// under Options.PinPath by their name.
const PinByName = 1

// DefaultPinPath is where maps pinned by name go when Options.PinPath is
// empty, as with libbpf.
const DefaultPinPath = "/sys/fs/bpf"

// Map is a map created (or reused from a pin) by Load.
type Map struct {
	// Name is the map's name in the object (".rodata" for global data).
	Name string
	// KernelName is the name given to the kernel (at most 15 bytes).
	KernelName string
	// Def is the map's IR definition.
	Def *ir.Map
	// Type, KeySize, ValueSize, MaxEntries and Flags are the definition
	// as created, after fix-ups (e.g. perf event array size).
	Type       uapi.MapType
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uapi.MapFlags
	// BTFKeyType and BTFValueType are the BTF ids passed to the kernel
	// (0 when the map was created without them).
	BTFKeyType, BTFValueType btf.TypeID
	// ID is the kernel's id for the map.
	ID uint32
	// Reused reports a map taken over from an existing pin.
	Reused bool
	// PinPath is where the map is pinned ("" if it is not).
	PinPath string

	fd *sys.FD // owns the map's file descriptor

	// structOps is the kernel value of a struct_ops map, with the fds of
	// its programs (see AttachStructOps).
	structOps []byte
}

// FD returns the map's file descriptor (-1 when closed). The Map keeps
// owning it: give DupFD's descriptor to code that takes ownership (as
// cilium/ebpf's NewMapFromFD does).
func (m *Map) FD() int { return m.fd.Int() }

// DupFD returns a new descriptor of the map (close-on-exec), owned by the
// caller.
func (m *Map) DupFD() (int, error) {
	dup, err := m.fd.Dup()
	if err != nil {
		return -1, fmt.Errorf("map %s: %w", m.Name, err)
	}
	return dup.Disown(), nil
}

// Info asks the kernel for the map's current info.
func (m *Map) Info() (*MapInfo, error) {
	info, err := sys.MapInfoByFD(m.fd)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", m.Name, err)
	}
	mi := MapInfo(*info)
	return &mi, nil
}

// ValueBufSize returns the size of the buffer that a lookup or update of
// one element exchanges with the kernel: value_size, or for per-CPU maps
// value_size rounded up to 8 times the number of possible CPUs.
func (m *Map) ValueBufSize() (int, error) {
	if !mapdef.IsPerCPU(m.Type) {
		return int(m.ValueSize), nil
	}
	n, err := mapdef.PossibleCPUs()
	if err != nil {
		return 0, err
	}
	return int((m.ValueSize+7)&^7) * n, nil
}

// Lookup returns the value stored under key (for per-CPU maps: the values
// of every possible CPU, each padded to 8 bytes). A missing key gives an
// error that Is unix.ENOENT.
func (m *Map) Lookup(key []byte) ([]byte, error) {
	size, err := m.ValueBufSize()
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", m.Name, err)
	}
	val := make([]byte, size)
	if err := sys.MapLookupElem(m.fd, key, val); err != nil {
		return nil, fmt.Errorf("map %s: lookup: %w", m.Name, err)
	}
	return val, nil
}

// Flags of Map.Update.
const (
	// UpdateAny creates the element or replaces its value (BPF_ANY).
	UpdateAny = sys.UpdateAny
	// UpdateNoExist only creates a new element (BPF_NOEXIST).
	UpdateNoExist = sys.UpdateNoExist
	// UpdateExist only replaces the value of an element (BPF_EXIST).
	UpdateExist = sys.UpdateExist
	// UpdateLock updates the value under its bpf_spin_lock (BPF_F_LOCK).
	UpdateLock = sys.UpdateLock
)

// Update stores value under key with flags (UpdateAny, ...). value must
// be ValueBufSize bytes long.
func (m *Map) Update(key, value []byte, flags uint64) error {
	size, err := m.ValueBufSize()
	if err != nil {
		return fmt.Errorf("map %s: %w", m.Name, err)
	}
	if len(value) != size {
		return fmt.Errorf("map %s: update: value is %d bytes, want %d", m.Name, len(value), size)
	}
	if err := sys.MapUpdateElem(m.fd, key, value, flags); err != nil {
		return fmt.Errorf("map %s: update: %w", m.Name, err)
	}
	return nil
}

// Pin pins the map at path (on a bpffs).
func (m *Map) Pin(path string) error {
	if err := sys.ObjPin(m.fd, path); err != nil {
		return fmt.Errorf("map %s: pin: %w", m.Name, err)
	}
	m.PinPath = path
	return nil
}

// Unpin removes the map's pin, if it has one.
func (m *Map) Unpin() error {
	if m.PinPath == "" {
		return nil
	}
	if err := os.Remove(m.PinPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("map %s: unpin: %w", m.Name, err)
	}
	m.PinPath = ""
	return nil
}

// Close closes the map's file descriptor (a pinned map stays alive).
func (m *Map) Close() error { return m.fd.Close() }

// KernelMapName returns the name the kernel gets for map m of object
// objName, as libbpf names it (see mapdef.KernelName).
func KernelMapName(objName string, m *ir.Map) string { return mapdef.KernelName(objName, m) }

// compatible reports whether an existing map (a pin) matches d, checking
// what libbpf checks before reusing a pinned map.
func compatible(d mapdef.Def, info *sys.MapInfo) error {
	var diffs []string
	check := func(what string, have, want uint64) {
		if have != want {
			diffs = append(diffs, fmt.Sprintf("%s %d, want %d", what, have, want))
		}
	}
	check("type", uint64(info.Type), uint64(d.Type))
	check("key_size", uint64(info.KeySize), uint64(d.KeySize))
	check("value_size", uint64(info.ValueSize), uint64(d.ValueSize))
	check("max_entries", uint64(info.MaxEntries), uint64(d.MaxEntries))
	check("map_flags", uint64(info.MapFlags), uint64(d.Flags))
	check("map_extra", info.MapExtra, d.MapExtra)
	if len(diffs) > 0 {
		return fmt.Errorf("%w: %s", ErrPinMismatch, strings.Join(diffs, ", "))
	}
	return nil
}

// createMap creates the kernel map for d. With BTF ids the kernel
// refuses, it retries without them (as libbpf does) and says so in warn.
func (l *loader) createMap(d mapdef.Def, innerFD *sys.FD) (*sys.FD, btf.TypeID, btf.TypeID, error) {
	attr := mapattr.Create(d, l.btfFD.Uint(), innerFD.Uint())
	fd, err := sys.MapCreate(&attr)
	if err != nil && memlockRetry(&err) {
		fd, err = sys.MapCreate(&attr)
	}
	if err == nil {
		return fd, btf.TypeID(attr.BtfKeyTypeId), btf.TypeID(attr.BtfValueTypeId), nil
	}
	if attr.BtfFd == 0 {
		return nil, 0, 0, err
	}
	attr.BtfFd, attr.BtfKeyTypeId, attr.BtfValueTypeId = 0, 0, 0
	fd, err2 := sys.MapCreate(&attr)
	if err2 != nil {
		return nil, 0, 0, err
	}
	l.warnf("map %s: created without BTF key/value types (with them: %v)", d.Name, err)
	return fd, 0, 0, nil
}

// loadMaps creates every map of the object, in order, reusing pins. Maps
// turned off (NoAutocreate) are not created.
func (l *loader) loadMaps() error {
	for _, m := range l.obj.Maps {
		if m.NoAutocreate {
			continue // turned off: not created
		}
		if err := l.loadMap(m); err != nil {
			return &LoadError{Object: l.obj.Name, Map: m.Name, Err: err}
		}
	}
	return nil
}

// loadMap creates (or reuses) one map and writes its initial contents.
func (l *loader) loadMap(m *ir.Map) error {
	if _, dup := l.coll.Maps[m.Name]; dup {
		return fmt.Errorf("%w: map name %q used twice", ErrInvalidObject, m.Name)
	}
	d, err := mapdef.Fixup(l.obj.Name, m)
	if err == nil {
		err = d.CheckSizes()
	}
	if err != nil {
		return err
	}
	cm := &Map{
		Name: m.Name, KernelName: d.KernelName, Def: m,
		Type: d.Type, KeySize: d.KeySize, ValueSize: d.ValueSize, MaxEntries: d.MaxEntries, Flags: d.Flags,
	}

	var pinPath string
	if m.Pinning == PinByName {
		if err := checkBPFFS(l.pinRoot()); err != nil {
			return fmt.Errorf("pinned by name (LIBBPF_PIN_BY_NAME): %w", err)
		}
		pinPath = filepath.Join(l.pinRoot(), m.Name)
		fd, err := sys.ObjGet(pinPath)
		switch {
		case err == nil:
			info, err := sys.MapInfoByFD(fd)
			if err == nil {
				err = compatible(d, info)
			}
			if err != nil {
				fd.Close()
				return fmt.Errorf("reuse pin %s: %w", pinPath, err)
			}
			cm.fd, cm.ID, cm.Reused, cm.PinPath = fd, info.ID, true, pinPath
			cm.BTFKeyType, cm.BTFValueType = btf.TypeID(info.BTFKeyTypeID), btf.TypeID(info.BTFValueTypeID)
			l.addMap(cm)
			return nil
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("reuse pin %s: %w", pinPath, err)
		}
	} else if m.Pinning != 0 {
		return fmt.Errorf("%w: pinning type %d", ErrNotSupported, m.Pinning)
	}

	var innerFD *sys.FD
	if mapdef.IsMapInMap(d.Type) {
		if m.Inner == nil {
			return fmt.Errorf("%w: map of maps without an inner map definition", ErrInvalidObject)
		}
		inner, err := mapdef.Fixup(l.obj.Name, m.Inner)
		if err == nil {
			err = inner.CheckSizes()
		}
		if err != nil {
			return fmt.Errorf("inner map: %w", err)
		}
		innerFD, _, _, err = l.createMap(inner, nil)
		if err != nil {
			return fmt.Errorf("inner map template: %w", err)
		}
		defer innerFD.Close()
	}

	var fd *sys.FD
	var kt, vt btf.TypeID
	if d.StructOps {
		fd, err = l.createStructOpsMap(m, d)
	} else {
		fd, kt, vt, err = l.createMap(d, innerFD)
	}
	if err != nil {
		return explainMapCreate(d.Type, err)
	}
	cm.fd, cm.BTFKeyType, cm.BTFValueType = fd, kt, vt
	l.addMap(cm)
	id, err := sys.ObjID(fd)
	if err != nil {
		return err
	}
	cm.ID = id

	if err := l.initData(cm); err != nil {
		return err
	}
	if pinPath != "" {
		if err := cm.Pin(pinPath); err != nil {
			return err
		}
		l.newPins = append(l.newPins, pinPath)
	}
	return nil
}

// initData writes the initial value of a global data map (key 0) and
// freezes read-only ones.
func (l *loader) initData(m *Map) error {
	d := m.Def
	if !d.Kind.IsGlobalData() {
		return nil
	}
	if uint32(len(d.Data)) > m.ValueSize {
		return fmt.Errorf("%w: initial data is %d bytes, value_size %d", ErrInvalidObject, len(d.Data), m.ValueSize)
	}
	if m.MaxEntries != 1 || m.KeySize != 4 {
		return fmt.Errorf("%w: global data map must have one 4-byte key", ErrInvalidObject)
	}
	if len(d.Data) > 0 && !allZero(d.Data) {
		val := make([]byte, m.ValueSize)
		copy(val, d.Data)
		if err := sys.MapUpdateElem(m.fd, make([]byte, 4), val, sys.UpdateAny); err != nil {
			return fmt.Errorf("initial value: %w", err)
		}
	}
	if d.ReadOnly {
		if err := sys.MapFreeze(m.fd); err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
	}
	return nil
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	return len(bytes.Trim(b, "\x00")) == 0
}
