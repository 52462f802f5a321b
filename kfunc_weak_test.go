// Tests of LoadFiles's second try (loadFiles): a __weak kfunc the running
// kernel found by name but declared with a prototype the kernel's does not
// match is refused by the verifier, and compiled again with every
// prototype checked here it is left out, as libbpf leaves it.

package bpfc

import (
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/target"
)

func TestLoadWeakKfuncAgain(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	const name = "kfunc_weak.o"
	tg := target.NewRunning() // as in a fresh process: vmlinux BTF not read
	coll, err := loadFiles([]string{"testdata/" + name}, &Options{}, nil, tg)
	if unmet := testutil.Unmet(name); len(unmet) > 0 {
		testutil.CheckRefused(t, name, unmet, err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	// The kernel has bpf_task_acquire from 6.2 on (this object loads from
	// 6.4): the kernel found it, refused the call, and the second
	// compilation left it out.
	hasKfuncs := !testutil.KernelOlderThan("6.2")
	again := false
	for _, w := range coll.Warnings {
		if strings.Contains(w, "kfunc bpf_task_acquire (__weak)") && strings.Contains(w, "left out") {
			again = true
		}
	}
	if wantAgain := hasKfuncs && !features.SyscallProg.Missing(); again != wantAgain {
		t.Errorf("loaded again: %v, want %v (warnings %q)", again, wantAgain, coll.Warnings)
	}
	args := binary.NativeEndian.AppendUint32(nil, uint32(os.Getpid()))
	res, err := coll.Programs["weak"].TestRun(direct.TestRunOptions{CtxIn: args})
	if err != nil {
		t.Fatal(err)
	}
	want := uint32(0)
	if hasKfuncs {
		want = 1 // bpf_task_from_pid found this process
	}
	if res.Retval != want {
		t.Errorf("weak returned %d, want %d", res.Retval, want)
	}
	bss, err := coll.Maps[".bss"].Lookup(make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	got := [3]uint32{binary.NativeEndian.Uint32(bss), binary.NativeEndian.Uint32(bss[4:]), binary.NativeEndian.Uint32(bss[8:])}
	if wantBSS := [3]uint32{res.Retval, 0, 0}; got != wantBSS {
		t.Errorf("bpf_ksym_exists of bpf_task_from_pid, bpf_task_acquire, bpfc_no_such_kfunc: %v, want %v", got, wantBSS)
	}
}
