// Tests of linking struct_ops maps in the running kernel: the structops
// link set (testdata/src/link/structops) sets the function pointers of
// a.c's maps to b.c's programs and of b.c's map to a.c's program. Each
// map is registered as a TCP congestion control through both backends,
// and a loopback connection that selects it runs the init program the
// map names in the other part.

package bpfc_test

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
)

// structOpsTransfer is how much a test connection sends: enough for
// cong_avoid to run on loopback.
const structOpsTransfer = 4 << 20

// linkedCCs are the congestion controls of the structops link set and the
// .bss counter of the init program each map is set to, in the other part.
var linkedCCs = []struct{ cc, counter string }{
	{"bpfc_link_a", "init_calls"},    // a.c's map, b.c's link_init
	{"bpfc_link_b", "init_a2_calls"}, // b.c's map, a.c's init_a2
}

// bssValue reads the .bss variable name out of the section's value.
func bssValue(t *testing.T, obj *ir.Object, val []byte, name string) uint64 {
	t.Helper()
	ds := obj.DataSection(".bss")
	if ds == nil {
		t.Fatal("no .bss section")
	}
	i := slices.IndexFunc(ds.Vars, func(v ir.DataVar) bool { return v.Name == name })
	if i < 0 || ds.Vars[i].Size != 8 || int(ds.Vars[i].Offset)+8 > len(val) {
		t.Fatalf("no 8-byte variable %s in .bss (%d bytes)", name, len(val))
	}
	return binary.NativeEndian.Uint64(val[ds.Vars[i].Offset:])
}

// runLinkedCC registers one congestion control with register, sends
// through a connection that selects it, unregisters it and returns the
// .bss value read by bss afterwards.
func runLinkedCC(t *testing.T, cc string, register func() (func() error, error), bss func() []byte) []byte {
	t.Helper()
	if testutil.HasCongestionControl(t, cc) {
		t.Fatalf("%s registered before the test (left over from another run?)", cc)
	}
	unregister, err := register()
	if err != nil {
		t.Fatalf("registering %s: %v", cc, err)
	}
	got, err := testutil.TCPTransfer(cc, structOpsTransfer)
	if cerr := unregister(); cerr != nil {
		t.Errorf("unregistering %s: %v", cc, cerr)
	}
	if err != nil || got != cc {
		t.Fatalf("transfer through %s: congestion control %q, %v", cc, got, err)
	}
	if !testutil.WaitCongestionControlGone(t, cc) {
		t.Errorf("%s still registered after its link closed", cc)
	}
	return bss()
}

func TestLinkedStructOps(t *testing.T) {
	testutil.RequireKernel(t)
	// Registering congestion controls one test at a time, as the other
	// packages' struct_ops tests do.
	testutil.LockCongestionControl(t, linkedCCs[0].cc)
	parts := linkSet(t, "structops")
	t.Run("direct", func(t *testing.T) {
		defer testutil.CheckNoFDLeak(t)()
		obj, err := bpfc.CompileFiles(parts, &bpfc.Options{CheckIR: true})
		if err != nil {
			t.Fatal(err)
		}
		coll, err := direct.Load(obj, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer coll.Close()
		for _, name := range []string{"init_a2", "link_init", "link_ssthresh", "link_cong_avoid", "link_undo_cwnd"} {
			if p := coll.Programs[name]; p == nil || p.AttachBTFID == 0 {
				t.Errorf("program %s not loaded against its struct_ops member: %+v", name, p)
			}
		}
		for i, c := range linkedCCs {
			val := runLinkedCC(t, c.cc, func() (func() error, error) {
				l, err := coll.AttachStructOps(c.cc)
				if err != nil {
					return nil, err
				}
				return l.Close, nil
			}, func() []byte {
				v, err := coll.Maps[".bss"].Lookup(make([]byte, 4))
				if err != nil {
					t.Fatal(err)
				}
				return v
			})
			checkLinkedCounters(t, obj, val, i)
		}
	})
	t.Run("loader", func(t *testing.T) {
		defer testutil.CheckNoFDLeak(t)()
		obj, l, err := bpfc.GenerateLoaderFiles(parts, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := rt.Load(l.Spec(), nil)
		if testutil.KernelOlderThan("5.14") {
			// No loader program runs before 5.14.
			if err == nil {
				res.Close()
			}
			if !errors.Is(err, rt.ErrNoSyscallPrograms) {
				t.Errorf("rt.Load on %s: %v; want the refusal naming syscall programs", testutil.KernelRelease(), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		index := func(name string) int {
			i := slices.IndexFunc(l.Maps, func(m loaderprog.MapDesc) bool { return m.Name == name })
			if i < 0 {
				t.Fatalf("no map %s in the loader", name)
			}
			return i
		}
		bss := index(".bss")
		for i, c := range linkedCCs {
			k := index(c.cc)
			val := runLinkedCC(t, c.cc, func() (func() error, error) {
				m := rt.Map{Name: c.cc, FD: res.MapFDs[k]}
				link, err := m.AttachStructOps(l.Maps[k].StructOps, res.StructOpsValues[k])
				if err != nil {
					return nil, err
				}
				return link.Close, nil
			}, func() []byte {
				f, err := sys.NewFD(res.MapFDs[bss])
				if err != nil {
					t.Fatal(err)
				}
				defer f.Disown()
				v := make([]byte, l.Maps[bss].ValueSize)
				if err := sys.MapLookupElem(f, make([]byte, 4), v); err != nil {
					t.Fatal(err)
				}
				return v
			})
			checkLinkedCounters(t, obj, val, i)
		}
	})
}

// checkLinkedCounters checks the .bss counters after the i-th congestion
// control of linkedCCs ran: one init call each for it and those before,
// none for those after, and cong_avoid calls.
func checkLinkedCounters(t *testing.T, obj *ir.Object, bss []byte, i int) {
	t.Helper()
	for j, c := range linkedCCs {
		want := uint64(0)
		if j <= i {
			want = 1
		}
		if got := bssValue(t, obj, bss, c.counter); got != want {
			t.Errorf("after %s: %s = %d, want %d", linkedCCs[i].cc, c.counter, got, want)
		}
	}
	if acks := bssValue(t, obj, bss, "acks"); acks == 0 {
		t.Errorf("after %s: link_cong_avoid never ran", linkedCCs[i].cc)
	}
}
