// This file describes struct_ops maps: a variable of the object's
// ".struct_ops" or ".struct_ops.link" section, whose struct type (e.g.
// tcp_congestion_ops, sched_ext_ops) the kernel implements with the
// object's programs. The frontend records the object's view of the struct
// (members, the programs in its function pointers, the data members'
// initial values in Map.Data); the structops pass lays it out as the
// kernel's bpf_struct_ops_<type> value.

package ir

import "github.com/bpfc/bpfc/btf"

// StructOps is what a struct_ops map (Kind MapStructOps) holds beyond its
// definition.
type StructOps struct {
	// Type is the struct's name in the object's BTF
	// ("tcp_congestion_ops"), with any ___flavor suffix.
	Type string
	// Members are the members of the object's struct, in order.
	Members []StructOpsMember
	// State is Pending until the structops pass laid the map out for the
	// target kernel, then Resolved.
	State State

	// The fields below are set by the structops pass.

	// KernelType is the kernel struct the map implements (Type without
	// its flavor suffix): the attach target (BTF STRUCT) of the map's
	// programs.
	KernelType string
	// ValueType is the kernel's value type, "bpf_struct_ops_" +
	// KernelType: the map's btf_vmlinux_value_type_id. Its size is the
	// map's value size.
	ValueType string
	// Module is the kernel module whose BTF holds both types, "" for
	// vmlinux.
	Module string
	// TypeID and ValueTypeID are the types' ids in the target's BTF
	// (vmlinux or Module), for the dump; backends look both up by name
	// in the kernel they load into.
	TypeID, ValueTypeID btf.TypeID
	// DataOffset is the byte offset of the struct (the value type's
	// member of type KernelType) inside the kernel value.
	DataOffset uint32
	// Note describes the resolution.
	Note string
}

// StructOpsMember is one member of a struct_ops map's struct.
type StructOpsMember struct {
	// Name is the member's name.
	Name string
	// Offset and Size place the member in the object's struct, in bytes.
	Offset, Size uint32
	// Func reports a function pointer.
	Func bool
	// Program is the program a function pointer is set to, "" for NULL
	// (and for data members).
	Program string
	// Extern reports that Program is not defined in the map's object: an
	// extern function another object linked with it defines (the merge
	// pass resolves it to that object's program).
	Extern bool

	// The fields below are set by the structops pass.

	// Missing reports a member the kernel's struct does not have: its
	// value is zero (or NULL), and it is left out.
	Missing bool
	// KernelIndex is the member's index in the kernel's struct: the
	// expected attach type of the program of a function pointer.
	KernelIndex int
	// KernelOffset is the member's byte offset in the kernel value (the
	// struct's DataOffset included): where its value, or the program's
	// fd, goes.
	KernelOffset uint32
}

// Funcs returns the members set to programs, in member order.
func (s *StructOps) Funcs() []*StructOpsMember {
	var fs []*StructOpsMember
	for i := range s.Members {
		if m := &s.Members[i]; m.Func && m.Program != "" {
			fs = append(fs, m)
		}
	}
	return fs
}

// Uses reports whether a function pointer of the map is set to the
// program called name.
func (s *StructOps) Uses(name string) bool {
	for _, m := range s.Members {
		if m.Func && m.Program == name {
			return true
		}
	}
	return false
}
