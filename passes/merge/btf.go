// This file merges the objects' BTF, as libbpf's linker does: every
// object's types in order; one VAR or FUNC per global symbol, the
// winner's (libbpf reuses the first and fixes it up: the result is the
// same type); one DATASEC per section name with the entries of every
// object's part at their merged offsets, extern and losing entries
// dropped; then btf.Dedup, and a string table holding the line_info and
// CO-RE access strings the records need. The IR's type ids, string
// offsets and data map values follow.

package merge

import (
	"fmt"
	"slices"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// mergeBTF builds the linked object's BTF and rewrites every type id and
// BTF string offset of out.
func (l *linker) mergeBTF(out *ir.Object) error {
	// All objects' types, ids shifted: the "global" ids below.
	n := 0
	for _, u := range l.units {
		n += len(u.types)
	}
	all := make([]btf.Type, 0, n+16)
	var ar arena
	ar.size(l.units)
	for _, u := range l.units {
		u.typeBase = btf.TypeID(len(all))
		for i := range u.types {
			c := ar.copy(&u.types[i])
			btf.RemapRefs(&c, func(id btf.TypeID) btf.TypeID {
				if id == 0 {
					return 0
				}
				return id + u.typeBase
			})
			all = append(all, c)
		}
	}
	// One VAR/FUNC per global symbol: the winner's, else the first's.
	replace := map[btf.TypeID]btf.TypeID{}
	for _, g := range l.order {
		canon := g.win
		if canon == nil || canon.btfID == 0 {
			canon = nil
			for _, d := range g.btfDecls {
				if d.btfID != 0 {
					canon = d
					break
				}
			}
		}
		if canon == nil {
			continue
		}
		to := canon.u.typeBase + canon.btfID
		for _, d := range g.btfDecls {
			if d.btfID == 0 || d.u.typeBase+d.btfID == to {
				continue
			}
			replace[d.u.typeBase+d.btfID] = to
			// An extern FUNC's prototype lacks parameter names: libbpf
			// fills them in from the definition, so that its copy
			// deduplicates with the definition's; here it goes too,
			// unless something else uses it.
			if g.kind == symFunc {
				if p, ok := l.onlyProto(d.u, d.btfID); ok {
					if cp, _ := l.onlyProto(canon.u, canon.btfID); cp != 0 {
						replace[d.u.typeBase+p] = canon.u.typeBase + cp
					}
				}
			}
		}
	}
	// Merged DATASECs, after all types.
	dsID := map[string]btf.TypeID{}
	for _, ds := range l.datasecs(out, replace) {
		all = append(all, ds)
		dsID[ds.Name] = btf.TypeID(len(all))
	}

	// Drop the replaced types, the objects' own DATASECs and the VARs of
	// the license and version sections kept from another object (as
	// libbpf does).
	dropped := map[btf.TypeID]bool{}
	for _, u := range l.units {
		for i := range u.types {
			if t := &u.types[i]; t.Kind == btf.KindDatasec && l.skipped(u, t.Name) {
				for _, vs := range t.Vars {
					dropped[u.typeBase+vs.Type] = true
				}
			}
		}
	}
	pre := make([]btf.TypeID, len(all)+1)
	nkept := 0
	for id := btf.TypeID(1); int(id) <= len(all); id++ {
		if isDropped(replace, dropped, dsID, &all[id-1], id) {
			continue
		}
		nkept++
		pre[id] = btf.TypeID(nkept)
	}
	for id := btf.TypeID(1); int(id) <= len(all); id++ {
		if pre[id] != 0 {
			continue
		}
		if to, ok := replace[id]; ok {
			pre[id] = pre[to]
		} else if t := &all[id-1]; t.Kind == btf.KindDatasec {
			pre[id] = pre[dsID[t.Name]] // 0 if the section has none left
		}
	}
	// The kept types, moved to the front of all (a kept type's new
	// index is never above its old one), their references renumbered.
	kept := all[:0]
	for id := btf.TypeID(1); int(id) <= len(all); id++ {
		if !isDropped(replace, dropped, dsID, &all[id-1], id) {
			kept = append(kept, all[id-1])
		}
	}
	for i := range kept {
		btf.RemapRefs(&kept[i], func(id btf.TypeID) btf.TypeID { return pre[id] })
	}
	// kept's slices are this function's own copies: Dedup may reuse them.
	final, remap := btf.DedupOwned(kept)

	b := btf.NewBuilder()
	b.AddAll(final)
	tid := func(u *unit, id btf.TypeID) btf.TypeID {
		if id == 0 || int(id) > len(u.types) {
			return 0
		}
		return remap[pre[u.typeBase+id]]
	}
	if err := l.retype(out, b, tid, func(name string) btf.TypeID { return remap[pre[dsID[name]]] }); err != nil {
		return err
	}
	spec, err := b.Build(out.ByteOrder)
	if err != nil {
		return fmt.Errorf("merged BTF: %w", err)
	}
	out.BTF = spec
	return nil
}

// arena holds the slices of mergeBTF's copies of the units' types: one
// block per element type instead of an allocation per slice.
type arena struct {
	members []btf.Member
	enums   []btf.EnumValue
	params  []btf.Param
	vars    []btf.VarSecinfo
}

// size allocates room for the slices of every type of units.
func (a *arena) size(units []*unit) {
	var m, e, p, v int
	for _, u := range units {
		for i := range u.types {
			t := &u.types[i]
			m, e, p, v = m+len(t.Members), e+len(t.Enums), p+len(t.Params), v+len(t.Vars)
		}
	}
	a.members = make([]btf.Member, 0, m)
	a.enums = make([]btf.EnumValue, 0, e)
	a.params = make([]btf.Param, 0, p)
	a.vars = make([]btf.VarSecinfo, 0, v)
}

// copy returns a deep copy of t (as t.Copy does) whose slices are parts of
// the arena's blocks, each capped at its length.
func (a *arena) copy(t *btf.Type) btf.Type {
	c := *t
	c.Members = carve(&a.members, t.Members)
	c.Enums = carve(&a.enums, t.Enums)
	c.Params = carve(&a.params, t.Params)
	c.Vars = carve(&a.vars, t.Vars)
	return c
}

// carve appends s to *block and returns the appended part, or nil for an
// empty s (as Type.Copy gives).
func carve[T any](block *[]T, s []T) []T {
	if len(s) == 0 {
		return nil
	}
	at := len(*block)
	*block = append(*block, s...)
	return (*block)[at:len(*block):len(*block)]
}

// isDropped reports whether mergeBTF leaves out the type t with global id
// id: replaced by another, dropped with its section, or a DATASEC other
// than the merged one of its name.
func isDropped(replace map[btf.TypeID]btf.TypeID, dropped map[btf.TypeID]bool, dsID map[string]btf.TypeID, t *btf.Type, id btf.TypeID) bool {
	if _, ok := replace[id]; ok || dropped[id] {
		return true
	}
	return t.Kind == btf.KindDatasec && dsID[t.Name] != id
}

// onlyProto returns the FUNC_PROTO of u's FUNC fn, and whether no other
// type of u refers to it.
func (l *linker) onlyProto(u *unit, fn btf.TypeID) (btf.TypeID, bool) {
	if fn == 0 || int(fn) > len(u.types) || u.types[fn-1].Kind != btf.KindFunc {
		return 0, false
	}
	p := u.types[fn-1].Type
	if p == 0 || int(p) > len(u.types) || u.types[p-1].Kind != btf.KindFuncProto {
		return 0, false
	}
	if u.refs == nil {
		u.refs = make([]int, len(u.types)+1)
		for i := range u.types {
			t := u.types[i]
			btf.ForEachRef(&t, func(id btf.TypeID) {
				if int(id) < len(u.refs) {
					u.refs[id]++
				}
			})
		}
	}
	return p, u.refs[p] == 1
}

// datasecs returns the merged DATASECs, in the order the objects first
// have them. The VARs and FUNCs of .kconfig and .ksyms externs declared
// again after the first object are replaced by the first's.
func (l *linker) datasecs(out *ir.Object, replace map[btf.TypeID]btf.TypeID) []btf.Type {
	var order []string
	merged := map[string]*btf.Type{}
	for _, u := range l.units {
		for i := range u.types {
			t := &u.types[i]
			if t.Kind != btf.KindDatasec || l.skipped(u, t.Name) {
				continue
			}
			ds := merged[t.Name]
			if ds == nil {
				ds = &btf.Type{Kind: btf.KindDatasec, Name: t.Name}
				if s := out.DataSection(t.Name); s != nil {
					ds.Size = s.Size
				}
				merged[t.Name] = ds
				order = append(order, t.Name)
			}
			l.addDatasecVars(u, ds, t, replace)
		}
	}
	var dss []btf.Type
	for _, name := range order {
		ds := merged[name]
		if len(ds.Vars) == 0 && ds.Size == 0 {
			continue // only externs, all resolved
		}
		dss = append(dss, *ds)
	}
	return dss
}

// addDatasecVars adds the entries of u's DATASEC t to the merged ds:
// .kconfig and .ksyms entries once per name (their layout is the datasec
// pass's), others at u's offset in the merged section, without extern
// VARs and the VARs of definitions that lost.
func (l *linker) addDatasecVars(u *unit, ds, t *btf.Type, replace map[btf.TypeID]btf.TypeID) {
	externs := t.Name == ".kconfig" || t.Name == ".ksyms"
	for _, vs := range t.Vars {
		if vs.Type == 0 || int(vs.Type) > len(u.types) {
			continue
		}
		vt := &u.types[vs.Type-1]
		id := vs.Type + u.typeBase
		if externs {
			k := slices.IndexFunc(ds.Vars, func(have btf.VarSecinfo) bool { return l.typeName(have.Type) == vt.Name })
			if k >= 0 {
				replace[id] = ds.Vars[k].Type
				continue
			}
			vs.Type = id
			ds.Vars = append(ds.Vars, vs)
			continue
		}
		if vt.Kind == btf.KindVar {
			if vt.Linkage == btf.LinkageExtern {
				// A partial link keeps the entries of unresolved
				// externs (an extern map's in .maps), one per name.
				if l.opts.Partial && l.resolved(vt.Name) == nil && !slices.ContainsFunc(ds.Vars, func(have btf.VarSecinfo) bool { return l.typeName(have.Type) == vt.Name }) {
					vs.Type = id
					ds.Vars = append(ds.Vars, vs)
				}
				continue
			}
			if vt.Linkage != btf.LinkageStatic && l.lost(vt.Name, u) {
				continue
			}
		}
		vs.Type = id
		vs.Offset += u.dataBase[t.Name]
		ds.Vars = append(ds.Vars, vs)
	}
}

// typeName returns the name of the type with the given global id.
func (l *linker) typeName(id btf.TypeID) string {
	for _, u := range l.units {
		if id > u.typeBase && int(id-u.typeBase) <= len(u.types) {
			return u.types[id-u.typeBase-1].Name
		}
	}
	return ""
}

// retype rewrites the type ids of out with tid (the id in the merged BTF
// of an object's type), data map values with datasec, and the string
// offsets of line_info records with strings added to b.
func (l *linker) retype(out *ir.Object, b *btf.Builder, tid func(*unit, btf.TypeID) btf.TypeID, datasec func(string) btf.TypeID) error {
	for _, fn := range out.Units() {
		u := l.fnOrigin[fn]
		fn.BTFType = tid(u, fn.BTFType)
		for i := range fn.FuncInfo {
			fn.FuncInfo[i].TypeID = tid(u, fn.FuncInfo[i].TypeID)
		}
		for _, r := range fn.CORE {
			r.TypeID = tid(u, r.TypeID)
			if _, err := b.AddString(r.Access); err != nil {
				return fmt.Errorf("%s: CO-RE access string: %w", fn.Name, err)
			}
		}
		for i := range fn.LineInfo {
			li := &fn.LineInfo[i]
			var err error
			if li.FileNameOff, err = b.AddString(li.FileName); err != nil {
				return fmt.Errorf("%s: line_info: %w", fn.Name, err)
			}
			if li.LineOff, err = b.AddString(li.Line); err != nil {
				return fmt.Errorf("%s: line_info: %w", fn.Name, err)
			}
		}
	}
	for _, m := range out.Maps {
		if m.Kind == ir.MapData {
			m.KeyType, m.ValueType = 0, datasec(m.Name)
			continue
		}
		u := l.mapOrigin[m]
		for mm := m; mm != nil; mm = mm.Inner {
			mm.KeyType, mm.ValueType = tid(u, mm.KeyType), tid(u, mm.ValueType)
		}
	}
	for _, e := range out.Externs {
		u := l.externOrigin[e]
		e.TypeID, e.LocalType = tid(u, e.TypeID), tid(u, e.LocalType)
		if e.Map != nil { // an extern map a partial link left
			e.Map = copyMap(e.Map)
			for mm := e.Map; mm != nil; mm = mm.Inner {
				mm.KeyType, mm.ValueType = tid(u, mm.KeyType), tid(u, mm.ValueType)
			}
		}
	}
	return nil
}
