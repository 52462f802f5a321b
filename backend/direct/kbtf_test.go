// Tests that the attach targets the kernel finds (kbtf.go) are the ids
// the user space lookup finds, for every testdata object's programs, and
// that a refused load compares the prototypes of kfuncs the kernel found.

package direct

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

func TestAttachTargetsFromKernel(t *testing.T) {
	testutil.RequireKernel(t)
	files, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	for _, path := range files {
		name := filepath.Base(path)
		obj, err := compile(t, name, objectEdits[name])
		if err != nil {
			continue // objects this kernel cannot compile for: objects_test.go
		}
		l := &loader{obj: obj, opts: &Options{}}
		l.resolveAttachTargets(target.NewRunning()) // as in a fresh process: no BTF read
		for _, p := range obj.Programs {
			if !attachLookup(obj, p) {
				continue
			}
			asked++
			want, mod, werr := (&loader{obj: obj, opts: &Options{}}).findKernelSymbol(p.AttachBTFName, p.AttachBTFKind)
			got, ok := l.kernelIDs[target.NameKind{Name: p.AttachBTFName, Kind: p.AttachBTFKind}]
			switch {
			case features.SyscallProg.Missing():
				if ok {
					t.Errorf("%s: %s: the kernel answered %d without syscall programs", name, p.Name, got)
				}
			case werr != nil || mod != "":
				if ok {
					t.Errorf("%s: %s: the kernel found %s %q (id %d), the user space lookup: %v (module %q)", name, p.Name, p.AttachBTFKind, p.AttachBTFName, got, werr, mod)
				}
			case !ok || got != want:
				t.Errorf("%s: %s: %s %q: the kernel's id %d (found %v), vmlinux BTF's %d", name, p.Name, p.AttachBTFKind, p.AttachBTFName, got, ok, want)
			}
		}
	}
	if asked == 0 {
		t.Fatal("no testdata program has an attach target")
	}
	t.Logf("%d attach targets", asked)
}

// TestKfuncProtoExplained loads nothing: it checks that a kfunc the
// running kernel found (its prototype left to the verifier) is compared
// with the kernel's when a load is refused, and that the comparison
// names a wrong declaration and passes a right one.
func TestKfuncProtoExplained(t *testing.T) {
	testutil.RequireKernel(t)
	obj, err := compileCtx(t, "kfunc_noksym.o", nil, &passes.Context{Target: target.NewRunning(), CheckIR: true})
	if err != nil {
		if unmet := testutil.Unmet("kfunc_noksym.o"); len(unmet) > 0 {
			// A kernel without these kfuncs (before 6.2): refused for that.
			testutil.CheckRefused(t, "kfunc_noksym.o", unmet, err)
			return
		}
		t.Fatal(err)
	}
	var unchecked []*ir.Extern
	for _, e := range obj.Externs {
		if e.Kind == ir.ExternKfunc && e.ProtoUnchecked {
			unchecked = append(unchecked, e)
		}
	}
	if len(unchecked) != 2 {
		if features.SyscallProg.Missing() && len(unchecked) == 0 {
			return // found in vmlinux BTF, prototypes checked there
		}
		t.Fatalf("%d kfuncs resolved by the kernel, want 2", len(unchecked))
	}
	p := obj.Program("noksym")
	l := &loader{obj: obj, opts: &Options{}}
	if err := l.kfuncProtoMismatch(p); err != nil {
		t.Fatalf("declared as the kernel has them: %v", err)
	}
	// bpf_task_from_pid(__s32) declared as bpf_task_release(struct
	// task_struct *) is, and the other way round.
	unchecked[0].LocalType, unchecked[1].LocalType = unchecked[1].LocalType, unchecked[0].LocalType
	err = l.kfuncProtoMismatch(p)
	var ke *KfuncProtoError
	if !errors.Is(err, ir.ErrKfuncIncompatible) || errors.Is(err, ir.ErrWeakKfuncIncompatible) || !errors.As(err, &ke) ||
		!strings.HasPrefix(ke.Extern, "bpf_task_") || ke.Weak || !strings.Contains(err.Error(), "kfunc "+ke.Extern+": ") {
		t.Fatalf("swapped prototypes of strong kfuncs: %v", err)
	}
	// __weak, the error says libbpf would leave it out.
	for _, e := range unchecked {
		e.Weak = true
	}
	if err := l.kfuncProtoMismatch(p); !errors.Is(err, ir.ErrWeakKfuncIncompatible) || !errors.As(err, &ke) || !ke.Weak {
		t.Fatalf("swapped prototypes of weak kfuncs: %v", err)
	}
}
