// This file describes the struct_ops maps of a loader and registers them.
// A loader creates a struct_ops map with the value laid out for the
// kernel it was generated for: the program fds at their members, the data
// members at theirs. The context's struct_ops slots (Layout.StructOps)
// let the run-time move the function pointers where the running kernel
// has them; the data members travel in the map's initial value, which the
// run-time lays out for that kernel too (layout.go).

package rt

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/attach"
)

// structOpsValuePrefix prefixes the name of a struct_ops map's value type
// in kernel BTF.
const structOpsValuePrefix = "bpf_struct_ops_"

// ErrStructOpsLayout is wrapped by Load's error when the running kernel
// lays a struct_ops map out differently from the kernel the loader was
// generated for and the run-time cannot move the members (a sealed
// loader, a different value size, a member the kernel lacks).
var ErrStructOpsLayout = errors.New("struct_ops layout differs from the loader's")

// StructOpsSpec describes a struct_ops map of a loader.
type StructOpsSpec struct {
	// Type is the kernel struct the map implements (tcp_congestion_ops);
	// its value type is bpf_struct_ops_<Type>.
	Type string
	// Module is the kernel module whose BTF holds the struct, "" for
	// vmlinux.
	Module string
	// Link reports a .struct_ops.link map: the loader writes its value,
	// and a BPF link registers it. A .struct_ops map registers when its
	// value is written, which AttachStructOps does.
	Link bool
	// Value is the map's value as generated: the data members at their
	// places, zero function pointers.
	Value []byte
	// Members are the members the loader sets, at their places in Value.
	Members []StructOpsMember
}

// StructOpsMember is a member of a struct_ops map's struct, as laid out
// for the kernel the loader was generated for.
type StructOpsMember struct {
	// Name is the member's name in the kernel's struct.
	Name string
	// Index is the member's index in the kernel's struct (the expected
	// attach type of the program of a function pointer).
	Index int
	// Offset and Size place the member in the map's value.
	Offset, Size uint32
	// Prog is the index (in Spec.Progs) of the program a function
	// pointer is set to, -1 for a data member.
	Prog int
}

// StructOpsSlot is a function pointer of a struct_ops map set to a
// program: one slot of the context's struct_ops overrides.
type StructOpsSlot struct {
	// Map is the map's index in Spec.Maps, Member the member's in its
	// StructOpsSpec.Members.
	Map, Member int
}

// check reports a member of so (nil: no struct_ops map) that lies outside
// its value or names a program past the nprogs of the spec, which laying
// the value out would trip on.
func (so *StructOpsSpec) check(nprogs int) error {
	if so == nil {
		return nil
	}
	for _, mem := range so.Members {
		if uint64(mem.Offset)+uint64(mem.Size) > uint64(len(so.Value)) || mem.Prog >= 0 && mem.Size != 8 {
			return fmt.Errorf("member %s: %d bytes at offset %d of a %d-byte value", mem.Name, mem.Size, mem.Offset, len(so.Value))
		}
		if mem.Prog >= nprogs {
			return fmt.Errorf("member %s: program %d of %d", mem.Name, mem.Prog, nprogs)
		}
	}
	return nil
}

// StructOpsSlots returns the struct_ops function slots of s: the function
// pointers set to programs, in map then member order.
func (s *Spec) StructOpsSlots() []StructOpsSlot {
	var slots []StructOpsSlot
	for i, m := range s.Maps {
		if m.StructOps == nil {
			continue
		}
		for j, mem := range m.StructOps.Members {
			if mem.Prog >= 0 {
				slots = append(slots, StructOpsSlot{Map: i, Member: j})
			}
		}
	}
	return slots
}

// StructOpsValue returns the value of struct_ops map i of a loaded Spec
// as AttachStructOps writes it: the data members of value (the map's
// initial value, as generated; nil for StructOpsSpec.Value) at the places
// the layout gives them, and the fds of progFDs (Result.ProgFDs) at the
// function pointers. A nil layout is the generated one.
func (s *Spec) StructOpsValue(i int, value []byte, layout *StructOpsLayout, progFDs []int) ([]byte, error) {
	so := s.Maps[i].StructOps
	if so == nil {
		return nil, fmt.Errorf("map %s is not a struct_ops map", s.Maps[i].Name)
	}
	if value == nil {
		value = so.Value
	}
	out := value
	if layout != nil {
		var err error
		if out, err = layout.move(so, value); err != nil {
			return nil, fmt.Errorf("map %s: %w", s.Maps[i].Name, err)
		}
	} else {
		out = append([]byte(nil), value...)
	}
	for j, mem := range so.Members {
		if mem.Prog < 0 {
			continue
		}
		if mem.Prog >= len(progFDs) || progFDs[mem.Prog] <= 0 {
			return nil, fmt.Errorf("map %s: member %s: program %d not loaded", s.Maps[i].Name, mem.Name, mem.Prog)
		}
		off := mem.Offset
		if layout != nil {
			off = layout.Offsets[j]
		}
		if int(off)+8 > len(out) {
			return nil, fmt.Errorf("map %s: member %s at +%d outside the %d-byte value", s.Maps[i].Name, mem.Name, off, len(out))
		}
		binary.NativeEndian.PutUint64(out[off:], uint64(progFDs[mem.Prog]))
	}
	return out, nil
}

