// This file lays struct_ops maps out for the running kernel. A loader
// carries the layout of the kernel it was generated for; struct_ops
// structs change between kernels (tcp_congestion_ops was reordered in 6.0
// and again in 7.x), so before a run Load reads the running kernel's BTF
// with the small reader below, finds each member by name as the structops
// pass does, and hands the loader the places that differ through its
// context. Reading vmlinux BTF is only done for loaders with struct_ops
// maps.
//
// Why a reader of its own rather than bpfc's btf package: every generated
// light skeleton imports rt, and a light skeleton binary parses no BTF
// and carries no BTF library (the point of a loader program, the
// package's promise; TestLayering holds rt to it). This reader knows only
// what a layout needs (struct members by name, sizes through typedefs,
// modifiers and arrays), in some 200 lines; its kind numbers are the
// kernel's uapi, as btf.Kind's are.

package rt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// kernelBTFDir is where the kernel exposes its BTF.
const kernelBTFDir = "/sys/kernel/btf"

// StructOpsLayout is where a kernel puts the members of a struct_ops map
// (StructOpsSpec.Members, by index).
type StructOpsLayout struct {
	// ValueSize is the size of the kernel's bpf_struct_ops_<type>.
	ValueSize uint32
	// Indices and Offsets are each member's index in the kernel's struct
	// and byte offset in the value.
	Indices []int
	Offsets []uint32
}

// same reports whether l is the layout so was generated with.
func (l *StructOpsLayout) same(so *StructOpsSpec) bool {
	if int(l.ValueSize) != len(so.Value) {
		return false
	}
	for j, mem := range so.Members {
		if l.Indices[j] != mem.Index || l.Offsets[j] != mem.Offset {
			return false
		}
	}
	return true
}

// move returns value (laid out as so was generated) laid out as l: data
// members at their new places, function pointers zero.
func (l *StructOpsLayout) move(so *StructOpsSpec, value []byte) ([]byte, error) {
	if len(value) != len(so.Value) {
		return nil, fmt.Errorf("value is %d bytes, want %d", len(value), len(so.Value))
	}
	out := make([]byte, l.ValueSize)
	for j, mem := range so.Members {
		if mem.Prog >= 0 {
			continue
		}
		copy(out[l.Offsets[j]:l.Offsets[j]+mem.Size], value[mem.Offset:mem.Offset+mem.Size])
	}
	return out, nil
}

// KernelStructOpsLayout lays so out for the running kernel, from its BTF.
func KernelStructOpsLayout(so *StructOpsSpec) (*StructOpsLayout, error) {
	k, err := readKernelBTF(so.Module)
	if err != nil {
		return nil, err
	}
	return k.structOpsLayout(so)
}

// structOpsLayout lays so out for the kernel whose BTF is k.
func (k *kbtf) structOpsLayout(so *StructOpsSpec) (*StructOpsLayout, error) {
	valueName := structOpsValuePrefix + so.Type
	vid := k.find(valueName)
	tid := k.find(so.Type)
	if vid == 0 || tid == 0 {
		return nil, fmt.Errorf("%w: the kernel has no struct %s", ErrStructOpsLayout, valueName)
	}
	value := k.types[vid]
	dataOff := int64(-1)
	for _, m := range value.members {
		if m.typ == tid {
			dataOff = int64(m.off / 8)
		}
	}
	if dataOff < 0 {
		return nil, fmt.Errorf("%w: the kernel's %s has no member of type struct %s", ErrStructOpsLayout, valueName, so.Type)
	}
	l := &StructOpsLayout{ValueSize: value.ref}
	members := k.types[tid].members
	for _, mem := range so.Members {
		idx := -1
		for i, m := range members {
			if m.name == mem.Name {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("%w: the kernel's struct %s has no member %s", ErrStructOpsLayout, so.Type, mem.Name)
		}
		m := members[idx]
		if m.off%8 != 0 || m.bitfield {
			return nil, fmt.Errorf("%w: member %s of the kernel's struct %s is a bitfield", ErrStructOpsLayout, mem.Name, so.Type)
		}
		size, err := k.sizeof(m.typ)
		if err != nil || size != mem.Size {
			return nil, fmt.Errorf("%w: member %s of the kernel's struct %s is %d bytes, the loader's %d", ErrStructOpsLayout, mem.Name, so.Type, size, mem.Size)
		}
		l.Indices = append(l.Indices, idx)
		l.Offsets = append(l.Offsets, uint32(dataOff)+m.off/8)
	}
	return l, nil
}

// kbtf is a kernel BTF blob read just enough to lay structs out: vmlinux,
// and a module's split BTF on top of it.
type kbtf struct {
	types []ktype // by id; 0 is void
	names map[string][]int
}

// ktype is one BTF type: what layouts need of it.
type ktype struct {
	kind uint8
	// ref is the size of int, struct, union, enum, float, or the type
	// referenced by ptr, typedef and modifiers.
	ref     uint32
	members []kmember // struct, union
	elem    int       // array element type
	nelems  uint32    // array length
}

// kmember is a struct member.
type kmember struct {
	name     string
	typ      int
	off      uint32 // bits
	bitfield bool
}

// BTF kinds the reader tells apart.
const (
	btfMagic     = 0xeb9f
	btfHeaderLen = 24
	kindInt      = 1
	kindPtr      = 2
	kindArray    = 3
	kindStruct   = 4
	kindUnion    = 5
	kindEnum     = 6
	kindTypedef  = 8
	kindVolatile = 9
	kindConst    = 10
	kindRestrict = 11
	kindFloat    = 16
	kindTypeTag  = 18
	kindEnum64   = 19
	maxKind      = 19
	maxRefChain  = 32
)

// readKernelBTF reads vmlinux's BTF and, for module != "", the module's.
func readKernelBTF(module string) (*kbtf, error) {
	raw, err := os.ReadFile(kernelBTFDir + "/vmlinux")
	if err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	k := &kbtf{types: []ktype{{}}, names: map[string][]int{}}
	if err := k.parse(raw, nil); err != nil {
		return nil, fmt.Errorf("kernel BTF: %w", err)
	}
	if module == "" {
		return k, nil
	}
	mraw, err := os.ReadFile(kernelBTFDir + "/" + module)
	if err != nil {
		return nil, fmt.Errorf("BTF of module %s: %w", module, err)
	}
	if err := k.parse(mraw, raw); err != nil {
		return nil, fmt.Errorf("BTF of module %s: %w", module, err)
	}
	return k, nil
}

// btfSections returns the byte order, types and strings of a BTF blob.
func btfSections(raw []byte) (binary.ByteOrder, []byte, []byte, error) {
	if len(raw) < btfHeaderLen {
		return nil, nil, nil, errors.New("truncated header")
	}
	var o binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint16(raw) == btfMagic:
		o = binary.LittleEndian
	case binary.BigEndian.Uint16(raw) == btfMagic:
		o = binary.BigEndian
	default:
		return nil, nil, nil, errors.New("bad magic")
	}
	hdr := uint64(o.Uint32(raw[4:]))
	typeOff, typeLen := uint64(o.Uint32(raw[8:])), uint64(o.Uint32(raw[12:]))
	strOff, strLen := uint64(o.Uint32(raw[16:])), uint64(o.Uint32(raw[20:]))
	if hdr < btfHeaderLen || hdr+typeOff+typeLen > uint64(len(raw)) || hdr+strOff+strLen > uint64(len(raw)) {
		return nil, nil, nil, errors.New("sections outside the blob")
	}
	return o, raw[hdr+typeOff : hdr+typeOff+typeLen], raw[hdr+strOff : hdr+strOff+strLen], nil
}

