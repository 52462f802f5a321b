// Tests of the example: the committed skeletons are what bpfc generates
// today (for kernel S, testdata/btf/kernel_st.btf), the congestion control
// registers under the name set through its shadow type and a connection
// runs it (through the Go skeleton and the C one), the FIFO scheduler
// schedules a workload where the kernel has sched_ext; elsewhere the
// refusals name what the kernel lacks.

package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestSkeletonsUpToDate(t *testing.T) {
	for _, tc := range []struct{ obj, file, lang string }{
		{"structops_cc.o", "structops_cc_skel.go", "go"},
		{"structops_scx.o", "structops_scx_skel.go", "go"},
		{"structops_cc.o", "c/structops_cc.lskel.h", "c"},
	} {
		o, l, err := bpfc.GenerateLoader("../../testdata/"+tc.obj, &bpfc.Options{BTF: "../../testdata/btf/kernel_st.btf"}, &loaderprog.Options{NoIntegrity: tc.lang == "c"})
		if err != nil {
			t.Fatal(err)
		}
		var fresh bytes.Buffer
		if tc.lang == "c" {
			err = skel.WriteC(&fresh, l, o, "")
		} else {
			err = skel.WriteGo(&fresh, l, o, "main")
		}
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh.Bytes(), committed) {
			t.Errorf("%s is stale: run go generate ./examples/structops", tc.file)
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

// cProgram returns the C example built static: from $BPFC_PROBE_TARGETS
// (the kernel matrix builds it on the host: the guests have no gcc), or
// built now with make and gcc.
func cProgram(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv(testutil.EnvProbeTargets); dir != "" {
		if p := filepath.Join(dir, "structops_cc_c"); fileExists(p) {
			return p
		}
	}
	testutil.Tool(t, "gcc", "/usr/include/bpf/skel_internal.h")
	make := testutil.Tool(t, "make")
	dir := t.TempDir()
	if out, err := exec.Command(make, "-s", "-C", "c", "OUT="+dir).CombinedOutput(); err != nil {
		t.Fatalf("make -C c: %v\n%s", err, out)
	}
	return filepath.Join(dir, "structops_cc_c")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestCSkeleton runs c/cc.c: the C light skeleton registers the congestion
// control under the name set through its shadow type, laid out for the
// running kernel, a connection runs it, and __detach unregisters it.
func TestCSkeleton(t *testing.T) {
	testutil.RequireKernel(t)
	bin := cProgram(t)
	const name = "bpfc_c_shadow"
	cmd := exec.Command(bin, name)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close() // the program unregisters when its input closes
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if testutil.KernelOlderThan("5.14") {
		// No syscall programs: __load fails (skel_internal.h's loader
		// run returns the kernel's error).
		stdin.Close()
		if werr := cmd.Wait(); werr == nil || !strings.HasPrefix(stderr.String(), "load: ") {
			t.Errorf("on %s: %q, %v, stderr %q; want the load refused", testutil.KernelRelease(), line, werr, stderr.String())
		}
		return
	}
	if err != nil || line != "registered "+name+"\n" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("%q, %v; stderr %q", line, err, stderr.String())
	}
	if !testutil.HasCongestionControl(t, name) {
		t.Fatalf("%s not registered: %v", name, testutil.CongestionControls(t))
	}
	got, err := transfer(name, 4<<20)
	if err != nil || got != name {
		t.Fatalf("transfer: %q, %v", got, err)
	}
	stdin.Close()
	rest, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s%s", err, rest, stderr.String())
	}
	t.Logf("%s", bytes.ReplaceAll(bytes.TrimSpace(rest), []byte("\n"), []byte(" ")))
	if !strings.Contains(string(rest), "init=1\n") || strings.Contains(string(rest), "cong_avoid=0\n") || !strings.Contains(string(rest), "cong_avoid=") {
		t.Errorf("callbacks: %q", rest)
	}
	if testutil.HasCongestionControl(t, name) {
		t.Errorf("%s registered after __detach", name)
	}
}
