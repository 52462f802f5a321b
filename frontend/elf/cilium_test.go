// This file compares the frontend with cilium/ebpf's ELF reader on every
// committed test object: the programs each finds and, program by program,
// the type, expected attach type, flags and attach target each derives
// from the section name.

package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// ciliumRefuses are the objects cilium/ebpf 0.22's ELF reader refuses
// (testdata/README.md), with what its error says.
var ciliumRefuses = map[string]string{
	"externs.o": "expected _stext to be *Void",
	// A typed ksym (cilium/ebpf takes only typeless ones, and kfuncs).
	"kfunc_flavors.o":  "expected bpf_prog_active___v2 to be *Void",
	"module_user.o":    "bpfc_mod_stats",
	"maps_attrs.o":     "numa_node",
	"externs_percpu.o": "runqueues",
	// usdt.bpf.h's maps are __weak.
	"hidden_funcs.o":  `map "__bpf_usdt_ip_to_spec_id": unsupported binding: STB_WEAK`,
	"attach_uprobe.o": `map "__bpf_usdt_ip_to_spec_id": unsupported binding: STB_WEAK`,
	"probe_events.o":  `map "__bpf_usdt_ip_to_spec_id": unsupported binding: STB_WEAK`,
	// struct_ops maps registered without a BPF link.
	"structops_cc.o": `section ".struct_ops": got '.struct_ops' section: not supported`,
}

func TestProgramsAgainstCilium(t *testing.T) {
	objs, err := filepath.Glob(filepath.Join(objDir, "*.o"))
	if err != nil || len(objs) == 0 {
		t.Fatalf("no test objects: %v", err)
	}
	for _, path := range objs {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			spec, err := ebpf.LoadCollectionSpec(path)
			if want, ok := ciliumRefuses[name]; ok {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("cilium/ebpf: %v; want an error containing %q (or update ciliumRefuses)", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("cilium/ebpf: %v", err)
			}
			obj := openObj(t, name)
			for _, p := range obj.Programs {
				cp := spec.Programs[p.Name]
				if cp == nil {
					t.Errorf("program %s (section %s): not a program for cilium/ebpf", p.Name, p.Section)
					continue
				}
				attachTo := p.AttachTo
				if p.Type == uapi.ProgTypeStructOps && !inLinkMap(obj, p.Name) {
					// cilium/ebpf reads only .struct_ops.link maps: a
					// program no such map uses has no target there.
					attachTo = ""
				}
				if uint32(cp.Type) != uint32(p.Type) || uint32(cp.AttachType) != uint32(p.ExpectedAttachType) || cp.Flags != uint32(p.Flags) || cp.AttachTo != attachTo || cp.SectionName != p.Section {
					t.Errorf("program %s: bpfc section %q type %s attach %s flags %#x to %q; cilium/ebpf %q %s %s %#x %q",
						p.Name, p.Section, p.Type, p.ExpectedAttachType, uint32(p.Flags), p.AttachTo,
						cp.SectionName, cp.Type, cp.AttachType, cp.Flags, cp.AttachTo)
				}
			}
			// cilium/ebpf makes every function of a program section a
			// program; bpfc keeps a static function that the object calls a
			// subprogram (subprogs_insec.o).
			for n, cp := range spec.Programs {
				if obj.Program(n) != nil {
					continue
				}
				f := obj.Subprog(n)
				if f == nil || f.Global || f.Section == ".text" || f.Section != cp.SectionName {
					t.Errorf("cilium/ebpf program %s (section %s) is neither a program nor a static subprogram of its section for bpfc", n, cp.SectionName)
				}
			}
		})
	}
}

// inLinkMap reports whether a .struct_ops.link map uses program name.
func inLinkMap(obj *ir.Object, name string) bool {
	for _, m := range obj.Maps {
		if m.StructOps != nil && m.Section == ".struct_ops.link" && m.StructOps.Uses(name) {
			return true
		}
	}
	return false
}

