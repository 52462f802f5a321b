// This file adopts maps and programs that something else created for an
// object (a loader program run by backend/loaderprog/rt), so that they are
// shown, used, pinned and closed through the same Collection as those Load
// creates.

package direct

import (
	"fmt"

	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
)

// Adopt returns a Collection of the maps and programs of obj that were
// created elsewhere, such as by a loader program (rt.Load's Result):
// mapFDs[i] is the descriptor of obj.Maps[i], progFDs[j] that of
// obj.Programs[j], or negative for a program that was not loaded. Adopt
// takes ownership of every descriptor it is given: the Collection closes
// them, and when Adopt fails it has closed them already.
//
// It asks the kernel for each object's id, sizes, flags and BTF ids, and
// fails with ErrInvalidObject when the counts or the types differ from
// obj's.
func Adopt(obj *ir.Object, mapFDs, progFDs []int) (_ *Collection, err error) {
	coll := &Collection{Maps: map[string]*Map{}, Programs: map[string]*Program{}}
	// Own every descriptor first, so that every error path closes all.
	var owned []*sys.FD
	own := func(raw int) *sys.FD {
		if raw < 0 {
			return nil
		}
		fd, err := sys.NewFD(raw)
		if err != nil {
			return nil
		}
		owned = append(owned, fd)
		return fd
	}
	mfds := make([]*sys.FD, len(mapFDs))
	for i, raw := range mapFDs {
		mfds[i] = own(raw)
	}
	pfds := make([]*sys.FD, len(progFDs))
	for j, raw := range progFDs {
		pfds[j] = own(raw)
	}
	defer func() {
		if err != nil {
			for _, fd := range owned {
				fd.Close()
			}
		}
	}()

	if obj == nil {
		return nil, fmt.Errorf("%w: nil object", ErrInvalidObject)
	}
	coll.Object = obj.Name
	if len(mapFDs) != len(obj.Maps) || len(progFDs) != len(obj.Programs) {
		return nil, fmt.Errorf("%s: %w: %d map and %d program descriptors for %d maps and %d programs",
			obj.Name, ErrInvalidObject, len(mapFDs), len(progFDs), len(obj.Maps), len(obj.Programs))
	}
	for i, def := range obj.Maps {
		if mfds[i] == nil {
			return nil, &LoadError{Object: obj.Name, Map: def.Name, Err: fmt.Errorf("%w: no descriptor (%d)", ErrInvalidObject, mapFDs[i])}
		}
		m, err := adoptMap(obj.Name, def, mfds[i])
		if err != nil {
			return nil, &LoadError{Object: obj.Name, Map: def.Name, Err: err}
		}
		if _, dup := coll.Maps[m.Name]; dup {
			return nil, &LoadError{Object: obj.Name, Map: def.Name, Err: fmt.Errorf("%w: map name %q used twice", ErrInvalidObject, m.Name)}
		}
		coll.Maps[m.Name] = m
		coll.MapOrder = append(coll.MapOrder, m.Name)
	}
	for j, def := range obj.Programs {
		if pfds[j] == nil {
			continue
		}
		p, err := adoptProgram(def, pfds[j])
		if err != nil {
			return nil, &LoadError{Object: obj.Name, Program: def.Name, Section: def.Section, Err: err}
		}
		if _, dup := coll.Programs[p.Name]; dup {
			return nil, &LoadError{Object: obj.Name, Program: def.Name, Section: def.Section, Err: fmt.Errorf("%w: program name %q used twice", ErrInvalidObject, p.Name)}
		}
		coll.Programs[p.Name] = p
		coll.ProgramOrder = append(coll.ProgramOrder, p.Name)
	}
	return coll, nil
}

// adoptMap describes the map fd created for def from the kernel's info.
func adoptMap(objName string, def *ir.Map, fd *sys.FD) (*Map, error) {
	info, err := sys.MapInfoByFD(fd)
	if err != nil {
		return nil, err
	}
	if info.Type != def.Type {
		return nil, fmt.Errorf("%w: descriptor of a %s map, the object's is %s", ErrInvalidObject, info.Type, def.Type)
	}
	return &Map{
		Name: def.Name, KernelName: mapdef.KernelName(objName, def), Def: def,
		Type: info.Type, KeySize: info.KeySize, ValueSize: info.ValueSize, MaxEntries: info.MaxEntries, Flags: info.MapFlags,
		BTFKeyType: btf.TypeID(info.BTFKeyTypeID), BTFValueType: btf.TypeID(info.BTFValueTypeID),
		ID: info.ID, fd: fd,
	}, nil
}

// adoptProgram describes the program fd loaded for def from the kernel's
// info.
func adoptProgram(def *ir.Program, fd *sys.FD) (*Program, error) {
	info, err := sys.ProgInfoByFD(fd)
	if err != nil {
		return nil, err
	}
	if info.Type != def.Type {
		return nil, fmt.Errorf("%w: descriptor of a %s program, the object's is %s", ErrInvalidObject, info.Type, def.Type)
	}
	return &Program{
		Name: def.Name, Section: def.Section, KernelName: mapdef.ProgramKernelName(def.Name),
		Type: info.Type, AttachType: def.ExpectedAttachType, AttachTo: def.AttachTo, AttachBTFID: btf.TypeID(info.AttachBTFID),
		ID: info.ID, fd: fd,
	}, nil
}
