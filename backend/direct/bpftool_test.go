// This file compares what the direct backend creates with what libbpf
// creates for the same object (bpftool prog loadall, Debian's libbpf):
// map kernel names, types, sizes and flags, frozen state, and program
// names, types, attach BTF ids and translated instructions (map ids
// replaced by map names).

package direct

import (
	"encoding/binary"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

func TestAgainstBpftool(t *testing.T) {
	testutil.RequireKernel(t)
	bpftool := testutil.Tool(t, "bpftool")
	for _, name := range []string{"xdp_globals.o", "sockfilter.o", "tailcall.o", "mapinmap.o", "subprogs.o", "tracing.o", "core_fields.o", "hidden_funcs.o"} {
		t.Run(name, func(t *testing.T) {
			// Map ids in translated instructions, as names on both sides.
			bpfcIDs, libbpfIDs := map[uint32]string{}, map[uint32]string{}
			dir := testutil.BPFFS(t)
			out, err := exec.Command(bpftool, "prog", "loadall", filepath.Join(testdataDir, name), filepath.Join(dir, "progs"), "pinmaps", filepath.Join(dir, "maps")).CombinedOutput()
			if err != nil {
				t.Fatalf("bpftool: %v\n%s", err, out)
			}
			_, coll := loadObject(t, name, &Options{PinPath: dir}, nil)

			for _, mn := range coll.MapOrder {
				m := coll.Maps[mn]
				fd, err := sys.ObjGet(filepath.Join(dir, "maps", PinName(m)))
				if err != nil {
					t.Errorf("map %s: libbpf's pin: %v", mn, err)
					continue
				}
				want, err := sys.MapInfoByFD(fd)
				fd.Close()
				if err != nil {
					t.Fatal(err)
				}
				got, err := m.Info()
				if err != nil {
					t.Fatal(err)
				}
				bpfcIDs[got.ID], libbpfIDs[want.ID] = mn, mn
				// libbpf 1.1 makes every global data map mmapable; newer
				// libbpf (and the datasec pass) only those with a
				// non-static variable. Tolerate that one difference.
				if d := got.MapFlags ^ want.MapFlags; d == uapi.MapFlagMmapable && m.Def.Kind == ir.MapData {
					t.Logf("map %s: BPF_F_MMAPABLE differs from libbpf 1.1 (bpfc %#x, libbpf %#x)", mn, uint32(got.MapFlags), uint32(want.MapFlags))
					want.MapFlags = got.MapFlags
				}
				if got.Name != want.Name || got.Type != want.Type || got.KeySize != want.KeySize || got.ValueSize != want.ValueSize ||
					got.MaxEntries != want.MaxEntries || got.MapFlags != want.MapFlags || got.MapExtra != want.MapExtra {
					t.Errorf("map %s:\n  bpfc   %+v\n  libbpf %+v", mn, *got, *want)
				}
				if (got.BTFValueTypeID == 0) != (want.BTFValueTypeID == 0) || (got.BTFKeyTypeID == 0) != (want.BTFKeyTypeID == 0) {
					t.Errorf("map %s: BTF key/value ids %d/%d, libbpf %d/%d", mn, got.BTFKeyTypeID, got.BTFValueTypeID, want.BTFKeyTypeID, want.BTFValueTypeID)
				}
			}
			for _, pn := range coll.ProgramOrder {
				p := coll.Programs[pn]
				fd, err := sys.ObjGet(filepath.Join(dir, "progs", pn))
				if err != nil {
					t.Errorf("program %s: libbpf's pin: %v", pn, err)
					continue
				}
				want, err := sys.ProgInfoByFD(fd)
				fd.Close()
				if err != nil {
					t.Fatal(err)
				}
				got, err := p.Info()
				if err != nil {
					t.Fatal(err)
				}
				if got.Name != want.Name || got.Type != want.Type || got.AttachBTFID != want.AttachBTFID ||
					got.XlatedProgLen != want.XlatedProgLen || got.NrFuncInfo != want.NrFuncInfo || got.NrLineInfo != want.NrLineInfo {
					t.Errorf("program %s: bpfc name %q type %s attach_btf_id %d xlated %d func_info %d line_info %d;"+
						" libbpf %q %s %d %d %d %d", pn, got.Name, got.Type, got.AttachBTFID, got.XlatedProgLen, got.NrFuncInfo, got.NrLineInfo,
						want.Name, want.Type, want.AttachBTFID, want.XlatedProgLen, want.NrFuncInfo, want.NrLineInfo)
				}
				g, w := xlatedNamed(t, got.XlatedInsns, bpfcIDs), xlatedNamed(t, want.XlatedInsns, libbpfIDs)
				if !slices.Equal(g, w) {
					for i := range min(len(g), len(w)) {
						if g[i] != w[i] {
							t.Errorf("program %s: translated instructions differ from libbpf's from insn %d: bpfc %s, libbpf %s", pn, i, g[i], w[i])
							break
						}
					}
					if len(g) != len(w) {
						t.Errorf("program %s: %d translated instructions, libbpf %d", pn, len(g), len(w))
					}
				}
			}
		})
	}
}

// xlatedNamed decodes translated instructions with the map ids of ld_imm64
// map references replaced by the names in ids, one string per slot; a
// module kfunc call is marked, its fd_array slot left out.
func xlatedNamed(t *testing.T, raw []byte, ids map[uint32]string) []string {
	t.Helper()
	insns, err := ir.Unmarshal(raw, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(insns))
	for i := 0; i < len(insns); i++ {
		in := insns[i]
		if in.IsLdImm64() && i+1 < len(insns) && (in.Src == ir.PseudoMapFD || in.Src == ir.PseudoMapValue) {
			name, ok := ids[uint32(in.Imm)]
			if !ok {
				name = fmt.Sprintf("unknown map id %d", in.Imm)
			}
			in.Imm = 0
			out = append(out, fmt.Sprintf("%+v map %s", in, name), fmt.Sprintf("%+v", insns[i+1]))
			i++
			continue
		}
		if in.IsKfuncCall() && in.Off != 0 {
			// A module kfunc: off is the fd_array slot of the module's
			// BTF fd, which each loader numbers its own way (bpfc one
			// per module or per kfunc, cilium/ebpf one per call).
			in.Off = 0
			out = append(out, fmt.Sprintf("%+v module kfunc", in))
			continue
		}
		out = append(out, fmt.Sprintf("%+v", in))
	}
	return out
}