// sectionsELF writes a minimal BPF object (no BTF) with one program,
// "r0 = 0; exit", in each of the named sections: program i is "p<i>".
func sectionsELF(names []string) []byte {
	le := binary.LittleEndian
	code := []byte{0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}
	type sec struct {
		name           string
		typ            uint32
		flags          uint64
		data           []byte
		link, info     uint32
		align, entsize uint64
	}
	var secs []sec
	for _, n := range names {
		secs = append(secs, sec{name: n, typ: uint32(elf.SHT_PROGBITS), flags: uint64(elf.SHF_ALLOC | elf.SHF_EXECINSTR), data: code, align: 8})
	}
	secs = append(secs, sec{name: "license", typ: uint32(elf.SHT_PROGBITS), flags: uint64(elf.SHF_ALLOC | elf.SHF_WRITE), data: []byte("GPL\x00"), align: 1})
	strtab := []byte{0}
	symtab := make([]byte, elf.Sym64Size) // the null symbol
	for i := range names {
		sym := make([]byte, elf.Sym64Size)
		le.PutUint32(sym, uint32(len(strtab)))
		strtab = append(strtab, fmt.Sprintf("p%d\x00", i)...)
		sym[4] = byte(elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC))
		le.PutUint16(sym[6:], uint16(i+1))
		le.PutUint64(sym[16:], uint64(len(code)))
		symtab = append(symtab, sym...)
	}
	strIdx := uint32(len(secs) + 2)
	secs = append(secs,
		sec{name: ".symtab", typ: uint32(elf.SHT_SYMTAB), data: symtab, link: strIdx, info: 1, align: 8, entsize: elf.Sym64Size},
		sec{name: ".strtab", typ: uint32(elf.SHT_STRTAB), data: strtab, align: 1})
	shstrtab := []byte{0}
	secs = append(secs, sec{name: ".shstrtab", typ: uint32(elf.SHT_STRTAB), align: 1})
	nameOff := make([]uint32, len(secs))
	for i, s := range secs {
		nameOff[i] = uint32(len(shstrtab))
		shstrtab = append(shstrtab, s.name+"\x00"...)
	}
	secs[len(secs)-1].data = shstrtab

	out := make([]byte, 64)
	offs := make([]uint64, len(secs))
	for i, s := range secs {
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		offs[i] = uint64(len(out))
		out = append(out, s.data...)
	}
	for len(out)%8 != 0 {
		out = append(out, 0)
	}
	shoff := uint64(len(out))
	out = append(out, make([]byte, 64)...) // section 0
	for i, s := range secs {
		sh := make([]byte, 64)
		le.PutUint32(sh, nameOff[i])
		le.PutUint32(sh[4:], s.typ)
		le.PutUint64(sh[8:], s.flags)
		le.PutUint64(sh[24:], offs[i])
		le.PutUint64(sh[32:], uint64(len(s.data)))
		le.PutUint32(sh[40:], s.link)
		le.PutUint32(sh[44:], s.info)
		le.PutUint64(sh[48:], s.align)
		le.PutUint64(sh[56:], s.entsize)
		out = append(out, sh...)
	}
	copy(out, []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)})
	le.PutUint16(out[16:], uint16(elf.ET_REL))
	le.PutUint16(out[18:], uint16(elf.EM_BPF))
	le.PutUint32(out[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(out[40:], shoff)
	le.PutUint16(out[52:], 64)
	le.PutUint16(out[58:], 64)
	le.PutUint16(out[60:], uint16(len(secs)+1))
	le.PutUint16(out[62:], uint16(len(secs)))
	return out
}

// libbpfOnly are the table entries of newer libbpf (sleepable
// tracepoints, libbpf 1.5) that cilium/ebpf 0.22 does not have: it leaves
// their programs unspecified.
var libbpfOnly = map[string]bool{"tracepoint.s+": true, "tp.s+": true, "raw_tracepoint.s+": true, "raw_tp.s+": true, "tp_btf.s+": true}

// TestSectionNamesAgainstCilium gives cilium/ebpf and bpfc one object with
// a program in a section of every form of every table entry (the pattern,
// with "/x", "_x" and "?" added) and a few unknown names: both must give
// each program the same type, attach type, flags and target; a program
// cilium/ebpf leaves unspecified is unsupported for bpfc.
func TestSectionNamesAgainstCilium(t *testing.T) {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, d := range sectionDefs {
		p, _ := strings.CutSuffix(d.pattern, "+")
		for _, n := range []string{p, p + "/x", p + "/x/y", p + "_x", p + "x", "?" + p + "/x"} {
			add(n)
		}
	}
	for _, n := range []string{"kprobes/f", "sokcet", "mysection", "tracepont/a/b", "lsm.x/f", "fentry_x"} {
		add(n)
	}
	raw := sectionsELF(names)
	spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("cilium/ebpf: %v", err)
	}
	obj, err := Parse(bytes.NewReader(raw), "sections.o")
	if err != nil {
		t.Fatal(err)
	}
	if len(obj.Programs) != len(names) || len(spec.Programs) != len(names) {
		t.Fatalf("%d names: bpfc %d programs, cilium/ebpf %d", len(names), len(obj.Programs), len(spec.Programs))
	}
	prefix := 0
	for i, p := range obj.Programs {
		cp := spec.Programs[p.Name]
		if cp == nil || p.Section != names[i] || cp.SectionName != names[i] {
			t.Fatalf("program %s: section %q, cilium/ebpf %+v", p.Name, p.Section, cp)
		}
		info, known := SectionDef(p.Section)
		if known && info.Prefix {
			prefix++
		}
		if cp.Type == ebpf.UnspecifiedProgram && known && !info.Prefix && libbpfOnly[info.Pattern] {
			continue
		}
		attachTo := p.AttachTo
		if p.Type == uapi.ProgTypeStructOps {
			attachTo = ""
		}
		if uint32(cp.Type) != uint32(p.Type) || uint32(cp.AttachType) != uint32(p.ExpectedAttachType) || cp.Flags != uint32(p.Flags) || cp.AttachTo != attachTo {
			t.Errorf("section %q: bpfc type %s attach %s flags %#x to %q; cilium/ebpf %s %s %#x %q",
				p.Section, p.Type, p.ExpectedAttachType, p.Flags, p.AttachTo,
				cp.Type, cp.AttachType, cp.Flags, cp.AttachTo)
		}
		if (cp.Type == ebpf.UnspecifiedProgram) != !known {
			t.Errorf("section %q: cilium/ebpf type %s, bpfc knows it: %v", p.Section, cp.Type, known)
		}
		if !known && !strings.HasPrefix(p.Unsupported, UnknownSection(p.Section)) {
			t.Errorf("section %q: unsupported %q", p.Section, p.Unsupported)
		}
	}
	t.Logf("%d section names, %d of them only in cilium/ebpf's prefix form", len(names), prefix)
}
