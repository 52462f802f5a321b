// This file builds the linked object: it places each object's part of
// every code and data section, keeps the winning definitions, renames
// static functions that collide, merges maps and externs, and rewrites the
// relocation records of the code it copies.

package merge

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// unit is one input object.
type unit struct {
	idx  int
	obj  *ir.Object
	name string
	spec *btf.Spec
	// types are the object's own types, decoded and copied, with the
	// sizes and global VAR offsets of its DATASECs filled in; typeBase
	// turns their ids into ids of all objects' types put together.
	types    []btf.Type
	typeBase btf.TypeID
	// codeBase and dataBase place the object's part of each section in
	// the merged one: the slot of its first instruction, the byte
	// offset of its first byte.
	codeBase map[string]int
	dataBase map[string]uint32
	// funcs are the object's functions by name; fnName and mapName give
	// their names in the linked object (renamed statics; winners).
	funcs   map[string]*ir.Function
	fnName  map[*ir.Function]string
	mapName map[string]string
	// refs counts the references to each of its types, made on first
	// use.
	refs []int
}

// newUnit prepares object o, the idx-th input.
func newUnit(idx int, o *ir.Object) (*unit, error) {
	u := &unit{idx: idx, obj: o, name: o.Name, spec: o.BTF,
		codeBase: map[string]int{}, dataBase: map[string]uint32{},
		funcs: map[string]*ir.Function{}, fnName: map[*ir.Function]string{}, mapName: map[string]string{}}
	for _, fn := range o.Units() {
		u.funcs[fn.Name] = fn
	}
	n := o.BTF.NumTypes()
	u.types = make([]btf.Type, 0, n-1)
	for id := btf.TypeID(1); int(id) < n; id++ {
		// The unit's own copies (DATASECs are edited), not kept in
		// the input's Spec: it is read once.
		t, err := o.BTF.TypeCopy(id)
		if err != nil {
			return nil, fmt.Errorf("BTF: %w", err)
		}
		u.types = append(u.types, t)
	}
	for i := range u.types {
		if err := u.fixDatasec(&u.types[i]); err != nil {
			return nil, fmt.Errorf("BTF datasec %s: %w", u.types[i].Name, err)
		}
	}
	return u, nil
}

// fixDatasec completes a DATASEC as libbpf's linker_fixup_btf does before
// merging: its size from the ELF section, the offsets of its global
// allocated VARs from their symbols (clang leaves both 0).
func (u *unit) fixDatasec(t *btf.Type) error {
	if t.Kind != btf.KindDatasec || t.Name == ".kconfig" || t.Name == ".ksyms" {
		return nil
	}
	sec := u.obj.DataSection(t.Name)
	if sec == nil {
		return nil // no ELF section: only externs (.maps of extern maps)
	}
	t.Size = sec.Size
	for i, vs := range t.Vars {
		if int(vs.Type) > len(u.types) || vs.Type == 0 {
			return fmt.Errorf("entry %d: type %d out of range: %w", i, vs.Type, btf.ErrInvalid)
		}
		vt := &u.types[vs.Type-1]
		if vt.Kind != btf.KindVar || vt.Linkage != btf.LinkageGlobal {
			continue
		}
		k := slices.IndexFunc(sec.Vars, func(v ir.DataVar) bool { return v.Name == vt.Name })
		if k < 0 {
			return fmt.Errorf("VAR %s: no symbol for it in section %s", vt.Name, t.Name)
		}
		t.Vars[i].Offset = sec.Vars[k].Offset
	}
	return nil
}

// varID returns the non-static VAR called name in the DATASEC of section
// sec, 0 if there is none.
func (u *unit) varID(sec, name string) btf.TypeID {
	for i := range u.types {
		t := &u.types[i]
		if t.Kind != btf.KindDatasec || t.Name != sec {
			continue
		}
		for _, vs := range t.Vars {
			if int(vs.Type) > len(u.types) || vs.Type == 0 {
				continue
			}
			vt := &u.types[vs.Type-1]
			if vt.Kind == btf.KindVar && vt.Name == name && vt.Linkage != btf.LinkageStatic {
				return vs.Type
			}
		}
	}
	return 0
}

