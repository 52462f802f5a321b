// This file loads the objects of forms cilium/ebpf reads and libbpf
// refuses (prefix section names, static programs, legacy maps,
// inline-assembly constants), and conntrack.o (kfuncs and CO-RE of the
// module nf_conntrack in the kernel matrix's guests), with bpfc and with
// cilium/ebpf, runs the same programs on both with the same input, and
// compares return values, map contents and translated instructions (map
// ids as names, module kfunc calls without their fd_array slots).

package direct

import (
	"bytes"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/uapi"
)

// ciliumConsts are the values given to inline-assembly constants: bpfc
// gets them from objectEdits, cilium/ebpf in the instructions.
var ciliumConsts = map[string]int64{"MY_CONST": 41, "OTHER_CONST": -1}

func TestAgainstCilium(t *testing.T) {
	testutil.RequireKernel(t)
	for _, name := range []string{"sections.o", "static_progs.o", "asm_const.o", "legacy_maps.o", "conntrack.o"} {
		t.Run(name, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			if refusedHere(t, name) {
				return // nothing to compare on a kernel that cannot load it
			}
			obj, coll := loadObject(t, name, nil, objectEdits[name])

			spec, err := ebpf.LoadCollectionSpec(filepath.Join(testdataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			// cilium/ebpf loads every program of its spec: keep those bpfc
			// loaded (not the called static helpers, not "?" sections).
			for n := range spec.Programs {
				if coll.Programs[n] == nil {
					delete(spec.Programs, n)
				}
			}
			for _, p := range spec.Programs {
				for i := range p.Instructions {
					ins := &p.Instructions[i]
					if v, ok := ciliumConsts[ins.Reference()]; ok && ins.OpCode.IsDWordLoad() && ins.Src == asm.R0 {
						ins.Constant = v
					}
				}
			}
			cc, err := ebpf.NewCollection(spec)
			if err != nil {
				t.Fatalf("cilium/ebpf: %v", err)
			}
			defer cc.Close()
			if got, want := slices.Sorted(maps.Keys(cc.Programs)), slices.Sorted(maps.Keys(coll.Programs)); !slices.Equal(got, want) {
				t.Fatalf("cilium/ebpf loaded programs %v, bpfc %v", got, want)
			}

			// Map ids as names, for the translated instructions.
			bpfcIDs, ciliumIDs := map[uint32]string{}, map[uint32]string{}
			for n, m := range coll.Maps {
				bpfcIDs[m.ID] = n
				cm := cc.Maps[n]
				if cm == nil {
					t.Fatalf("map %s: not loaded by cilium/ebpf", n)
				}
				info, err := cm.Info()
				if err != nil {
					t.Fatal(err)
				}
				id, _ := info.ID()
				ciliumIDs[uint32(id)] = n
			}
			for _, p := range obj.Programs {
				bp, cp := coll.Programs[p.Name], cc.Programs[p.Name]
				if bp == nil {
					continue
				}
				if uint32(cp.Type()) != uint32(bp.Type) {
					t.Errorf("program %s: type %s, cilium/ebpf %s", p.Name, bp.Type, cp.Type())
				}
				got, err := bp.Info()
				if err != nil {
					t.Fatal(err)
				}
				want := ciliumInfo(t, cp)
				g, w := xlatedNamed(t, got.XlatedInsns, bpfcIDs), xlatedNamed(t, want.XlatedInsns, ciliumIDs)
				if !slices.Equal(g, w) {
					t.Errorf("program %s: translated instructions differ:\nbpfc    %q\ncilium  %q", p.Name, g, w)
				}
				var opts *ebpf.RunOptions
				switch p.Type {
				case uapi.ProgTypeSocketFilter, uapi.ProgTypeXDP, uapi.ProgTypeSchedCls:
					opts = &ebpf.RunOptions{Data: packet}
				case uapi.ProgTypeSyscall:
					opts = &ebpf.RunOptions{}
				default:
					continue
				}
				res, err := bp.TestRun(TestRunOptions{DataIn: opts.Data})
				if err != nil {
					t.Fatal(err)
				}
				ret, err := cp.Run(opts)
				if err != nil {
					t.Fatalf("program %s: cilium/ebpf run: %v", p.Name, err)
				}
				if ret != res.Retval {
					t.Errorf("program %s: returned %d, with cilium/ebpf %d", p.Name, res.Retval, ret)
				}
				t.Logf("program %s: %d", p.Name, ret)
			}
			// Every map holds the same after the same runs.
			for n, m := range coll.Maps {
				if !m.Def.ReadOnly {
					compareMapContents(t, n, m, cc.Maps[n])
				}
			}
		})
	}
}

// ciliumInfo reads a cilium/ebpf program's info (translated
// instructions) through bpfc's own syscall wrapper.
func ciliumInfo(t *testing.T, p *ebpf.Program) *sys.ProgInfo {
	t.Helper()
	raw, err := unix.FcntlInt(uintptr(p.FD()), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := sys.NewFD(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	info, err := sys.ProgInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// compareMapContents compares every key and value of two maps.
func compareMapContents(t *testing.T, name string, m *Map, cm *ebpf.Map) {
	t.Helper()
	got := map[string][]byte{}
	key, next := []byte(nil), make([]byte, m.KeySize)
	for {
		if err := sys.MapGetNextKey(m.fd, key, next); err != nil {
			break
		}
		key = append(key[:0], next...)
		v, err := m.Lookup(key)
		if err != nil {
			t.Fatalf("map %s: %v", name, err)
		}
		got[string(key)] = v
	}
	want := map[string][]byte{}
	var k, v []byte
	it := cm.Iterate()
	for it.Next(&k, &v) {
		want[string(k)] = slices.Clone(v)
	}
	if err := it.Err(); err != nil {
		t.Fatalf("map %s: cilium/ebpf: %v", name, err)
	}
	if !maps.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("map %s: bpfc %x, cilium/ebpf %x", name, got, want)
	}
}
