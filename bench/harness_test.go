// This file builds and runs the external programs the benchmarks compare:
// the libbpf harnesses (libbpf/load.c and libbpf/attach.c, compiled with
// gcc against libbpf-dev) and the bpfc command (cmd/bpfc, built with the go
// tool). Each is built at most once per test binary, into a directory
// removed when the tests end.

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

// smallObjects are small objects without CO-RE (a few KiB each: socket
// filter, global data, .kconfig, several XDP programs), whose load is
// mostly fixed costs: ELF and BTF decoding, allocations, a few syscalls.
var smallObjects = []string{"sockfilter.o", "xdp_globals.o", "kernel_version.o", "multi_prog.o"}

var (
	buildDir string // removed by TestMain

	harnesses sync.Map // C harness source -> *cHarness

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
	testutil.RemoveProbeTargets()
	os.Exit(code)
}

// cHarness is a C harness built at most once per test binary.
type cHarness struct {
	once sync.Once
	path string
	skip string // why it cannot be built (skip reason)
	err  error  // the build failed although its inputs exist
}

// libbpfHarness returns the path of the compiled libbpf load harness
// (libbpf/load.c).
func libbpfHarness(tb testing.TB) string { return buildHarness(tb, "load") }

// buildHarness compiles libbpf/NAME.c against libbpf-dev and returns the
// binary. It skips tb when gcc or libbpf-dev is missing (see skipOrFail),
// and fails it when they are there but the build fails.
func buildHarness(tb testing.TB, name string) string {
	tb.Helper()
	v, _ := harnesses.LoadOrStore(name, &cHarness{})
	h := v.(*cHarness)
	h.once.Do(func() {
		gcc, err := exec.LookPath("gcc")
		if err != nil {
			h.skip = "gcc not found (apt-get install gcc)"
			return
		}
		for _, f := range []string{"/usr/include/bpf/libbpf.h", "/usr/include/gelf.h"} {
			if _, err := os.Stat(f); err != nil {
				h.skip = fmt.Sprintf("%s missing (apt-get install libbpf-dev libelf-dev zlib1g-dev)", f)
				return
			}
		}
		out := filepath.Join(buildDir, name)
		src := filepath.Join("libbpf", name+".c")
		cmd := exec.Command(gcc, "-O2", "-Wall", "-o", out, src, "-lbpf", "-lelf", "-lz")
		if msg, err := cmd.CombinedOutput(); err != nil {
			h.err = fmt.Errorf("building %s: %w\n%s", src, err, msg)
			return
		}
		h.path = out
	})
	if h.skip != "" {
		skipOrFail(tb, "libbpf harness %s: %s", name, h.skip)
	}
	if h.err != nil {
		tb.Fatal(h.err)
	}
	return h.path
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

// runHarness runs the libbpf load harness: "OBJ N" or "-btf N".
func runHarness(tb testing.TB, what string, n int) harnessResult {
	tb.Helper()
	return runHarnessArgs(tb, libbpfHarness(tb), what, strconv.Itoa(n))
}

// runHarnessArgs runs the harness at path with args, the last of which is
// the iteration count, and parses its report line.
func runHarnessArgs(tb testing.TB, path string, args ...string) harnessResult {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", path, strings.Join(args, " "), err, stderr.String())
	}
	r, err := parseHarness(stdout.String())
	if err != nil {
		tb.Fatal(err)
	}
	if n := args[len(args)-1]; strconv.FormatInt(r.Iters, 10) != n {
		tb.Fatalf("%s %s: harness ran %d iterations", path, strings.Join(args, " "), r.Iters)
	}
	return r
}
