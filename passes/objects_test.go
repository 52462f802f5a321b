// This file runs the pass pipeline over the committed test objects: the
// golden IR dumps (testdata/golden/<object>/<pass>.ir, or <pass>.err for
// the pass that fails), the kernel's acceptance of the BTF the datasec pass
// fixed, and the pipeline benchmark. The target is a fixed one built from
// testdata/btf/kernel_a.btf, never the machine's kernel, so that goldens
// are the same everywhere.

package passes_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/btf/sanitize"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	testdataDir = "../testdata"
	goldenDir   = "../testdata/golden"
	targetBTF   = "../testdata/btf/kernel_a.btf"
	// secondBTF is a "second kernel" where fields moved, were resized or
	// renamed: objects with CO-RE records get a second core golden
	// against it (core.kernel_b.ir) to show relocations really change.
	secondBTF = "../testdata/btf/kernel_b.btf"
	// moduleBTF is the split BTF of the pretend module bpfc_mod on top of
	// kernel_a.btf (encoded by pahole): the golden target's only module.
	// The second kernel has no modules.
	moduleBTF  = "../testdata/btf/module_a.btf"
	moduleName = "bpfc_mod"
	// structOpsBTF is "kernel S", the struct_ops types as Linux 7.2 lays
	// them out: the golden target of objects with struct_ops maps.
	structOpsBTF = "../testdata/btf/kernel_st.btf"
	// conntrackBTF is "kernel C", whose connection tracking is the module
	// nf_conntrack (conntrackModBTF, split BTF on top of it): the golden
	// target of conntrack.o, whose kfuncs and struct bpf_ct_opts only the
	// module has.
	conntrackBTF    = "../testdata/btf/kernel_ct.btf"
	conntrackModBTF = "../testdata/btf/module_ct.btf"
)

// goldenTarget is a fixed kernel: kernel_a.btf with the module bpfc_mod, a
// small Kconfig, a fixed version and two kallsyms.
type goldenTarget struct {
	spec *btf.Spec
	mods map[string]*btf.Spec
}

func (t *goldenTarget) BTF() (*btf.Spec, error)                   { return t.spec, nil }
func (t *goldenTarget) ModuleBTFs() (map[string]*btf.Spec, error) { return t.mods, nil }
func (t *goldenTarget) KernelVersion() (uint32, error)            { return 6<<16 | 18<<8, nil }

func (t *goldenTarget) Kconfig() (map[string]string, error) {
	return map[string]string{
		"CONFIG_BPF":              "y",
		"CONFIG_BPF_SYSCALL":      "y",
		"CONFIG_BPF_JIT":          "y",
		"CONFIG_NET_CLS_BPF":      "m",
		"CONFIG_HZ":               "250",
		"CONFIG_NR_CPUS":          "64",
		"CONFIG_DEFAULT_HOSTNAME": `"(none)"`,
	}, nil
}

func (t *goldenTarget) Kallsyms(name string) (uint64, bool, error) {
	syms := map[string]uint64{"_stext": 0xffffffff81000000, "bpf_prog_fops": 0xffffffff82a1b2c0}
	addr, ok := syms[name]
	return addr, ok, nil
}

func newGoldenTarget(tb testing.TB) *goldenTarget {
	tb.Helper()
	return withModule(tb, loadGoldenTarget(tb, targetBTF), moduleName, moduleBTF)
}

// withModule gives t the module name, whose split BTF is the file path.
func withModule(tb testing.TB, t *goldenTarget, name, path string) *goldenTarget {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("module BTF: %v", err)
	}
	mod, err := btf.ParseSplit(raw, t.spec)
	if err != nil {
		tb.Fatalf("module BTF %s: %v", path, err)
	}
	if t.mods == nil {
		t.mods = map[string]*btf.Spec{}
	}
	t.mods[name] = mod
	return t
}

func loadGoldenTarget(tb testing.TB, path string) *goldenTarget {
	tb.Helper()
	spec, err := btf.LoadTarget(path)
	if err != nil {
		tb.Fatalf("target BTF: %v", err)
	}
	return &goldenTarget{spec: spec}
}

// goldenTargets are the fixed kernels objects are run against: kernel_a
// with bpfc_mod, kernel S for objects with struct_ops maps, and kernel C
// with its module nf_conntrack for conntrack.o and the kfunc_flavor*.o
// objects, which call its kfuncs under flavored names.
type goldenTargets struct {
	def, structOps, conntrack *goldenTarget
}

