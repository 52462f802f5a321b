// This file builds and runs the two external programs the benchmarks
// compare: the libbpf harness (libbpf/load.c, compiled with gcc against
// libbpf-dev) and the bpfc command (cmd/bpfc, built with the go tool).
// Both are built at most once per test binary, into a directory removed
// when the tests end.

package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
)

// testdataDir holds the objects the benchmarks load.
const testdataDir = "../testdata"

// benchObjects are the CO-RE tools every load benchmark loads.
var benchObjects = []string{"biolat.o", "execsnoop.o", "core_task.o"}

var (
	buildDir string // removed by TestMain

	harnessOnce sync.Once
	harnessPath string
	harnessSkip string // why the harness cannot be built (skip reason)
	harnessErr  error  // the build failed although its inputs exist

	bpfcOnce sync.Once
	bpfcPath string
	bpfcSkip string
	bpfcErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bpfc-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// libbpfHarness returns the path of the compiled libbpf harness. It skips
// tb when gcc or libbpf-dev is missing (see skipOrFail), and fails it when
// they are there but the build fails.
func libbpfHarness(tb testing.TB) string {
	tb.Helper()
	harnessOnce.Do(func() {
		gcc, err := exec.LookPath("gcc")
		if err != nil {
			harnessSkip = "gcc not found (apt-get install gcc)"
			return
		}
		for _, h := range []string{"/usr/include/bpf/libbpf.h", "/usr/include/gelf.h"} {
			if _, err := os.Stat(h); err != nil {
				harnessSkip = fmt.Sprintf("%s missing (apt-get install libbpf-dev libelf-dev zlib1g-dev)", h)
				return
			}
		}
		out := filepath.Join(buildDir, "load")
		cmd := exec.Command(gcc, "-O2", "-Wall", "-o", out, filepath.Join("libbpf", "load.c"), "-lbpf", "-lelf", "-lz")
		if msg, err := cmd.CombinedOutput(); err != nil {
			harnessErr = fmt.Errorf("building libbpf/load.c: %w\n%s", err, msg)
			return
		}
		harnessPath = out
	})
	if harnessSkip != "" {
		skipOrFail(tb, "libbpf harness: %s", harnessSkip)
	}
	if harnessErr != nil {
		tb.Fatal(harnessErr)
	}
	return harnessPath
}

// skipOrFail ends tb because a tool or header is missing: see
// testutil.MissingTool (a failure under BPFC_REQUIRE_KERNEL=1, where
// scripts/deps.sh has installed them; host-only in the kernel matrix).
func skipOrFail(tb testing.TB, format string, args ...any) {
	tb.Helper()
	testutil.MissingTool(tb, format, args...)
}

// bpfcCommand returns the path of a freshly built cmd/bpfc.
func bpfcCommand(tb testing.TB) string {
	tb.Helper()
	bpfcOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			bpfcSkip = "go command not found in PATH"
			return
		}
		out := filepath.Join(buildDir, "bpfc")
		cmd := exec.Command(goTool, "build", "-o", out, "github.com/bpfc/bpfc/cmd/bpfc")
		if msg, err := cmd.CombinedOutput(); err != nil {
			bpfcErr = fmt.Errorf("building cmd/bpfc: %w\n%s", err, msg)
			return
		}
		bpfcPath = out
	})
	if bpfcSkip != "" {
		skipOrFail(tb, "bpfc command: %s", bpfcSkip)
	}
	if bpfcErr != nil {
		tb.Fatal(bpfcErr)
	}
	return bpfcPath
}

// harnessResult is one line of the harness's output.
type harnessResult struct {
	Iters       int64
	NsPerOp     float64 // mean over all iterations
	FirstNs     float64 // the first iteration (pays libbpf's feature probes)
	MinNs       float64
	MedianNs    float64
	AllocsPerOp float64 // malloc/calloc/realloc calls per iteration
	BytesPerOp  float64 // bytes those calls asked for, per iteration
	CPUNsPerOp  float64 // user + system CPU time per iteration
	MaxRSSKB    float64
}

// parseHarness parses the harness's key=value line.
func parseHarness(out string) (harnessResult, error) {
	var r harnessResult
	fields := map[string]*float64{
		"ns_per_op":     &r.NsPerOp,
		"first_ns":      &r.FirstNs,
		"min_ns":        &r.MinNs,
		"median_ns":     &r.MedianNs,
		"allocs_per_op": &r.AllocsPerOp,
		"bytes_per_op":  &r.BytesPerOp,
		"cpu_ns_per_op": &r.CPUNsPerOp,
		"maxrss_kb":     &r.MaxRSSKB,
	}
	line := strings.TrimSpace(out)
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	seen := map[string]bool{}
	for _, kv := range strings.Fields(line) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return r, fmt.Errorf("harness output %q: field %q is not key=value", line, kv)
		}
		if k == "iters" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r, fmt.Errorf("harness output %q: iters: %w", line, err)
			}
			r.Iters = n
			seen[k] = true
			continue
		}
		p, ok := fields[k]
		if !ok {
			continue // fields added later are ignored
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return r, fmt.Errorf("harness output %q: %s: %w", line, k, err)
		}
		*p = f
		seen[k] = true
	}
	for k := range fields {
		if !seen[k] {
			return r, fmt.Errorf("harness output %q: no %s", line, k)
		}
	}
	if !seen["iters"] {
		return r, fmt.Errorf("harness output %q: no iters", line)
	}
	return r, nil
}

// runHarness runs the libbpf harness: "OBJ N" or "-btf N".
func runHarness(tb testing.TB, what string, n int) harnessResult {
	tb.Helper()
	path := libbpfHarness(tb)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(path, what, strconv.Itoa(n))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s %d: %v\n%s", path, what, n, err, stderr.String())
	}
	r, err := parseHarness(stdout.String())
	if err != nil {
		tb.Fatal(err)
	}
	if r.Iters != int64(n) {
		tb.Fatalf("%s %s %d: harness ran %d iterations", path, what, n, r.Iters)
	}
	return r
}
