// This file is the structops pass. It lays every struct_ops map out for
// the target kernel, as libbpf's bpf_map__init_kern_struct_ops does: the
// kernel implements struct T (tcp_congestion_ops, sched_ext_ops) with a
// map whose value is struct bpf_struct_ops_T (a header, then T), found in
// vmlinux or module BTF. The object's T is translated member by member,
// by name: a function pointer's program gets T as its attach target and
// the member's index in the kernel's T as its expected attach type; a
// data member's initial value is copied to the member's place in the
// kernel value; a member the kernel's T does not have must be zero (or
// NULL), and is left out.
//
// The pass also decides which struct_ops programs load, as libbpf's
// bpf_object_adjust_struct_ops_autoload does: a program used by maps
// loads when one of them is created, and a program no map uses cannot
// load at all.
//
// The layout is the target's (the running kernel, or -btf FILE): a loader
// program carries it to the kernel it runs on. Type ids are not kept: the
// backends look T and its value type up by name where they load.

package passes

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// ErrStructOpsMismatch is wrapped when a struct_ops map or program cannot
// be laid out for the kernel's struct: a member the kernel does not have
// is set, a member's kind or size differs, a function pointer holds a
// program that is not a struct_ops program, or a program is used by two
// different members.
var ErrStructOpsMismatch = errors.New("struct_ops map does not fit the kernel's struct")

// structOpsValuePrefix prefixes the name of a struct_ops map's value type
// in kernel BTF.
const structOpsValuePrefix = "bpf_struct_ops_"

// structOpsSupport is a kernel type that exists where the kernel has
// struct_ops (5.6+, BPF_JIT): the map that implements them.
const structOpsSupport = "bpf_struct_ops_map"

func runStructOps(ctx *Context, obj *ir.Object) error {
	r := &externResolver{ctx: ctx, obj: obj}
	for _, m := range obj.Maps {
		if m.StructOps == nil || m.NoAutocreate || m.StructOps.State != ir.Pending {
			continue
		}
		if err := layoutStructOps(r, obj, m); err != nil {
			return fmt.Errorf("struct_ops map %s (section %q, struct %s): %w", m.Name, m.Section, m.StructOps.Type, err)
		}
	}
	return structOpsPrograms(obj)
}

// structOpsPrograms sets the attach target of every struct_ops program
// used by a created map, and its autoload (unless the user set it): a
// program only maps that are not created use does not load; a program no
// map uses cannot load.
func structOpsPrograms(obj *ir.Object) error {
	for _, p := range obj.Programs {
		if p.Type != uapi.ProgTypeStructOps {
			continue
		}
		used, created := false, false
		var first *ir.Map
		var firstMem *ir.StructOpsMember
		for _, m := range obj.Maps {
			if m.StructOps == nil || !m.StructOps.Uses(p.Name) {
				continue
			}
			used = true
			if m.NoAutocreate {
				continue
			}
			created = true
			for i := range m.StructOps.Members {
				mem := &m.StructOps.Members[i]
				if !mem.Func || mem.Program != p.Name {
					continue
				}
				if first == nil {
					first, firstMem = m, mem
					p.AttachBTFKind = btf.KindStruct
					p.AttachBTFName = m.StructOps.KernelType
					p.ExpectedAttachType = uapi.AttachType(mem.KernelIndex)
					continue
				}
				if m.StructOps.KernelType != first.StructOps.KernelType || mem.KernelIndex != firstMem.KernelIndex {
					return fmt.Errorf("program %s (section %q): used by %s.%s (struct %s member %d) and %s.%s (struct %s member %d): a struct_ops program serves one member of one struct: %w",
						p.Name, p.Section, first.Name, firstMem.Name, first.StructOps.KernelType, firstMem.KernelIndex,
						m.Name, mem.Name, m.StructOps.KernelType, mem.KernelIndex, ErrStructOpsMismatch)
				}
			}
		}
		switch {
		case used:
			if !p.AutoloadSet {
				p.Autoload = created
			}
		case p.Autoload:
			return fmt.Errorf("program %s (section %q): a struct_ops program that no struct_ops map uses cannot be loaded (set it in a map's function pointer, or turn its autoload off): %w",
				p.Name, p.Section, ErrStructOpsMismatch)
		}
	}
	return nil
}

