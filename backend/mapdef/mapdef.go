// Package mapdef holds the fix-ups libbpf applies to a map definition
// before BPF_MAP_CREATE: the kernel name, the perf event array and ring
// buffer sizes, the BTF key/value type ids the kernel refuses for some map
// types. Both backends use it, so that they create identical maps; it also
// holds the other naming rules they share: the kernel names of programs
// and the file names of pins.
package mapdef

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/cpus"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// Errors for a map size the object leaves 0 (for user space to set, as
// bcc's tools do) where the kernel refuses 0: it must be set before
// loading. The error CheckSizes returns is a *SizeError wrapping one.
var (
	// ErrMaxEntries is wrapped by the error for a map whose max_entries
	// is 0.
	ErrMaxEntries error = &errs.MaxEntries
	// ErrKeySize is wrapped by the error for a map whose key_size is 0.
	ErrKeySize error = &errs.KeySize
	// ErrValueSize is wrapped by the error for a map whose value_size is
	// 0.
	ErrValueSize error = &errs.ValueSize
)

// SizeError is the error of CheckSizes for a map whose max_entries,
// key_size or value_size is 0 where its type needs one: user space must
// size it first. It names the API that does; a command line can name its
// flag instead.
type SizeError struct {
	// Map is the map's name in the object.
	Map string
	// Size is ErrMaxEntries, ErrKeySize or ErrValueSize.
	Size error
}

// Field returns the name of the size in the API: "MaxEntries", "KeySize"
// or "ValueSize" (the field of bpfc.Options, passes.Set<Field>).
func (e *SizeError) Field() string {
	switch e.Size {
	case ErrKeySize:
		return "KeySize"
	case ErrValueSize:
		return "ValueSize"
	}
	return "MaxEntries"
}

// Error names the size, the map and how to set it.
func (e *SizeError) Error() string {
	return fmt.Sprintf("%v (set it with Options.%s[%q] or passes.Set%[2]s)", e.Size, e.Field(), e.Map)
}

// Unwrap returns Size.
func (e *SizeError) Unwrap() error { return e.Size }

// Def is a map definition fixed up for BPF_MAP_CREATE.
type Def struct {
	// Name is the map's name in the object; KernelName the name the
	// kernel gets (see KernelName).
	Name, KernelName string
	// Type, KeySize, ValueSize, MaxEntries, Flags, NumaNode and MapExtra
	// are the definition as created.
	Type       uapi.MapType
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uapi.MapFlags
	NumaNode   uint32
	MapExtra   uint64
	// KeyType and ValueType are the BTF ids of key and value, 0 for map
	// types whose BTF ids the kernel refuses.
	KeyType, ValueType btf.TypeID
	// StructOps marks a struct_ops map: it is created with the object's
	// BTF but without key and value types, and with VmlinuxValueType.
	StructOps bool
	// VmlinuxValueType is a struct_ops map's value type,
	// bpf_struct_ops_<type>, in the kernel's BTF (btf_vmlinux_value_type_id):
	// the backend looks it up where it loads.
	VmlinuxValueType btf.TypeID
}

// EntriesPerCPU reports a map libbpf sizes by the number of possible CPUs
// of the machine that loads it: a perf event array declared without
// max_entries.
func EntriesPerCPU(m *ir.Map) bool {
	return m.Type == uapi.MapTypePerfEventArray && m.MaxEntries == 0
}

