// Package merge is bpfc's static linker: it merges the IR of several BPF
// objects (the files of `bpfc a.o b.o`) into one object, as libbpf's
// linker (`bpftool gen object out.o a.o b.o`) merges their ELF files,
// before any other pass runs.
//
// The rules are libbpf's:
//   - a global symbol (function, variable, map) has at most one strong
//     definition; a strong definition wins over weak ones, the first weak
//     one wins when all are weak, and two strong ones are an error naming
//     both files;
//   - extern functions, variables and maps resolve by name to the
//     definition of another object, and their BTF types must agree
//     (a mismatch is an error naming the symbol and both types); an
//     extern map's definition must equal the map's;
//   - __hidden symbols link like any global one, and stay hidden in the
//     result (invisible outside it: libbpf loads hidden functions as
//     static); static functions and variables stay their object's own;
//   - sections of one name (code, .data, .rodata, .bss, .data.*, .maps,
//     maps) are concatenated, each object's part aligned as its section
//     asks; license and version must agree;
//   - .kconfig and .ksyms externs of one name become one;
//   - the BTF of every object is merged and deduplicated (btf.Dedup), and
//     func_info, line_info and CO-RE records follow their code.
//
// A weak definition that loses is dropped (libbpf keeps its code in the
// section, dead, and its data bytes, unnamed): references to it go to the
// winner. Static functions whose name another function has are renamed
// "name.N" (ir.UniqueName), because the IR names functions uniquely.
//
// This file holds the entry point and the resolution of global symbols;
// layout.go places code and data, btf.go merges the BTF.
package merge

import (
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
)

// Sentinel errors; every error of the package wraps one of them. The
// objects to link are inconsistent: each is a kind of
// errs.ErrInvalidObject, except ErrUnresolved, a kind of errs.ErrNotFound.
var (
	// ErrConflict is returned for two strong definitions of one symbol,
	// or definitions of different kinds (a function and a variable).
	ErrConflict error = &errs.Sentinel{Msg: "conflicting definitions", Parent: &errs.InvalidObject}
	// ErrMismatch is returned when declarations of one symbol have
	// incompatible types or map definitions, or sections of one name
	// cannot be merged (license, section kinds).
	ErrMismatch error = &errs.Sentinel{Msg: "declarations do not match", Parent: &errs.InvalidObject}
	// ErrUnresolved is returned for an extern variable or map that no
	// input defines.
	ErrUnresolved error = &errs.Sentinel{Msg: "unresolved extern", Parent: &errs.NotFound}
	// ErrNoBTF is returned when an object to link has no BTF: the types
	// of global symbols cannot be checked without it.
	ErrNoBTF error = &errs.Sentinel{Msg: "object without BTF", Parent: &errs.InvalidObject}
)

// symKind says what a global symbol is.
type symKind uint8

const (
	symFunc symKind = iota + 1
	symVar
	symMap
)

func (k symKind) String() string {
	switch k {
	case symFunc:
		return "function"
	case symVar:
		return "variable"
	case symMap:
		return "map"
	}
	return "symbol"
}

// decl is one object's definition or extern declaration of a global
// symbol.
type decl struct {
	u    *unit
	weak bool
	// btfID is the VAR or FUNC of the symbol in u's BTF (0 if none).
	btfID btf.TypeID
	// One of these, for a definition.
	fn  *ir.Function
	sec string // data section of a variable or map
	v   ir.DataVar
	m   *ir.Map
	// def is the declared definition of an extern map.
	def *ir.Map
}

// global is a global symbol of the linked object.
type global struct {
	name string
	kind symKind
	// win is the winning definition, nil while only declared.
	win *decl
	// first is the first declaration or definition seen: later ones
	// are checked against it.
	first  *decl
	hidden bool
	// btfDecls are the VARs/FUNCs of every declaration, which become
	// the winner's in the merged BTF.
	btfDecls []*decl
}

// Options are the choices of one link.
type Options struct {
	// Partial allows externs no input defines (variables, maps, the
	// programs of struct_ops maps), as libbpf's linker does: they stay
	// externs of the linked object, for another link to resolve. Such
	// an object can only be written back as ELF (backend/elfobj), not
	// loaded.
	Partial bool
}

