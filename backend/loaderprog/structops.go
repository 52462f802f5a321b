// This file emits the struct_ops steps of the loader. A struct_ops map is
// created with the object's BTF and the kernel's value type
// bpf_struct_ops_<type>, looked up by name when the loader runs
// (bpf_btf_find_by_name_kind: its id, and the BTF fd of a module that
// holds it); its value, laid out by the structops pass for the kernel the
// loader is generated for, lives in the blob. Once the programs are
// loaded, the loader stores each program's fd into the value at its
// member and writes the value of a .struct_ops.link map (a BPF link of it
// registers it later); a .struct_ops map registers when its value is
// written, which the run-time does on attach (rt.Map.AttachStructOps).
//
// The context's struct_ops slots (rt.Layout.StructOps) carry, for a
// kernel whose struct differs, each function pointer's member index (the
// program's expected attach type) and byte offset in the value; the data
// members come laid out for that kernel in the map's initial value. Both
// are filled by the run-time (rt/layout.go); zero keeps the generated
// layout.

package loaderprog

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// planStructOps describes the struct_ops maps the loader creates, numbers
// their function slots in the context and reserves a result slot per map
// for its value type's BTF object fd.
func (g *gen) planStructOps() error {
	obj := g.obj
	g.structOps = make([]*rt.StructOpsSpec, len(obj.Maps))
	g.progSlot = map[int]int{}
	for i, m := range obj.Maps {
		if m.StructOps == nil || m.NoAutocreate {
			continue
		}
		so := m.StructOps
		if so.State != ir.Resolved {
			return fmt.Errorf("map %s: %w: struct_ops map not laid out for a kernel (the structops pass)", m.Name, ErrInvalidObject)
		}
		spec := &rt.StructOpsSpec{
			Type: so.KernelType, Module: so.Module, Link: m.Flags&uapi.MapFlagLink != 0,
			Value: append([]byte(nil), m.Data...),
		}
		for _, mem := range so.Members {
			if mem.Missing || mem.Func && mem.Program == "" {
				continue // not in the kernel's struct, or NULL
			}
			sm := rt.StructOpsMember{Name: mem.Name, Index: mem.KernelIndex, Offset: mem.KernelOffset, Size: mem.Size, Prog: -1}
			if mem.Func {
				j := g.progIndex(mem.Program)
				if j < 0 || !obj.Programs[j].Autoload {
					return fmt.Errorf("map %s: member %s: program %s is not loaded (its autoload is off): %w", m.Name, mem.Name, mem.Program, ErrInvalidObject)
				}
				sm.Prog = j
				if _, ok := g.progSlot[j]; !ok {
					g.progSlot[j] = len(g.slots)
				}
				g.slots = append(g.slots, rt.StructOpsSlot{Map: i, Member: len(spec.Members)})
			}
			spec.Members = append(spec.Members, sm)
		}
		g.structOps[i] = spec
		g.nResults++ // the value type's BTF object fd
	}
	g.lay.StructOps = len(g.slots)
	return nil
}

// emitValueTypeLookup looks the value type of struct_ops map m up by name
// and stores its id, and the BTF fd of the module holding it (with
// BPF_F_VTYPE_BTF_OBJ_FD), into the MAP_CREATE attribute attr.
func (g *gen) emitValueTypeLookup(m *ir.Map, attr int) {
	e := &g.e
	valueType := m.StructOps.ValueType
	g.emitFindType(valueType, btf.KindStruct, "struct_ops map "+m.Name, "find "+valueType, attr+offMapVmlinuxID)
	vmlinux := e.newLabel()
	e.jumpIf(ir.JumpEq, ir.R9, 0, vmlinux)
	e.blobStore(attr+offMapVtypeObjFd, 4, ir.R9)
	e.blobLoad(ir.R9, attr+offMapFlags, 4)
	e.emit(ir.ALU32Imm(ir.ALUOr, ir.R9, int32(uapi.MapFlagVtypeBTFObjFD)))
	e.blobStore(attr+offMapFlags, 4, ir.R9)
	e.bind(vmlinux)
}

