// This file compares the frontend with cilium/ebpf's ELF reader on every
// committed test object: the programs each finds and, program by program,
// the type, expected attach type, flags and attach target each derives
// from the section name.

package elf

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/bpfc/bpfc/internal/sys"
)

// ciliumRefuses are the objects cilium/ebpf 0.22's ELF reader refuses
// (testdata/README.md), with what its error says.
var ciliumRefuses = map[string]string{
	"externs.o":        "expected _stext to be *Void",
	"module_user.o":    "bpfc_mod_stats",
	"maps_attrs.o":     "numa_node",
	"externs_percpu.o": "runqueues",
	// usdt.bpf.h's maps are __weak.
	"hidden_funcs.o": `map "__bpf_usdt_ip_to_spec_id": unsupported binding: STB_WEAK`,
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
				if sys.ProgType(p.Type) == sys.ProgTypeStructOps {
					attachTo = "" // cilium/ebpf ignores struct_ops/<name>, as libbpf advises
				}
				if uint32(cp.Type) != p.Type || uint32(cp.AttachType) != p.ExpectedAttachType || cp.Flags != p.Flags || cp.AttachTo != attachTo || cp.SectionName != p.Section {
					t.Errorf("program %s: bpfc section %q type %s attach %s flags %#x to %q; cilium/ebpf %q %s %s %#x %q",
						p.Name, p.Section, sys.ProgType(p.Type), sys.AttachType(p.ExpectedAttachType), p.Flags, p.AttachTo,
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
