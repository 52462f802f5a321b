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
// kernel matrix guests; the matrix also builds examples/structops' C
// program there.
const EnvProbeTargets = "BPFC_PROBE_TARGETS"

var (
	targetsOnce sync.Once
	targetsDir  string
	targetsErr  error
)

// ProbeTargets returns the directory of the probe targets of
// attach/testdata/Makefile (probe_target, probe_target_pie,
// probe_target_static, libbpfc_probe.so, probe_target_lib):
// $BPFC_PROBE_TARGETS (the kernel matrix guests get them so), or a
// directory they are built in with make and gcc on first use. Without
// them the test is host-only in a guest, else skips or fails under
// BPFC_REQUIRE_KERNEL=1. Call RemoveProbeTargets from TestMain.
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
		MissingTool(tb, "probe targets: %v (scripts/deps.sh installs gcc, make and systemtap-sdt-dev)", targetsErr)
	}
	return targetsDir
}

// RemoveProbeTargets removes the probe targets ProbeTargets built.
func RemoveProbeTargets() {
	if targetsDir != "" {
		os.RemoveAll(targetsDir)
	}
}

// NeedCLibrary marks a test that runs the probe targets linked against the
// C library (probe_target, probe_target_lib): host-only in the kernel
// matrix guests, which have no C library.
func NeedCLibrary(tb testing.TB) {
	tb.Helper()
	HostOnly(tb, "runs programs linked against the host's C library")
}
