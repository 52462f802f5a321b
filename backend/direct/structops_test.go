// Tests of struct_ops in the direct backend, on the running kernel: a BPF
// TCP congestion control registered through a .struct_ops map (5.6+) that
// a TCP connection over loopback selects and whose callbacks count their
// calls; two .struct_ops.link congestion controls swapped behind one BPF
// link (6.4+, refused with a clear error before); a sched_ext scheduler
// enabled, scheduling a workload and disabled (where the kernel has
// sched_ext, refused naming sched_ext_ops where it has not); and loads
// that cannot work.

package direct

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
	"github.com/bpfc/bpfc/uapi"
)

// transferBytes is how much a test connection sends: enough for the
// congestion window to grow (cong_avoid runs) on loopback.
const transferBytes = 4 << 20

// kernelAtLeast reports whether the running kernel is at least
// major.minor.
func kernelAtLeast(t *testing.T, major, minor uint32) bool {
	t.Helper()
	v, err := target.Running().KernelVersion()
	if err != nil {
		t.Fatal(err)
	}
	return v >= major<<16|minor<<8
}

// kernelHasStruct reports whether the running kernel's BTF has struct
// name.
func kernelHasStruct(t *testing.T, name string) bool {
	t.Helper()
	spec, err := target.Running().BTF()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range spec.FindByNameKind(name, btf.KindStruct) {
		if spec.TypeKind(id) == btf.KindStruct {
			return true
		}
	}
	return false
}

// counters reads n u64 counters of an array map.
func counters(t *testing.T, m *Map, n int) []uint64 {
	t.Helper()
	out := make([]uint64, n)
	for i := range out {
		key := binary.NativeEndian.AppendUint32(nil, uint32(i))
		v, err := m.Lookup(key)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = binary.NativeEndian.Uint64(v)
	}
	return out
}

// globalU64 reads the variable name (4 or 8 bytes, zero-extended) of a
// global data map.
func globalU64(t *testing.T, obj *ir.Object, coll *Collection, sec, name string) uint64 {
	t.Helper()
	m := coll.Maps[sec]
	v, err := m.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range obj.DataSections {
		for _, dv := range ds.Vars {
			if ds.Name != sec || dv.Name != name {
				continue
			}
			switch dv.Size {
			case 4:
				return uint64(binary.NativeEndian.Uint32(v[dv.Offset:]))
			case 8:
				return binary.NativeEndian.Uint64(v[dv.Offset:])
			}
			t.Fatalf("variable %s: %d bytes", name, dv.Size)
		}
	}
	t.Fatalf("no variable %s in %s", name, sec)
	return 0
}

// Indices of structops_cc.c's cc_calls.
const (
	ccInit = iota
	ccSsthresh
	ccCongAvoid
	ccUndoCwnd
	ccSetState
	ccOptional
	ccNR
)