// emitStructOpsValue reserves the value of struct_ops map i in the blob
// and, unless the loader is sealed, replaces it with the context's
// initial value if one is given (the data members as the user set them,
// laid out for the running kernel).
func (g *gen) emitStructOpsValue(i int, m *ir.Map) {
	e := &g.e
	g.soValue[i] = g.b.add(initialValue(m))
	if g.opts.Sealed {
		return
	}
	g.step("bpf_copy_from_user %s (struct_ops value)", m.Name)
	keep := e.newLabel()
	e.emit(ir.Ldx(8, ir.R3, ir.R6, int16(g.lay.MapDesc(i)+rt.MapDescOffInitialValue)))
	e.jumpIf(ir.JumpEq, ir.R3, 0, keep)
	e.ldBlob(ir.R1, g.soValue[i])
	e.emit(ir.Mov64Imm(ir.R2, int32(m.ValueSize)), callHelper(uapi.HelperCopyFromUser), ir.Mov64Reg(ir.R7, ir.R0))
	g.traceResult("copy_from_user " + m.Name)
	e.checkErr(g.cleanup)
	e.bind(keep)
}

// emitAttachIndex replaces the expected attach type of struct_ops program
// j (its member index) in the PROG_LOAD attribute attr with the
// context's, if the run-time gave one.
func (g *gen) emitAttachIndex(j, attr int) {
	k, ok := g.progSlot[j]
	if !ok || g.opts.Sealed {
		return
	}
	e := &g.e
	keep := e.newLabel()
	e.emit(ir.Ldx(4, ir.R0, ir.R6, int16(g.lay.StructOpsSlot(k)+rt.StructOpsSlotOffIndex)))
	e.jumpIf(ir.JumpEq, ir.R0, 0, keep)
	e.emit(ir.ALU64Imm(ir.ALUSub, ir.R0, 1))
	e.blobStore(attr+offProgExpAttach, 4, ir.R0)
	e.bind(keep)
}

// emitStructOpsFill stores the program fds into the values of the
// struct_ops maps and writes the values of the .struct_ops.link ones.
func (g *gen) emitStructOpsFill() {
	e := &g.e
	for i, spec := range g.structOps {
		if spec == nil {
			continue
		}
		m := g.obj.Maps[i]
		value := g.soValue[i]
		g.step("struct_ops %s: program fds into the value", m.Name)
		e.emit(ir.Mov64Imm(ir.R7, -int32(unix.EINVAL)))
		for k, slot := range g.slots {
			if slot.Map != i {
				continue
			}
			mem := spec.Members[slot.Member]
			// r2 = the member's offset: the context's (+1), or the
			// generated one; bounded for the verifier.
			use := e.newLabel()
			e.emit(ir.Ldx(4, ir.R2, ir.R6, int16(g.lay.StructOpsSlot(k)+rt.StructOpsSlotOffOffset)))
			e.jumpIf(ir.JumpNE, ir.R2, 0, use)
			e.emit(ir.Mov64Imm(ir.R2, int32(mem.Offset)+1))
			e.bind(use)
			e.emit(ir.ALU64Imm(ir.ALUSub, ir.R2, 1))
			e.skipIf(ir.JumpLE, ir.R2, int32(m.ValueSize)-8, 1)
			e.jump(g.cleanup)
			e.ldBlob(ir.R1, value)
			e.emit(ir.Add64Reg(ir.R1, ir.R2))
			e.emit(ir.Ldx(4, ir.R0, ir.R6, int16(g.lay.ProgDesc(mem.Prog))))
			e.emit(ir.Stx(8, ir.R1, ir.R0, 0))
		}
		if !spec.Link {
			continue // registered by writing the value: on attach
		}
		key := g.b.reserve(4)
		attr := addAttr(&g.b, &sys.MapElemAttr{Flags: sys.UpdateAny}, sizeMapElem)
		g.step("BPF_MAP_UPDATE_ELEM %s (struct_ops value)", m.Name)
		g.emitUpdateElem(i, m, attr, key, value)
	}
}
