// This file tests the raw loader (-lang=raw) as another tool would use
// it: a small runner that knows nothing of rt reads only the JSON manifest
// and the two binary files, creates the blob map, loads and runs the
// loader as the manifest says, and the programs it loaded must run.

package skel

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/uapi"
)

// possibleCPUsForTest counts /sys/devices/system/cpu/possible ("0-3,5").
func possibleCPUsForTest(t *testing.T) uint32 {
	t.Helper()
	b, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		t.Fatal(err)
	}
	var n uint32
	for _, part := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, found := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		z := a
		var err2 error
		if found {
			z, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("possible CPUs %q", b)
		}
		n += uint32(z - a + 1)
	}
	return n
}

// rawRun runs the raw loader described by the manifest file like an
// independent tool: only the JSON (decoded generically, by its documented
// field names) and the files it names, with the documented fallbacks for
// kernels before 6.18 (no exclusive map, no blob check). sizes gives, by
// map name, max_entries, key_size and value_size to set in the context
// (0: keep), as a tool sizes the maps an object leaves unsized. On a
// kernel without syscall programs (before 5.14) it checks that the loader
// is refused and returns no descriptors.
func rawRun(t *testing.T, manifest string, sizes map[string][3]uint32) (mapFDs, progFDs []*sys.FD) {
	t.Helper()
	js, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Blob           string `json:"blob"`
		Insns          string `json:"insns"`
		ByteOrder      string `json:"byte_order"`
		BlobSHA256     string `json:"blob_sha256"`
		CheckHash      bool   `json:"check_hash"`
		IntegrityCheck [2]int `json:"integrity_check"`
		Loader         struct {
			ProgType   uint32 `json:"prog_type"`
			ProgFlags  uint32 `json:"prog_flags"`
			License    string `json:"license"`
			ProgName   string `json:"prog_name"`
			ProgSHA256 string `json:"prog_sha256"`
			BlobMap    struct {
				Name       string `json:"name"`
				Type       uint32 `json:"type"`
				KeySize    uint32 `json:"key_size"`
				ValueSize  uint32 `json:"value_size"`
				MaxEntries uint32 `json:"max_entries"`
			} `json:"blob_map"`
		} `json:"loader"`
		Context struct {
			Size          int `json:"size"`
			MapDescs      int `json:"map_descs"`
			MapDescSize   int `json:"map_desc_size"`
			MapFD         int `json:"map_fd"`
			MapMaxEntries int `json:"map_max_entries"`
			ProgDescs     int `json:"prog_descs"`
			ProgDescSize  int `json:"prog_desc_size"`
			Step          int `json:"step"`
			MapSizes      int `json:"map_sizes"`
			MapSizesSize  int `json:"map_sizes_size"`
			MapKeySize    int `json:"map_key_size"`
			MapValueSize  int `json:"map_value_size"`
		} `json:"context"`
		Maps []struct {
			Name            string `json:"name"`
			EntriesPerCPU   bool   `json:"entries_per_cpu"`
			NeedsMaxEntries bool   `json:"needs_max_entries"`
			NeedsKeySize    bool   `json:"needs_key_size"`
			NeedsValueSize  bool   `json:"needs_value_size"`
		} `json:"maps"`
		Progs []struct {
			Name     string `json:"name"`
			Autoload bool   `json:"autoload"`
		} `json:"progs"`
		Steps []string `json:"steps"`
	}
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(manifest)
	blob, err := os.ReadFile(filepath.Join(dir, m.Blob))
	if err != nil {
		t.Fatal(err)
	}
	insns, err := os.ReadFile(filepath.Join(dir, m.Insns))
	if err != nil {
		t.Fatal(err)
	}
	if host := map[bool]string{true: "little", false: "big"}[binary.NativeEndian.Uint16([]byte{1, 0}) == 1]; m.ByteOrder != host {
		t.Fatalf("byte_order %q, host %s", m.ByteOrder, host)
	}
	bm := m.Loader.BlobMap
	if int(bm.ValueSize) != len(blob) {
		t.Fatalf("blob_map value_size %d, blob %d bytes", bm.ValueSize, len(blob))
	}
	progHash, err := hex.DecodeString(m.Loader.ProgSHA256)
	if err != nil || len(progHash) != sys.HashSize {
		t.Fatalf("prog_sha256 %q: %v", m.Loader.ProgSHA256, err)
	}
	attr := sys.MapCreateAttr{
		MapType: uapi.MapType(bm.Type), KeySize: bm.KeySize, ValueSize: bm.ValueSize, MaxEntries: bm.MaxEntries,
		MapName: sys.NewObjName(bm.Name), ExclProgHash: sys.NewSlicePointer(progHash), ExclProgHashSize: uint32(len(progHash)),
	}
	mapFD, err := sys.MapCreate(&attr)
	if errors.Is(err, unix.E2BIG) || errors.Is(err, unix.EINVAL) {
		// No exclusive maps before 6.18.
		attr.ExclProgHash, attr.ExclProgHashSize = sys.Pointer{}, 0
		mapFD, err = sys.MapCreate(&attr)
	}
	if err != nil {
		t.Fatalf("create the blob map: %v", err)
	}
	defer mapFD.Close()
	if err := sys.MapUpdateElem(mapFD, make([]byte, bm.KeySize), blob, 0); err != nil {
		t.Fatal(err)
	}
	if err := sys.MapFreeze(mapFD); err != nil {
		t.Fatal(err)
	}
	if m.CheckHash {
		h, err := sys.MapHash(mapFD)
		switch {
		case errors.Is(err, unix.E2BIG):
			// No map hash before 6.18: leave the check out.
			if features.MapHash.Has() {
				t.Fatalf("map hash refused with E2BIG, but the kernel has map hashes")
			}
			from, to := m.IntegrityCheck[0], m.IntegrityCheck[1]
			if from < 1 || to <= from || 8*to > len(insns) {
				t.Fatalf("integrity_check %v out of range", m.IntegrityCheck)
			}
			insns = append(append([]byte(nil), insns[:8*from]...), insns[8*to:]...)
		case err != nil:
			t.Fatal(err)
		case hex.EncodeToString(h[:]) != m.BlobSHA256:
			t.Fatalf("kernel blob hash %x, manifest %s", h, m.BlobSHA256)
		}
	}
	fdArray := []uint32{mapFD.Uint()}
	prog, _, err := sys.ProgLoadWithLog(&sys.ProgLoadAttr{
		ProgType: uapi.ProgType(m.Loader.ProgType), ProgFlags: uapi.ProgFlags(m.Loader.ProgFlags),
		InsnCnt: uint32(len(insns) / 8), Insns: sys.NewSlicePointer(insns),
		License: sys.NewStringPointer(m.Loader.License), ProgName: sys.NewObjName(m.Loader.ProgName),
		FdArray: sys.NewPointer(unsafe.Pointer(&fdArray[0])),
	}, sys.LogOptions{})
	if features.SyscallProg.Missing() {
		if err == nil {
			prog.Close()
			t.Fatalf("the loader loaded on a kernel without syscall programs (%s)", features.Release())
		}
		// E2BIG before 5.14: fd_array is past the end of its bpf_attr.
		if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.E2BIG) {
			t.Fatalf("load the loader on a kernel without syscall programs: %v, want EINVAL or E2BIG", err)
		}
		return nil, nil
	}
	if err != nil {
		t.Fatalf("load the loader: %v", err)
	}
	defer prog.Close()

	ctx := make([]byte, m.Context.Size)
	ne := binary.NativeEndian
	ne.PutUint32(ctx, uint32(len(ctx)))
	for i, mm := range m.Maps {
		if mm.EntriesPerCPU {
			ne.PutUint32(ctx[m.Context.MapDescs+i*m.Context.MapDescSize+m.Context.MapMaxEntries:], possibleCPUsForTest(t))
		}
		sz := sizes[mm.Name]
		if mm.NeedsMaxEntries && sz[0] == 0 || mm.NeedsKeySize && sz[1] == 0 || mm.NeedsValueSize && sz[2] == 0 {
			t.Fatalf("map %s needs sizes the test does not give: %+v", mm.Name, mm)
		}
		sizesAt := m.Context.MapSizes + i*m.Context.MapSizesSize
		if sz[0] != 0 {
			ne.PutUint32(ctx[m.Context.MapDescs+i*m.Context.MapDescSize+m.Context.MapMaxEntries:], sz[0])
		}
		ne.PutUint32(ctx[sizesAt+m.Context.MapKeySize:], sz[1])
		ne.PutUint32(ctx[sizesAt+m.Context.MapValueSize:], sz[2])
	}
	ne.PutUint32(ctx[m.Context.Step:], ^uint32(0))
	res, err := sys.TestRun(prog, sys.TestRunOpts{CtxIn: ctx})
	if err != nil {
		t.Fatal(err)
	}
	if ret := int32(res.Retval); ret != 0 {
		step := int(int32(ne.Uint32(ctx[m.Context.Step:])))
		desc := ""
		if step >= 0 && step < len(m.Steps) {
			desc = m.Steps[step]
		}
		t.Fatalf("loader returned %d at step %d (%s)", ret, step, desc)
	}
	for i := range m.Maps {
		fd, err := sys.NewFD(int(int32(ne.Uint32(ctx[m.Context.MapDescs+i*m.Context.MapDescSize+m.Context.MapFD:]))))
		if err != nil {
			t.Fatalf("map %s: %v", m.Maps[i].Name, err)
		}
		t.Cleanup(func() { fd.Close() })
		mapFDs = append(mapFDs, fd)
	}
	for j, p := range m.Progs {
		raw := int(int32(ne.Uint32(ctx[m.Context.ProgDescs+j*m.Context.ProgDescSize:])))
		if !p.Autoload {
			if raw != 0 {
				t.Errorf("program %s is not autoloaded but has fd %d", p.Name, raw)
			}
			progFDs = append(progFDs, nil)
			continue
		}
		fd, err := sys.NewFD(raw)
		if err != nil {
			t.Fatalf("program %s: %v", p.Name, err)
		}
		t.Cleanup(func() { fd.Close() })
		progFDs = append(progFDs, fd)
	}
	return mapFDs, progFDs
}

