// Tests of struct_ops through loader programs, on the running kernel: the
// loader creates the maps, loads the programs against their members and
// fills their fds into the values inside the kernel; the run-time
// registers the maps (a BPF link, or the value of a .struct_ops map) and
// a TCP connection over loopback runs the congestion control. A loader
// generated for kernel S (Linux 7.2's layouts, testdata/btf/kernel_st.btf)
// runs on a kernel that lays tcp_congestion_ops out otherwise: the
// run-time moves the members (a sealed loader refuses instead).

package loaderprog

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

// kernelS is the target of struct_ops goldens: Linux 7.2's layouts.
func kernelS() *target.Target {
	return target.New(target.Options{BTF: filepath.Join(testdataDir, "btf", "kernel_st.btf")})
}

// generateFor runs an object through the passes against tg (deferring
// what can be) and generates its loader.
func generateFor(t *testing.T, name string, tg passes.Target, opts *Options) (*ir.Object, *Loader) {
	t.Helper()
	obj, err := elf.Open(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := passes.Run(&passes.Context{Target: tg, Defer: true, CheckIR: true}, obj); err != nil {
		t.Fatalf("passes: %v", err)
	}
	l, err := Generate(obj, opts)
	if err != nil {
		t.Fatal(err)
	}
	return obj, l
}

// loadStructOps runs a struct_ops loader. A kernel without syscall
// programs (before 5.14) runs no loader program: the test then checks the
// refusal and reports false.
func loadStructOps(t *testing.T, l *Loader) (*rt.Result, bool) {
	t.Helper()
	res, err := rt.Load(l.Spec(), nil)
	if testutil.KernelOlderThan("5.14") {
		if !errors.Is(err, rt.ErrNoSyscallPrograms) {
			t.Fatalf("Load on %s: %v, want rt.ErrNoSyscallPrograms", testutil.KernelRelease(), err)
		}
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return res, true
}

// relaid reports whether the running kernel lays a struct_ops map of l out
// otherwise than l was generated for.
func relaid(t *testing.T, l *Loader) bool {
	t.Helper()
	for _, m := range l.Maps {
		if m.StructOps == nil {
			continue
		}
		k, err := rt.KernelStructOpsLayout(m.StructOps)
		if err != nil {
			t.Fatal(err)
		}
		for j, mem := range m.StructOps.Members {
			if k.Indices[j] != mem.Index || k.Offsets[j] != mem.Offset {
				return true
			}
		}
	}
	return false
}

// mapIndex returns the index of map name in l.
func mapIndex(t *testing.T, l *Loader, name string) int {
	t.Helper()
	for i, m := range l.Maps {
		if m.Name == name {
			return i
		}
	}
	t.Fatalf("no map %s", name)
	return -1
}

func lookupU64(t *testing.T, fd, key int) uint64 {
	t.Helper()
	f, err := sys.NewFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Disown()
	v := make([]byte, 8)
	if err := sys.MapLookupElem(f, binary.NativeEndian.AppendUint32(nil, uint32(key)), v); err != nil {
		t.Fatal(err)
	}
	return binary.NativeEndian.Uint64(v)
}

// TestStructOpsCongestionControl registers structops_cc.o's bpfc_reno
// through the run-time, for a loader generated for the running kernel and
// one generated for kernel S.
func TestStructOpsCongestionControl(t *testing.T) {
	testutil.RequireKernel(t)
	testutil.LockCongestionControl(t, "bpfc_reno")
	for _, tc := range []struct {
		name   string
		target passes.Target
	}{{"running kernel", target.Running()}, {"kernel S", kernelS()}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			_, l := generateFor(t, "structops_cc.o", tc.target, nil)
			t.Logf("layout moved for this kernel: %v", relaid(t, l))
			res, ok := loadStructOps(t, l)
			if !ok {
				return
			}
			defer res.Close()
			i := mapIndex(t, l, "bpfc_reno")
			if opt := mapIndex(t, l, "bpfc_optional"); res.MapFDs[opt] != -1 {
				t.Errorf("bpfc_optional (?.struct_ops) created: fd %d", res.MapFDs[opt])
			}
			m := rt.Map{Name: "bpfc_reno", FD: res.MapFDs[i]}
			link, err := m.AttachStructOps(l.Maps[i].StructOps, res.StructOpsValues[i])
			if err != nil {
				t.Fatal(err)
			}
			defer link.Close()
			if !testutil.HasCongestionControl(t, "bpfc_reno") {
				t.Fatal("bpfc_reno not registered")
			}
			got, err := testutil.TCPTransfer("bpfc_reno", 4<<20)
			if err != nil || got != "bpfc_reno" {
				t.Fatalf("transfer: %q, %v", got, err)
			}
			calls := res.MapFDs[mapIndex(t, l, "cc_calls")]
			if init, ca := lookupU64(t, calls, 0), lookupU64(t, calls, 2); init != 1 || ca == 0 {
				t.Errorf("init %d (want 1), cong_avoid %d (want > 0)", init, ca)
			}
			if err := link.Close(); err != nil {
				t.Fatal(err)
			}
			if testutil.HasCongestionControl(t, "bpfc_reno") {
				t.Error("bpfc_reno registered after Close")
			}
		})
	}
}