// parse appends the types of raw; base is the raw base BTF of split BTF
// (whose strings come first), nil for vmlinux.
func (k *kbtf) parse(raw, base []byte) error {
	o, types, strs, err := btfSections(raw)
	if err != nil {
		return err
	}
	var baseStrs []byte
	if base != nil {
		if _, _, baseStrs, err = btfSections(base); err != nil {
			return err
		}
	}
	str := func(off uint32) string {
		s := strs
		if base != nil {
			if off < uint32(len(baseStrs)) {
				s = baseStrs
			} else {
				off -= uint32(len(baseStrs))
			}
		}
		if off >= uint32(len(s)) {
			return ""
		}
		if n := bytes.IndexByte(s[off:], 0); n >= 0 {
			return string(s[off : off+uint32(n)])
		}
		return ""
	}
	for len(types) > 0 {
		if len(types) < 12 {
			return errors.New("truncated type")
		}
		info := o.Uint32(types[4:])
		kind, vlen, kindFlag := uint8(info>>24&0x1f), int(info&0xffff), info>>31 == 1
		t := ktype{kind: kind, ref: o.Uint32(types[8:])}
		var n int
		switch kind {
		case kindInt, 14, 17: // int, var, decl_tag
			n = 4
		case kindArray:
			n = 12
		case kindStruct, kindUnion, kindEnum64, 15: // datasec
			n = 12 * vlen
		case kindEnum, 13: // func_proto
			n = 8 * vlen
		default:
			if kind == 0 || kind > maxKind {
				return fmt.Errorf("type %d: unknown kind %d", len(k.types), kind)
			}
		}
		if len(types) < 12+n {
			return errors.New("truncated type")
		}
		tr := types[12 : 12+n]
		switch kind {
		case kindArray:
			t.elem, t.nelems = int(o.Uint32(tr)), o.Uint32(tr[8:])
		case kindStruct, kindUnion:
			for i := range vlen {
				m := kmember{name: str(o.Uint32(tr[12*i:])), typ: int(o.Uint32(tr[12*i+4:]))}
				off := o.Uint32(tr[12*i+8:])
				if kindFlag {
					m.bitfield = off>>24 != 0
					off &= 0xffffff
				}
				m.off = off
				t.members = append(t.members, m)
			}
			if name := str(o.Uint32(types)); name != "" {
				k.names[name] = append(k.names[name], len(k.types))
			}
		}
		k.types = append(k.types, t)
		types = types[12+n:]
	}
	return nil
}

// find returns the id of the struct called name (the last one: a module's
// before vmlinux's), 0 if there is none.
func (k *kbtf) find(name string) int {
	ids := k.names[name]
	for i := len(ids) - 1; i >= 0; i-- {
		if k.types[ids[i]].kind == kindStruct {
			return ids[i]
		}
	}
	return 0
}

// sizeof returns the size of type id, as btf__resolve_size does.
func (k *kbtf) sizeof(id int) (uint32, error) {
	n := uint64(1)
	for range maxRefChain {
		if id <= 0 || id >= len(k.types) {
			return 0, fmt.Errorf("type %d has no size", id)
		}
		t := k.types[id]
		switch t.kind {
		case kindInt, kindStruct, kindUnion, kindEnum, kindEnum64, kindFloat:
			return uint32(n * uint64(t.ref)), nil
		case kindPtr:
			return uint32(n * 8), nil
		case kindTypedef, kindVolatile, kindConst, kindRestrict, kindTypeTag:
			id = int(t.ref)
		case kindArray:
			n *= uint64(t.nelems)
			id = t.elem
		default:
			return 0, fmt.Errorf("type %d (kind %d) has no size", id, t.kind)
		}
	}
	return 0, errors.New("reference loop")
}