// externFunc returns the extern FUNC called name in u's BTF, 0 if none.
func (u *unit) externFunc(name string) btf.TypeID {
	for i := range u.types {
		if t := &u.types[i]; t.Kind == btf.KindFunc && t.Name == name && t.Linkage == btf.LinkageExtern {
			return btf.TypeID(i + 1)
		}
	}
	return 0
}

// codeSize returns the number of slots of u's section sec: the end of its
// last function.
func (u *unit) codeSize(sec string) int {
	n := 0
	for _, fn := range u.obj.Units() {
		if fn.Section == sec {
			n = max(n, fn.SectionOffset+len(fn.Insns))
		}
	}
	return n
}

// link builds the linked object.
func (l *linker) link() (*ir.Object, error) {
	first := l.units[0].obj
	out := &ir.Object{Name: first.Name, ByteOrder: first.ByteOrder}
	if err := l.license(out); err != nil {
		return nil, err
	}
	l.layoutCode()
	if err := l.layoutData(out); err != nil {
		return nil, err
	}
	l.nameFunctions()
	if err := l.mergeMaps(out); err != nil {
		return nil, err
	}
	if err := l.mergeExterns(out); err != nil {
		return nil, err
	}
	if err := l.copyCode(out); err != nil {
		return nil, err
	}
	structOpsTargets(out)
	if err := l.mergeBTF(out); err != nil {
		return nil, err
	}
	return out, nil
}

// license takes the license and version every object that has one agrees
// on (libbpf's linker keeps one copy of those sections, if identical).
func (l *linker) license(out *ir.Object) error {
	var licFrom, verFrom *unit
	for _, u := range l.units {
		if o := u.obj; o.License != "" {
			if licFrom != nil && o.License != out.License {
				return fmt.Errorf("license %q in %s, %q in %s: %w", out.License, licFrom.name, o.License, u.name, ErrMismatch)
			}
			out.License, licFrom = o.License, u
		}
		if o := u.obj; o.KernVersion != 0 {
			if verFrom != nil && o.KernVersion != out.KernVersion {
				return fmt.Errorf("version %#x in %s, %#x in %s: %w", out.KernVersion, verFrom.name, o.KernVersion, u.name, ErrMismatch)
			}
			out.KernVersion, verFrom = o.KernVersion, u
		}
	}
	return nil
}

// sectionOrder returns section names in the order the objects first have
// them.
func sectionOrder[T any](l *linker, names func(u *unit) []T, name func(T) string) []string {
	var order []string
	seen := map[string]bool{}
	for _, u := range l.units {
		for _, x := range names(u) {
			if n := name(x); !seen[n] {
				seen[n] = true
				order = append(order, n)
			}
		}
	}
	return order
}

// codeSections returns u's code sections in the order of its functions.
func codeSections(u *unit) []*ir.Function {
	fns := u.obj.Units()
	slices.SortStableFunc(fns, func(a, b *ir.Function) int { return cmp.Compare(a.SectionOffset, b.SectionOffset) })
	return fns
}

// layoutCode places each object's part of every code section after the
// previous object's.
func (l *linker) layoutCode() {
	for _, sec := range sectionOrder(l, func(u *unit) []*ir.Function { return u.obj.Units() }, func(f *ir.Function) string { return f.Section }) {
		size := 0
		for _, u := range l.units {
			n := u.codeSize(sec)
			if n == 0 {
				continue
			}
			u.codeBase[sec] = size
			size += n
		}
	}
}

