// Kernel tests of the attachments that need no kprobes: tracepoints (perf
// events, with a BPF link and with PERF_EVENT_IOC_SET_BPF), raw
// tracepoints, tp_btf and iterators, plus pinning and detaching, and
// attach targets set instead of the section's.

package attach_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
)

// getpids calls getpid n times (raw: the runtime does not cache it).
func getpids(n int) {
	for range n {
		unix.Getpid()
	}
}

func TestTracepointRawTPBTF(t *testing.T) {
	o := loadMine(t, "attach_probes.o")
	tracefsDir(t)
	for _, tt := range []struct {
		prog, typ, target string
		counter           int
		opts              attach.Options
	}{
		{"tp_getpid", "", "syscalls/sys_enter_getpid", cTP, attach.Options{}},
		{"tp_getpid", "", "syscalls/sys_enter_getpid", cTP, attach.Options{Mode: attach.ModePerf}},
		{"rawtp_getpid", "raw_tracepoint", "sys_enter", cRawTP, attach.Options{}},
		{"tpbtf_getpid", "tracing", "sys_enter", cTPBTF, attach.Options{}},
	} {
		if tt.typ == "" {
			tt.typ = perfType(t, tt.opts.Mode)
		}
		t.Run(tt.prog+"/"+tt.typ, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			before := o.count(t, tt.counter)
			l := o.attach(t, tt.prog, &tt.opts)
			if l.Type != tt.typ || l.Target != tt.target || l.Program != tt.prog {
				t.Errorf("link %s %q %q, want %s %q %q", l.Program, l.Type, l.Target, tt.prog, tt.typ, tt.target)
			}
			if (l.ID != 0) != (tt.typ != "perf_event (ioctl)") {
				t.Errorf("link id %d for a %s", l.ID, tt.typ)
			}
			getpids(5)
			// At least: the Go run-time calls getpid too (tgkill of its
			// preemption signals).
			if got := o.count(t, tt.counter) - before; got < 5 {
				t.Errorf("%d hits after 5 getpid calls, want at least 5", got)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			after := o.count(t, tt.counter)
			getpids(5)
			if got := o.count(t, tt.counter); got != after {
				t.Errorf("%d hits after Close", got-after)
			}
		})
	}
}

func TestIterator(t *testing.T) {
	o := loadMine(t, "attach_probes.o")
	t.Cleanup(testutil.CheckNoFDLeak(t))
	l := o.attach(t, "iter_mine", nil)
	if l.Type != "iter" || l.Target != "task" {
		t.Errorf("link %q %q, want iter task", l.Type, l.Target)
	}
	for range 2 { // each Iter is a new run
		f, err := l.Iter()
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		lines := 0
		for sc.Scan() {
			var tgid, pid int
			if _, err := fmt.Sscanf(sc.Text(), "%d %d", &tgid, &pid); err != nil || tgid != os.Getpid() {
				t.Errorf("iterator line %q: want \"%d <tid>\"", sc.Text(), os.Getpid())
			}
			lines++
		}
		f.Close()
		if lines == 0 {
			t.Error("the iterator printed no thread of this process")
		}
	}
	if n := o.count(t, cIter); n == 0 {
		t.Error("counts[iter] = 0 after two runs")
	}
}

