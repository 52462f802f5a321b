// This file creates the object's maps: kernel names the way libbpf derives
// them, definitions fixed up the way libbpf does before BPF_MAP_CREATE
// (perf event array size, ring buffer size, BTF ids the kernel refuses),
// inner map templates for maps of maps, reuse of maps pinned by name, and
// the initial contents of global data maps.
package direct

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
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
	Type       sys.MapType
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      sys.MapFlags
	// BTFKeyType and BTFValueType are the BTF ids passed to the kernel
	// (0 when the map was created without them).
	BTFKeyType, BTFValueType btf.TypeID
	// FD owns the map's file descriptor.
	FD *sys.FD
	// ID is the kernel's id for the map.
	ID uint32
	// Reused reports a map taken over from an existing pin.
	Reused bool
	// PinPath is where the map is pinned ("" if it is not).
	PinPath string
}

// RawFD returns the map's file descriptor number (-1 when closed).
func (m *Map) RawFD() int { return m.FD.Int() }

// Info asks the kernel for the map's current info.
func (m *Map) Info() (*sys.MapInfo, error) {
	info, err := sys.MapInfoByFD(m.FD)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", m.Name, err)
	}
	return info, nil
}

// perCPU reports whether the map type stores one value per possible CPU.
func perCPU(t sys.MapType) bool {
	switch t {
	case sys.MapTypePercpuHash, sys.MapTypePercpuArray, sys.MapTypeLRUPercpuHash, sys.MapTypePercpuCgroupStorage:
		return true
	}
	return false
}

// ValueBufSize returns the size of the buffer that a lookup or update of
// one element exchanges with the kernel: value_size, or for per-CPU maps
// value_size rounded up to 8 times the number of possible CPUs.
func (m *Map) ValueBufSize() (int, error) {
	if !perCPU(m.Type) {
		return int(m.ValueSize), nil
	}
	n, err := PossibleCPUs()
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
	if err := sys.MapLookupElem(m.FD, key, val); err != nil {
		return nil, fmt.Errorf("map %s: lookup: %w", m.Name, err)
	}
	return val, nil
}

// Update stores value under key with flags (sys.UpdateAny, ...). value
// must be ValueBufSize bytes long.
func (m *Map) Update(key, value []byte, flags uint64) error {
	size, err := m.ValueBufSize()
	if err != nil {
		return fmt.Errorf("map %s: %w", m.Name, err)
	}
	if len(value) != size {
		return fmt.Errorf("map %s: update: value is %d bytes, want %d", m.Name, len(value), size)
	}
	if err := sys.MapUpdateElem(m.FD, key, value, flags); err != nil {
		return fmt.Errorf("map %s: update: %w", m.Name, err)
	}
	return nil
}