// AttachStructOps registers struct_ops map m, described by so, as
// libbpf's bpf_map__attach_struct_ops does (package attach): a
// .struct_ops.link map (whose value the loader wrote) through a new BPF
// link, a .struct_ops map by writing value (Result.StructOpsValues).
// Close the Link to unregister; UpdateMap swaps the map behind a BPF link.
func (m *Map) AttachStructOps(so *StructOpsSpec, value []byte) (*Link, error) {
	if m.FD <= 0 {
		return nil, fmt.Errorf("register struct_ops %s: map not loaded", m.Name)
	}
	if so == nil {
		return nil, fmt.Errorf("register struct_ops %s: not a struct_ops map", m.Name)
	}
	return attach.StructOps(&attach.StructOpsMap{Name: m.Name, Type: so.Type, FD: m.FD, Link: so.Link, Value: value})
}

// ctxInputs are what a run's context is built from: the options, and the
// layouts of the struct_ops maps for the running kernel (nil entries:
// the generated layout).
type ctxInputs struct {
	opts    *Options
	layouts []*StructOpsLayout
}

// initialValue returns the initial value of map i the context points to:
// the one of the options, a struct_ops map's laid out for the running
// kernel; nil for the loader's own.
func (in ctxInputs) initialValue(spec *Spec, i int) ([]byte, error) {
	var v []byte
	if i < len(in.opts.InitialValues) {
		v = in.opts.InitialValues[i]
	}
	so := spec.Maps[i].StructOps
	if so == nil || in.layouts[i] == nil {
		return v, nil
	}
	if v == nil {
		v = so.Value
	}
	moved, err := in.layouts[i].move(so, v[:len(so.Value)])
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", spec.Maps[i].Name, err)
	}
	return moved, nil
}

// structOpsLayouts lays the struct_ops maps of s out for the running
// kernel: nil for maps whose generated layout fits it (and for other
// maps). A sealed loader cannot move members: a kernel that lays them out
// otherwise is an error, as is a value of another size.
func (s *Spec) structOpsLayouts() ([]*StructOpsLayout, error) {
	var out []*StructOpsLayout
	for i, m := range s.Maps {
		if m.StructOps == nil {
			continue
		}
		if out == nil {
			out = make([]*StructOpsLayout, len(s.Maps))
		}
		l, err := KernelStructOpsLayout(m.StructOps)
		if err != nil {
			return nil, fmt.Errorf("map %s: %w", m.Name, err)
		}
		if l.same(m.StructOps) {
			continue
		}
		switch {
		case int(l.ValueSize) != len(m.StructOps.Value):
			return nil, fmt.Errorf("map %s: %w: the kernel's %s%s is %d bytes, the loader's %d (regenerate it for this kernel)",
				m.Name, ErrStructOpsLayout, structOpsValuePrefix, m.StructOps.Type, l.ValueSize, len(m.StructOps.Value))
		case s.Sealed:
			return nil, fmt.Errorf("map %s: %w: the kernel lays struct %s out otherwise, and a sealed loader creates its maps as signed (regenerate it for this kernel)",
				m.Name, ErrStructOpsLayout, m.StructOps.Type)
		}
		out[i] = l
	}
	if out == nil {
		out = make([]*StructOpsLayout, len(s.Maps))
	}
	return out, nil
}

// structOpsValues fills res.StructOpsValues.
func (s *Spec) structOpsValues(res *Result, in ctxInputs) error {
	for i, m := range s.Maps {
		if m.StructOps == nil {
			continue
		}
		if res.StructOpsValues == nil {
			res.StructOpsValues = make([][]byte, len(s.Maps))
		}
		var v []byte
		if i < len(in.opts.InitialValues) {
			v = in.opts.InitialValues[i]
		}
		if v == nil {
			v = m.StructOps.Value
		}
		value, err := s.StructOpsValue(i, v[:len(m.StructOps.Value)], in.layouts[i], res.ProgFDs)
		if err != nil {
			return err
		}
		res.StructOpsValues[i] = value
	}
	return nil
}
