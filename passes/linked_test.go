// This file runs the pass pipeline over the link sets of testdata/link
// (each set's parts linked by the merge pass, in name order): goldens
// under testdata/golden/link/<set>/, the merge pass's own among them;
// sets named bad_* must fail in the merge pass with the errors their
// sources describe.

package passes_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
)

// linkSets returns the link sets of testdata/link: set name -> its parts.
func linkSets(tb testing.TB) map[string][]string {
	tb.Helper()
	dirs, err := filepath.Glob(filepath.Join(testdataDir, "link", "*"))
	if err != nil || len(dirs) == 0 {
		tb.Fatalf("no link sets in %s/link (%v)", testdataDir, err)
	}
	sets := map[string][]string{}
	for _, d := range dirs {
		parts, err := filepath.Glob(filepath.Join(d, "*.o"))
		if err != nil || len(parts) < 2 {
			tb.Fatalf("link set %s: %d parts (%v)", d, len(parts), err)
		}
		sets[filepath.Base(d)] = parts
	}
	return sets
}

func TestGoldenLinked(t *testing.T) {
	targets := newGoldenTargets(t)
	for set, parts := range linkSets(t) {
		t.Run(set, func(t *testing.T) {
			// Kernel S for a set with struct_ops maps in any part.
			target := targets.def
			for _, p := range parts {
				if tg := targets.forObject(t, p); tg != targets.def {
					target = tg
				}
			}
			dumps, failed, err := pipeline(t, target, parts...)
			want := map[string]string{}
			for pass, text := range dumps {
				want[pass+".ir"] = text
			}
			bad := strings.HasPrefix(set, "bad_")
			switch {
			case bad && err == nil:
				t.Fatalf("bad input linked without error")
			case bad && (failed != "merge" || !errors.Is(err, errs.ErrInvalidObject) && !errors.Is(err, errs.ErrNotFound)):
				t.Errorf("bad input failed in the %s pass with %v, want an invalid-object or not-found error of the merge pass", failed, err)
			case !bad && err != nil:
				t.Errorf("pipeline failed in %s: %v", failed, err)
			}
			if err != nil {
				want[failed+".err"] = err.Error() + "\n"
			}
			dir := filepath.Join(goldenDir, "link", set)
			if *update {
				writeGolden(t, dir, want)
				return
			}
			have, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range have {
				if _, ok := want[filepath.Base(f)]; !ok {
					t.Errorf("%s: stale golden file (run with -update)", f)
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

// TestPartialLinkStops: a partial link leaves externs for another link,
// so the pipeline must stop after the merge pass; there the IR checker
// does not expect a complete link.
func TestPartialLinkStops(t *testing.T) {
	parts := linkSets(t)["basic"]
	open := func() *ir.Object {
		obj, err := elf.Open(parts[0])
		if err != nil {
			t.Fatal(err)
		}
		return obj
	}
	err := passes.Run(&passes.Context{PartialLink: true, CheckIR: true}, open())
	if !errors.Is(err, passes.ErrNotSupported) || !strings.Contains(err.Error(), "stop after the merge pass") {
		t.Errorf("a partial link run through every pass: %v", err)
	}
	obj := open()
	if err := passes.Run(&passes.Context{PartialLink: true, StopAfter: "merge", CheckIR: true}, obj); err != nil {
		t.Fatalf("a partial link stopping after merge: %v", err)
	}
	if obj.Extern("lib_counter") == nil {
		t.Error("the extern lib_counter is gone")
	}
}