// Fixup applies libbpf's fix-ups to map m of object objName: a perf event
// array without max_entries gets one entry per possible CPU, a ring
// buffer's size is rounded up to a power-of-two number of pages, BTF ids
// are dropped for map types that refuse them. Sizes left at 0 are kept:
// CheckSizes says whether the kernel takes them.
func Fixup(objName string, m *ir.Map) (Def, error) {
	d := Def{
		Name:       m.Name,
		KernelName: KernelName(objName, m),
		Type:       m.Type,
		KeySize:    m.KeySize,
		ValueSize:  m.ValueSize,
		MaxEntries: m.MaxEntries,
		Flags:      m.Flags,
		NumaNode:   m.NumaNode,
		MapExtra:   m.MapExtra,
		KeyType:    m.KeyType,
		ValueType:  m.ValueType,
	}
	switch {
	case EntriesPerCPU(m):
		n, err := PossibleCPUs()
		if err != nil {
			return Def{}, err
		}
		d.MaxEntries = uint32(n)
	case d.Type == uapi.MapTypeRingbuf || d.Type == uapi.MapTypeUserRingbuf:
		d.MaxEntries = RingbufSize(d.MaxEntries)
	case d.Type == uapi.MapTypeStructOps:
		if m.StructOps == nil || m.StructOps.State != ir.Resolved {
			return Def{}, fmt.Errorf("struct_ops map of struct %s not laid out for the kernel: %w", structOpsType(m), errs.ErrNotSupported)
		}
		if len(m.Data) != int(m.ValueSize) {
			return Def{}, fmt.Errorf("struct_ops map: %d-byte value for a %d-byte %s: %w", len(m.Data), m.ValueSize, m.StructOps.ValueType, errs.ErrInvalidObject)
		}
		d.StructOps = true
	}
	if !KeepsBTFTypes(d.Type) {
		d.KeyType, d.ValueType = 0, 0
	}
	return d, nil
}

// Unset says which sizes of d are 0 where the kernel refuses 0: they must
// be set before the map is created.
type Unset struct {
	MaxEntries, KeySize, ValueSize bool
}

// Unset returns the sizes of d that are 0 where the kernel refuses 0.
func (d Def) Unset() Unset {
	return Unset{
		MaxEntries: d.MaxEntries == 0 && !ZeroEntriesOK(d.Type),
		KeySize:    d.KeySize == 0 && !ZeroKeyOK(d.Type),
		ValueSize:  d.ValueSize == 0 && !ZeroValueOK(d.Type),
	}
}

// CheckSizes returns a *SizeError (wrapping ErrMaxEntries, ErrKeySize or
// ErrValueSize) for the first size of d that is 0 where the kernel
// refuses 0; nil if there is none.
func (d Def) CheckSizes() error {
	u := d.Unset()
	switch {
	case u.MaxEntries:
		return &SizeError{Map: d.Name, Size: ErrMaxEntries}
	case u.KeySize:
		return &SizeError{Map: d.Name, Size: ErrKeySize}
	case u.ValueSize:
		return &SizeError{Map: d.Name, Size: ErrValueSize}
	}
	return nil
}

// structOpsType names the struct of a struct_ops map.
func structOpsType(m *ir.Map) string {
	if m.StructOps == nil {
		return "?"
	}
	return m.StructOps.Type
}

// ObjectPrefix returns the name libbpf gives an object: the base name of
// its file up to the first dot ("xdp_globals.o" → "xdp_globals").
func ObjectPrefix(objName string) string {
	base := filepath.Base(objName)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	return base
}

// KernelName returns the name the kernel gets for map m of object
// objName, as libbpf names it. Global data maps get the first characters
// of the object prefix followed by the section name, with the section name
// given at least 7 characters ("xdp_glob.rodata", "xdp_glob.bss");
// sections with a second dot (".rodata.cfg") are custom sections and keep
// their name alone. Other maps keep their name. The result is cut to 15
// bytes and every character the kernel refuses becomes '_'.
func KernelName(objName string, m *ir.Map) string {
	name := m.Name
	if m.Kind.IsGlobalData() {
		name = internalMapName(ObjectPrefix(objName), m.Name)
	}
	if len(name) > sys.ObjNameLen-1 {
		name = name[:sys.ObjNameLen-1]
	}
	return SanitizeName(name)
}