// layoutStructOps lays struct_ops map m out for the target kernel.
func layoutStructOps(r *externResolver, obj *ir.Object, m *ir.Map) error {
	so := m.StructOps
	if obj.BTF == nil {
		return fmt.Errorf("struct_ops maps need the object's BTF: %w", ErrNotSupported)
	}
	if r.ctx.Target == nil {
		return fmt.Errorf("laying a struct_ops map out needs the target kernel's BTF, and there is no target: %w", ErrNotSupported)
	}
	kernelType := btf.EssentialName(so.Type)
	valueType := structOpsValuePrefix + kernelType
	spec, mod, vid, err := r.findKernelType(valueType, btf.KindStruct)
	if err != nil {
		return err
	}
	if vid == 0 {
		return r.noStructOpsType(kernelType, valueType)
	}
	vt, err := spec.Type(vid)
	if err != nil {
		return err
	}
	tid := firstOfKind(spec, kernelType, btf.KindStruct, 0)
	if tid == 0 {
		return fmt.Errorf("%s has %s but no struct %s: %w", where(mod), valueType, kernelType, ErrNotFound)
	}
	kt, err := spec.Type(tid)
	if err != nil {
		return err
	}
	dataOff := -1
	for _, vm := range vt.Members {
		if vm.Type == tid {
			dataOff = int(vm.BitOffset / 8)
			break
		}
	}
	if dataOff < 0 {
		return fmt.Errorf("%s's %s has no member of type struct %s: %w", where(mod), valueType, kernelType, ErrNotFound)
	}

	value := make([]byte, vt.Size)
	funcs, datas, left := 0, 0, 0
	for i := range so.Members {
		mem := &so.Members[i]
		local := m.Data[mem.Offset : mem.Offset+mem.Size]
		ki, km := -1, btf.Member{}
		for j, c := range kt.Members {
			if c.Name == mem.Name {
				ki, km = j, c
				break
			}
		}
		if ki < 0 {
			switch {
			case mem.Program != "":
				return fmt.Errorf("member %s is set to program %s, but the kernel's struct %s has no member %s: %w", mem.Name, mem.Program, kernelType, mem.Name, ErrStructOpsMismatch)
			case !allZero(local):
				return fmt.Errorf("member %s is set (% x), but the kernel's struct %s has no member %s: %w", mem.Name, local, kernelType, mem.Name, ErrStructOpsMismatch)
			}
			mem.Missing = true
			left++
			continue
		}
		if km.BitfieldSize != 0 || km.BitOffset%8 != 0 {
			return fmt.Errorf("member %s is a bitfield in the kernel's struct %s: %w", mem.Name, kernelType, ErrNotSupported)
		}
		mem.Missing = false
		mem.KernelIndex = ki
		mem.KernelOffset = uint32(dataOff) + km.BitOffset/8
		if err := checkStructOpsMember(obj, spec, m, mem, km, kernelType); err != nil {
			return err
		}
		if mem.Func {
			funcs++
			continue
		}
		datas++
		if uint64(mem.KernelOffset)+uint64(mem.Size) > uint64(len(value)) {
			return fmt.Errorf("member %s at +%d does not fit the %d-byte %s: %w", mem.Name, mem.KernelOffset, len(value), valueType, btf.ErrInvalid)
		}
		copy(value[mem.KernelOffset:], local)
	}

	m.Data = value
	m.ValueSize = vt.Size
	so.KernelType, so.ValueType, so.Module = kernelType, valueType, mod
	so.TypeID, so.ValueTypeID, so.DataOffset = tid, vid, uint32(dataOff)
	so.State = ir.Resolved
	so.Note = fmt.Sprintf("%d function pointers, %d data members", funcs, datas)
	if left > 0 {
		so.Note += fmt.Sprintf(", %d member(s) the kernel does not have left out", left)
	}
	return nil
}