// linker is the state of one merge.
type linker struct {
	opts    Options
	units   []*unit
	globals map[string]*global
	order   []*global
	// Where each function, map and extern of the linked object came
	// from, for its type ids.
	fnOrigin     map[*ir.Function]*unit
	mapOrigin    map[*ir.Map]*unit
	externOrigin map[*ir.Extern]*unit
}

// Objects links units into one object, named after the first. One unit is
// returned as it is, once checked for externs that only linking resolves.
// Several are consumed: their code and records move into the linked
// object, rewritten, so they must not be used afterwards.
func Objects(units []*ir.Object) (*ir.Object, error) {
	return Link(units, Options{})
}

// Link links units as Objects does, with opts.
func Link(units []*ir.Object, opts Options) (*ir.Object, error) {
	if len(units) == 0 {
		return nil, errors.New("merge: no objects")
	}
	if len(units) == 1 {
		if opts.Partial {
			return units[0], nil
		}
		return units[0], checkSingle(units[0])
	}
	l := &linker{opts: opts, globals: map[string]*global{}, fnOrigin: map[*ir.Function]*unit{},
		mapOrigin: map[*ir.Map]*unit{}, externOrigin: map[*ir.Extern]*unit{}}
	for i, o := range units {
		if o.ByteOrder != units[0].ByteOrder {
			return nil, fmt.Errorf("%s: byte order %v, but %s is %v: %w", o.Name, o.ByteOrder, units[0].Name, units[0].ByteOrder, ErrMismatch)
		}
		if o.BTF == nil {
			return nil, fmt.Errorf("%s: no .BTF: linking needs the BTF of every object to check its global symbols: %w", o.Name, ErrNoBTF)
		}
		if len(o.Inputs) > 0 || len(o.ModuleSlots) > 0 {
			return nil, fmt.Errorf("%s: already past the merge pass", o.Name)
		}
		u, err := newUnit(i, o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Name, err)
		}
		l.units = append(l.units, u)
	}
	for _, u := range l.units {
		if err := l.collect(u); err != nil {
			return nil, err
		}
	}
	if err := l.checkResolved(); err != nil {
		return nil, err
	}
	return l.link()
}

// checkSingle refuses a lone object with extern variables or maps, which
// only another object could define.
func checkSingle(o *ir.Object) error {
	for _, e := range o.Externs {
		if e.Kind == ir.ExternVar || e.Kind == ir.ExternMap {
			return fmt.Errorf("%s: extern %s %s: not defined in the object, and no other object is linked with it: %w", o.Name, e.Kind, e.Name, ErrUnresolved)
		}
	}
	for _, m := range o.Maps {
		if mem := externMember(m); mem != nil {
			return fmt.Errorf("%s: section %s: struct_ops map %s: member %s: extern function %s: not defined in the object, and no other object is linked with it: %w",
				o.Name, m.Section, m.Name, mem.Name, mem.Program, ErrUnresolved)
		}
	}
	return nil
}

// externMember returns the first member of struct_ops map m set to an
// extern function, nil if none is.
func externMember(m *ir.Map) *ir.StructOpsMember {
	if m.StructOps == nil {
		return nil
	}
	for i := range m.StructOps.Members {
		if mem := &m.StructOps.Members[i]; mem.Extern {
			return mem
		}
	}
	return nil
}

