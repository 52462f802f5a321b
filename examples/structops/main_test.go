// Tests of the example: the committed skeletons are what bpfc generates
// today (for kernel S, testdata/btf/kernel_st.btf), the congestion control
// registers under the name set through its shadow type and a connection
// runs it, the FIFO scheduler schedules a workload where the kernel has
// sched_ext; elsewhere the refusals name what the kernel lacks.

package main

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestSkeletonsUpToDate(t *testing.T) {
	for obj, file := range map[string]string{"structops_cc.o": "structops_cc_skel.go", "structops_scx.o": "structops_scx_skel.go"} {
		o, l, err := bpfc.GenerateLoader("../../testdata/"+obj, &bpfc.Options{BTF: "../../testdata/btf/kernel_st.btf"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var fresh bytes.Buffer
		if err := skel.WriteGo(&fresh, l, o, "main"); err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh.Bytes(), committed) {
			t.Errorf("%s is stale: run go generate ./examples/structops", file)
		}
	}
}

// oldKernel checks the refusal of a kernel without syscall programs
// (before 5.14), which runs no loader program, and reports it.
func oldKernel(t *testing.T, err error) bool {
	t.Helper()
	if !testutil.KernelOlderThan("5.14") {
		return false
	}
	if !errors.Is(err, rt.ErrNoSyscallPrograms) {
		t.Errorf("on %s: %v, want rt.ErrNoSyscallPrograms", testutil.KernelRelease(), err)
	}
	return true
}

func TestCongestionControl(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	r, err := runCC("bpfc_shadow")
	if oldKernel(t, err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if r.selected != "bpfc_shadow" || r.init != 1 || r.congAvoid == 0 {
		t.Errorf("%+v: want bpfc_shadow selected, init 1, cong_avoid > 0", r)
	}
	if testutil.HasCongestionControl(t, "bpfc_shadow") {
		t.Error("bpfc_shadow registered after Detach")
	}
	if _, err := runCC("bpfc_name_too_long"); err == nil {
		t.Error("a 18-byte name was accepted")
	}
}

func TestSchedExt(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	if state, _, ok := testutil.SchedExt(); !ok {
		// The run-time lays the map out before it runs a loader.
		_, err := runFIFO(time.Second)
		if !errors.Is(err, rt.ErrStructOpsLayout) || !bytes.Contains([]byte(err.Error()), []byte("the kernel has no struct bpf_struct_ops_sched_ext_ops")) {
			t.Errorf("on a kernel without sched_ext: %v", err)
		}
		return
	} else if state != "disabled" {
		t.Fatalf("sched_ext is %q before the test", state)
	}
	r, err := runFIFO(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	if r.enqueued < 100 || r.exitKind != 64 { // SCX_EXIT_UNREG
		t.Errorf("%+v: want hundreds of tasks enqueued and exit kind 64 (SCX_EXIT_UNREG)", r)
	}
	if state, err := testutil.WaitSchedExt("disabled"); err != nil {
		t.Errorf("after the run: %s: %v", state, err)
	}
}
