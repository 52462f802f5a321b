// Package mapattr builds the BPF_MAP_CREATE attribute of a map definition
// fixed up by package mapdef, the same way for both backends: the direct
// backend passes it to the kernel, the loader backend stores it in its
// blob. It is internal because the attribute is internal/sys's.
package mapattr

import (
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/internal/sys"
)

// Create returns the BPF_MAP_CREATE attribute for d. btfFD is the object's
// BTF fd; when it is 0 the BTF key/value type ids are left out. innerFD is
// the inner map template of a map of maps (0 otherwise).
func Create(d mapdef.Def, btfFD, innerFD uint32) sys.MapCreateAttr {
	a := sys.MapCreateAttr{
		MapType:    d.Type,
		KeySize:    d.KeySize,
		ValueSize:  d.ValueSize,
		MaxEntries: d.MaxEntries,
		MapFlags:   d.Flags,
		NumaNode:   d.NumaNode,
		MapName:    sys.NewObjName(d.KernelName),
		MapExtra:   d.MapExtra,
		InnerMapFd: innerFD,
	}
	if btfFD != 0 && (d.KeyType != 0 || d.ValueType != 0 || d.StructOps) {
		a.BtfFd = btfFD
		a.BtfKeyTypeId = uint32(d.KeyType)
		a.BtfValueTypeId = uint32(d.ValueType)
	}
	a.BtfVmlinuxValueTypeId = uint32(d.VmlinuxValueType)
	return a
}
