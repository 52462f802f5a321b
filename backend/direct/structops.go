// This file creates, fills and registers struct_ops maps. A struct_ops map
// (laid out by the structops pass) is created with the object's BTF and
// the kernel's value type bpf_struct_ops_<type> (btf_vmlinux_value_type_id,
// found by name in the running kernel, vmlinux or a module); once the
// programs are loaded, Load builds the kernel value with their fds at
// their members. A ".struct_ops.link" map (BPF_F_LINK, Linux 6.4+) gets
// that value at once: it registers only when a BPF link of it is created.
// A ".struct_ops" map registers when its value is written, so Load keeps
// the value for AttachStructOps, as libbpf's bpf_map__attach_struct_ops
// does.

package direct

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

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

// StructOpsLink is a registered struct_ops map: a TCP congestion control
// the sockets can select, an enabled sched_ext scheduler. For a
// ".struct_ops.link" map it is a BPF link (Close unregisters, Update swaps
// the map behind it, Pin keeps it after the process exits); for a
// ".struct_ops" map the registration is the map's value, and Close
// deletes it. Closing the Collection does not unregister.
type StructOpsLink struct {
	// Map is the name of the registered map.
	Map string
	// ID is the kernel's id of the BPF link, 0 for a map registered
	// without one.
	ID uint32

	fd     *sys.FD // the BPF link, or a duplicate of the map's fd
	link   bool
	pinned string
}

// AttachStructOps registers struct_ops map name, as libbpf's
// bpf_map__attach_struct_ops does: a ".struct_ops.link" map through a new
// BPF link (BPF_LINK_CREATE), a ".struct_ops" map by writing its value.
func (c *Collection) AttachStructOps(name string) (*StructOpsLink, error) {
	m, ok := c.Maps[name]
	if !ok {
		return nil, fmt.Errorf("%s: attach struct_ops: no map %q", c.Object, name)
	}
	where := fmt.Sprintf("%s: struct_ops map %s", c.Object, name)
	if m.Type != uapi.MapTypeStructOps || m.structOps == nil {
		return nil, fmt.Errorf("%s: a %v map, not a struct_ops map Load filled", where, m.Type)
	}
	if m.Flags&uapi.MapFlagLink != 0 {
		fd, err := sys.StructOpsLinkCreate(m.fd)
		if err != nil {
			return nil, fmt.Errorf("%s: BPF_LINK_CREATE: %w", where, err)
		}
		id, err := sys.ObjID(fd)
		if err != nil {
			fd.Close()
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		return &StructOpsLink{Map: name, ID: id, fd: fd, link: true}, nil
	}
	dup, err := m.fd.Dup()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if err := sys.MapUpdateElem(dup, make([]byte, 4), m.structOps, sys.UpdateAny); err != nil {
		dup.Close()
		return nil, fmt.Errorf("%s: register (BPF_MAP_UPDATE_ELEM): %w", where, structOpsUpdateError(err))
	}
	return &StructOpsLink{Map: name, fd: dup}, nil
}

// FD returns the descriptor of the BPF link, or of the registered map for
// a ".struct_ops" map; -1 once closed. The StructOpsLink owns it.
func (s *StructOpsLink) FD() int { return s.fd.Int() }

// IsLink reports whether the registration is a BPF link.
func (s *StructOpsLink) IsLink() bool { return s.link }

// MapID returns the id of the map behind a BPF link (which Update
// changes).
func (s *StructOpsLink) MapID() (uint32, error) {
	if !s.link {
		info, err := sys.MapInfoByFD(s.fd)
		if err != nil {
			return 0, fmt.Errorf("struct_ops map %s: %w", s.Map, err)
		}
		return info.ID, nil
	}
	_, id, err := sys.StructOpsLinkMap(s.fd)
	if err != nil {
		return 0, fmt.Errorf("struct_ops link of %s: %w", s.Map, err)
	}
	return id, nil
}

// Update swaps the map behind the BPF link for m, another
// ".struct_ops.link" map of the same struct (Load wrote its value): the
// kernel replaces the registered congestion control or scheduler without a
// moment without one. A map registered without a link cannot be swapped.
func (s *StructOpsLink) Update(m *Map) error {
	if s.fd == nil {
		return fmt.Errorf("update struct_ops link of %s: closed", s.Map)
	}
	if !s.link {
		return fmt.Errorf("update struct_ops %s: %w: a .struct_ops map registers without a BPF link, which alone can be updated", s.Map, ErrNotSupported)
	}
	if m == nil || m.Type != uapi.MapTypeStructOps || m.Flags&uapi.MapFlagLink == 0 {
		return fmt.Errorf("update struct_ops link of %s: the new map must be a .struct_ops.link map", s.Map)
	}
	if err := sys.LinkUpdateMap(s.fd, m.fd, nil); err != nil {
		return fmt.Errorf("update struct_ops link of %s to map %s: BPF_LINK_UPDATE: %w", s.Map, m.Name, err)
	}
	s.Map = m.Name
	return nil
}

// Pin pins the BPF link at path (on a bpffs): the registration outlives
// the process until the pin is removed.
func (s *StructOpsLink) Pin(path string) error {
	if !s.link {
		return fmt.Errorf("pin struct_ops %s: %w: a .struct_ops map registers without a BPF link", s.Map, ErrNotSupported)
	}
	if err := sys.ObjPin(s.fd, path); err != nil {
		return fmt.Errorf("pin struct_ops link of %s: %w", s.Map, err)
	}
	s.pinned = path
	return nil
}

// Unpin removes the link's pin.
func (s *StructOpsLink) Unpin() error {
	if s.pinned == "" {
		return nil
	}
	if err := os.Remove(s.pinned); err != nil {
		return fmt.Errorf("unpin struct_ops link of %s: %w", s.Map, err)
	}
	s.pinned = ""
	return nil
}

// Close unregisters the struct_ops: it closes the BPF link (a pinned link
// stays registered through its pin), or deletes the map's value.
func (s *StructOpsLink) Close() error {
	if s == nil || s.fd == nil {
		return nil
	}
	var err error
	if !s.link {
		if err = sys.MapDeleteElem(s.fd, make([]byte, 4)); err != nil {
			err = fmt.Errorf("unregister struct_ops %s (BPF_MAP_DELETE_ELEM): %w", s.Map, err)
		}
	}
	err = errors.Join(err, s.fd.Close())
	s.fd = nil
	return err
}
