// Tests of kfuncs the running kernel looks up (the externs pass's
// askKernelForKfuncs): on
// every testdata object, the externs pass resolves each kfunc to the same
// FUNC as with vmlinux BTF read here (a second implementation), but for a
// __weak kfunc declared incompatibly, which the check here leaves out and
// the kernel's lookup leaves to the load; and an object whose kfuncs the
// kernel found reads no vmlinux BTF at all.

package passes_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

func TestKfuncsFoundByKernel(t *testing.T) {
	testutil.RequireKernel(t)
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	byKernel := 0
	for _, path := range files {
		name := filepath.Base(path)
		fresh := target.NewRunning() // as in a fresh process: no BTF read
		got, gerr := externsOf(path, fresh)
		read := target.NewRunning()
		if _, err := read.BTF(); err != nil {
			t.Fatal(err)
		}
		want, werr := externsOf(path, read)
		if (gerr == nil) != (werr == nil) {
			t.Errorf("%s: the kernel's lookup: %v; vmlinux BTF's: %v", name, gerr, werr)
			continue
		}
		if gerr != nil {
			continue
		}
		found := false
		for i, e := range got.Externs {
			w := want.Externs[i]
			if e.Kind != ir.ExternKfunc {
				continue
			}
			if e.Weak && e.ProtoUnchecked && w.Missing && strings.Contains(w.Note, "prototype incompatible") {
				// Left to the load: the kernel refuses the call, and
				// bpfc.LoadFiles compiles again with the check here
				// (kfunc_weak.o's bpf_task_acquire).
				continue
			}
			if e.State != w.State || e.Missing != w.Missing || e.BTFID != w.BTFID || e.BTFModule != w.BTFModule {
				t.Errorf("%s: kfunc %s: %s missing=%v [%d] %q (%s); with vmlinux BTF %s missing=%v [%d] %q (%s)",
					name, e.Name, e.State, e.Missing, e.BTFID, e.BTFModule, e.Note, w.State, w.Missing, w.BTFID, w.BTFModule, w.Note)
			}
			if strings.Contains(e.Note, "found by the kernel") || strings.Contains(e.Note, "the kernel looked") {
				found = true
			}
		}
		if found {
			byKernel++
			if fresh.BTFLoaded() {
				t.Errorf("%s: kfuncs found by the kernel, and vmlinux BTF read all the same", name)
			}
		}
	}
	// kfunc_noksym.o calls bpf_task_from_pid, a kfunc of vmlinux since
	// 6.2, where the kernel has syscall programs to look it up with.
	if v, err := target.Running().KernelVersion(); err == nil && v >= 6<<16|2<<8 && !features.SyscallProg.Missing() && byKernel == 0 {
		t.Error("no object's kfuncs were found by the kernel")
	}
	t.Logf("%d objects' kfuncs found by the kernel", byKernel)
}

// externsOf lowers the object at path and runs the passes up to the
// externs pass against tg.
func externsOf(path string, tg *target.Target) (*ir.Object, error) {
	obj, err := elf.Open(path)
	if err != nil {
		return nil, err
	}
	ctx := &passes.Context{Target: tg, StopAfter: "externs"}
	if err := passes.Run(ctx, obj); err != nil {
		return nil, err
	}
	return obj, nil
}