func TestPinnedLinkOutlivesClose(t *testing.T) {
	o := loadMine(t, "attach_probes.o")
	dir := testutil.BPFFS(t)
	for _, prog := range []string{"rawtp_getpid", "tp_getpid"} {
		t.Run(prog, func(t *testing.T) {
			tracefsDir(t)
			counter := map[string]int{"rawtp_getpid": cRawTP, "tp_getpid": cTP}[prog]
			l, err := o.coll.AttachProgram(prog, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			pin := filepath.Join(dir, attach.PinName(prog))
			err = l.Pin(pin)
			if prog == "tp_getpid" && !perfLinks(t) {
				if !errors.Is(err, attach.ErrNotSupported) {
					t.Fatalf("Pin of an ioctl perf event: %v, want ErrNotSupported", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.PinPath() != pin {
				t.Errorf("PinPath %q, want %q", l.PinPath(), pin)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			before := o.count(t, counter)
			getpids(3)
			if got := o.count(t, counter) - before; got < 3 {
				t.Errorf("pinned and closed: %d hits, want at least 3", got)
			}
			// Take the link back from its pin, then unpin and close it.
			// The last reference goes with the pin or with the fd: an
			// unpin drops its reference after an RCU grace period on
			// some kernels (5.10 frees bpffs inodes so), and a reference
			// dropped from there detaches from a work queue. Wait for
			// the detach, with a generous deadline.
			fd, err := sys.ObjGet(pin)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Unpin(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(pin); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pin %s after Unpin: %v", pin, err)
			}
			fd.Close()
			waitDetached(t, func() uint64 {
				before := o.count(t, counter)
				getpids(3)
				return o.count(t, counter) - before
			})
		})
	}
}

// waitDetached waits until fire (which makes events and returns the
// program's runs for them) sees no run, failing after 30 s.
func waitDetached(t *testing.T, fire func() uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := fire()
		if got == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("unpinned and closed: still %d runs after 30 s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPinIoctlRefused(t *testing.T) {
	o := loadMine(t, "attach_probes.o")
	tracefsDir(t)
	dir := testutil.BPFFS(t)
	l := o.attach(t, "tp_getpid", &attach.Options{Mode: attach.ModePerf})
	err := l.Pin(filepath.Join(dir, "x"))
	if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "tp_getpid") {
		t.Errorf("Pin of an ioctl perf event: %v, want ErrNotSupported naming tp_getpid", err)
	}
}

// TestAttachTargetOverride loads and attaches programs whose attach target
// was set instead of their section's (bpfc.Options.AttachTarget, libbpf's
// bpf_program__set_attach_target), where their sections name another
// function or tracepoint. A tracepoint program attaches to getppid's
// tracepoint and counts its calls; a tp_btf program is loaded against the
// kernel's btf_trace_sys_exit; fentry (loaded against the function) and
// kprobe programs count the kernel's calls of bpf_fentry_test1 where the
// kernel allows them (not on the locked-down test host).
func TestAttachTargetOverride(t *testing.T) {
	testutil.RequireKernel(t)
	tracefsDir(t)
	getppids := func() {
		for range 5 {
			unix.Getppid()
		}
	}
	load := func(t *testing.T, enable, disable []string, targets map[string]string) (*object, error) {
		t.Helper()
		return loadOpts(t, "attach_probes.o", &bpfc.Options{Set: pidSet(), Enable: enable, AttachTarget: targets, Disable: disable})
	}

	t.Run("tracepoint and tp_btf", func(t *testing.T) {
		o, err := load(t, nil, []string{"k*", "raw*", "iter_*"}, map[string]string{"tp_getpid": "syscalls/sys_enter_getppid", "tpbtf_getpid": "sys_exit"})
		if err != nil {
			t.Fatal(err)
		}
		vmlinux, err := btf.LoadKernel()
		if err != nil {
			t.Fatal(err)
		}
		want := vmlinux.FindByNameKind("btf_trace_sys_exit", btf.KindTypedef)
		if p := o.coll.Programs["tpbtf_getpid"]; len(want) != 1 || p.AttachBTFID != want[0] || p.AttachTo != "sys_exit" {
			t.Errorf("tpbtf_getpid: attach BTF id %d (to %q), want btf_trace_sys_exit's %v", p.AttachBTFID, p.AttachTo, want)
		}
		before := o.count(t, cTP)
		l := o.attach(t, "tp_getpid", nil)
		if l.Target != "syscalls/sys_enter_getppid" {
			t.Errorf("tp_getpid attached to %q, want syscalls/sys_enter_getppid", l.Target)
		}
		getppids()
		if got := o.count(t, cTP) - before; got < 5 {
			t.Errorf("%d hits after 5 getppid calls, want at least 5", got)
		}
	})

	// fentry and kprobe: both moved to bpf_fentry_test1, which the kernel
	// calls (and only then) when a tracing program is test-run (5.5+).
	t.Run("fentry and kprobe", func(t *testing.T) {
		const target = "bpf_fentry_test1"
		o, err := load(t, []string{"fentry_openat2"}, []string{"krp_*", "ksys_*", "raw*", "iter_*"},
			map[string]string{"fentry_openat2": target, "kp_openat2": target})
		if err != nil {
			checkLockedDown(t, "fentry_openat2", err)
			return
		}
		fe := o.coll.Programs["fentry_openat2"]
		for name, sec := range map[string]string{"fentry_openat2": "?fentry/do_sys_openat2", "kp_openat2": "kprobe/do_sys_openat2"} {
			if p := o.coll.Programs[name]; p.Section != sec || p.AttachTo != target {
				t.Errorf("%s: section %q, attach to %q; want %q, %s", name, p.Section, p.AttachTo, sec, target)
			}
		}
		beforeFentry, beforeKprobe := o.count(t, cFentry), o.count(t, cKprobe)
		o.attach(t, "fentry_openat2", nil)
		o.attach(t, "kp_openat2", nil)
		if _, err := fe.TestRun(direct.TestRunOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := o.count(t, cFentry) - beforeFentry; got < 1 {
			t.Errorf("fentry: %d hits after test runs that call %s", got, target)
		}
		if got := o.count(t, cKprobe) - beforeKprobe; got < 1 {
			t.Errorf("kprobe: %d hits after test runs that call %s", got, target)
		}
	})
}