// Pin pins the map at path (on a bpffs).
func (m *Map) Pin(path string) error {
	if err := sys.ObjPin(m.FD, path); err != nil {
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
func (m *Map) Close() error { return m.FD.Close() }

// ObjectPrefix returns the name libbpf gives an object: the base name of
// its file up to the first dot ("xdp_globals.o" → "xdp_globals").
func ObjectPrefix(objName string) string {
	base := filepath.Base(objName)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	return base
}

// KernelMapName returns the name the kernel gets for map m of object
// objName, as libbpf names it. Global data maps get the first characters
// of the object prefix followed by the section name, with the section name
// given at least 7 characters ("xdp_glob.rodata", "xdp_glob.bss");
// sections with a second dot (".rodata.cfg") are custom sections and keep
// their name alone. Other maps keep their name. The result is cut to 15
// bytes and every character the kernel refuses becomes '_'.
func KernelMapName(objName string, m *ir.Map) string {
	name := m.Name
	if m.Kind == ir.MapData || m.Kind == ir.MapKconfig {
		name = internalMapName(ObjectPrefix(objName), m.Name)
	}
	if len(name) > sys.ObjNameLen-1 {
		name = name[:sys.ObjNameLen-1]
	}
	return sanitizeName(name)
}

// internalMapName implements libbpf's naming of global data maps.
func internalMapName(prefix, real string) string {
	sfx := max(7, len(real))
	sfx = min(sfx, sys.ObjNameLen-1)
	pfx := 0
	if len(real) < 2 || !strings.Contains(real[1:], ".") {
		pfx = min(sys.ObjNameLen-1-sfx, len(prefix))
	}
	return prefix[:pfx] + real[:min(sfx, len(real))]
}

// sanitizeName replaces the characters the kernel does not accept in
// object names ([A-Za-z0-9_.] only) with '_'.
func sanitizeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// keepsBTFTypes reports whether the kernel accepts BTF key/value type ids
// for maps of type t; libbpf clears them for these types.
func keepsBTFTypes(t sys.MapType) bool {
	switch t {
	case sys.MapTypePerfEventArray, sys.MapTypeCgroupArray, sys.MapTypeStackTrace,
		sys.MapTypeArrayOfMaps, sys.MapTypeHashOfMaps, sys.MapTypeDevmap,
		sys.MapTypeDevmapHash, sys.MapTypeCpumap, sys.MapTypeXskmap,
		sys.MapTypeSockmap, sys.MapTypeSockhash, sys.MapTypeQueue,
		sys.MapTypeStack, sys.MapTypeArena:
		return false
	}
	return true
}

// isMapInMap reports whether t is a map of maps.
func isMapInMap(t sys.MapType) bool {
	return t == sys.MapTypeArrayOfMaps || t == sys.MapTypeHashOfMaps
}

// zeroEntriesOK reports map types whose max_entries must be (or may be) 0.
func zeroEntriesOK(t sys.MapType) bool {
	switch t {
	case sys.MapTypeCgroupStorage, sys.MapTypePercpuCgroupStorage, sys.MapTypeSKStorage,
		sys.MapTypeInodeStorage, sys.MapTypeTaskStorage, sys.MapTypeCgrpStorage,
		sys.MapTypeStructOps:
		return true
	}
	return false
}

// ringbufSize rounds a ring buffer size up to a power-of-two multiple of
// the page size, as the kernel requires (libbpf does the same). 0 stays 0.
func ringbufSize(sz uint32) uint32 {
	if sz == 0 {
		return 0
	}
	page := uint32(os.Getpagesize())
	if sz%page == 0 && (sz/page)&(sz/page-1) == 0 {
		return sz
	}
	for mul := uint64(1); mul*uint64(page) <= 1<<31; mul <<= 1 {
		if mul*uint64(page) > uint64(sz) {
			return uint32(mul) * page
		}
	}
	return sz // too large: let the kernel refuse it
}

// PossibleCPUs returns the number of possible CPUs, from
// /sys/devices/system/cpu/possible ("0-3", "0,2-5").
func PossibleCPUs() (int, error) {
	raw, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return 0, fmt.Errorf("possible CPUs: %w", err)
	}
	return parseCPUList(string(raw))
}

// parseCPUList counts the CPUs of a kernel CPU list ("0-3,5").
func parseCPUList(s string) (int, error) {
	n := 0
	for part := range strings.SplitSeq(strings.TrimSpace(s), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0, fmt.Errorf("possible CPUs: bad list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, fmt.Errorf("possible CPUs: bad list %q", s)
			}
		}
		n += b - a + 1
	}
	if n == 0 {
		return 0, fmt.Errorf("possible CPUs: empty list")
	}
	return n, nil
}

// mapSpec is a map definition ready for BPF_MAP_CREATE.
type mapSpec struct {
	name       string
	kernelName string
	typ        sys.MapType
	keySize    uint32
	valueSize  uint32
	maxEntries uint32
	flags      sys.MapFlags
	numaNode   uint32
	mapExtra   uint64
	keyType    btf.TypeID
	valueType  btf.TypeID
}

// newMapSpec applies libbpf's fix-ups to an IR map definition.
func newMapSpec(objName string, m *ir.Map, kernelName string) (*mapSpec, error) {
	s := &mapSpec{
		name:       m.Name,
		kernelName: kernelName,
		typ:        sys.MapType(m.Type),
		keySize:    m.KeySize,
		valueSize:  m.ValueSize,
		maxEntries: m.MaxEntries,
		flags:      sys.MapFlags(m.Flags),
		numaNode:   m.NumaNode,
		mapExtra:   m.MapExtra,
		keyType:    m.KeyType,
		valueType:  m.ValueType,
	}
	switch s.typ {
	case sys.MapTypePerfEventArray:
		if s.maxEntries == 0 {
			n, err := PossibleCPUs()
			if err != nil {
				return nil, err
			}
			s.maxEntries = uint32(n)
		}
	case sys.MapTypeRingbuf, sys.MapTypeUserRingbuf:
		s.maxEntries = ringbufSize(s.maxEntries)
	}
	if s.maxEntries == 0 && !zeroEntriesOK(s.typ) {
		return nil, fmt.Errorf("%w (set it with -max-entries %s=N)", ErrMaxEntries, m.Name)
	}
	if !keepsBTFTypes(s.typ) {
		s.keyType, s.valueType = 0, 0
	}
	return s, nil
}