// collect records the global symbols u defines and declares.
func (l *linker) collect(u *unit) error {
	for _, fn := range u.obj.Units() {
		if !fn.Global {
			continue
		}
		d := &decl{u: u, weak: fn.Weak, btfID: fn.BTFType, fn: fn}
		if err := l.define(fn.Name, symFunc, d, fn.Hidden); err != nil {
			return err
		}
	}
	for _, ds := range u.obj.DataSections {
		if l.skipped(u, ds.Name) {
			continue
		}
		kind := symVar
		if ds.Name == ".maps" || ir.IsLegacyMapsSection(ds.Name) {
			kind = symMap
		}
		for _, v := range ds.Vars {
			if ir.IsLegacyMapsSection(ds.Name) && v.Size == 0 {
				// The frontend sizes such a definition by dividing the
				// section among its symbols, which merging changes.
				return fmt.Errorf("%s: legacy map %s: symbol without a size: cannot be linked: %w", u.name, v.Name, errs.ErrNotSupported)
			}
			d := &decl{u: u, weak: v.Weak, sec: ds.Name, v: v, btfID: u.varID(ds.Name, v.Name)}
			if kind == symMap {
				if d.m, _ = u.obj.Map(v.Name); d.m == nil {
					return fmt.Errorf("%s: section %s: symbol %s is no map", u.name, ds.Name, v.Name)
				}
			}
			if err := l.define(v.Name, kind, d, v.Hidden); err != nil {
				return err
			}
		}
	}
	declared := map[string]bool{}
	for _, m := range u.obj.Maps {
		if m.StructOps == nil {
			continue
		}
		for _, mem := range m.StructOps.Members {
			if !mem.Extern || declared[mem.Program] {
				continue
			}
			declared[mem.Program] = true
			d := &decl{u: u, btfID: u.externFunc(mem.Program)}
			if err := l.declare(mem.Program, symFunc, d, false); err != nil {
				return err
			}
		}
	}
	for _, e := range u.obj.Externs {
		var kind symKind
		switch {
		case e.Kind == ir.ExternVar:
			kind = symVar
		case e.Kind == ir.ExternMap:
			kind = symMap
		case e.Kind == ir.ExternKfunc && e.Section == "":
			// A called function of no DATASEC: another object's, or
			// a kfunc if none defines it.
			kind = symFunc
		default:
			continue
		}
		d := &decl{u: u, weak: e.Weak, btfID: e.TypeID, def: e.Map}
		if err := l.declare(e.Name, kind, d, e.Hidden); err != nil {
			return err
		}
	}
	return nil
}

// lookup returns the global called name, checking its kind.
func (l *linker) lookup(name string, kind symKind, d *decl) (*global, error) {
	g := l.globals[name]
	if g == nil {
		g = &global{name: name, kind: kind, first: d}
		l.globals[name] = g
		l.order = append(l.order, g)
		return g, nil
	}
	if g.kind != kind {
		return nil, fmt.Errorf("symbol %s: a %s in %s, a %s in %s: %w", name, g.kind, g.first.u.name, kind, d.u.name, ErrConflict)
	}
	return g, nil
}

// define records a definition of name.
func (l *linker) define(name string, kind symKind, d *decl, hidden bool) error {
	g, err := l.record(name, kind, d, hidden)
	if err != nil {
		return err
	}
	switch {
	case g.win == nil:
		g.win = d
	case !g.win.weak && !d.weak:
		return fmt.Errorf("%s %s: strong definitions in %s and %s (one of them must be __weak): %w", kind, name, g.win.u.name, d.u.name, ErrConflict)
	case g.win.weak && !d.weak:
		g.win = d
	}
	return nil
}

// declare records an extern declaration of name.
func (l *linker) declare(name string, kind symKind, d *decl, hidden bool) error {
	_, err := l.record(name, kind, d, hidden)
	return err
}

// record finds name's global, checks d against it and adds d to its
// declarations: what a definition and an extern declaration both do.
func (l *linker) record(name string, kind symKind, d *decl, hidden bool) (*global, error) {
	g, err := l.lookup(name, kind, d)
	if err != nil {
		return nil, err
	}
	if err := l.check(g, d); err != nil {
		return nil, err
	}
	g.hidden = g.hidden || hidden
	g.btfDecls = append(g.btfDecls, d)
	return g, nil
}