func newGoldenTargets(tb testing.TB) goldenTargets {
	tb.Helper()
	return goldenTargets{
		def:       newGoldenTarget(tb),
		structOps: loadGoldenTarget(tb, structOpsBTF),
		conntrack: withModule(tb, loadGoldenTarget(tb, conntrackBTF), "nf_conntrack", conntrackModBTF),
	}
}

// forObject returns the target of the object at path.
func (g goldenTargets) forObject(tb testing.TB, path string) *goldenTarget {
	tb.Helper()
	obj, err := elf.Open(path)
	if err != nil {
		tb.Fatalf("frontend: %v", err)
	}
	if hasStructOps(obj) {
		return g.structOps
	}
	switch filepath.Base(path) {
	case "conntrack.o", "kfunc_flavors.o", "kfunc_flavor_protos.o", "kfunc_flavor_exists.o":
		return g.conntrack
	}
	return g.def
}

// testObjects returns the paths of the committed test objects.
func testObjects(tb testing.TB) []string {
	tb.Helper()
	objs, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil || len(objs) == 0 {
		tb.Fatalf("no test objects in %s (%v)", testdataDir, err)
	}
	return objs
}

// pipeline runs the frontend over paths and every pass over the object
// they make (linked by the merge pass when there are several), returning
// the IR text after each pass that succeeded and the error of the one
// that failed. For one path, the merge pass must leave the frontend's
// object as it is, and its dump is left out.
func pipeline(tb testing.TB, target passes.Target, paths ...string) (map[string]string, string, error) {
	tb.Helper()
	var units []*ir.Object
	for _, path := range paths {
		obj, err := elf.Open(path)
		if err != nil {
			tb.Fatalf("frontend: %v", err)
		}
		units = append(units, obj)
	}
	obj := units[0]
	front := obj.String()
	if len(units) > 1 {
		obj = &ir.Object{Name: filepath.Base(filepath.Dir(paths[0])), Inputs: units}
	}
	dumps := map[string]string{}
	var last string
	ctx := &passes.Context{
		Target:  target,
		CheckIR: true,
		AfterPass: func(pass string, obj *ir.Object) {
			last = pass
			if pass == "configure" {
				// No user edits here: the IR is the datasec one, which
				// has its golden already.
				return
			}
			if pass == "structops" && !hasStructOps(obj) {
				// Nothing to lay out: the IR is the datasec one.
				return
			}
			dumps[pass] = obj.String()
		},
	}
	err := passes.Run(ctx, obj)
	if len(units) == 1 {
		if merged, ok := dumps["merge"]; ok && merged != front {
			tb.Errorf("the merge pass changed a single object:\n%s", firstDiff(front, merged))
		}
		delete(dumps, "merge")
	}
	if err == nil {
		return dumps, "", nil
	}
	names := passes.Names()
	failed := names[0]
	if i := slices.Index(names, last); i >= 0 && i+1 < len(names) {
		failed = names[i+1]
	}
	return dumps, failed, err
}

// TestGolden compares the IR after every pass with
// testdata/golden/<object>/<pass>.ir; the failing pass, if any, has its
// error in <pass>.err. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	targets := newGoldenTargets(t)
	second := loadGoldenTarget(t, secondBTF)
	for _, path := range testObjects(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".o")
		t.Run(name, func(t *testing.T) {
			dumps, failed, err := pipeline(t, targets.forObject(t, path), path)
			want := map[string]string{}
			for pass, text := range dumps {
				want[pass+".ir"] = text
			}
			if err != nil {
				if !errors.Is(err, passes.ErrNotSupported) {
					t.Errorf("pipeline failed in %s with an error that is not ErrNotSupported: %v", failed, err)
				}
				want[failed+".err"] = err.Error() + "\n"
			}
			if hasCORE(t, path) {
				dumps, failed, err := pipeline(t, second, path)
				if text, ok := dumps["core"]; ok {
					want["core.kernel_b.ir"] = text
				} else {
					want[failed+".kernel_b.err"] = fmt.Sprintf("%v\n", err)
				}
			}
			dir := filepath.Join(goldenDir, name)
			if *update {
				writeGolden(t, dir, want)
				return
			}
			have, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range have {
				if _, ok := want[filepath.Base(f)]; !ok {
					t.Errorf("%s: stale golden file (the pipeline no longer produces it; run with -update)", f)
				}
			}
			for file, text := range want {
				got, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Errorf("%v (run go test ./passes -update)", err)
					continue
				}
				if string(got) != text {
					t.Errorf("%s/%s differs from the pipeline's output (run with -update and review the diff):\n%s",
						dir, file, firstDiff(string(got), text))
				}
			}
		})
	}
}

