// This file creates, fills and registers struct_ops maps. A struct_ops map
// (laid out by the structops pass) is created with the object's BTF and
// the kernel's value type bpf_struct_ops_<type> (btf_vmlinux_value_type_id,
// found by name in the running kernel, vmlinux or a module); once the
// programs are loaded, Load builds the kernel value with their fds at
// their members. A ".struct_ops.link" map (BPF_F_LINK, Linux 6.4+) gets
// that value at once: it registers only when a BPF link of it is created.
// A ".struct_ops" map registers when its value is written, so Load keeps
// the value for AttachStructOps (package attach registers), as libbpf's
// bpf_map__attach_struct_ops does.

package direct

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/backend/internal/mapattr"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/target"
	"github.com/bpfc/bpfc/uapi"
)

// enotsupp is the kernel's ENOTSUPP (524), which struct_ops code returns
// and which has no name in package unix.
const enotsupp = unix.Errno(524)

// structOpsKernelType returns the id of the struct called name in the
// running kernel's BTF: in vmlinux, or in module's BTF when the structops
// pass found the struct_ops type there (then with the module's BTF fd,
// which Load closes).
func (l *loader) structOpsKernelType(name, module string) (btf.TypeID, *sys.FD, error) {
	if module == "" {
		id, err := l.findKernelType(name, btf.KindStruct)
		return id, nil, err
	}
	mods, err := target.Running().ModuleBTFs()
	if err != nil {
		return 0, nil, fmt.Errorf("module BTF: %w", err)
	}
	spec, ok := mods[module]
	if !ok {
		return 0, nil, fmt.Errorf("no BTF of kernel module %s: %w", module, btf.ErrNotFound)
	}
	for _, id := range spec.FindByNameKind(name, btf.KindStruct) {
		if id >= spec.FirstID() && spec.TypeKind(id) == btf.KindStruct {
			fd, err := l.moduleBTF(module)
			if err != nil {
				return 0, nil, fmt.Errorf("module %s: %w", module, err)
			}
			return id, fd, nil
		}
	}
	return 0, nil, fmt.Errorf("module %s's BTF has no struct %q: %w", module, name, btf.ErrNotFound)
}

// createStructOpsMap creates struct_ops map m (fixed up as d).
func (l *loader) createStructOpsMap(m *ir.Map, d mapdef.Def) (*sys.FD, error) {
	so := m.StructOps
	if l.btfFD == nil {
		return nil, fmt.Errorf("%w: a struct_ops map needs the object's BTF in the kernel, and it was not loaded", ErrNotSupported)
	}
	id, modFD, err := l.structOpsKernelType(so.ValueType, so.Module)
	if err != nil {
		return nil, fmt.Errorf("struct_ops value type: %w", err)
	}
	d.VmlinuxValueType = id
	attr := mapattr.Create(d, l.btfFD.Uint(), 0)
	if modFD != nil {
		attr.ValueTypeBtfObjFd = int32(modFD.Int())
		attr.MapFlags |= uapi.MapFlagVtypeBTFObjFD
	}
	fd, err := sys.MapCreate(&attr)
	if err != nil && memlockRetry(&err) {
		fd, err = sys.MapCreate(&attr)
	}
	if errors.Is(err, enotsupp) && parseKernelBTF() {
		// The kernel knows its struct_ops types only once it parsed its
		// own BTF, which it does when it first verifies a program: a
		// struct_ops map created before that is refused.
		fd, err = sys.MapCreate(&attr)
	}
	if err != nil {
		return nil, structOpsCreateError(m, err)
	}
	return fd, nil
}

// parseKernelBTF makes the kernel parse its own BTF, as it does when it
// verifies its first program, by loading (and closing) a two-instruction
// socket filter. It reports whether the load succeeded.
func parseKernelBTF() bool {
	insns := ir.Marshal(nil, []ir.Insn{ir.Mov64Imm(ir.R0, 0), ir.Exit()}, binary.NativeEndian)
	fd, err := sys.LoadInsns(uapi.ProgTypeSocketFilter, insns, "bpfc_btf_probe")
	if err != nil {
		return false
	}
	fd.Close()
	return true
}

// structOpsCreateError explains a refused struct_ops map.
func structOpsCreateError(m *ir.Map, err error) error {
	so := m.StructOps
	switch {
	case errors.Is(err, unix.EINVAL) && m.Flags&uapi.MapFlagLink != 0:
		return fmt.Errorf("%w (a %s map, BPF_F_LINK, needs Linux 6.4; use %s on older kernels)", err, m.Section, ".struct_ops")
	case errors.Is(err, enotsupp) || errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Errorf("%w: the kernel does not create struct_ops maps of %s: %w", err, so.ValueType, ErrNotSupported)
	}
	return err
}

