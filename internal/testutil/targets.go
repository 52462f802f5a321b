// This file builds the user-space programs that attach tests probe
// (attach/testdata: a PIE and a static executable with USDT probes, a
// shared library), once per test process.

package testutil

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// EnvProbeTargets names a directory with the probe targets already built
// (make -C attach/testdata OUT=DIR), for machines without gcc such as the
// kernel matrix guests.
const EnvProbeTargets = "BPFC_PROBE_TARGETS"

var (
	targetsOnce sync.Once
	targetsDir  string
	targetsErr  error
)

// ProbeTargets returns the directory of the probe targets of
// attach/testdata/Makefile (probe_target, probe_target_static,
// libbpfc_probe.so, probe_target_lib): $BPFC_PROBE_TARGETS, or a
// directory they are built in with make and gcc on first use. Without
// gcc the test skips, or fails under BPFC_REQUIRE_KERNEL=1. Call
// RemoveProbeTargets from TestMain.
func ProbeTargets(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv(EnvProbeTargets); dir != "" {
		return dir
	}
	targetsOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		src := filepath.Join(filepath.Dir(file), "..", "..", "attach", "testdata")
		dir, err := os.MkdirTemp("", "bpfc-probe-targets-")
		if err != nil {
			targetsErr = err
			return
		}
		out, err := exec.Command("make", "-s", "-C", src, "OUT="+dir).CombinedOutput()
		if err != nil {
			os.RemoveAll(dir)
			targetsErr = errors.New("make -C attach/testdata: " + err.Error() + ": " + string(out))
			return
		}
		targetsDir = dir
	})
	if targetsErr != nil {
		if os.Getenv(EnvRequireKernel) == "1" {
			tb.Fatalf("probe targets: %v (scripts/deps.sh installs gcc, make and systemtap-sdt-dev)", targetsErr)
		}
		tb.Skipf("probe targets: %v", targetsErr)
	}
	return targetsDir
}

// RemoveProbeTargets removes the probe targets ProbeTargets built.
func RemoveProbeTargets() {
	if targetsDir != "" {
		os.RemoveAll(targetsDir)
	}
}
