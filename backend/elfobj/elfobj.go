// Package elfobj writes an IR object as a BPF ELF relocatable object, the
// kind clang and libbpf's linker write: code sections with their
// relocations, global data, .maps and legacy maps, license and version,
// .BTF, .BTF.ext and the symbol table. It is bpfc's `-emit=elf`: the
// object several inputs were linked into (the merge pass), loadable by
// libbpf, cilium/ebpf and bpfc itself.
//
// It writes an object as the frontend or the merge pass leaves it: every
// relocation still pending, nothing laid out for the kernel yet (the
// datasec pass rewrites BTF for it; later passes patch instructions).
// Reading the result back with frontend/elf gives the same IR.
//
// This file holds the entry points and the ELF container; sections.go
// builds the sections and the symbol table.
package elfobj

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
)

// ErrNotWritable is returned for an object the writer cannot express as
// an ELF object: one past the merge pass, or with records an ELF file has
// no place for. It is a kind of errs.ErrInvalidObject.
var ErrNotWritable error = &errs.Sentinel{Msg: "object cannot be written as ELF", Parent: &errs.InvalidObject}

// Write writes obj as a BPF ELF object to w.
func Write(w io.Writer, obj *ir.Object) error {
	b, err := Marshal(obj)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Marshal returns obj encoded as a BPF ELF object.
func Marshal(obj *ir.Object) ([]byte, error) {
	if err := writable(obj); err != nil {
		return nil, fmt.Errorf("%s: %w", obj.Name, err)
	}
	e := newEncoder(obj)
	if err := e.build(); err != nil {
		return nil, fmt.Errorf("%s: ELF writer: %w: %w", obj.Name, err, ErrNotWritable)
	}
	return e.encode(), nil
}

// writable checks that obj is as the frontend or the merge pass leaves
// it.
func writable(obj *ir.Object) error {
	past := func(what string) error {
		return fmt.Errorf("%s: the ELF writer takes an object as the frontend or the merge pass leaves it: %w", what, ErrNotWritable)
	}
	if len(obj.Inputs) > 0 {
		return past(fmt.Sprintf("%d inputs not merged yet", len(obj.Inputs)))
	}
	if len(obj.ModuleSlots) > 0 {
		return past("module BTF slots assigned")
	}
	for _, m := range obj.Maps {
		if m.Kind == ir.MapKconfig {
			return past("the .kconfig map is laid out")
		}
	}
	for _, e := range obj.Externs {
		if e.State != ir.Pending || e.LocalType != 0 {
			return past("extern " + e.Name + " handled")
		}
	}
	for _, fn := range obj.Units() {
		for _, r := range fn.Relocs {
			if r.State != ir.Pending {
				return past(fmt.Sprintf("function %s: insn %d: %s relocation %s", fn.Name, r.Insn, r.Kind, r.State))
			}
		}
		for _, r := range fn.CORE {
			if r.State != ir.Pending {
				return past(fmt.Sprintf("function %s: insn %d: CO-RE relocation %s", fn.Name, r.Insn, r.State))
			}
		}
	}
	for _, p := range obj.Programs {
		if len(p.Linked) > 0 {
			return past("program " + p.Name + " linked")
		}
	}
	return nil
}

// sectionAlign is the alignment of code sections.
const sectionAlign = 8

// section is one ELF section being built.
type section struct {
	name    string
	typ     elffile.SectionType
	flags   elffile.SectionFlag
	align   uint64
	data    []byte // nil for SHT_NOBITS
	size    uint64 // for SHT_NOBITS
	link    uint32
	info    uint32
	entsize uint64
	index   int
	// sym is the section's STT_SECTION symbol, nil if none.
	sym  *symbol
	rels []rel
	// relSec is the section holding rels.
	relSec *section
}

// rel is one relocation of a section.
type rel struct {
	off uint64
	sym *symbol
	typ uint32
}

// symbol is one symbol table entry; index is set once the table is laid
// out (locals first).
type symbol struct {
	name  string
	info  byte
	other byte
	sec   *section // nil: undefined
	value uint64
	size  uint64
	index int
}

// encode lays the sections out after the ELF header, then the section
// header table.
func (e *encoder) encode() []byte {
	app, data := e.app, byte(elffile.ELFDATA2LSB)
	if e.order == binary.BigEndian {
		data = byte(elffile.ELFDATA2MSB)
	}
	total := uint64(elffile.Header64Size + elffile.Section64Size*len(e.secs))
	for _, s := range e.secs {
		total += uint64(len(s.data)) + s.align
	}
	out := make([]byte, elffile.Header64Size, total)
	offs := make([]uint64, len(e.secs))
	for i, s := range e.secs {
		if i == 0 {
			continue
		}
		for uint64(len(out))%max(s.align, 1) != 0 {
			out = append(out, 0)
		}
		offs[i] = uint64(len(out))
		out = append(out, s.data...)
	}
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	shoff := uint64(len(out))
	out = append(out, make([]byte, elffile.Section64Size)...) // section 0
	for _, s := range e.secs[1:] {
		size := uint64(len(s.data))
		if s.typ == elffile.SHT_NOBITS {
			size = s.size
		}
		out = app.AppendUint32(out, e.strtab.offset(s.name))
		out = app.AppendUint32(out, uint32(s.typ))
		out = app.AppendUint64(out, uint64(s.flags))
		out = app.AppendUint64(out, 0) // addr
		out = app.AppendUint64(out, offs[s.index])
		out = app.AppendUint64(out, size)
		out = app.AppendUint32(out, s.link)
		out = app.AppendUint32(out, s.info)
		out = app.AppendUint64(out, s.align)
		out = app.AppendUint64(out, s.entsize)
	}
	h := make([]byte, 0, elffile.Header64Size)
	h = append(h, elffile.Magic...)
	h = append(h, byte(elffile.ELFCLASS64), data, elffile.EV_CURRENT, 0)
	h = append(h, make([]byte, 8)...)
	h = app.AppendUint16(h, uint16(elffile.ET_REL))
	h = app.AppendUint16(h, uint16(elffile.EM_BPF))
	h = app.AppendUint32(h, elffile.EV_CURRENT)
	h = app.AppendUint64(h, 0) // entry
	h = app.AppendUint64(h, 0) // phoff
	h = app.AppendUint64(h, shoff)
	h = app.AppendUint32(h, 0) // flags
	h = app.AppendUint16(h, elffile.Header64Size)
	h = app.AppendUint16(h, 0) // phentsize
	h = app.AppendUint16(h, 0) // phnum
	h = app.AppendUint16(h, elffile.Section64Size)
	h = app.AppendUint16(h, uint16(len(e.secs)))
	h = app.AppendUint16(h, uint16(e.strtabSec.index))
	copy(out, h)
	return out
}