// structOpsValue builds the kernel value of struct_ops map m: its data
// members as the structops pass laid them out, and the fd of each loaded
// program at its function pointer.
func (l *loader) structOpsValue(m *ir.Map) ([]byte, error) {
	value := append([]byte(nil), m.Data...)
	for _, mem := range m.StructOps.Funcs() {
		if mem.Missing {
			continue
		}
		p, ok := l.coll.Programs[mem.Program]
		if !ok {
			return nil, fmt.Errorf("member %s: program %s is not loaded (its autoload is off)", mem.Name, mem.Program)
		}
		if uint64(mem.KernelOffset)+8 > uint64(len(value)) {
			return nil, fmt.Errorf("%w: member %s at +%d outside the %d-byte value", ErrInvalidObject, mem.Name, mem.KernelOffset, len(value))
		}
		binary.NativeEndian.PutUint64(value[mem.KernelOffset:], uint64(p.fd.Int()))
	}
	return value, nil
}

// fillStructOps builds the value of every struct_ops map Load created and
// writes it into the BPF_F_LINK ones, which registers nothing yet.
func (l *loader) fillStructOps() error {
	for _, def := range l.obj.Maps {
		m, ok := l.coll.Maps[def.Name]
		if !ok || def.StructOps == nil {
			continue
		}
		value, err := l.structOpsValue(def)
		if err != nil {
			return &LoadError{Object: l.obj.Name, Map: def.Name, Err: err}
		}
		m.structOps = value
		if m.Flags&uapi.MapFlagLink == 0 {
			continue
		}
		if err := sys.MapUpdateElem(m.fd, make([]byte, 4), value, sys.UpdateAny); err != nil {
			return &LoadError{Object: l.obj.Name, Map: def.Name, Err: fmt.Errorf("struct_ops value: %w", structOpsUpdateError(err))}
		}
	}
	return nil
}

// structOpsUpdateError explains a refused struct_ops value.
func structOpsUpdateError(err error) error {
	switch {
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("%w (the map is registered already)", err)
	case errors.Is(err, enotsupp):
		return fmt.Errorf("%w (ENOTSUPP: the kernel cannot build the struct_ops trampolines)", err)
	}
	return err
}

// AttachStructOps registers struct_ops map name, as libbpf's
// bpf_map__attach_struct_ops does (package attach): a ".struct_ops.link"
// map through a new BPF link (Close unregisters it, UpdateMap swaps
// another map of the same struct in, Pin keeps it after the process
// exits), a ".struct_ops" map by writing its value (Close deletes it).
// Closing the Collection does not unregister.
func (c *Collection) AttachStructOps(name string) (*attach.Link, error) {
	m, ok := c.Maps[name]
	if !ok {
		return nil, fmt.Errorf("%s: attach struct_ops: no map %q", c.Object, name)
	}
	if m.Type != uapi.MapTypeStructOps || m.structOps == nil {
		return nil, fmt.Errorf("%s: struct_ops map %s: a %v map, not a struct_ops map Load filled", c.Object, name, m.Type)
	}
	l, err := attach.StructOps(&attach.StructOpsMap{
		Name: name, Type: m.Def.StructOps.KernelType, FD: m.fd.Int(),
		Link: m.Flags&uapi.MapFlagLink != 0, Value: m.structOps,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Object, err)
	}
	return l, nil
}

// attachStructOpsMaps registers every struct_ops map of the collection, in
// map order, for Attach, and drops the programs they run from ls.Skipped.
func (c *Collection) attachStructOpsMaps(ls *attach.Links) error {
	var maps []*ir.StructOps
	for _, name := range c.MapOrder {
		m := c.Maps[name]
		if m.structOps == nil {
			continue
		}
		l, err := c.AttachStructOps(name)
		if err != nil {
			return err
		}
		ls.Links = append(ls.Links, l)
		maps = append(maps, m.Def.StructOps)
	}
	skipped := ls.Skipped[:0]
	for _, s := range ls.Skipped {
		member := false
		for _, so := range maps {
			member = member || so.Uses(s.Program)
		}
		if !member {
			skipped = append(skipped, s)
		}
	}
	ls.Skipped = skipped
	return nil
}