// TestRawManifest runs raw loaders with nothing but their manifest and
// files: xdp_globals.o (global data, blob hash check), libbpf_idioms.o
// (a perf event array the run-time sizes to the possible CPUs) and
// sized_maps.o (maps the tool sizes: the manifest says which sizes it
// must set).
func TestRawManifest(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	for _, c := range []struct {
		object string
		sizes  map[string][3]uint32
		check  func(t *testing.T, l *loaderprog.Loader, maps, progs []*sys.FD)
	}{
		{"xdp_globals.o", nil, func(t *testing.T, l *loaderprog.Loader, maps, progs []*sys.FD) {
			for j, p := range l.Progs {
				if p.Name == "xdp_compute" {
					res, err := sys.TestRun(progs[j], sys.TestRunOpts{DataIn: packet})
					if err != nil {
						t.Fatal(err)
					}
					if res.Retval != 127 {
						t.Errorf("xdp_compute returned %d, want 127", res.Retval)
					}
					return
				}
			}
			t.Error("no program xdp_compute")
		}},
		{"sized_maps.o", map[string][3]uint32{"stackmap": {256, 0, 127 * 8}, "counts": {0, 8, 8}}, func(t *testing.T, l *loaderprog.Loader, maps, progs []*sys.FD) {
			for i, want := range [][3]uint32{{4, 1016, 256}, {8, 8, 16}} {
				info, err := sys.MapInfoByFD(maps[i])
				if err != nil {
					t.Fatal(err)
				}
				if got := [3]uint32{info.KeySize, info.ValueSize, info.MaxEntries}; got != want {
					t.Errorf("map %s: key, value, max_entries %v, want %v", l.Maps[i].Name, got, want)
				}
			}
			res, err := sys.TestRun(progs[0], sys.TestRunOpts{CtxIn: make([]byte, 16)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Retval != 0x5e {
				t.Errorf("count_stack returned %#x, want 0x5e", res.Retval)
			}
		}},
		{"libbpf_idioms.o", nil, func(t *testing.T, l *loaderprog.Loader, maps, progs []*sys.FD) {
			found := false
			for i, m := range l.Maps {
				if !m.EntriesPerCPU {
					continue
				}
				found = true
				info, err := sys.MapInfoByFD(maps[i])
				if err != nil {
					t.Fatal(err)
				}
				if want := possibleCPUsForTest(t); info.MaxEntries != want {
					t.Errorf("map %s: max_entries %d, want %d", m.Name, info.MaxEntries, want)
				}
			}
			if !found {
				t.Error("no map sized by the CPU count")
			}
		}},
	} {
		t.Run(c.object, func(t *testing.T) {
			obj := compileObject(t, c.object)
			l, err := loaderprog.Generate(obj, nil)
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(t.TempDir(), "loader")
			paths, err := WriteRaw(base, l)
			if err != nil {
				t.Fatal(err)
			}
			js, _ := os.ReadFile(paths[2])
			if c.object == "libbpf_idioms.o" && !bytes.Contains(js, []byte(`"entries_per_cpu": true`)) {
				t.Errorf("manifest does not mark the per-CPU map:\n%s", js)
			}
			maps, progs := rawRun(t, paths[2], c.sizes)
			if features.SyscallProg.Missing() {
				return // refused, as rawRun checked
			}
			if len(maps) != len(l.Maps) || len(progs) != len(l.Progs) {
				t.Fatalf("%d maps and %d programs, want %d and %d", len(maps), len(progs), len(l.Maps), len(l.Progs))
			}
			c.check(t, l, maps, progs)
		})
	}
}