// hasStructOps reports whether obj has struct_ops maps.
func hasStructOps(obj *ir.Object) bool {
	for _, m := range obj.Maps {
		if m.StructOps != nil {
			return true
		}
	}
	return false
}

// hasCORE reports whether the object at path has CO-RE records.
func hasCORE(tb testing.TB, path string) bool {
	tb.Helper()
	obj, err := elf.Open(path)
	if err != nil {
		tb.Fatalf("frontend: %v", err)
	}
	for _, f := range obj.Units() {
		if len(f.CORE) > 0 {
			return true
		}
	}
	return false
}

func writeGolden(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for file, text := range files {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  golden: %s\n  got:    %s", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// TestObjectsLink runs every pass over every object, against the golden
// target: every call, function and map reference comes out resolved, maps
// by fd_array index.
func TestObjectsLink(t *testing.T) {
	targets := newGoldenTargets(t)
	for _, path := range testObjects(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			obj, err := elf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := passes.Run(&passes.Context{Target: targets.forObject(t, path), CheckIR: true}, obj); err != nil {
				t.Fatal(err)
			}
			for _, p := range obj.Programs {
				for _, r := range p.Relocs {
					if (r.Kind == ir.RelocCall || r.Kind == ir.RelocFunc) && r.State != ir.Resolved {
						t.Errorf("program %s: insn %d: %s %s left %s", p.Name, r.Insn, r.Kind, r.Symbol, r.State)
					}
					if (r.Kind == ir.RelocMap || r.Kind == ir.RelocMapValue) && r.State != ir.Resolved {
						t.Errorf("program %s: insn %d: %s %s left %s", p.Name, r.Insn, r.Kind, r.Symbol, r.State)
					}
				}
				for i, in := range p.Insns {
					if in.IsLdImm64() && (in.Src == ir.PseudoMapFD || in.Src == ir.PseudoMapValue) {
						t.Errorf("program %s: insn %d: map referenced by fd, not fd_array index", p.Name, i)
					}
				}
			}
		})
	}
}

// TestDatasecKernelBTF loads each object's BTF, as the datasec pass leaves
// it, into the kernel: the kernel rejects unsized DATASECs, unsorted or
// overlapping VARs, extern VARs and FUNCs.
func TestDatasecKernelBTF(t *testing.T) {
	testutil.RequireKernel(t)
	for _, path := range testObjects(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			obj, err := elf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if obj.BTF == nil {
				t.Skip("object has no BTF")
			}
			// The test means something: the kernel rejects clang's BTF.
			if raw, err := obj.BTF.Marshal(obj.ByteOrder); err != nil {
				t.Fatal(err)
			} else if fd, err := sys.BtfLoad(raw); err == nil {
				fd.Close()
				t.Fatal("the kernel accepts the BTF before the datasec pass")
			}
			if err := passes.RunPasses(&passes.Context{CheckIR: true}, obj, "merge", "datasec"); err != nil {
				t.Fatal(err)
			}
			raw, err := obj.BTF.Marshal(obj.ByteOrder)
			if err != nil {
				t.Fatal(err)
			}
			// Kinds the kernel lacks (5.10: FLOAT, DECL_TAG, TYPE_TAG,
			// ENUM64) are rewritten as a loader does before BTF_LOAD.
			if raw, _, err = sanitize.Sanitize(raw, sanitize.Running()); err != nil {
				t.Fatal(err)
			}
			fd, err := sys.BtfLoad(raw)
			if err != nil {
				var ve *sys.VerifierError
				if errors.As(err, &ve) {
					t.Fatalf("BTF_LOAD: %v\n%s", err, ve.Log)
				}
				t.Fatalf("BTF_LOAD: %v", err)
			}
			fd.Close()
		})
	}
}

// BenchmarkPipeline measures the frontend and every pass on the largest
// test object. A pass that is not implemented yet ends the pipeline early;
// the benchmark then measures what runs.
func BenchmarkPipeline(b *testing.B) {
	target := newGoldenTarget(b)
	var largest string
	var size int64
	for _, path := range testObjects(b) {
		if fi, err := os.Stat(path); err == nil && fi.Size() > size {
			largest, size = path, fi.Size()
		}
	}
	raw, err := os.ReadFile(largest)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s, %d bytes", filepath.Base(largest), len(raw))
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		obj, err := elf.Parse(strings.NewReader(string(raw)), filepath.Base(largest))
		if err != nil {
			b.Fatal(err)
		}
		if err := passes.Run(&passes.Context{Target: target}, obj); err != nil && !errors.Is(err, passes.ErrNotSupported) {
			b.Fatal(err)
		}
	}
}