// layoutData places each object's part of every data section as libbpf's
// extend_sec does: at the merged size so far rounded up to the larger of
// the alignments so far and the part's own. It records the merged
// sections with their variables, but not those of weak definitions that
// lost.
func (l *linker) layoutData(out *ir.Object) error {
	for _, name := range sectionOrder(l, func(u *unit) []*ir.DataSection { return u.obj.DataSections }, func(s *ir.DataSection) string { return s.Name }) {
		ms := &ir.DataSection{Name: name, Align: 1}
		size := uint64(0)
		for _, u := range l.units {
			s := u.obj.DataSection(name)
			if s == nil || l.skipped(u, name) {
				continue
			}
			ms.Align = max(ms.Align, s.Align, 1)
			off := (size + uint64(ms.Align) - 1) / uint64(ms.Align) * uint64(ms.Align)
			if off+uint64(s.Size) > 1<<32-1 {
				return fmt.Errorf("section %s: more than 4 GiB once merged (at %s): %w", name, u.name, ErrMismatch)
			}
			u.dataBase[name] = uint32(off)
			size = off + uint64(s.Size)
			for _, v := range s.Vars {
				if l.lost(v.Name, u) {
					continue
				}
				v.Offset += uint32(off)
				if g := l.resolved(v.Name); g != nil {
					v.Hidden = g.hidden
					v.Weak = l.allWeak(g)
				}
				ms.Vars = append(ms.Vars, v)
			}
		}
		ms.Size = uint32(size)
		out.DataSections = append(out.DataSections, ms)
	}
	return nil
}

// allWeak reports whether every declaration of g is weak: libbpf makes the
// linked symbol strong as soon as one is.
func (l *linker) allWeak(g *global) bool {
	for _, d := range g.btfDecls {
		if !d.weak {
			return false
		}
	}
	return true
}

// nameFunctions decides the names of the functions kept: global ones keep
// theirs; a static one that meets a name already taken gets "name.N".
func (l *linker) nameFunctions() {
	taken := map[string]bool{}
	for _, g := range l.order {
		if g.kind == symFunc {
			taken[g.name] = true
		}
	}
	for _, u := range l.units {
		for _, fn := range codeSections(u) {
			if fn.Global {
				u.fnName[fn] = fn.Name
				continue
			}
			name := fn.Name
			if taken[name] {
				name = ir.UniqueName(name, func(n string) bool { return taken[n] })
			}
			taken[name] = true
			u.fnName[fn] = name
		}
	}
}

