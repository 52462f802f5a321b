// This file writes the IR's stable text form: the format of the golden
// files under testdata/golden and of `bpfc -emit=ir`. It shows every
// instruction, every relocation record with its state, every map with its
// definition and initial contents, and BTF only as far as it is referenced.

package ir

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/uapi"
)

// MaxDataDump is the number of initial-value bytes of a map shown in the
// text form; the rest is elided.
const MaxDataDump = 256

// Dump writes the text form of obj to w.
func Dump(w io.Writer, obj *Object) error {
	var b bytes.Buffer
	d := dumper{b: &b, obj: obj}
	d.object()
	_, err := w.Write(b.Bytes())
	return err
}

// String returns the text form of obj.
func (o *Object) String() string {
	var b strings.Builder
	_ = Dump(&b, o)
	return b.String()
}

type dumper struct {
	b   *bytes.Buffer
	obj *Object
}

func (d *dumper) f(format string, args ...any) { fmt.Fprintf(d.b, format, args...) }

// typ describes a BTF type id briefly: "[12 struct task_struct]".
func (d *dumper) typ(id btf.TypeID) string {
	if id == 0 {
		return "[0 void]"
	}
	if d.obj.BTF == nil {
		return fmt.Sprintf("[%d]", id)
	}
	kind := d.obj.BTF.TypeKind(id)
	name := d.obj.BTF.TypeName(id)
	if name == "" {
		name = "(anon)"
	}
	return fmt.Sprintf("[%d %s %s]", id, kind, name)
}

func (d *dumper) object() {
	o := d.obj
	d.f("object %s\n", o.Name)
	d.f("license %q\n", o.License)
	d.f("version %#x\n", o.KernVersion)
	if o.BTF != nil {
		d.f("btf %d types\n", o.BTF.NumTypes()-1)
	} else {
		d.f("btf none\n")
	}
	for i, m := range o.ModuleSlots {
		d.f("module btf %s fd_array[%d]\n", m, o.ModuleSlot(i))
	}
	for i, m := range o.Maps {
		d.b.WriteString("\n")
		d.mapDef(i, m, "")
	}
	for _, e := range o.Externs {
		d.b.WriteString("\n")
		d.extern(e)
	}
	for _, p := range o.Programs {
		d.b.WriteString("\n")
		d.program(p)
	}
	for _, f := range o.Subprogs {
		d.b.WriteString("\n")
		link := "static"
		if f.Global {
			link = "global"
		}
		d.f("subprog %s section %q offset %d %s%s type %s", f.Name, f.Section, f.SectionOffset, link, symFlags(f), d.typ(f.BTFType))
		if f.Global && d.obj.BTF != nil && f.BTFType != 0 {
			// A hidden global function the datasec pass made static.
			if t, err := d.obj.BTF.Type(f.BTFType); err == nil && t.Kind == btf.KindFunc && t.Linkage == btf.LinkageStatic {
				d.f(" btf_linkage static")
			}
		}
		d.b.WriteString("\n")
		d.code(&f.Code)
	}
}

// symFlags writes a function's binding and visibility when they are not
// the usual: " weak", " hidden".
func symFlags(f *Function) string {
	s := ""
	if f.Weak {
		s += " weak"
	}
	if f.Hidden {
		s += " hidden"
	}
	return s
}

func (d *dumper) mapDef(i int, m *Map, indent string) {
	if i >= 0 {
		d.f("%smap #%d %s kind %s section %q\n", indent, i, m.Name, m.Kind, m.Section)
	} else {
		d.f("%sinner map %s\n", indent, m.Name)
	}
	d.f("%s  type %s key %d value %d max_entries %d flags %#x", indent, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, uint32(m.Flags))
	if m.NumaNode != 0 {
		d.f(" numa_node %d", m.NumaNode)
	}
	if m.MapExtra != 0 {
		d.f(" map_extra %#x", m.MapExtra)
	}
	if m.Pinning != 0 {
		d.f(" pinning %d", m.Pinning)
	}
	if m.ReadOnly {
		d.f(" readonly")
	}
	if m.NoAutocreate {
		d.f(" noautocreate")
	}
	d.b.WriteString("\n")
	if m.KeyType != 0 || m.ValueType != 0 {
		d.f("%s  btf key %s value %s\n", indent, d.typ(m.KeyType), d.typ(m.ValueType))
	}
	if m.Inner != nil {
		d.mapDef(-1, m.Inner, indent+"  ")
	}
	for _, s := range m.Slots {
		d.f("%s  slot %d = %s\n", indent, s.Index, s.Target)
	}
	if m.StructOps != nil {
		d.structOps(m.StructOps, indent+"  ")
	}
	if m.Data != nil {
		d.data(m.Data, indent+"  ")
	}
}

// structOps writes what a struct_ops map implements: the object's members
// and, once laid out, where each goes in the kernel value.
func (d *dumper) structOps(s *StructOps, indent string) {
	d.f("%sstruct_ops %s %s", indent, s.Type, s.State)
	if s.State == Resolved {
		mod := s.Module
		if mod == "" {
			mod = "vmlinux"
		}
		d.f(": value %s [%d] in %s, struct %s [%d] at +%d", s.ValueType, s.ValueTypeID, mod, s.KernelType, s.TypeID, s.DataOffset)
	}
	d.b.WriteString("\n")
	for _, m := range s.Members {
		d.f("%s  member %s offset %d size %d", indent, m.Name, m.Offset, m.Size)
		if m.Func {
			d.f(" func")
			if m.Program != "" {
				d.f(" = %s", m.Program)
			}
			if m.Extern {
				d.f(" (extern)")
			}
		}
		if s.State == Resolved {
			if m.Missing {
				d.f(" -> not in the kernel, zero: left out")
			} else {
				d.f(" -> kernel member %d at +%d", m.KernelIndex, m.KernelOffset)
			}
		}
		d.b.WriteString("\n")
	}
	if s.Note != "" {
		d.f("%s  ; %s\n", indent, s.Note)
	}
}

