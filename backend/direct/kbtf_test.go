// Tests that the attach targets the kernel finds (kbtf.go) are the ids
// the user space lookup finds, for every testdata object's programs.

package direct

import (
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
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
		l.askKernelForAttachTargets()
		for _, p := range obj.Programs {
			if !p.Autoload || p.Unsupported != "" || p.AttachBTFKind == 0 || p.AttachBTFName == "" || structOpsModule(obj, p) != "" {
				continue
			}
			asked++
			want, mod, werr := (&loader{obj: obj, opts: &Options{}}).findKernelSymbol(p.AttachBTFName, p.AttachBTFKind)
			got, ok := l.kernelIDs[kbtfQuery(p.AttachBTFName, p.AttachBTFKind)]
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