// mergeMaps lists the maps of the linked object in the order the frontend
// lists those of one file: legacy maps, BTF maps, then global data, each
// merged section once.
func (l *linker) mergeMaps(out *ir.Object) error {
	taken := map[string]*unit{}
	add := func(u *unit, m *ir.Map) error {
		if prev := taken[m.Name]; prev != nil {
			// libbpf's linker keeps both, but libbpf loads no static
			// map, and the IR names maps uniquely.
			return fmt.Errorf("map %s: defined in %s and in %s, static in at least one: a static map stays its object's own, but maps of a linked object need distinct names (rename one; libbpf loads no static map): %w",
				m.Name, prev.name, u.name, ErrConflict)
		}
		taken[m.Name] = u
		l.mapOrigin[m] = u
		out.Maps = append(out.Maps, m)
		return nil
	}
	for _, kind := range []ir.MapKind{ir.MapLegacy, ir.MapBTF} {
		for _, u := range l.units {
			for _, m := range u.obj.Maps {
				if m.Kind != kind {
					continue
				}
				c := l.placeMap(u, m)
				if c == nil {
					continue
				}
				if err := add(u, c); err != nil {
					return err
				}
			}
		}
	}
	// Slots name programs and maps: winners keep their names.
	for _, m := range out.Maps {
		for i, s := range m.Slots {
			if g := l.resolved(s.Target); g != nil && g.kind == symFunc {
				m.Slots[i].Target = g.name
			}
		}
	}
	for _, name := range sectionOrder(l, func(u *unit) []*ir.Map { return u.obj.Maps }, func(m *ir.Map) string {
		if m.Kind != ir.MapData {
			return ""
		}
		return m.Name
	}) {
		if name == "" {
			continue
		}
		m, err := l.mergeData(out, name)
		if err != nil {
			return err
		}
		if err := add(l.units[0], m); err != nil {
			return err
		}
	}
	// struct_ops maps last, as the frontend lists them, their function
	// pointers set to the programs' names in the linked object.
	for _, u := range l.units {
		for _, m := range u.obj.Maps {
			if m.Kind != ir.MapStructOps {
				continue
			}
			c := l.placeMap(u, m)
			if c == nil {
				continue
			}
			for i := range c.StructOps.Members {
				mem := &c.StructOps.Members[i]
				if !mem.Func || mem.Program == "" {
					continue
				}
				if mem.Extern && l.opts.Partial && l.resolved(mem.Program) == nil {
					continue // for another link
				}
				name, err := l.funcName(u, mem.Program, mem.Extern)
				if err != nil {
					return fmt.Errorf("%s: struct_ops map %s: member %s: %w", u.name, m.Name, mem.Name, err)
				}
				mem.Program, mem.Extern = name, false
			}
			if err := add(u, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// funcName returns the name in the linked object of the function u calls
// name: an extern's definition, the winner of a global one, a static one
// as nameFunctions renamed it.
func (l *linker) funcName(u *unit, name string, extern bool) (string, error) {
	if extern {
		if g := l.resolved(name); g != nil {
			return g.name, nil
		}
		return "", fmt.Errorf("extern function %s: no object defines it: %w", name, ErrUnresolved)
	}
	fn := u.funcs[name]
	if fn == nil {
		return "", fmt.Errorf("unknown function %s", name)
	}
	if fn.Global {
		if g := l.resolved(fn.Name); g != nil {
			return g.name, nil
		}
	}
	return u.fnName[fn], nil
}

// copyMap returns a copy of m safe to edit.
func copyMap(m *ir.Map) *ir.Map {
	c := *m
	c.Slots = slices.Clone(m.Slots)
	c.Data = slices.Clone(m.Data)
	if m.Inner != nil {
		c.Inner = copyMap(m.Inner)
	}
	if m.StructOps != nil {
		so := *m.StructOps
		so.Members = slices.Clone(so.Members)
		c.StructOps = &so
	}
	return &c
}

// mergeData merges the global data maps of section name: the objects'
// initial values placed as layoutData placed their sections.
func (l *linker) mergeData(out *ir.Object, name string) (*ir.Map, error) {
	ms := out.DataSection(name)
	var merged *ir.Map
	var from *unit
	for _, u := range l.units {
		m, _ := u.obj.Map(name)
		if m == nil || m.Kind != ir.MapData {
			continue
		}
		u.mapName[name] = name
		if merged == nil {
			merged, from = copyMap(m), u
			merged.Data = nil
			if ms != nil {
				merged.ValueSize = ms.Size
			}
		} else if m.Type != merged.Type || m.Flags != merged.Flags || m.ReadOnly != merged.ReadOnly || (m.Data == nil) != (from.dataOf(name) == nil) {
			return nil, fmt.Errorf("section %s: kinds differ in %s and %s (read-only, zero-initialised): %w", name, from.name, u.name, ErrMismatch)
		}
		if m.Data != nil {
			if merged.Data == nil {
				merged.Data = make([]byte, merged.ValueSize)
			}
			base, ok := u.dataBase[name]
			if !ok || int(base)+len(m.Data) > len(merged.Data) {
				return nil, fmt.Errorf("section %s of %s: not placed in the merged section", name, u.name)
			}
			copy(merged.Data[base:], m.Data)
		}
	}
	return merged, nil
}

// globalMap reports whether m has a global (or weak) symbol in u.
func (u *unit) globalMap(m *ir.Map) bool {
	s := u.obj.DataSection(m.Section)
	return s != nil && slices.ContainsFunc(s.Vars, func(v ir.DataVar) bool { return v.Name == m.Name })
}

// dataOf returns the initial value of u's data map name.
func (u *unit) dataOf(name string) []byte {
	m, _ := u.obj.Map(name)
	return m.Data
}

// mergeExterns keeps the externs the linked object still has: .kconfig
// and .ksyms ones, one per name, and called functions no object defines
// (kfuncs). Externs resolved to definitions are gone.
func (l *linker) mergeExterns(out *ir.Object) error {
	byName := map[string]*ir.Extern{}
	from := map[string]*unit{}
	for _, u := range l.units {
		for _, e := range u.obj.Externs {
			switch e.Kind {
			case ir.ExternVar, ir.ExternMap:
				if !l.opts.Partial || l.resolved(e.Name) != nil {
					continue
				}
			case ir.ExternKfunc:
				if e.Section == "" && l.resolved(e.Name) != nil {
					continue
				}
			}
			if prev := byName[e.Name]; prev != nil {
				pu := from[e.Name]
				if prev.Kind != e.Kind || prev.Section != e.Section {
					return fmt.Errorf("extern %s: a %s extern in %s of %s, a %s extern in %s of %s: %w",
						e.Name, prev.Kind, sectionName(prev), pu.name, e.Kind, sectionName(e), u.name, ErrMismatch)
				}
				if prev.TypeID != 0 && e.TypeID != 0 {
					if ok, why := compatible(pu.spec, prev.TypeID, u.spec, e.TypeID, true); !ok {
						return fmt.Errorf("extern %s: type %q in %s and %q in %s are incompatible (%s): %w",
							e.Name, describe(pu.spec, prev.TypeID), pu.name, describe(u.spec, e.TypeID), u.name, why, ErrMismatch)
					}
				}
				prev.Weak = prev.Weak && e.Weak
				prev.Hidden = prev.Hidden || e.Hidden
				continue
			}
			c := *e
			byName[e.Name], from[e.Name] = &c, u
			l.externOrigin[&c] = u
			out.Externs = append(out.Externs, &c)
		}
	}
	return nil
}

func sectionName(e *ir.Extern) string {
	if e.Section == "" {
		return "no section"
	}
	return e.Section
}

// structOpsTargets sets the attach target of every struct_ops program to
// the "struct:member" it is set in, as the frontend does for one object
// (the last such member): a program may be set in another object's map.
func structOpsTargets(out *ir.Object) {
	for _, p := range out.Programs {
		if p.Type == uapi.ProgTypeStructOps {
			p.AttachTo = ""
		}
	}
	for _, m := range out.Maps {
		if m.StructOps == nil {
			continue
		}
		for _, mem := range m.StructOps.Funcs() {
			if p := out.Program(mem.Program); p != nil && p.Type == uapi.ProgTypeStructOps {
				p.AttachTo = m.StructOps.Type + ":" + mem.Name
			}
		}
	}
}

// copyCode copies the code of every function kept into the linked object:
// programs and subprograms by section, then object, then offset, with
// their relocation records rewritten.
func (l *linker) copyCode(out *ir.Object) error {
	secs := sectionOrder(l, func(u *unit) []*ir.Function { return codeSections(u) }, func(f *ir.Function) string { return f.Section })
	for _, sec := range secs {
		for _, u := range l.units {
			for _, fn := range codeSections(u) {
				if fn.Section != sec || fn.Global && l.lost(fn.Name, u) {
					continue
				}
				c, err := l.copyFunction(u, fn)
				if err != nil {
					return fmt.Errorf("%s: section %q: function %s: %w", u.name, sec, fn.Name, err)
				}
				if p := u.obj.Program(fn.Name); p != nil && &p.Function == fn {
					cp := *p
					cp.Function = *c
					cp.Linked = nil
					out.Programs = append(out.Programs, &cp)
					l.fnOrigin[&cp.Function] = u
				} else {
					out.Subprogs = append(out.Subprogs, c)
					l.fnOrigin[c] = u
				}
			}
		}
	}
	return nil
}

// copyFunction moves fn of u, placed and renamed, into the linked object,
// its records rewritten in place (Objects consumes its inputs).
func (l *linker) copyFunction(u *unit, fn *ir.Function) (*ir.Function, error) {
	c := *fn
	c.Name = u.fnName[fn]
	c.SectionOffset += u.codeBase[fn.Section]
	if fn.Global {
		if g := l.resolved(fn.Name); g != nil {
			c.Hidden = g.hidden
			c.Weak = l.allWeak(g)
		}
	}
	for _, r := range c.Relocs {
		if err := l.relocate(u, &c, r); err != nil {
			return nil, fmt.Errorf("insn %d: %w", r.Insn, err)
		}
	}
	return &c, nil
}

// relocate rewrites one relocation record of u's code for the linked
// object.
func (l *linker) relocate(u *unit, fn *ir.Function, r *ir.Reloc) error {
	switch r.Kind {
	case ir.RelocCall, ir.RelocFunc:
		target := u.funcs[r.Symbol]
		if target == nil {
			return fmt.Errorf("%s of unknown function %s", r.Kind, r.Symbol)
		}
		if target.Global {
			if g := l.resolved(target.Name); g != nil {
				r.Symbol = g.name
				return nil
			}
		}
		r.Symbol = u.fnName[target]
	case ir.RelocMap:
		name, ok := u.mapName[r.Symbol]
		if !ok {
			return fmt.Errorf("reference to unknown map %s", r.Symbol)
		}
		r.Symbol = name
	case ir.RelocMapValue:
		sec, off, err := l.dataRef(u, r.Symbol, r.Offset)
		if err != nil {
			return err
		}
		r.Symbol, r.Offset = sec, off
	case ir.RelocExtern:
		e := u.obj.Extern(r.Symbol)
		if e == nil {
			return fmt.Errorf("reference to unknown extern %s", r.Symbol)
		}
		g := l.resolved(e.Name)
		switch {
		case g == nil && (e.Kind == ir.ExternVar || e.Kind == ir.ExternMap):
			if !l.opts.Partial {
				return fmt.Errorf("reference to extern %s %s, which no object defines: %w", e.Kind, e.Name, ErrUnresolved)
			}
			// Left for another link.
		case e.Kind == ir.ExternVar:
			w := g.win
			r.Kind, r.Symbol = ir.RelocMapValue, w.sec
			r.Offset += int64(w.u.dataBase[w.sec]) + int64(w.v.Offset)
		case e.Kind == ir.ExternMap:
			r.Kind, r.Symbol = ir.RelocMap, g.name
		case e.Kind == ir.ExternKfunc && e.Section == "" && g != nil:
			if !fn.Insns[r.Insn].IsPseudoCall() {
				return fmt.Errorf("reference to function %s (defined in %s) by an instruction that is not a bpf2bpf call", e.Name, g.win.u.name)
			}
			r.Kind, r.Symbol, r.Offset = ir.RelocCall, g.name, 0
		}
	}
	return nil
}

// dataRef places the byte off of u's data section sec in the linked
// object: in u's part of the merged section, or, inside a weak variable
// that another object's definition replaced, in the winner.
func (l *linker) dataRef(u *unit, sec string, off int64) (string, int64, error) {
	base, ok := u.dataBase[sec]
	if !ok {
		return "", 0, fmt.Errorf("reference to section %s, which the object does not have", sec)
	}
	if s := u.obj.DataSection(sec); s != nil {
		for _, v := range s.Vars {
			if off < int64(v.Offset) || off >= int64(v.Offset)+int64(max(v.Size, 1)) || !l.lost(v.Name, u) {
				continue
			}
			w := l.resolved(v.Name).win
			return w.sec, int64(w.u.dataBase[w.sec]) + int64(w.v.Offset) + off - int64(v.Offset), nil
		}
	}
	return sec, int64(base) + off, nil
}

// placeMap names u's map m in the linked object and returns its copy at
// its place in the merged sections, or nil when another unit's definition
// of the global map wins.
func (l *linker) placeMap(u *unit, m *ir.Map) *ir.Map {
	u.mapName[m.Name] = m.Name
	if u.globalMap(m) && l.lost(m.Name, u) {
		return nil
	}
	c := copyMap(m)
	c.Offset += u.dataBase[m.Section]
	return c
}
