// Package testutil holds helpers shared by bpfc's tests: the kernel
// requirement check that turns a skipped kernel test into a failure in CI,
// host-only tests (they need a tool the guests of the kernel matrix lack),
// an open-file-descriptor counter for leak checks, the test packet, and
// the test cache's dependency on the module for tests that run the go tool.
package testutil

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// EnvRequireKernel is the environment variable that makes a kernel test
// fail instead of skip when the kernel cannot be used (set by .ci/run).
const EnvRequireKernel = "BPFC_REQUIRE_KERNEL"

// EnvVMTest is set in the guests of the kernel matrix (make vmtest) to the
// label of the guest's kernel, e.g. "5.10"; it is unset on the host.
const EnvVMTest = "BPFC_VMTEST"

// HostOnlyPrefix starts the skip message of a host-only test. The kernel
// matrix reports such tests as host-only, not as skipped (a skipped kernel
// test fails the matrix).
const HostOnlyPrefix = "host-only: "

var (
	probeOnce sync.Once
	probeErr  string
)

// probe checks that the process may use bpf(): it must be root (or hold
// CAP_BPF) and the bpf() syscall must answer.
func probe() string {
	probeOnce.Do(func() {
		if os.Geteuid() != 0 {
			probeErr = "not running as root (kernel tests need CAP_BPF and CAP_SYS_ADMIN)"
			return
		}
		// BPF_PROG_GET_NEXT_ID with start 0 is a cheap, harmless probe:
		// it answers ENOENT or succeeds when bpf() is usable, EPERM when not.
		var attr [16]byte
		_, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_GET_NEXT_ID, uintptr(unsafe.Pointer(&attr[0])), uintptr(len(attr)))
		if errno == unix.EPERM || errno == unix.ENOSYS {
			probeErr = "bpf() not usable: " + errno.Error()
		}
		if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
			probeErr = "no kernel BTF: " + err.Error()
		}
	})
	return probeErr
}

// RequireKernel skips the test with a clear reason when the running kernel
// cannot be used for BPF, or fails it when BPFC_REQUIRE_KERNEL=1.
func RequireKernel(tb testing.TB) {
	tb.Helper()
	if reason := probe(); reason != "" {
		if os.Getenv(EnvRequireKernel) == "1" {
			tb.Fatalf("kernel test cannot run (%s) and %s=1", reason, EnvRequireKernel)
		}
		tb.Skipf("skipping kernel test: %s", reason)
	}
}

// VMTest returns the label of the kernel-matrix guest the test runs in, or
// "" on the host.
func VMTest() string { return os.Getenv(EnvVMTest) }

// HostOnly skips the test in a guest of the kernel matrix, where the
// host's tools (gcc, bpftool, the go command, libbpf-dev) are missing,
// with a message the matrix reports as host-only together with reason.
// On the host it does nothing.
func HostOnly(tb testing.TB, reason string) {
	tb.Helper()
	if VMTest() != "" {
		tb.Skip(HostOnlyPrefix + reason)
	}
}

// MissingTool ends a test that cannot run because a host tool or file is
// missing: host-only in a guest of the kernel matrix; on the host a
// failure under BPFC_REQUIRE_KERNEL=1 (scripts/deps.sh installs the
// tools), a skip otherwise.
func MissingTool(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	HostOnly(tb, msg)
	if os.Getenv(EnvRequireKernel) == "1" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Tool returns the path of host tool name after checking that files
// (headers, libraries it needs) exist; when one is missing it ends the
// test with MissingTool.
func Tool(tb testing.TB, name string, files ...string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		MissingTool(tb, "needs %s: %v", name, err)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			MissingTool(tb, "%s needs %s: %v", name, f, err)
		}
	}
	return p
}

// OpenFDs returns the number of open file descriptors of this process.
func OpenFDs(tb testing.TB) int {
	tb.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		tb.Fatalf("reading /proc/self/fd: %v", err)
	}
	return len(ents)
}

// CheckNoFDLeak records the number of open fds now and returns a function
// that fails the test if, when it is called, more fds are open.
func CheckNoFDLeak(tb testing.TB) func() {
	tb.Helper()
	before := OpenFDs(tb)
	return func() {
		tb.Helper()
		if after := OpenFDs(tb); after > before {
			tb.Errorf("fd leak: %d fds open before, %d after", before, after)
		}
	}
}

// BPFFS mounts a private bpffs on a fresh temporary directory for the
// test's pins and unmounts it (dropping every pin in it) at cleanup. The
// directory name has no dots (bpftool rewrites dots in pin paths). Call it
// after RequireKernel: mounting needs root.
func BPFFS(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "bpfc-bpffs-")
	if err != nil {
		tb.Fatal(err)
	}
	if err := unix.Mount("bpf", dir, "bpf", 0, "mode=0700"); err != nil {
		os.Remove(dir)
		tb.Fatalf("mount bpffs on %s: %v", dir, err)
	}
	tb.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			tb.Errorf("unmount %s: %v", dir, err)
			return
		}
		os.Remove(dir)
	})
	return dir
}

// Tracefs returns a tracefs mount: the system's, or one mounted on a
// temporary directory for the test and unmounted at cleanup (tracepoints,
// tracefs probe events). Call it after RequireKernel: mounting needs root.
func Tracefs(tb testing.TB) string {
	tb.Helper()
	for _, dir := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		var st unix.Statfs_t
		if unix.Statfs(dir, &st) == nil && st.Type == unix.TRACEFS_MAGIC {
			return dir
		}
	}
	dir, err := os.MkdirTemp("", "bpfc-tracefs-")
	if err != nil {
		tb.Fatal(err)
	}
	if err := unix.Mount("tracefs", dir, "tracefs", 0, ""); err != nil {
		os.Remove(dir)
		tb.Fatalf("mount tracefs on %s: %v", dir, err)
	}
	tb.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			tb.Errorf("unmount %s: %v", dir, err)
		}
		os.Remove(dir)
	})
	return dir
}

// envChild names the test a child process of the test binary runs (see
// InChild).
const envChild = "BPFC_TESTUTIL_CHILD"

// InChild runs child in a child process of the test binary, which runs
// only the calling top-level test: for what is per process (resource
// limits, once-per-process probes). In the child, InChild calls child with
// t; in the parent, it fails t with the child's output if the child
// fails.
func InChild(t *testing.T, child func(t *testing.T)) {
	t.Helper()
	if os.Getenv(envChild) == t.Name() {
		child(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"="+t.Name())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child process: %v\n%s", err, out)
	}
}

// DependOnModule makes the go command's test cache key the test's result
// on the module's Go sources, for a test that runs the go tool on the
// module (go build, go list): the cache sees only what the test binary
// links and the files the test opens, so such a test's cached pass would
// survive a change to any package it does not import. Opening a
// directory keys the result on its entries' sizes and modification
// times; DependOnModule opens every directory of the module that is not
// testdata or hidden, and go.mod and go.sum. Call it after Tool(tb, "go"):
// the kernel matrix guests have neither the go tool nor the sources.
func DependOnModule(tb testing.TB) {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if !d.IsDir() {
			if path == filepath.Join(root, name) && (name == "go.mod" || name == "go.sum") {
				return touchOpen(path)
			}
			return nil
		}
		if path != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		return touchOpen(path)
	})
	if err != nil {
		tb.Fatalf("listing the module's sources: %v", err)
	}
}

// touchOpen opens and closes path, so the test log records it.
func touchOpen(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}