// TestStructOpsLinkSwap: the loader writes the values of both
// .struct_ops.link maps; a link of cc_a registers it, Update swaps cc_b in.
func TestStructOpsLinkSwap(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	testutil.LockCongestionControl(t, "bpfc_swap")
	obj, l := generateFor(t, "structops_link.o", kernelS(), nil)
	if testutil.KernelOlderThan("6.4") {
		// BPF_F_LINK struct_ops maps came in 6.4: the loader fails
		// creating the first (before 5.14 no loader runs at all).
		_, err := rt.Load(l.Spec(), nil)
		var se *rt.StepError
		if !errors.Is(err, rt.ErrNoSyscallPrograms) && !(errors.As(err, &se) && se.Desc == "BPF_MAP_CREATE cc_a" && errors.Is(err, unix.EINVAL)) {
			t.Fatalf("Load on %s: %v, want EINVAL creating cc_a", testutil.KernelRelease(), err)
		}
		return
	}
	res, ok := loadStructOps(t, l)
	if !ok {
		return
	}
	defer res.Close()
	a, b := mapIndex(t, l, "cc_a"), mapIndex(t, l, "cc_b")
	ma := rt.Map{Name: "cc_a", FD: res.MapFDs[a]}
	mb := rt.Map{Name: "cc_b", FD: res.MapFDs[b]}
	link, err := ma.AttachStructOps(l.Maps[a].StructOps, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	bss := res.MapFDs[mapIndex(t, l, ".bss")]
	inits := func() (uint64, uint64) {
		t.Helper()
		if got, err := testutil.TCPTransfer("bpfc_swap", 1<<20); err != nil || got != "bpfc_swap" {
			t.Fatalf("transfer: %q, %v", got, err)
		}
		f, _ := sys.NewFD(bss)
		defer f.Disown()
		v := make([]byte, l.Maps[mapIndex(t, l, ".bss")].ValueSize)
		if err := sys.MapLookupElem(f, make([]byte, 4), v); err != nil {
			t.Fatal(err)
		}
		var ia, ib uint64
		for _, ds := range obj.DataSections {
			for _, dv := range ds.Vars {
				switch {
				case ds.Name == ".bss" && dv.Name == "init_a_calls":
					ia = binary.NativeEndian.Uint64(v[dv.Offset:])
				case ds.Name == ".bss" && dv.Name == "init_b_calls":
					ib = binary.NativeEndian.Uint64(v[dv.Offset:])
				}
			}
		}
		return ia, ib
	}
	if ia, ib := inits(); ia != 1 || ib != 0 {
		t.Errorf("through cc_a: init_a %d, init_b %d", ia, ib)
	}
	if err := link.UpdateMap(mb.FD); err != nil {
		t.Fatal(err)
	}
	if ia, ib := inits(); ia != 1 || ib != 1 {
		t.Errorf("through cc_b: init_a %d, init_b %d", ia, ib)
	}
	if err := link.Close(); err != nil {
		t.Fatal(err)
	}
	if !testutil.WaitCongestionControlGone(t, "bpfc_swap") {
		t.Error("bpfc_swap registered after Close")
	}
}

// TestStructOpsSealedLayout: a sealed loader cannot move members; on a
// kernel whose layout differs from the one it was generated for it is
// refused before it runs.
func TestStructOpsSealedLayout(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	_, l := generateFor(t, "structops_cc.o", kernelS(), &Options{Sealed: true})
	res, err := rt.Load(l.Spec(), nil)
	if !relaid(t, l) {
		if err != nil {
			t.Fatalf("the kernel lays tcp_congestion_ops out as kernel S: %v", err)
		}
		res.Close()
		return
	}
	if err == nil {
		res.Close()
		t.Fatal("a sealed loader for another layout loaded")
	}
	if !errors.Is(err, rt.ErrStructOpsLayout) || !strings.Contains(err.Error(), "map bpfc_reno: struct_ops layout differs from the loader's: the kernel lays struct tcp_congestion_ops out otherwise, and a sealed loader creates its maps as signed") {
		t.Errorf("Load: %v", err)
	}
}
