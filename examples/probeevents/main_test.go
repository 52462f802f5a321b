// Tests of the example: the committed skeleton is what bpfc generates
// today, and the tool prints the events of a USDT probe it attached to the
// probe target (attach/testdata), with their arguments; the kprobe is
// attached where the kernel has kprobes and reported as not attached
// where it does not.

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveProbeTargets()
	os.Exit(code)
}

func TestSkeletonUpToDate(t *testing.T) {
	// The generator writes the .kconfig defaults of the kernel it runs on
	// (LINUX_HAS_BPF_COOKIE): the committed file is the host's.
	testutil.HostOnly(t, "the committed skeleton holds the host kernel's .kconfig defaults")
	obj, l, err := bpfc.GenerateLoader("../../testdata/probe_events.o", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fresh bytes.Buffer
	if err := skel.WriteGo(&fresh, l, obj, "main"); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("probe_events_skel.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh.Bytes(), committed) {
		t.Fatal("probe_events_skel.go is stale: run go generate ./examples/probeevents")
	}
}

// lockedBuffer is a bytes.Buffer for one writer and one reader goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls until cond(s()) holds or 10 seconds pass.
func waitFor(s func() string, cond func(string) bool) string {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s()
		if cond(got) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRun(t *testing.T) {
	testutil.RequireKernel(t)
	target := filepath.Join(testutil.ProbeTargets(t), "probe_target_static")
	t.Cleanup(testutil.CheckNoFDLeak(t))
	var out, log lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- run(ctx, config{usdt: target + ":bpfc:hit"}, &out, &log) }()
	if features.SyscallProg.Missing() {
		// No light skeleton loads before 5.14: run says so at once.
		err := <-done
		cancel()
		if !errors.Is(err, rt.ErrNoSyscallPrograms) {
			t.Fatalf("run on %s: %v; want the refusal naming syscall programs (rt.ErrNoSyscallPrograms)", features.Release(), err)
		}
		return
	}
	notes := waitFor(log.String, func(s string) bool { return strings.Contains(s, "attached trace_usdt") })
	if !strings.Contains(notes, "attached trace_usdt (") {
		cancel()
		t.Fatalf("USDT probe not attached: %s (%v)", notes, <-done)
	}
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe"); err == nil {
		if !strings.Contains(notes, "attached trace_open (") {
			t.Errorf("kprobe not attached on a kernel with kprobes:\n%s", notes)
		}
	} else if !strings.Contains(notes, "kprobe not attached: ") || !strings.Contains(notes, "not supported") {
		t.Errorf("kprobe on a kernel without kprobes:\n%s", notes)
	}
	if outb, err := exec.Command(target, "2").CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", target, err, outb)
	}
	usdt := func(s string) (lines []string) {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "usdt ") {
				lines = append(lines, l[strings.Index(l, " args "):])
			}
		}
		return lines
	}
	got := waitFor(out.String, func(s string) bool { return len(usdt(s)) >= 4 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{" args 3 [0 1000 -7]", " args 3 [0 2000 -7]", " args 3 [1 1001 -7]", " args 3 [1 2001 -7]"}
	if strings.Join(usdt(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("USDT events:\n%s\nwant the arguments\n%s", got, strings.Join(want, "\n"))
	}
}
