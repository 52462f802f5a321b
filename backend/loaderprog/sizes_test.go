// This file tests map sizes set when the loader runs (rt.Options), for
// objects that leave them to user space: a loader is generated with the
// sizes still 0, refuses to run until they are set, and creates the maps
// with the sizes given; a size that no longer fits a map's BTF types
// creates the map without them, and an equal size keeps them.

package loaderprog

import (
	"errors"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

func TestRunTimeSizes(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj, err := elf.Open(testdataDir + "/sized_maps.o")
	if err != nil {
		t.Fatal(err)
	}
	if err := passes.Run(&passes.Context{Target: target.Running(), Defer: true, CheckIR: true}, obj); err != nil {
		t.Fatal(err)
	}
	l := generate(t, obj, nil)
	// stackmap (0) and counts (1).
	for i, want := range []MapDesc{
		{Name: "stackmap", NeedsMaxEntries: true, NeedsValueSize: true},
		{Name: "counts", NeedsKeySize: true, NeedsValueSize: true},
	} {
		m := l.Maps[i]
		if m.Name != want.Name || m.NeedsMaxEntries != want.NeedsMaxEntries || m.NeedsKeySize != want.NeedsKeySize || m.NeedsValueSize != want.NeedsValueSize {
			t.Errorf("map %d: %s needs max_entries %v key %v value %v; want %+v", i, m.Name, m.NeedsMaxEntries, m.NeedsKeySize, m.NeedsValueSize, want)
		}
	}
	if _, err := rt.Load(l.Spec(), &rt.Options{MaxEntries: []uint32{256}, ValueSizes: []uint32{1016}}); !errors.Is(err, rt.ErrSizeUnset) {
		t.Errorf("counts unsized: %v, want ErrSizeUnset", err)
	}
	sizes := &rt.Options{MaxEntries: []uint32{256}, KeySizes: []uint32{0, 8}, ValueSizes: []uint32{1016, 8}}
	if features.SyscallProg.Missing() {
		// No loader program runs before 5.14.
		if _, err := rt.Load(l.Spec(), sizes); !errors.Is(err, rt.ErrNoSyscallPrograms) {
			t.Errorf("rt.Load on %s: %v, want ErrNoSyscallPrograms", features.Release(), err)
		}
		return
	}
	res := runLoader(t, l, sizes)
	for i, want := range [][3]uint32{{4, 1016, 256}, {8, 8, 16}} {
		info, err := sys.MapInfoByFD(borrow(t, res.MapFDs[i]))
		if err != nil {
			t.Fatal(err)
		}
		if got := [3]uint32{info.KeySize, info.ValueSize, info.MaxEntries}; got != want {
			t.Errorf("map %s: key, value, max_entries %v, want %v", l.Maps[i].Name, got, want)
		}
	}
	ctx := make([]byte, 16)
	if got := testRunRetval(t, res.ProgFDs[0], sys.TestRunOpts{CtxIn: ctx}); got != 0x5e {
		t.Errorf("count_stack returned %#x, want 0x5e", got)
	}
}

// TestRunTimeSizesBTF resizes maps_kinds.o's hash_map (u32 -> u64, with
// BTF types) when the loader runs: to other sizes it is created without BTF
// types, to its own sizes with them. (The program, written for those
// sizes, is not loaded.)
func TestRunTimeSizesBTF(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj := compileObject(t, "maps_kinds.o")
	if n, err := passes.Disable(obj, "fill_maps"); n != 1 || err != nil {
		t.Fatalf("disable fill_maps: %d, %v", n, err)
	}
	l := generate(t, obj, nil)
	if !loaderRuns(t, l) {
		return
	}
	idx := -1
	for i, m := range l.Maps {
		if m.Name == "hash_map" {
			idx = i
		}
	}
	if idx < 0 || l.Maps[idx].KeySize != 4 || l.Maps[idx].ValueSize != 8 {
		t.Fatalf("maps_kinds.o: no hash_map u32 -> u64")
	}
	for _, c := range []struct {
		key, value uint32
		btf        bool
	}{{0, 0, true}, {4, 8, true}, {0, 16, false}, {8, 0, false}} {
		keys, values := make([]uint32, len(l.Maps)), make([]uint32, len(l.Maps))
		keys[idx], values[idx] = c.key, c.value
		res, err := rt.Load(l.Spec(), &rt.Options{KeySizes: keys, ValueSizes: values})
		if err != nil {
			t.Fatalf("sizes %d/%d: %v", c.key, c.value, err)
		}
		info, err := sys.MapInfoByFD(borrow(t, res.MapFDs[idx]))
		res.Close()
		if err != nil {
			t.Fatal(err)
		}
		wantKey, wantValue := max(c.key, 4), max(c.value, 8)
		if info.KeySize != wantKey || info.ValueSize != wantValue || (info.BTFValueTypeID != 0) != c.btf || (info.BTFKeyTypeID != 0) != c.btf {
			t.Errorf("sizes %d/%d: created %d/%d with BTF key/value types %d/%d, want %d/%d with BTF %v",
				c.key, c.value, info.KeySize, info.ValueSize, info.BTFKeyTypeID, info.BTFValueTypeID, wantKey, wantValue, c.btf)
		}
	}
}