// checkStructOpsMember checks that the object's member mem fits the
// kernel's member km (libbpf's checks): the same kind once modifiers and
// typedefs are skipped, a function pointer where the object has one (set
// to a struct_ops program), the same size for data.
func checkStructOpsMember(obj *ir.Object, spec *btf.Spec, m *ir.Map, mem *ir.StructOpsMember, km btf.Member, kernelType string) error {
	localID, err := localMemberType(obj, m, mem.Name)
	if err != nil {
		return err
	}
	lk, err := skippedKind(obj.BTF, localID)
	if err != nil {
		return err
	}
	kid, err := spec.Skip(km.Type)
	if err != nil {
		return err
	}
	kk := spec.TypeKind(kid)
	if lk != kk {
		return fmt.Errorf("member %s is a %s, but a %s in the kernel's struct %s: %w", mem.Name, lk, kk, kernelType, ErrStructOpsMismatch)
	}
	if lk == btf.KindPtr {
		if mem.Program == "" {
			return nil
		}
		if p := obj.Program(mem.Program); p.Type != uapi.ProgTypeStructOps {
			return fmt.Errorf("member %s is set to program %s (section %q), a %s program, not a struct_ops program: %w",
				mem.Name, p.Name, p.Section, p.Type, ErrStructOpsMismatch)
		}
		target, err := spec.Type(kid)
		if err != nil {
			return err
		}
		fp, err := spec.Skip(target.Type)
		if err != nil {
			return err
		}
		if spec.TypeKind(fp) != btf.KindFuncProto {
			return fmt.Errorf("member %s is set to program %s, but it is not a function pointer in the kernel's struct %s: %w", mem.Name, mem.Program, kernelType, ErrStructOpsMismatch)
		}
		return nil
	}
	ksize, err := spec.Sizeof(km.Type)
	if err != nil {
		return err
	}
	if ksize != mem.Size {
		return fmt.Errorf("member %s is %d bytes, but %d in the kernel's struct %s: %w", mem.Name, mem.Size, ksize, kernelType, ErrStructOpsMismatch)
	}
	return nil
}

// localMemberType returns the type of member name of a struct_ops map's
// struct in the object's BTF.
func localMemberType(obj *ir.Object, m *ir.Map, name string) (btf.TypeID, error) {
	st, err := obj.BTF.Type(m.ValueType)
	if err != nil {
		return 0, err
	}
	for _, mem := range st.Members {
		if mem.Name == name {
			return mem.Type, nil
		}
	}
	return 0, fmt.Errorf("struct %s has no member %s: %w", st.Name, name, btf.ErrInvalid)
}

// skippedKind returns the kind of id with modifiers and typedefs skipped.
func skippedKind(spec *btf.Spec, id btf.TypeID) (btf.Kind, error) {
	sid, err := spec.Skip(id)
	if err != nil {
		return 0, err
	}
	return spec.TypeKind(sid), nil
}

// noStructOpsType explains a missing struct_ops value type: the kernel has
// no struct_ops at all, or not for this struct.
func (r *externResolver) noStructOpsType(kernelType, valueType string) error {
	vmlinux, err := r.targetBTF()
	if err != nil {
		return err
	}
	if firstOfKind(vmlinux, structOpsSupport, btf.KindStruct, 0) == 0 {
		return fmt.Errorf("the kernel has no struct_ops support (no struct %s in its BTF; struct_ops came in Linux 5.6 and need a JIT): %w", structOpsSupport, ErrNotSupported)
	}
	return fmt.Errorf("the kernel implements no struct_ops for struct %s (no struct %s in vmlinux or module BTF): %w", kernelType, valueType, ErrNotFound)
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool { return len(bytes.Trim(b, "\x00")) == 0 }