func (d *dumper) data(data []byte, indent string) {
	if len(bytes.Trim(data, "\x00")) == 0 {
		d.f("%sdata %d bytes, all zero\n", indent, len(data))
		return
	}
	d.f("%sdata %d bytes\n", indent, len(data))
	n := len(data)
	if n > MaxDataDump {
		n = MaxDataDump
	}
	for off := 0; off < n; off += 16 {
		end := off + 16
		if end > n {
			end = n
		}
		d.f("%s  %04x:", indent, off)
		for _, c := range data[off:end] {
			d.f(" %02x", c)
		}
		d.b.WriteString("\n")
	}
	if n < len(data) {
		d.f("%s  ... %d more bytes\n", indent, len(data)-n)
	}
}

func (d *dumper) extern(e *Extern) {
	d.f("extern %s kind %s section %q type %s", e.Name, e.Kind, e.Section, d.typ(e.TypeID))
	if e.Weak {
		d.f(" weak")
	}
	if e.Kind == ExternKsym {
		if e.Typed {
			d.f(" typed")
		} else {
			d.f(" typeless")
		}
	}
	if e.Kind == ExternKconfig {
		d.f(" offset %d size %d", e.Offset, e.Size)
	}
	d.f(" %s", e.State)
	if e.Missing {
		d.f(" missing")
	}
	d.b.WriteString("\n")
	if e.State == Resolved && !e.Missing {
		switch e.Kind {
		case ExternKconfig:
			d.f("  value % x\n", e.Value)
		case ExternConst:
			d.f("  value %#x\n", e.Const)
		case ExternKsym, ExternKfunc:
			if e.Typed || e.Kind == ExternKfunc {
				mod := e.BTFModule
				if mod == "" {
					mod = "vmlinux"
				}
				d.f("  btf_id %d in %s\n", e.BTFID, mod)
			} else {
				d.f("  addr %#x\n", e.Addr)
			}
		}
	}
	if e.Note != "" {
		d.f("  ; %s\n", e.Note)
	}
}

func (d *dumper) program(p *Program) {
	d.f("program %s section %q type %s", p.Name, p.Section, p.Type)
	switch {
	case p.Type == uapi.ProgTypeStructOps:
		// The expected attach type of a struct_ops program is the
		// index of its member in the kernel's struct.
		if p.AttachBTFName != "" {
			d.f(" member %d", uint32(p.ExpectedAttachType))
		}
	// Attach type 0 is BPF_CGROUP_INET_INGRESS: only meaningful for
	// cgroup_skb programs, "none" for every other program type.
	case p.ExpectedAttachType != 0 || p.Type == uapi.ProgTypeCgroupSKB:
		d.f(" attach_type %s", p.ExpectedAttachType)
	}
	if p.AttachTo != "" {
		d.f(" attach_to %q", p.AttachTo)
		if p.AttachBTFKind != 0 {
			d.f(" (%s %s)", p.AttachBTFKind, p.AttachBTFName)
		}
	}
	if p.Flags != 0 {
		d.f(" flags %#x", uint32(p.Flags))
	}
	if !p.Autoload {
		d.f(" noautoload")
	}
	if !p.Global {
		d.f(" static") // a static function in a section of its own
	}
	d.f("%s type %s\n", symFlags(&p.Function), d.typ(p.BTFType))
	if p.Unsupported != "" {
		d.f("  unsupported: %s\n", p.Unsupported)
	}
	if len(p.Linked) > 0 {
		d.f("  linked %s\n", strings.Join(p.Linked, ", "))
	}
	d.code(&p.Code)
}

func (d *dumper) code(c *Code) {
	fi, li, ri, ci := 0, 0, 0, 0
	for i := 0; i < len(c.Insns); i++ {
		for fi < len(c.FuncInfo) && c.FuncInfo[fi].Insn <= i {
			d.f("  func_info %s\n", d.typ(c.FuncInfo[fi].TypeID))
			fi++
		}
		for li < len(c.LineInfo) && c.LineInfo[li].Insn <= i {
			l := c.LineInfo[li]
			d.f("  ; %s:%d:%d %s\n", path.Base(l.FileName), l.LineNum, l.Col, strings.TrimSpace(l.Line))
			li++
		}
		d.f("  %4d: %s\n", i, Disasm(c.Insns, i))
		for ri < len(c.Relocs) && c.Relocs[ri].Insn <= i {
			r := c.Relocs[ri]
			d.f("        reloc %s %s", r.Kind, r.Symbol)
			if r.Offset != 0 || r.Kind == RelocMapValue {
				d.f("%+d", r.Offset)
			}
			d.f(" %s", r.State)
			if r.State != Pending && (r.Kind == RelocMap || r.Kind == RelocMapValue) {
				d.f(" map#%d", r.MapIndex)
			}
			if r.Note != "" {
				d.f(" ; %s", r.Note)
			}
			d.b.WriteString("\n")
			ri++
		}
		for ci < len(c.CORE) && c.CORE[ci].Insn <= i {
			r := c.CORE[ci]
			d.f("        core %s %s access %q %s", r.Kind, d.typ(r.TypeID), r.Access, r.State)
			if r.State == Resolved {
				if r.Poisoned {
					d.f(" poisoned")
				} else {
					d.f(" %d -> %d", r.Local, r.Target)
				}
			}
			if r.Note != "" {
				d.f(" ; %s", r.Note)
			}
			d.b.WriteString("\n")
			ci++
		}
		if c.Insns[i].IsLdImm64() {
			i++
		}
	}
}
