// Tests Adopt: descriptors of a loaded object, handed over as plain fds,
// become a Collection equal to the one Load made; bad input closes every
// descriptor. (cmd/bpfc's tests adopt a real loader program's run.)

package direct

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
)

// dupFDs returns new descriptors of coll's maps and programs in obj order
// (-1 for programs not loaded).
func dupFDs(t *testing.T, obj *ir.Object, coll *Collection) (maps, progs []int) {
	t.Helper()
	for _, m := range obj.Maps {
		fd, err := coll.Maps[m.Name].DupFD()
		if err != nil {
			t.Fatal(err)
		}
		maps = append(maps, fd)
	}
	for _, p := range obj.Programs {
		fd := -1
		if cp := coll.Programs[p.Name]; cp != nil {
			var err error
			if fd, err = cp.DupFD(); err != nil {
				t.Fatal(err)
			}
		}
		progs = append(progs, fd)
	}
	return maps, progs
}

func TestAdopt(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	obj, loaded := loadObject(t, "xdp_globals.o", nil, func(o *ir.Object) error {
		o.Program("xdp_bump").Autoload = false
		return nil
	})
	maps, progs := dupFDs(t, obj, loaded)
	coll, err := Adopt(obj, maps, progs)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()

	if coll.Object != loaded.Object || len(coll.MapOrder) != len(loaded.MapOrder) || len(coll.ProgramOrder) != 1 {
		t.Fatalf("adopted %s: maps %v programs %v; loaded %s: %v %v", coll.Object, coll.MapOrder, coll.ProgramOrder,
			loaded.Object, loaded.MapOrder, loaded.ProgramOrder)
	}
	for i, name := range loaded.MapOrder {
		got, want := coll.Maps[coll.MapOrder[i]], loaded.Maps[name]
		if got.Name != want.Name || got.KernelName != want.KernelName || got.Def != want.Def || got.ID != want.ID ||
			got.Type != want.Type || got.KeySize != want.KeySize || got.ValueSize != want.ValueSize ||
			got.MaxEntries != want.MaxEntries || got.Flags != want.Flags ||
			got.BTFKeyType != want.BTFKeyType || got.BTFValueType != want.BTFValueType {
			t.Errorf("map %s:\n  adopted %+v\n  loaded  %+v", name, *got, *want)
		}
		if got.FD() == want.FD() || got.FD() < 0 {
			t.Errorf("map %s: adopted fd %d, loaded %d", name, got.FD(), want.FD())
		}
	}
	got, want := coll.Programs["xdp_compute"], loaded.Programs["xdp_compute"]
	if got == nil || got.Name != want.Name || got.Section != want.Section || got.KernelName != want.KernelName ||
		got.ID != want.ID || got.Type != want.Type || got.AttachType != want.AttachType || got.AttachBTFID != want.AttachBTFID {
		t.Errorf("program xdp_compute:\n  adopted %+v\n  loaded  %+v", got, want)
	}
	// The adopted collection is the loaded one: a run through it counts
	// in .bss (testdata/README.md: 127 on the first run, 128 on the
	// second), seen through the other.
	for i, c := range []*Collection{coll, loaded} {
		res, err := c.Programs["xdp_compute"].TestRun(TestRunOptions{DataIn: testutil.Packet()})
		if err != nil || res.Retval != uint32(127+i) {
			t.Errorf("run %d: %+v, %v; want retval %d", i, res, err, 127+i)
		}
	}
	if _, err := coll.Maps[".bss"].Lookup(make([]byte, 4)); err != nil {
		t.Error(err)
	}
	loaded.Close()
	if err := coll.Pin(testutil.BPFFS(t)); err != nil {
		t.Error(err)
	}
	if err := coll.Unpin(false); err != nil {
		t.Error(err)
	}
}

func TestAdoptErrors(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	obj, loaded := loadObject(t, "xdp_globals.o", nil, nil)
	defer loaded.Close()
	for _, tt := range []struct {
		name string
		edit func(maps, progs []int) ([]int, []int)
	}{
		{"a map too few", func(maps, progs []int) ([]int, []int) {
			closeFDs(maps[len(maps)-1:])
			return maps[:len(maps)-1], progs
		}},
		{"no map descriptor", func(maps, progs []int) ([]int, []int) {
			closeFDs(maps[:1])
			maps[0] = -1
			return maps, progs
		}},
		{"a program for a map", func(maps, progs []int) ([]int, []int) {
			maps[0], progs[0] = progs[0], maps[0]
			return maps, progs
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			maps, progs := dupFDs(t, obj, loaded)
			maps, progs = tt.edit(maps, progs)
			coll, err := Adopt(obj, maps, progs)
			if err == nil {
				coll.Close()
				t.Fatal("adopted")
			}
			if !errors.Is(err, ErrInvalidObject) {
				t.Errorf("error %v, want ErrInvalidObject", err)
			}
			t.Log(err)
		})
	}
	if _, err := Adopt(nil, nil, nil); !errors.Is(err, ErrInvalidObject) {
		t.Errorf("nil object: %v", err)
	}
}

// closeFDs closes raw descriptors a test made and does not hand over.
func closeFDs(fds []int) {
	for _, fd := range fds {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}