func TestStructOpsCongestionControl(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj, coll := loadObject(t, "structops_cc.o", nil, nil)

	m := coll.Maps["bpfc_reno"]
	if m == nil || m.Type != uapi.MapTypeStructOps || m.KeySize != 4 || m.MaxEntries != 1 || m.Flags != 0 {
		t.Fatalf("bpfc_reno: %+v", m)
	}
	def, _ := obj.Map("bpfc_reno")
	if m.ValueSize != def.ValueSize || def.StructOps.ValueType != "bpf_struct_ops_tcp_congestion_ops" {
		t.Errorf("value size %d, laid out %d for %s", m.ValueSize, def.ValueSize, def.StructOps.ValueType)
	}
	if _, ok := coll.Maps["bpfc_optional"]; ok {
		t.Error("bpfc_optional (?.struct_ops) was created")
	}
	if _, ok := coll.Programs["reno_optional"]; ok {
		t.Error("reno_optional, only bpfc_optional uses it, was loaded")
	}
	for _, name := range []string{"reno_init", "reno_ssthresh", "reno_cong_avoid", "reno_undo_cwnd", "reno_set_state"} {
		p := coll.Programs[name]
		if p == nil || p.Type != uapi.ProgTypeStructOps || p.AttachBTFID == 0 {
			t.Errorf("program %s: %+v", name, p)
		}
	}
	testutil.LockCongestionControl(t, "bpfc_reno")
	if _, err := testutil.TCPTransfer("bpfc_reno", 1024); !errors.Is(err, unix.ENOENT) {
		t.Errorf("selecting bpfc_reno before it is registered: %v, want ENOENT", err)
	}

	link, err := coll.AttachStructOps("bpfc_reno")
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	if link.ID != 0 || link.Type != "struct_ops (map value)" || link.Program != "bpfc_reno" || link.Target != "tcp_congestion_ops" {
		t.Errorf("a .struct_ops map registered with a BPF link: %+v", link)
	}
	if !testutil.HasCongestionControl(t, "bpfc_reno") {
		t.Fatalf("bpfc_reno not registered: %v", testutil.CongestionControls(t))
	}
	if _, err := coll.AttachStructOps("bpfc_reno"); !errors.Is(err, unix.EBUSY) || !strings.Contains(err.Error(), "structops_cc.o: register struct_ops bpfc_reno: BPF_MAP_UPDATE_ELEM: device or resource busy (registered already") {
		t.Errorf("registering twice: %v", err)
	}
	before := counters(t, coll.Maps["cc_calls"], ccNR)
	got, err := testutil.TCPTransfer("bpfc_reno", transferBytes)
	if err != nil {
		t.Fatal(err)
	}
	if got != "bpfc_reno" {
		t.Errorf("the connection's congestion control is %q", got)
	}
	after := counters(t, coll.Maps["cc_calls"], ccNR)
	t.Logf("cc_calls before %v, after %v", before, after)
	if after[ccInit] <= before[ccInit] || after[ccCongAvoid] <= before[ccCongAvoid] {
		t.Errorf("callbacks did not run: init %d -> %d, cong_avoid %d -> %d", before[ccInit], after[ccInit], before[ccCongAvoid], after[ccCongAvoid])
	}
	if after[ccOptional] != 0 {
		t.Errorf("reno_optional ran %d times", after[ccOptional])
	}

	if err := link.UpdateMap(m.FD()); !errors.Is(err, ErrNotSupported) {
		t.Errorf("UpdateMap of a .struct_ops registration: %v, want ErrNotSupported", err)
	}
	if err := link.Pin(filepath.Join(testutil.BPFFS(t), "reno")); !errors.Is(err, ErrNotSupported) {
		t.Errorf("Pin of a .struct_ops registration: %v, want ErrNotSupported", err)
	}
	if err := link.Close(); err != nil {
		t.Fatal(err)
	}
	if testutil.HasCongestionControl(t, "bpfc_reno") {
		t.Error("bpfc_reno still registered after Close")
	}
	if err := link.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	// Attaching the whole collection registers its struct_ops maps, as
	// libbpf's skeleton attach does; their programs are not attached on
	// their own, nor listed as skipped. (The kernel registers a
	// .struct_ops map once: a new load.)
	_, coll = loadObject(t, "structops_cc.o", nil, nil)
	ls, err := coll.Attach(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Links) != 1 || ls.Links[0].Program != "bpfc_reno" || len(ls.Skipped) != 0 {
		t.Errorf("Attach: links %+v, skipped %+v", ls.Links, ls.Skipped)
	}
	if !testutil.HasCongestionControl(t, "bpfc_reno") {
		t.Error("Attach did not register bpfc_reno")
	}
	if err := ls.Close(); err != nil {
		t.Fatal(err)
	}
	if testutil.HasCongestionControl(t, "bpfc_reno") {
		t.Error("bpfc_reno registered after the links closed")
	}
}

