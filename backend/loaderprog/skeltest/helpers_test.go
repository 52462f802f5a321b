// This file holds the helpers of the skeleton tests: compiling test
// objects, finding the repository, building and running a scratch Go
// module or a C program.

package skeltest

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
)

// repoRoot returns the root of the bpfc module: the directory above the
// test's working directory holding its go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/bpfc/bpfc\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("bpfc module root not found above the working directory")
		}
		dir = parent
	}
}

// object compiles testdata/name for a loader (deferred) with opts' edits
// and generates its loader.
func object(t *testing.T, name string, opts *bpfc.Options, gopts *loaderprog.Options) (*ir.Object, *loaderprog.Loader) {
	t.Helper()
	if opts == nil {
		opts = &bpfc.Options{}
	}
	opts.Defer = true
	obj, err := bpfc.Compile(filepath.Join(repoRoot(t), "testdata", name), opts)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	l, err := loaderprog.Generate(obj, gopts)
	if err != nil {
		t.Fatalf("generate the loader of %s: %v", name, err)
	}
	return obj, l
}

// goSkeleton returns the Go skeleton of l as package pkg.
func goSkeleton(t *testing.T, l *loaderprog.Loader, obj *ir.Object, pkg string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := skel.WriteGo(&b, l, obj, pkg); err != nil {
		t.Fatalf("WriteGo: %v", err)
	}
	return b.Bytes()
}

// goRun writes files into a scratch main module that uses the bpfc module
// of this tree, runs it with `go run .` (offline, with the module cache
// of the test) and returns its output.
func goRun(t *testing.T, files map[string][]byte, args ...string) string {
	t.Helper()
	goTool := testutil.Tool(t, "go")
	testutil.DependOnModule(t)
	root := repoRoot(t)
	dir := t.TempDir()
	// The scratch module requires what bpfc requires, at the same versions.
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod := strings.Replace(string(gomod), "module github.com/bpfc/bpfc\n", "module skeltest\n", 1)
	mod += "\nrequire github.com/bpfc/bpfc v0.0.0\n\nreplace github.com/bpfc/bpfc => " + root + "\n"
	files["go.mod"] = []byte(mod)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = sum
	for name, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, append([]string{"run", "."}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run in %s: %v\n%s", dir, err, out)
	}
	return string(out)
}

// parseKV reads "key=value" lines; other lines are ignored.
func parseKV(out string) map[string]string {
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.Contains(k, " ") {
			kv[k] = v
		}
	}
	return kv
}

// checkKV compares the expected keys of a run's output.
func checkKV(t *testing.T, out string, want map[string]string) {
	t.Helper()
	got := parseKV(out)
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: missing from the output", k)
		} else if g != w {
			t.Errorf("%s = %s, want %s", k, g, w)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}