// attr returns the BPF_MAP_CREATE attribute for s.
func (s *mapSpec) attr(btfFD *sys.FD, innerFD *sys.FD) sys.MapCreateAttr {
	a := sys.MapCreateAttr{
		MapType:    s.typ,
		KeySize:    s.keySize,
		ValueSize:  s.valueSize,
		MaxEntries: s.maxEntries,
		MapFlags:   s.flags,
		NumaNode:   s.numaNode,
		MapName:    sys.NewObjName(s.kernelName),
		MapExtra:   s.mapExtra,
		InnerMapFd: innerFD.Uint(),
	}
	if btfFD != nil && (s.keyType != 0 || s.valueType != 0) {
		a.BtfFd = btfFD.Uint()
		a.BtfKeyTypeId = uint32(s.keyType)
		a.BtfValueTypeId = uint32(s.valueType)
	}
	return a
}

// compatible reports whether an existing map (a pin) matches s, checking
// what libbpf checks before reusing a pinned map.
func (s *mapSpec) compatible(info *sys.MapInfo) error {
	var diffs []string
	check := func(what string, have, want uint64) {
		if have != want {
			diffs = append(diffs, fmt.Sprintf("%s %d, want %d", what, have, want))
		}
	}
	check("type", uint64(info.Type), uint64(s.typ))
	check("key_size", uint64(info.KeySize), uint64(s.keySize))
	check("value_size", uint64(info.ValueSize), uint64(s.valueSize))
	check("max_entries", uint64(info.MaxEntries), uint64(s.maxEntries))
	check("map_flags", uint64(info.MapFlags), uint64(s.flags))
	check("map_extra", info.MapExtra, s.mapExtra)
	if len(diffs) > 0 {
		return fmt.Errorf("%w: %s", ErrPinMismatch, strings.Join(diffs, ", "))
	}
	return nil
}

// createMap creates the kernel map for spec. With BTF ids the kernel
// refuses, it retries without them (as libbpf does) and says so in warn.
func (l *loader) createMap(s *mapSpec, innerFD *sys.FD) (*sys.FD, btf.TypeID, btf.TypeID, error) {
	attr := s.attr(l.btfFD, innerFD)
	fd, err := sys.MapCreate(&attr)
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
	l.warnf("map %s: created without BTF key/value types (with them: %v)", s.name, err)
	return fd, 0, 0, nil
}

// loadMaps creates every map of the object, in order, reusing pins.
func (l *loader) loadMaps() error {
	for _, m := range l.obj.Maps {
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
	s, err := newMapSpec(l.obj.Name, m, KernelMapName(l.obj.Name, m))
	if err != nil {
		return err
	}
	cm := &Map{
		Name: m.Name, KernelName: s.kernelName, Def: m,
		Type: s.typ, KeySize: s.keySize, ValueSize: s.valueSize, MaxEntries: s.maxEntries, Flags: s.flags,
	}

	var pinPath string
	if m.Pinning == PinByName {
		pinPath = filepath.Join(l.pinRoot(), m.Name)
		fd, err := sys.ObjGet(pinPath)
		switch {
		case err == nil:
			info, err := sys.MapInfoByFD(fd)
			if err == nil {
				err = s.compatible(info)
			}
			if err != nil {
				fd.Close()
				return fmt.Errorf("reuse pin %s: %w", pinPath, err)
			}
			cm.FD, cm.ID, cm.Reused, cm.PinPath = fd, info.ID, true, pinPath
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
	if isMapInMap(s.typ) {
		if m.Inner == nil {
			return fmt.Errorf("%w: map of maps without an inner map definition", ErrInvalidObject)
		}
		inner, err := newMapSpec(l.obj.Name, m.Inner, KernelMapName(l.obj.Name, m.Inner))
		if err != nil {
			return fmt.Errorf("inner map: %w", err)
		}
		innerFD, _, _, err = l.createMap(inner, nil)
		if err != nil {
			return fmt.Errorf("inner map template: %w", err)
		}
		defer innerFD.Close()
	}

	fd, kt, vt, err := l.createMap(s, innerFD)
	if err != nil {
		return err
	}
	cm.FD, cm.BTFKeyType, cm.BTFValueType = fd, kt, vt
	l.addMap(cm)
	info, err := sys.MapInfoByFD(fd)
	if err != nil {
		return err
	}
	cm.ID = info.ID

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
	if d.Kind != ir.MapData && d.Kind != ir.MapKconfig {
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
		if err := sys.MapUpdateElem(m.FD, make([]byte, 4), val, sys.UpdateAny); err != nil {
			return fmt.Errorf("initial value: %w", err)
		}
	}
	if d.ReadOnly {
		if err := sys.MapFreeze(m.FD); err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
	}
	return nil
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	return len(bytes.Trim(b, "\x00")) == 0
}