// check compares a new declaration or definition of g with the first.
func (l *linker) check(g *global, d *decl) error {
	f := g.first
	if f == d {
		return nil
	}
	if f.sec != "" && d.sec != "" && f.sec != d.sec {
		// libbpf: "section mismatch" (or, in 1.1, a crash).
		return fmt.Errorf("%s %s: in section %s in %s, %s in %s: %w", g.kind, g.name, f.sec, f.u.name, d.sec, d.u.name, ErrMismatch)
	}
	if g.kind == symMap && (f.m != nil || f.def != nil) && (d.m != nil || d.def != nil) {
		fm, dm := f.m, d.m
		if fm == nil {
			fm = f.def
		}
		if dm == nil {
			dm = d.def
		}
		if fm.Kind == ir.MapBTF || dm.Kind == ir.MapBTF {
			if fm.Kind != dm.Kind {
				return fmt.Errorf("map %s: a %s map in %s, a %s map in %s: %w", g.name, fm.Kind, f.u.name, dm.Kind, d.u.name, ErrMismatch)
			}
			if why := mapsAgree(fm, f.u.spec, dm, d.u.spec); why != "" {
				return fmt.Errorf("map %s: definitions in %s and %s differ: %s: %w", g.name, f.u.name, d.u.name, why, ErrMismatch)
			}
			return nil
		}
	}
	if f.btfID == 0 || d.btfID == 0 {
		if f.btfID == 0 && d.btfID == 0 && g.kind == symMap {
			return nil // legacy maps of objects without BTF for them
		}
		missing := f
		if f.btfID != 0 {
			missing = d
		}
		return fmt.Errorf("%s %s: no BTF type for it in %s, so its declarations in %s and %s cannot be checked: %w",
			g.kind, g.name, missing.u.name, f.u.name, d.u.name, ErrNoBTF)
	}
	if ok, why := compatible(f.u.spec, f.btfID, d.u.spec, d.btfID, true); !ok {
		return fmt.Errorf("%s %s: type %q in %s and %q in %s are incompatible (%s): %w",
			g.kind, g.name, describe(f.u.spec, f.btfID), f.u.name, describe(d.u.spec, d.btfID), d.u.name, why, ErrMismatch)
	}
	return nil
}

// checkResolved fails for extern variables and maps nothing defines, and
// for struct_ops maps set to functions that are no other object's
// programs.
func (l *linker) checkResolved() error {
	for _, g := range l.order {
		if g.win == nil && g.kind != symFunc && !l.opts.Partial { // a function: a kfunc, for the externs pass
			return fmt.Errorf("extern %s %s (declared in %s): no object defines it: %w", g.kind, g.name, g.first.u.name, ErrUnresolved)
		}
	}
	for _, u := range l.units {
		for _, m := range u.obj.Maps {
			if m.StructOps == nil {
				continue
			}
			for _, mem := range m.StructOps.Members {
				if !mem.Extern {
					continue
				}
				where := fmt.Sprintf("%s: section %s: struct_ops map %s: member %s: extern function %s", u.name, m.Section, m.Name, mem.Name, mem.Program)
				g := l.resolved(mem.Program)
				if g == nil && l.opts.Partial {
					continue
				}
				if g == nil {
					return fmt.Errorf("%s: no object defines it: %w", where, ErrUnresolved)
				}
				if p := g.win.u.obj.Program(g.name); p == nil || &p.Function != g.win.fn {
					return fmt.Errorf("%s: defined in %s as a subprogram, not a program (a struct_ops/ section): %w", where, g.win.u.name, ErrMismatch)
				}
			}
		}
	}
	return nil
}

// skipped reports whether u's section sec is left out: the license and
// version sections are kept once, from the first object that has them
// (link checks that the others agree).
func (l *linker) skipped(u *unit, sec string) bool {
	if sec != "license" && sec != "version" {
		return false
	}
	for _, o := range l.units[:u.idx] {
		if o.obj.DataSection(sec) != nil {
			return true
		}
	}
	return false
}

// resolved returns the global name resolves to, when it is defined.
func (l *linker) resolved(name string) *global {
	if g := l.globals[name]; g != nil && g.win != nil {
		return g
	}
	return nil
}

// lost reports whether d is a definition another object's replaced.
func (l *linker) lost(name string, u *unit) bool {
	g := l.resolved(name)
	return g != nil && g.win.u != u
}