// ProgramKernelName returns the name the kernel gets for the program
// (function) name: cut to 15 bytes, every character the kernel refuses
// turned into '_'.
func ProgramKernelName(name string) string {
	n := SanitizeName(name)
	if len(n) > sys.ObjNameLen-1 {
		n = n[:sys.ObjNameLen-1]
	}
	return n
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

// SanitizeName replaces the characters the kernel does not accept in
// object names ([A-Za-z0-9_.] only) with '_'.
func SanitizeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// KeepsBTFTypes reports whether the kernel accepts BTF key/value type ids
// for maps of type t; libbpf clears them for the others (a struct_ops map
// has btf_vmlinux_value_type_id instead).
func KeepsBTFTypes(t uapi.MapType) bool {
	switch t {
	case uapi.MapTypePerfEventArray, uapi.MapTypeCgroupArray, uapi.MapTypeStackTrace,
		uapi.MapTypeArrayOfMaps, uapi.MapTypeHashOfMaps, uapi.MapTypeDevmap,
		uapi.MapTypeDevmapHash, uapi.MapTypeCpumap, uapi.MapTypeXskmap,
		uapi.MapTypeSockmap, uapi.MapTypeSockhash, uapi.MapTypeQueue,
		uapi.MapTypeStack, uapi.MapTypeArena, uapi.MapTypeStructOps:
		return false
	}
	return true
}

// IsMapInMap reports whether t is a map of maps.
func IsMapInMap(t uapi.MapType) bool {
	return t == uapi.MapTypeArrayOfMaps || t == uapi.MapTypeHashOfMaps
}

// IsPerCPU reports whether maps of type t store one value per possible
// CPU.
func IsPerCPU(t uapi.MapType) bool {
	switch t {
	case uapi.MapTypePercpuHash, uapi.MapTypePercpuArray, uapi.MapTypeLRUPercpuHash, uapi.MapTypePercpuCgroupStorage:
		return true
	}
	return false
}

// ZeroEntriesOK reports map types whose max_entries must be (or may be) 0.
func ZeroEntriesOK(t uapi.MapType) bool {
	switch t {
	case uapi.MapTypeCgroupStorage, uapi.MapTypePercpuCgroupStorage, uapi.MapTypeSKStorage,
		uapi.MapTypeInodeStorage, uapi.MapTypeTaskStorage, uapi.MapTypeCgrpStorage,
		uapi.MapTypeStructOps:
		return true
	}
	return false
}

// ZeroKeyOK reports map types whose key_size must be (or may be) 0: maps
// without keys.
func ZeroKeyOK(t uapi.MapType) bool {
	switch t {
	case uapi.MapTypeQueue, uapi.MapTypeStack, uapi.MapTypeBloomFilter, uapi.MapTypeRingbuf,
		uapi.MapTypeUserRingbuf, uapi.MapTypeArena:
		return true
	}
	return false
}

// ZeroValueOK reports map types whose value_size must be 0: ring buffers
// and arenas.
func ZeroValueOK(t uapi.MapType) bool {
	switch t {
	case uapi.MapTypeRingbuf, uapi.MapTypeUserRingbuf, uapi.MapTypeArena:
		return true
	}
	return false
}

// RingbufSize rounds a ring buffer size up to a power-of-two multiple of
// the page size, as the kernel requires (libbpf does the same). 0 stays 0;
// a size too large to round is returned as is, for the kernel to refuse.
func RingbufSize(sz uint32) uint32 {
	if sz == 0 {
		return 0
	}
	page := uint64(os.Getpagesize())
	for mul := uint64(1); mul*page <= 1<<31; mul <<= 1 {
		if mul*page >= uint64(sz) {
			return uint32(mul * page)
		}
	}
	return sz
}

// PossibleCPUs returns the number of possible CPUs: the default size of
// a perf event array, and the number of values of a per-CPU map.
func PossibleCPUs() (int, error) { return cpus.Possible() }

// PinName is the file name a map gets when a whole collection is pinned,
// as libbpf and bpftool name it: the map's name, or for global data its
// kernel name ("xdp_glob.rodata"), with every '.' turned into '_'.
func PinName(name, kernelName string, kind ir.MapKind) string {
	if kind.IsGlobalData() {
		name = kernelName
	}
	return strings.ReplaceAll(name, ".", "_")
}
