// This file times attaching and detaching programs with bpfc (package
// attach, in this process) and with libbpf (libbpf/attach.c): a
// tracepoint, a uprobe on a function of the probe target and a USDT probe
// with two call sites. Most of the wall time is the kernel's (a detach
// waits for an RCU grace period); cpu-ns/op is the attacher's own work.

package bench

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/internal/testutil"
)

// attachCase is one attachment the benchmarks repeat.
type attachCase struct {
	name, object, prog, kind string
	target                   func(targets string) string
}

var attachCases = []attachCase{
	{"tracepoint", "attach_probes.o", "tp_getpid", "tracepoint", func(string) string { return "syscalls/sys_enter_getpid" }},
	{"uprobe", "attach_uprobe.o", "on_add", "uprobe", func(d string) string { return filepath.Join(d, "probe_target_pie") + ":bpfc_probe_add" }},
	{"usdt", "attach_uprobe.o", "on_hit", "usdt", func(d string) string { return filepath.Join(d, "probe_target_pie") + ":bpfc:hit" }},
}

// loadForAttach loads the object of c with bpfc and returns the
// collection (closed at cleanup).
func loadForAttach(tb testing.TB, c attachCase) *direct.Collection {
	tb.Helper()
	coll, err := bpfc.Load(filepath.Join(testdataDir, c.object), nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { coll.Close() })
	return coll
}

// runAttachHarness runs libbpf/attach.c n times on c.
func runAttachHarness(tb testing.TB, c attachCase, target string, n int) harnessResult {
	tb.Helper()
	path := buildHarness(tb, "attach")
	return runHarnessArgs(tb, path, filepath.Join(testdataDir, c.object), c.prog, c.kind, target, strconv.Itoa(n))
}

// BenchmarkAttach: one op attaches the program and detaches it again.
func BenchmarkAttach(b *testing.B) {
	testutil.RequireKernel(b)
	testutil.Tracefs(b)
	targets := testutil.ProbeTargets(b)
	for _, c := range attachCases {
		target := c.target(targets)
		b.Run(c.name, func(b *testing.B) {
			b.Run("bpfc", func(b *testing.B) {
				coll := loadForAttach(b, c)
				opts := &attach.Options{Target: target}
				timeOps(b, func() error {
					l, err := coll.AttachProgram(c.prog, opts)
					if err != nil {
						return err
					}
					return l.Close()
				})
			})
			b.Run("libbpf", func(b *testing.B) {
				reportHarness(b, runAttachHarness(b, c, target, b.N))
			})
		})
	}
}

// TestAttachHarness: the harness and bpfc attach every case once.
func TestAttachHarness(t *testing.T) {
	testutil.RequireKernel(t)
	testutil.Tracefs(t)
	targets := testutil.ProbeTargets(t)
	for _, c := range attachCases {
		t.Run(c.name, func(t *testing.T) {
			target := c.target(targets)
			if r := runAttachHarness(t, c, target, 2); r.NsPerOp <= 0 {
				t.Errorf("harness: %+v", r)
			}
			l, err := loadForAttach(t, c).AttachProgram(c.prog, &attach.Options{Target: target})
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
