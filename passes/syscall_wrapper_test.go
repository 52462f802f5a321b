// Tests of LINUX_HAS_SYSCALL_WRAPPER on the running kernel: where the
// architecture always has the wrappers from some version on, the externs
// pass answers by the version, and the answer agrees with the kernel's
// own kallsyms.

package passes

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/target"
)

func TestSyscallWrapperOfRunningKernel(t *testing.T) {
	testutil.RequireKernel(t)
	pfx, ok := features.SyscallPrefix()
	if !ok {
		t.Skip("no syscall wrapper prefix for this architecture")
	}
	tg := target.NewRunning()
	obj := newObjBuilder().kconfigVar("LINUX_HAS_SYSCALL_WRAPPER", "bool", false).finish(t)
	if err := runExterns(&Context{Target: tg}, obj); err != nil {
		t.Fatal(err)
	}
	e := obj.Externs[0]
	// The second implementation: the kernel's symbol table.
	_, inKallsyms, err := tg.Kallsyms("__" + pfx + "_sys_bpf")
	if err != nil {
		t.Fatalf("no kallsyms to compare with: %v", err)
	}
	want := []byte{0}
	if inKallsyms {
		want[0] = 1
	}
	if !bytes.Equal(e.Value, want) {
		t.Errorf("LINUX_HAS_SYSCALL_WRAPPER = % x (%s); kallsyms has __%s_sys_bpf: %v", e.Value, e.Note, pfx, inKallsyms)
	}
	always, ok := features.SyscallWrapperAlways()
	kv, kok := features.KernelVersion()
	if ok && kok && !kv.Less(always) && !strings.Contains(e.Note, "always have syscall wrappers") {
		t.Errorf("Linux %s: LINUX_HAS_SYSCALL_WRAPPER decided by %q, want by the version (from %s)", kv, e.Note, always)
	}
}