// TestStructOpsLinkSwap registers cc_a through a BPF link, swaps cc_b in
// behind it, and checks which init callback new connections run.
func TestStructOpsLinkSwap(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	if !kernelAtLeast(t, 6, 4) {
		obj, err := compile(t, "structops_link.o", nil)
		if err != nil {
			t.Fatal(err)
		}
		coll, err := Load(obj, testOptions(t))
		if err == nil {
			coll.Close()
			t.Fatal("a BPF_F_LINK struct_ops map loaded before Linux 6.4")
		}
		if !errors.Is(err, unix.EINVAL) || !strings.Contains(err.Error(), "map cc_a: BPF_MAP_CREATE: invalid argument (a .struct_ops.link map, BPF_F_LINK, needs Linux 6.4") {
			t.Fatalf("Load: %v", err)
		}
		return
	}
	obj, coll := loadObject(t, "structops_link.o", nil, nil)
	a, b := coll.Maps["cc_a"], coll.Maps["cc_b"]
	for _, m := range []*Map{a, b} {
		if m.Flags != uapi.MapFlagLink {
			t.Errorf("map %s: flags %v", m.Name, m.Flags)
		}
		// Load wrote the value: the map is ready, not in use.
		v, err := m.Lookup(make([]byte, 4))
		if err != nil {
			t.Fatal(err)
		}
		if state := binary.NativeEndian.Uint32(v[4:]); state != 3 { // BPF_STRUCT_OPS_STATE_READY
			t.Errorf("map %s: state %d after Load, want READY", m.Name, state)
		}
	}
	testutil.LockCongestionControl(t, "bpfc_swap")
	link, err := coll.AttachStructOps("cc_a")
	if err != nil {
		t.Fatal(err)
	}
	defer link.Close()
	if link.ID == 0 || link.Type != "struct_ops" || link.Program != "cc_a" {
		t.Errorf("link %+v", link)
	}
	if id, err := link.StructOpsMapID(); err != nil || id != a.ID {
		t.Errorf("link's map: %d, %v; want cc_a %d", id, err, a.ID)
	}
	transfer := func() (uint64, uint64) {
		t.Helper()
		if got, err := testutil.TCPTransfer("bpfc_swap", transferBytes); err != nil || got != "bpfc_swap" {
			t.Fatalf("transfer: %q, %v", got, err)
		}
		return globalU64(t, obj, coll, ".bss", "init_a_calls"), globalU64(t, obj, coll, ".bss", "init_b_calls")
	}
	if ia, ib := transfer(); ia != 1 || ib != 0 {
		t.Errorf("through cc_a: init_a %d, init_b %d; want 1, 0", ia, ib)
	}
	if err := link.UpdateMap(b.FD()); err != nil {
		t.Fatal(err)
	}
	if id, err := link.StructOpsMapID(); err != nil || id != b.ID {
		t.Errorf("after UpdateMap: map %d, %v; want cc_b %d", id, err, b.ID)
	}
	if ia, ib := transfer(); ia != 1 || ib != 1 {
		t.Errorf("through cc_b: init_a %d, init_b %d; want 1, 1", ia, ib)
	}
	if acks := globalU64(t, obj, coll, ".bss", "acks"); acks == 0 {
		t.Error("cong_avoid never ran")
	}
	if err := link.UpdateMap(coll.Maps["cc_a"].FD()); err != nil {
		t.Errorf("swapping back: %v", err)
	}

	// A pinned link keeps the congestion control registered.
	pin := filepath.Join(testutil.BPFFS(t), "swap_link")
	if err := link.Pin(pin); err != nil {
		t.Fatal(err)
	}
	if err := link.Close(); err != nil {
		t.Fatal(err)
	}
	if !testutil.HasCongestionControl(t, "bpfc_swap") {
		t.Error("bpfc_swap unregistered although its link is pinned")
	}
	if err := link.Unpin(); err != nil {
		t.Fatal(err)
	}
	// The kernel frees an unreferenced link after an RCU grace period.
	if !testutil.WaitCongestionControlGone(t, "bpfc_swap") {
		t.Error("bpfc_swap still registered once its pinned link is gone")
	}
}

