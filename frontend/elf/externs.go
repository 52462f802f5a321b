// This file collects extern symbols (undefined symbols of the object) for
// the externs pass: Kconfig variables in .kconfig (and LINUX_* values),
// kernel variables (ksyms) and kernel functions (kfuncs) in .ksyms, as the
// object's BTF DATASECs describe them; and the symbols only inline
// assembly refers to ("r0 = MY_CONST ll"), which no BTF describes and
// nothing calls: constants the user sets, as cilium/ebpf reads them.

package elf

import (
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/ir"
)

// Names of the BTF DATASECs clang puts externs in.
const (
	kconfigSec = ".kconfig"
	ksymsSec   = ".ksyms"
	mapsSec    = ".maps"
)

// externBTF is where an extern's BTF VAR or FUNC lives.
type externBTF struct {
	sec  string
	info btf.VarSecinfo
}

// readExterns creates an Extern for every named undefined symbol: .kconfig
// and .ksyms externs by their DATASEC, maps declared extern in .maps (with
// their declared definition), and variables defined in another object
// (an extern VAR anywhere else). Externs that BTF does not classify wait
// for finishExterns.
func (rd *reader) readExterns() error {
	byName := make(map[string]externBTF)
	for _, sec := range []string{kconfigSec, ksymsSec, mapsSec} {
		_, ds, err := rd.datasec(sec)
		if err != nil {
			return err
		}
		if ds == nil {
			continue
		}
		for _, v := range ds.Vars {
			if name := rd.spec.TypeName(v.Type); name != "" {
				if _, dup := byName[name]; !dup || sec != mapsSec {
					byName[name] = externBTF{sec: sec, info: v}
				}
			}
		}
	}
	for k := 1; k < len(rd.syms); k++ {
		s := &rd.syms[k]
		if s.Section != elffile.SHN_UNDEF || s.Name == "" {
			continue
		}
		switch s.Type() {
		case elffile.STT_SECTION, elffile.STT_FILE:
			continue
		}
		if rd.opsExterns[s.Name] {
			// Another object's program a struct_ops map names: the
			// map's member records it (ir.StructOpsMember.Extern).
			continue
		}
		vis := s.Visibility()
		e := &ir.Extern{Name: s.Name, Weak: s.Bind() == elffile.STB_WEAK, State: ir.Pending,
			Hidden: vis == elffile.STV_HIDDEN || vis == elffile.STV_INTERNAL}
		where := func() string { return "extern " + s.Name } // the errors' context
		if b, ok := byName[s.Name]; ok && b.sec == mapsSec {
			if err := rd.externMap(e, b.info.Type); err != nil {
				return fmt.Errorf("%s: %w", where(), err)
			}
		} else if ok {
			e.Section, e.TypeID = b.sec, b.info.Type
			e.Offset, e.Size = b.info.Offset, b.info.Size
			switch rd.spec.TypeKind(b.info.Type) {
			case btf.KindFunc:
				if b.sec != ksymsSec {
					return fmt.Errorf("%s: function in DATASEC %s, want %s: %w", where(), b.sec, ksymsSec, ErrBadExtern)
				}
				e.Kind, e.Typed = ir.ExternKfunc, true
			case btf.KindVar:
				v, err := rd.spec.Type(b.info.Type)
				if err != nil {
					return fmt.Errorf("%s: %w: %w", where(), err, ErrBadBTF)
				}
				under, err := rd.spec.Skip(v.Type)
				if err != nil {
					return fmt.Errorf("%s: %w: %w", where(), err, ErrBadBTF)
				}
				e.Typed = under != 0
				e.Kind = ir.ExternKsym
				if b.sec == kconfigSec {
					e.Kind = ir.ExternKconfig
				}
			default:
				return fmt.Errorf("%s: BTF type %d in DATASEC %s is a %s, not a var or func: %w",
					where(), b.info.Type, b.sec, rd.spec.TypeKind(b.info.Type), ErrBadBTF)
			}
		} else if strings.HasPrefix(s.Name, "LINUX_") {
			e.Kind, e.Section = ir.ExternKconfig, kconfigSec
		} else if id := rd.externVar(s.Name); id != 0 {
			// An extern variable of another object: clang puts it in
			// no DATASEC.
			e.Kind, e.TypeID = ir.ExternVar, id
		}
		rd.externs[k] = e
		rd.obj.Externs = append(rd.obj.Externs, e)
	}
	return nil
}

// externMap makes e the declaration of a map defined in another object:
// the VAR var of the .maps DATASEC, whose type is the map's definition.
func (rd *reader) externMap(e *ir.Extern, varID btf.TypeID) error {
	v, err := rd.spec.Type(varID)
	if err != nil {
		return fmt.Errorf("%w: %w", err, ErrBadBTF)
	}
	if v.Kind != btf.KindVar {
		return fmt.Errorf("BTF type %d in DATASEC %s is a %s, not a var: %w", varID, mapsSec, v.Kind, ErrBadBTF)
	}
	m, _, err := rd.mapDef(e.Name, v.Type, true)
	if err != nil {
		return fmt.Errorf("declared in %s: %w", mapsSec, err)
	}
	m.Section = mapsSec
	e.Kind, e.Section, e.TypeID, e.Map = ir.ExternMap, mapsSec, varID, m
	return nil
}

// externVar returns the id of the extern VAR called name, 0 if none.
func (rd *reader) externVar(name string) btf.TypeID {
	if rd.spec == nil {
		return 0
	}
	for _, id := range rd.spec.FindByNameKind(name, btf.KindVar) {
		if t, err := rd.spec.Type(id); err == nil && t.Linkage == btf.LinkageExtern {
			return id
		}
	}
	return 0
}

// markCalled records that extern e is the target of a call: without BTF to
// say otherwise, it is a kfunc, in no section (it was not declared
// __ksym). Such a function has an extern FUNC in BTF but no DATASEC entry:
// that FUNC becomes the kfunc's type, so that the datasec pass makes it
// acceptable to the kernel and the externs pass checks its prototype.
func (rd *reader) markCalled(e *ir.Extern) {
	if e.Kind != 0 {
		return
	}
	e.Kind = ir.ExternKfunc
	if rd.spec == nil || e.TypeID != 0 {
		return
	}
	for _, id := range rd.spec.FindByNameKind(e.Name, btf.KindFunc) {
		if t, err := rd.spec.Type(id); err == nil && t.Kind == btf.KindFunc && t.Linkage == btf.LinkageExtern {
			e.TypeID, e.Typed = id, true
			return
		}
	}
}

// finishExterns classifies the externs that neither BTF nor a call did: a
// symbol that only ld_imm64 instructions refer to and that the object's
// BTF does not mention at all is an inline-assembly constant; anything
// else is an error.
func (rd *reader) finishExterns() error {
	for _, e := range rd.obj.Externs {
		if e.Kind != 0 {
			continue
		}
		if rd.loaded[e] && !rd.btfNames(e.Name) {
			e.Kind = ir.ExternConst
			continue
		}
		return fmt.Errorf("extern %s: no BTF VAR or FUNC in DATASEC %s or %s, not called, and not a constant of inline assembly: cannot tell what it is: %w",
			e.Name, kconfigSec, ksymsSec, ErrBadExtern)
	}
	return nil
}

// btfNames reports whether the object's BTF has a VAR or FUNC called name.
func (rd *reader) btfNames(name string) bool {
	if rd.spec == nil {
		return false
	}
	return len(rd.spec.FindByNameKind(name, btf.KindVar)) > 0 || len(rd.spec.FindByNameKind(name, btf.KindFunc)) > 0
}
