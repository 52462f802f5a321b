// This file loads every committed test object through the frontend, the
// passes and the direct backend, and runs the programs whose type supports
// BPF_PROG_TEST_RUN, checking return values and map side effects against
// what the C sources compute (testdata/README.md).

package direct

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

// testdataDir holds the committed objects.
const testdataDir = "../../testdata"

// loadObject runs an object through the frontend, every pass and Load. It
// skips the test only when a pass reports passes.ErrNotSupported.
// edit, when set, changes the object before the passes run (e.g.
// passes.SetMaxEntries).
func loadObject(t *testing.T, name string, opts *Options, edit func(*ir.Object) error) (*ir.Object, *Collection) {
	t.Helper()
	obj, err := compile(t, name, edit)
	if err != nil {
		t.Fatal(err)
	}
	if opts == nil {
		opts = testOptions(t)
	}
	coll, err := Load(obj, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Cleanup(func() { coll.Close() })
	return obj, coll
}

// testOptions returns Options whose pin root is a fresh bpffs directory
// removed after the test, so that maps pinned by name (maps_attrs.o) never
// land in /sys/fs/bpf itself.
func testOptions(t *testing.T) *Options {
	t.Helper()
	return &Options{PinPath: testutil.BPFFS(t)}
}

// compile runs the frontend and every pass over a test object.
// refusedHere reports whether this kernel lacks something object name
// needs (testutil.Unmet), after checking that compiling and loading it
// (with objectEdits) is refused naming what it lacks.
func refusedHere(t *testing.T, name string) bool {
	t.Helper()
	unmet := testutil.Unmet(name)
	if len(unmet) == 0 {
		return false
	}
	obj, err := compile(t, name, objectEdits[name])
	if err == nil {
		var coll *Collection
		if coll, err = Load(obj, testOptions(t)); err == nil {
			coll.Close()
		}
	}
	testutil.CheckRefused(t, name, unmet, err)
	return true
}

func compile(t *testing.T, name string, edit func(*ir.Object) error) (*ir.Object, error) {
	t.Helper()
	return compileCtx(t, name, edit, &passes.Context{Target: target.Running(), CheckIR: true})
}

// compileCtx is compile with a pass context of the caller's.
func compileCtx(t *testing.T, name string, edit func(*ir.Object) error, ctx *passes.Context) (*ir.Object, error) {
	t.Helper()
	obj, err := elf.Open(filepath.Join(testdataDir, name))
	if err != nil {
		return nil, fmt.Errorf("frontend: %w", err)
	}
	if edit != nil {
		if err := edit(obj); err != nil {
			return nil, fmt.Errorf("edit: %w", err)
		}
	}
	if err := passes.Run(ctx, obj); err != nil {
		return nil, fmt.Errorf("passes: %w", err)
	}
	return obj, nil
}

// objectEdits are the edits an object needs before it can load, as a user
// would make them (bpfc -max-entries).
var objectEdits = map[string]func(*ir.Object) error{
	"maps_kinds.o": func(o *ir.Object) error { return passes.SetMaxEntries(o, "user_sized_map", 16) },
	// Inline-assembly constants (the loader equivalence test runs them
	// unset: 0).
	// Sized as bcc's tools size theirs (the program needs these sizes).
	"sized_maps.o": func(o *ir.Object) error {
		return errors.Join(passes.SetMaxEntries(o, "stackmap", 256), passes.SetValueSize(o, "stackmap", 127*8),
			passes.SetKeySize(o, "counts", 8), passes.SetValueSize(o, "counts", 8))
	},
	"asm_const.o": func(o *ir.Object) error {
		return errors.Join(passes.SetVariable(o, "MY_CONST", "41"), passes.SetVariable(o, "OTHER_CONST", "-1"))
	},
}

// expectedFailures are the objects that cannot load on any kernel here
// (testdata/README.md), with the error they must fail with: in Load, or
// already in the passes when passes is set. Objects that some kernels
// cannot load are listed in testutil (testutil.Unmet).
var expectedFailures = map[string]struct {
	err    error
	msg    string
	passes bool
}{
	// IR-only: its ksym and kfunc live in the pretend module bpfc_mod
	// (testdata/btf/module_a.btf); this kernel has no modules.
	"module_user.o": {err: passes.ErrExternNotFound, passes: true, msg: "module_user.o: externs pass: extern bpfc_mod_stats (.ksyms): no VAR bpfc_mod_stats in kernel BTF (searched vmlinux"},
}

func TestLoadEveryObject(t *testing.T) {
	testutil.RequireKernel(t)
	objs, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil || len(objs) == 0 {
		t.Fatalf("no test objects in %s: %v", testdataDir, err)
	}
	for _, path := range objs {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			if refusedHere(t, name) {
				return
			}
			if want, ok := expectedFailures[name]; ok {
				obj, err := compile(t, name, objectEdits[name])
				if want.passes {
					if err == nil {
						t.Fatalf("the passes succeeded; on this kernel they must fail with %v (%s)", want.err, want.msg)
					}
					if !errors.Is(err, want.err) || !strings.Contains(err.Error(), want.msg) {
						t.Fatalf("passes: %v; want %v containing %q", err, want.err, want.msg)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				coll, err := Load(obj, testOptions(t))
				if err == nil {
					coll.Close()
					t.Fatalf("Load succeeded; on this kernel it must fail with %v (%s)", want.err, want.msg)
				}
				if !errors.Is(err, want.err) || !strings.Contains(err.Error(), want.msg) {
					t.Fatalf("Load: %v; want %v containing %q", err, want.err, want.msg)
				}
				return
			}
			_, coll := loadObject(t, name, nil, objectEdits[name])
			if coll.BTFFD() < 0 {
				t.Errorf("object BTF not loaded: warnings %q", coll.Warnings)
			}
			for _, w := range coll.Warnings {
				t.Logf("warning: %s", w)
			}
			for _, n := range coll.ProgramOrder {
				p := coll.Programs[n]
				t.Logf("program %-20s %-14s id %d", n, p.Type, p.ID)
			}
			for _, n := range coll.MapOrder {
				m := coll.Maps[n]
				t.Logf("map     %-20s %-14s id %d kernel name %s", n, m.Type, m.ID, m.KernelName)
			}
		})
	}
}