// TestStructOpsSchedExt enables the FIFO scheduler, runs a workload under
// it and disables it; on a kernel without sched_ext, compiling it names
// the missing type.
func TestStructOpsSchedExt(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	if !kernelHasStruct(t, "bpf_struct_ops_sched_ext_ops") {
		_, err := compile(t, "structops_scx.o", nil)
		if !errors.Is(err, passes.ErrNotFound) || !strings.Contains(err.Error(), "the kernel implements no struct_ops for struct sched_ext_ops") {
			t.Fatalf("compile on a kernel without sched_ext: %v", err)
		}
		return
	}
	runSchedExt(t, func(t *testing.T) (func() (enqueued, dispatched, inits uint64, exitKind int32), func() error) {
		obj, coll := loadObject(t, "structops_scx.o", nil, nil)
		link, err := coll.AttachStructOps("bpfc_fifo")
		if err != nil {
			t.Fatal(err)
		}
		read := func() (uint64, uint64, uint64, int32) {
			return globalU64(t, obj, coll, ".bss", "enqueued"), globalU64(t, obj, coll, ".bss", "dispatched"),
				globalU64(t, obj, coll, ".bss", "inits"), int32(globalU64(t, obj, coll, ".data", "exit_kind"))
		}
		return read, link.Close
	})
}

// runSchedExt checks a scheduler: attach enables sched_ext with
// bpfc_fifo, a workload gets scheduled by it, and closing disables it with
// the exit kind SCX_EXIT_UNREG.
func runSchedExt(t *testing.T, attach func(t *testing.T) (read func() (uint64, uint64, uint64, int32), detach func() error)) {
	t.Helper()
	if state, _, _ := testutil.SchedExt(); state != "disabled" {
		t.Fatalf("sched_ext is %q before the test", state)
	}
	read, detach := attach(t)
	closed := false
	defer func() {
		if !closed {
			detach()
		}
	}()
	if state, err := testutil.WaitSchedExt("enabled"); err != nil {
		t.Fatalf("after attach: %s: %v", state, err)
	}
	if _, ops, _ := testutil.SchedExt(); ops != "bpfc_fifo" {
		t.Errorf("sched_ext runs %q", ops)
	}
	e0, _, i0, _ := read()
	testutil.Workload(4, 100)
	e1, d1, i1, _ := read()
	t.Logf("enqueued %d -> %d, dispatch callbacks %d, init_task %d -> %d", e0, e1, d1, i0, i1)
	if e1 <= e0 || e1-e0 < 400 || i1 == 0 {
		t.Errorf("the scheduler did not schedule the workload: enqueued %d -> %d (400 wake-ups), init_task %d", e0, e1, i1)
	}
	if err := detach(); err != nil {
		t.Fatal(err)
	}
	closed = true
	if state, err := testutil.WaitSchedExt("disabled"); err != nil {
		t.Fatalf("after detach: %s: %v", state, err)
	}
	if _, _, _, kind := read(); kind != 64 { // SCX_EXIT_UNREG
		t.Errorf("exit kind %d, want 64 (SCX_EXIT_UNREG)", kind)
	}
}

// TestStructOpsLoadErrors: a struct_ops map needs the object's BTF in the
// kernel and every program its members name.
func TestStructOpsLoadErrors(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj, err := compile(t, "structops_cc.o", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(obj, &Options{PinPath: testutil.BPFFS(t), NoBTF: true})
	if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "structops_cc.o: map bpfc_reno: not supported: a struct_ops map needs the object's BTF in the kernel") {
		t.Errorf("Load without BTF: %v", err)
	}
	obj.Program("reno_undo_cwnd").Autoload = false
	_, err = Load(obj, testOptions(t))
	if err == nil || !strings.Contains(err.Error(), "structops_cc.o: map bpfc_reno: member undo_cwnd: program reno_undo_cwnd is not loaded") {
		t.Errorf("Load without a program the map uses: %v", err)
	}
	coll, err := Load(mustCompile(t, "xdp_globals.o"), testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	if _, err := coll.AttachStructOps(".bss"); err == nil || !strings.Contains(err.Error(), "struct_ops map .bss: a array map, not a struct_ops map") {
		t.Errorf("AttachStructOps of an array: %v", err)
	}
	if _, err := coll.AttachStructOps("nosuch"); err == nil || !strings.Contains(err.Error(), `attach struct_ops: no map "nosuch"`) {
		t.Errorf("AttachStructOps of no map: %v", err)
	}
}

func mustCompile(t *testing.T, name string) *ir.Object {
	t.Helper()
	obj, err := compile(t, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}
