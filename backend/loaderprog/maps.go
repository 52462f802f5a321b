// This file emits the map steps of the loader: BPF_MAP_CREATE (inner map
// template first), a global-data map's initial value (MAP_UPDATE_ELEM,
// replaced by one from the context if given) and MAP_FREEZE, and the
// initial slots of prog arrays and maps of maps.

package loaderprog

import (
	"fmt"
	"math"

	"github.com/bpfc/bpfc/backend/internal/mapattr"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// initialValue returns the value a global-data map starts with.
func initialValue(m *ir.Map) []byte {
	v := make([]byte, m.ValueSize)
	copy(v, m.Data)
	return v
}

// createAttr returns the MAP_CREATE attribute of m, fixed up as the
// direct backend does it. The fds (BTF, inner map template) are stored in
// it at run time.
func (g *gen) createAttr(m *ir.Map) (sys.MapCreateAttr, error) {
	// Sizes left 0 are set in the context before the loader runs (rt
	// checks that they are).
	d, err := mapdef.Fixup(g.obj.Name, m)
	if err != nil {
		return sys.MapCreateAttr{}, err
	}
	a := mapattr.Create(d, 0, 0)
	if g.hasBTF {
		a.BtfKeyTypeId, a.BtfValueTypeId = uint32(d.KeyType), uint32(d.ValueType)
	}
	return a, nil
}

// emitCreate emits the MAP_CREATE step of m; index is m's map index, or
// -1 for an inner map template (whose fd goes to the stack).
func (g *gen) emitCreate(m *ir.Map, index int, inner bool) error {
	a, err := g.createAttr(m)
	if err != nil {
		return err
	}
	e := &g.e
	attr := addAttr(&g.b, &a, sizeMapCreate)
	structOps := m.StructOps != nil
	if structOps {
		if !g.hasBTF {
			return fmt.Errorf("%w: a struct_ops map needs the object's BTF", ErrInvalidObject)
		}
		g.emitValueTypeLookup(m, attr)
	}
	if index < 0 {
		g.step("BPF_MAP_CREATE %s (inner map template)", m.Name)
	} else {
		g.step("BPF_MAP_CREATE %s", m.Name)
	}
	if a.BtfValueTypeId != 0 || a.BtfKeyTypeId != 0 || structOps {
		e.stackToBlob(attr+offMapBtfFd, stackBTF)
	}
	if inner {
		e.stackToBlob(attr+offMapInnerFD, stackInner)
	}
	if index >= 0 && !structOps && (!g.opts.Sealed || mapdef.EntriesPerCPU(m)) {
		// A sealed loader keeps the signed sizes, but a perf event array
		// declared without max_entries is sized for the machine it runs on.
		e.ctxToBlob(attr+offMapMaxEntries, 4, g.lay.MapDesc(index)+rt.MapDescOffMaxEntries, true)
		if !m.Kind.IsGlobalData() && !g.opts.Sealed {
			g.sizeOverride(attr, attr+offMapKeySize, g.lay.MapSizes(index)+rt.MapSizesOffKey, a.KeySize)
			g.sizeOverride(attr, attr+offMapValueSize, g.lay.MapSizes(index)+rt.MapSizesOffValue, a.ValueSize)
		}
	}
	e.sysBPF(sys.CmdMapCreate, attr, sizeMapCreate)
	g.traceResult("map_create " + m.Name)
	e.checkErr(g.cleanup)
	if index < 0 {
		e.emit(ir.Stx(4, ir.R10, ir.R7, stackInner))
	} else {
		e.blobStore(g.mapFD(index), 4, ir.R7)
	}
	return nil
}

// sizeOverride emits the replacement of a map size of the MAP_CREATE
// attribute attr (at blob byte off) by the context's u32 at ctxOff when
// that is neither 0 nor the generated size gen: the map is then created
// without BTF key and value types, which may no longer fit (libbpf creates
// such a map without them once the kernel refused it).
func (g *gen) sizeOverride(attr, off, ctxOff int, gen uint32) {
	e := &g.e
	keep := e.newLabel()
	e.emit(ir.Ldx(4, ir.R0, ir.R6, int16(ctxOff)))
	e.jumpIf(ir.JumpEq, ir.R0, 0, keep)
	if gen <= math.MaxInt32 {
		e.jumpIf(ir.JumpEq, ir.R0, int32(gen), keep)
	}
	e.blobStore(off, 4, ir.R0)
	e.blobStoreImm(attr+offMapBtfKeyID, 4, 0)
	e.blobStoreImm(attr+offMapBtfValueID, 4, 0)
	e.bind(keep)
}

func (g *gen) emitMap(i int, m *ir.Map) error {
	if m.NoAutocreate {
		return nil // its descriptor stays -1
	}
	e := &g.e
	mapInMap := mapdef.IsMapInMap(m.Type)
	if mapInMap {
		if m.Inner == nil {
			return fmt.Errorf("%w: map of maps without an inner map definition", ErrInvalidObject)
		}
		if err := g.emitCreate(m.Inner, -1, false); err != nil {
			return fmt.Errorf("inner map: %w", err)
		}
	}
	if err := g.emitCreate(m, i, mapInMap); err != nil {
		return err
	}
	if mapInMap {
		e.closeStack(stackInner)
	}
	if m.StructOps != nil {
		g.emitStructOpsValue(i, m)
		return nil
	}
	if !m.Kind.IsGlobalData() {
		return nil
	}
	if m.MaxEntries != 1 || m.KeySize != 4 {
		return fmt.Errorf("%w: global data map must have one 4-byte key", ErrInvalidObject)
	}
	if uint32(len(m.Data)) > m.ValueSize {
		return fmt.Errorf("%w: initial data is %d bytes, value_size %d", ErrInvalidObject, len(m.Data), m.ValueSize)
	}
	value := g.b.add(initialValue(m))
	key := g.b.reserve(4)
	attr := addAttr(&g.b, &sys.MapElemAttr{Flags: sys.UpdateAny}, sizeMapElem)
	g.step("BPF_MAP_UPDATE_ELEM %s (initial value)", m.Name)
	if !g.opts.Sealed {
		// An initial value in the context replaces the generated one
		// (not in a sealed loader: its signature covers the value).
		keep := e.newLabel()
		e.emit(ir.Ldx(8, ir.R3, ir.R6, int16(g.lay.MapDesc(i)+rt.MapDescOffInitialValue)))
		e.jumpIf(ir.JumpEq, ir.R3, 0, keep)
		e.ldBlob(ir.R1, value)
		e.emit(ir.Mov64Imm(ir.R2, int32(m.ValueSize)), callHelper(uapi.HelperCopyFromUser), ir.Mov64Reg(ir.R7, ir.R0))
		g.traceResult("copy_from_user " + m.Name)
		e.checkErr(g.cleanup)
		e.bind(keep)
	}
	g.emitUpdateElem(i, m, attr, key, value)
	if m.ReadOnly {
		attr := addAttr(&g.b, &sys.MapElemAttr{}, sizeMapElem)
		g.step("BPF_MAP_FREEZE %s", m.Name)
		e.blobLoad(ir.R0, g.mapFD(i), 4)
		e.blobStore(attr+offElemMapFd, 4, ir.R0)
		e.sysBPF(sys.CmdMapFreeze, attr, sizeMapElem)
		g.traceResult("map_freeze " + m.Name)
		e.checkErr(g.cleanup)
	}
	return nil
}

// emitUpdateElem emits BPF_MAP_UPDATE_ELEM of map i (m) with the
// MapElemAttr at blob offset attr: the key and value at blob offsets key
// and value.
func (g *gen) emitUpdateElem(i int, m *ir.Map, attr, key, value int) {
	e := &g.e
	e.blobLoad(ir.R0, g.mapFD(i), 4)
	e.blobStore(attr+offElemMapFd, 4, ir.R0)
	e.relStore(attr+offElemKey, key)
	e.relStore(attr+offElemValue, value)
	e.sysBPF(sys.CmdMapUpdateElem, attr, sizeMapElem)
	g.traceResult("map_update_elem " + m.Name)
	e.checkErr(g.cleanup)
}

// emitSlots fills the initial entries of a prog array or map of maps.
func (g *gen) emitSlots(i int, m *ir.Map) error {
	e := &g.e
	for _, s := range m.Slots {
		var load func()
		if pi := g.progIndex(s.Target); pi >= 0 {
			if !g.obj.Programs[pi].Autoload {
				continue // not loaded: the slot stays empty, as with the direct backend
			}
			off := int16(g.lay.ProgDesc(pi))
			load = func() { e.emit(ir.Ldx(4, ir.R0, ir.R6, off)) }
		} else if _, mi := g.obj.Map(s.Target); mi >= 0 {
			load = func() { e.blobLoad(ir.R0, g.mapFD(mi), 4) }
		} else {
			return fmt.Errorf("%w: slot %d refers to unknown %s", ErrInvalidObject, s.Index, s.Target)
		}
		if m.KeySize != 4 {
			return fmt.Errorf("%w: initial slots need a 4-byte key, have %d", errNotSupported, m.KeySize)
		}
		kb := make([]byte, 4)
		hostOrder().PutUint32(kb, s.Index)
		key := g.b.add(kb)
		value := g.b.reserve(4)
		attr := addAttr(&g.b, &sys.MapElemAttr{Flags: sys.UpdateAny}, sizeMapElem)
		g.step("BPF_MAP_UPDATE_ELEM %s[%d] = %s", m.Name, s.Index, s.Target)
		load()
		e.blobStore(value, 4, ir.R0)
		e.blobLoad(ir.R0, g.mapFD(i), 4)
		e.blobStore(attr+offElemMapFd, 4, ir.R0)
		e.relStore(attr+offElemKey, key)
		e.relStore(attr+offElemValue, value)
		e.sysBPF(sys.CmdMapUpdateElem, attr, sizeMapElem)
		g.traceResult(fmt.Sprintf("map_update_elem %s[%d]", m.Name, s.Index))
		e.checkErr(g.cleanup)
	}
	return nil
}
