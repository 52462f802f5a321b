// Kernel tests of user-space probes on the probe target
// (testdata/probe_target.c): uprobes and uretprobes through every attach
// mode, on a PIE and a static executable and on a shared library found by
// name, with a process filter; uprobe.multi; USDT probes with arguments,
// cookies, semaphores and several call sites; and the refusals of bad
// targets.

package attach_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/uapi"
)

// runTarget runs a probe target for n rounds and returns its report line
// ("rounds N sum S withsem W lib L").
func runTarget(t *testing.T, path string, n int, env ...string) string {
	t.Helper()
	cmd := exec.Command(path, fmt.Sprint(n))
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %s", path, err, out)
	}
	return strings.TrimSpace(string(out))
}

// startTarget starts a probe target that waits (after printing "ready")
// for go() before running n rounds; wait() returns its report.
func startTarget(t *testing.T, path string, n int) (pid int, run func() string) {
	t.Helper()
	cmd := exec.Command(path, fmt.Sprint(n), "wait")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := bufio.NewReader(stdout)
	if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("%s: %q, %v", path, line, err)
	}
	return cmd.Process.Pid, func() string {
		io.WriteString(stdin, "go\n")
		rest, _ := io.ReadAll(r)
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return strings.TrimSpace(string(rest))
	}
}

func TestUprobe(t *testing.T) {
	dir := probeTargets(t)
	tracefsDir(t) // ModeLegacy writes uprobe_events
	for _, bin := range []string{"probe_target_pie", "probe_target_static"} {
		for _, mode := range []attach.Mode{attach.ModeDefault, attach.ModePerf, attach.ModeLegacy} {
			t.Run(bin+"/"+modeName(mode), func(t *testing.T) {
				o := load(t, "attach_uprobe.o", nil)
				t.Cleanup(testutil.CheckNoFDLeak(t))
				path := filepath.Join(dir, bin)
				target := path + ":bpfc_probe_add"
				l := o.attach(t, "on_add", &attach.Options{Target: target, Mode: mode})
				lr := o.attach(t, "on_add_ret", &attach.Options{Target: target, Mode: mode})
				if !strings.HasPrefix(l.Target, target+"+0x0 (0x") || lr.Type != l.Type {
					t.Errorf("links %q %q and %q", l.Type, l.Target, lr.Type)
				}
				runTarget(t, path, 3)
				if c, a, b := o.bss(t, "uprobe_calls"), o.bss(t, "uprobe_a"), o.bss(t, "uprobe_b"); c != 3 || a != 2 || b != 100 {
					t.Errorf("uprobe: %d calls, last (%d, %d); want 3 calls, last (2, 100)", c, a, b)
				}
				if c, r := o.bss(t, "uretprobe_calls"), o.bss(t, "uretprobe_ret"); c != 3 || r != 102 {
					t.Errorf("uretprobe: %d calls, last return %d; want 3, 102", c, r)
				}
				l.Close()
				lr.Close()
				runTarget(t, path, 2)
				if c := o.bss(t, "uprobe_calls"); c != 3 {
					t.Errorf("uprobe: %d calls after Close, want 3", c)
				}
			})
		}
	}
}

func TestUprobePID(t *testing.T) {
	path := filepath.Join(probeTargets(t), "probe_target_pie")
	o := load(t, "attach_uprobe.o", nil)
	pid, run := startTarget(t, path, 4)
	l := o.attach(t, "on_add", &attach.Options{Target: path + ":bpfc_probe_add", PID: pid})
	if !strings.HasSuffix(l.Target, fmt.Sprintf(" pid %d", pid)) {
		t.Errorf("target %q does not name pid %d", l.Target, pid)
	}
	runTarget(t, path, 3) // another process: not probed
	run()
	if c := o.bss(t, "uprobe_calls"); c != 4 {
		t.Errorf("uprobe with pid filter: %d calls, want the filtered process's 4", c)
	}
}

func TestUprobeLibrary(t *testing.T) {
	testutil.NeedCLibrary(t)
	dir := probeTargets(t)
	o := load(t, "attach_uprobe.o", nil, "on_libc_getpid")
	t.Run("section names libc.so.6", func(t *testing.T) {
		t.Cleanup(testutil.CheckNoFDLeak(t))
		l, err := o.coll.AttachProgram("on_libc_getpid", nil)
		if _, statErr := os.Stat(filepath.Join(dir, "probe_target")); errors.Is(err, attach.ErrNotFound) && statErr == nil {
			if _, serr := os.Stat("/lib/x86_64-linux-gnu/libc.so.6"); serr == nil {
				t.Fatalf("libc.so.6 is there, but: %v", err)
			}
			t.Logf("no libc.so.6 on this machine: %v", err)
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if !strings.Contains(l.Target, "/libc.so.6:getpid+0x0") {
			t.Errorf("target %q", l.Target)
		}
		runTarget(t, filepath.Join(dir, "probe_target"), 5)
		if c := o.bss(t, "lib_calls"); c < 5 {
			t.Errorf("libc getpid uprobe: %d calls, want >= 5", c)
		}
	})
	t.Run("LD_LIBRARY_PATH", func(t *testing.T) {
		t.Cleanup(testutil.CheckNoFDLeak(t))
		t.Setenv("LD_LIBRARY_PATH", dir)
		l := o.attach(t, "on_add", &attach.Options{Target: "libbpfc_probe.so:bpfc_lib_twice"})
		if !strings.HasPrefix(l.Target, filepath.Join(dir, "libbpfc_probe.so")+":bpfc_lib_twice") {
			t.Errorf("target %q: not the library in LD_LIBRARY_PATH", l.Target)
		}
		before := o.bss(t, "uprobe_calls")
		runTarget(t, filepath.Join(dir, "probe_target_lib"), 3)
		if c, a := o.bss(t, "uprobe_calls")-before, o.bss(t, "uprobe_a"); c != 3 || a != 2 {
			t.Errorf("library uprobe: %d calls, last argument %d; want 3, 2", c, a)
		}
	})
}

func TestUprobeMulti(t *testing.T) {
	path := filepath.Join(probeTargets(t), "probe_target_pie")
	o := load(t, "attach_uprobe.o", nil, "on_multi")
	t.Cleanup(testutil.CheckNoFDLeak(t))
	l, err := o.coll.AttachProgram("on_multi", &attach.Options{Target: path + ":bpfc_probe_*"})
	if !atLeast(t, 6, 6) {
		checkNoUprobeMulti(t, "on_multi", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Type != "uprobe_multi" || l.Target != path+":bpfc_probe_* (1 functions)" {
		t.Errorf("link %q %q", l.Type, l.Target)
	}
	runTarget(t, path, 4)
	if c := o.bss(t, "multi_calls"); c != 4 {
		t.Errorf("uprobe.multi: %d calls, want 4", c)
	}
}

// checkNoUprobeMulti checks the refusal of a uprobe_multi link before 6.6.
func checkNoUprobeMulti(t *testing.T, prog string, err error) {
	t.Helper()
	if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "program "+prog+" (section ") || !strings.Contains(err.Error(), "uprobe multi links") || !strings.Contains(err.Error(), "first appeared in Linux 6.6") {
		t.Fatalf("uprobe_multi link on %s: %v, want ErrNotSupported naming %s, uprobe multi links and 6.6", testutil.KernelRelease(), err, prog)
	}
	t.Logf("refused: %v", err)
}

func TestUSDT(t *testing.T) {
	dir := probeTargets(t)
	// Without BPF cookies (before 5.15) a program finds its spec by the
	// probe's address, which in a PIE binary or a library depends on the
	// process: such attachments need a pid.
	cookies := atLeast(t, 5, 15)
	for _, bin := range []string{"probe_target_pie", "probe_target_static"} {
		t.Run(bin, func(t *testing.T) {
			o := load(t, "attach_uprobe.o", nil)
			t.Cleanup(testutil.CheckNoFDLeak(t))
			path := filepath.Join(dir, bin)
			opts := &attach.Options{Target: path + ":bpfc:hit", Cookie: 77}
			run := func() { runTarget(t, path, 4) }
			if !cookies && bin == "probe_target_pie" {
				_, err := o.coll.AttachProgram("on_hit", opts)
				if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "needs Options.PID") {
					t.Fatalf("USDT in a PIE binary without cookies nor pid: %v", err)
				}
				var wait func() string
				opts.PID, wait = startTarget(t, path, 4)
				run = func() { wait() }
			}
			l := o.attach(t, "on_hit", opts)
			if l.Sites() != 2 || !strings.HasPrefix(l.Target, path+":bpfc:hit (2 sites)") {
				t.Errorf("link %q %q with %d sites, want 2 sites", l.Type, l.Target, l.Sites())
			}
			run()
			for v, want := range map[string]int64{
				"usdt_calls": 8, "usdt_sum_i": 2 * (0 + 1 + 2 + 3), "usdt_last_y": 2003,
				"usdt_last_c": -7, "usdt_argc": 3, "usdt_cookie": 77,
			} {
				if got := int64(o.bss(t, v)); got != want {
					t.Errorf("%s = %d, want %d", v, got, want)
				}
			}
			if opts.PID != 0 {
				return // the semaphore test below runs new processes
			}

			// The semaphore says whether the probe is attached.
			if got := runTarget(t, path, 3); !strings.Contains(got, " withsem 0 ") {
				t.Errorf("target before attaching withsem: %q", got)
			}
			ls := o.attach(t, "on_withsem", &attach.Options{Target: path + ":bpfc:withsem"})
			if got := runTarget(t, path, 3); !strings.Contains(got, " withsem 3 ") {
				t.Errorf("target with withsem attached: %q, want withsem 3", got)
			}
			if c := o.bss(t, "sem_calls"); c != 3 {
				t.Errorf("withsem: %d calls, want 3", c)
			}
			ls.Close()
			if got := runTarget(t, path, 1); !strings.Contains(got, " withsem 0 ") {
				t.Errorf("target after detaching withsem: %q", got)
			}
		})
	}
	t.Run("library", func(t *testing.T) {
		testutil.NeedCLibrary(t)
		o := load(t, "attach_uprobe.o", nil)
		t.Setenv("LD_LIBRARY_PATH", dir)
		opts := &attach.Options{Target: "libbpfc_probe.so:bpfc_lib:twice"}
		run := func() { runTarget(t, filepath.Join(dir, "probe_target_lib"), 3) }
		if !cookies {
			var wait func() string
			opts.PID, wait = startTarget(t, filepath.Join(dir, "probe_target_lib"), 3)
			run = func() { wait() }
		}
		l := o.attach(t, "on_hit", opts)
		if l.Sites() != 1 {
			t.Errorf("%d sites, want 1", l.Sites())
		}
		run()
		if c, s, n := o.bss(t, "usdt_calls"), o.bss(t, "usdt_sum_i"), o.bss(t, "usdt_argc"); c != 3 || s != 3 || n != 1 {
			t.Errorf("library USDT: %d calls, sum %d, %d arguments; want 3, 3, 1", c, s, n)
		}
	})
	t.Run("pin", func(t *testing.T) {
		o := load(t, "attach_uprobe.o", nil)
		bpffs := testutil.BPFFS(t)
		path := filepath.Join(dir, "probe_target_static")
		l := o.attach(t, "on_hit", &attach.Options{Target: path + ":bpfc:hit"})
		pin := filepath.Join(bpffs, "on_hit_link")
		err := l.Pin(pin)
		if !cookies {
			// Before 5.15 perf events are attached with an ioctl: no
			// link to pin.
			if !errors.Is(err, attach.ErrNotSupported) {
				t.Fatalf("Pin without perf-event links: %v, want ErrNotSupported", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer l.Unpin()
		if l.Type != "uprobe_multi" {
			ents, err := os.ReadDir(pin)
			if err != nil || len(ents) != 2 {
				t.Errorf("pinned USDT link with 2 sites: %v %v, want a directory of 2 links", ents, err)
			}
		}
		l.Close()
		runTarget(t, path, 2)
		if c := o.bss(t, "usdt_calls"); c != 4 {
			t.Errorf("pinned and closed: %d calls, want 4", c)
		}
	})
}

func TestUprobeBadTargets(t *testing.T) {
	dir := probeTargets(t)
	o := load(t, "attach_uprobe.o", nil)
	path := filepath.Join(dir, "probe_target_pie")
	for _, tt := range []struct {
		name, prog, target string
		mode               attach.Mode
		want               error
		msg                string
	}{
		{"missing binary", "on_add", "/nonexistent/bpfc:func", 0, attach.ErrNotFound, "/nonexistent/bpfc: not found: no such file"},
		{"missing library", "on_add", "libbpfc_nonexistent.so:func", 0, attach.ErrNotFound, "libbpfc_nonexistent.so: not found"},
		{"missing symbol", "on_add", path + ":bpfc_no_such_func", 0, attach.ErrNotFound, "no function bpfc_no_such_func"},
		{"no function", "on_add", path, 0, attach.ErrBadSection, "want PATH:FUNC"},
		{"no target", "on_add", "", 0, attach.ErrNeedsTarget, "names no binary and function"},
		{"uretprobe offset", "on_add_ret", path + ":bpfc_probe_add+4", 0, attach.ErrBadSection, "return probes take no offset"},
		{"no USDT notes", "on_hit", "/bin/true:bpfc:hit", 0, attach.ErrNotFound, "no .note.stapsdt section"},
		{"missing USDT probe", "on_hit", path + ":bpfc:nosuchprobe", 0, attach.ErrNotFound, "no USDT probe bpfc:nosuchprobe"},
		{"malformed USDT target", "on_hit", path + ":bpfc", 0, attach.ErrBadSection, "want PATH:PROVIDER:NAME"},
		{"USDT without cookies", "on_hit", path + ":bpfc:hit", attach.ModePerf, attach.ErrNotSupported, "needs perf-event links"},
	} {
		if tt.name == "USDT without cookies" && !atLeast(t, 5, 15) {
			tt.msg = "needs Options.PID" // no cookies anyway: the PIE binary needs a pid
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			l, err := o.coll.AttachProgram(tt.prog, &attach.Options{Target: tt.target, Mode: tt.mode})
			if err == nil {
				l.Close()
				t.Fatalf("attached %s to %q", tt.prog, tt.target)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "program "+tt.prog+" (section ") {
				t.Errorf("%v\nwant %v, naming the program, its section and %q", err, tt.want, tt.msg)
			}
		})
	}
	if c := o.bss(t, "usdt_calls") + o.bss(t, "uprobe_calls"); c != 0 {
		t.Errorf("%d calls after failed attachments", c)
	}
}

func TestUSDTWithoutMaps(t *testing.T) {
	o := load(t, "attach_uprobe.o", nil)
	p := o.coll.Programs["on_hit"]
	_, err := attach.Attach(&attach.Program{Name: "on_hit", Section: "usdt/x:y:z", Type: p.Type, FD: p.FD()}, nil)
	if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "usdt.bpf.h") {
		t.Errorf("usdt program of an object without the USDT maps: %v", err)
	}
}

func TestAttachAllUprobeObject(t *testing.T) {
	o := load(t, "attach_uprobe.o", nil)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	ls, err := o.coll.Attach(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	var skipped []string
	for _, s := range ls.Skipped {
		skipped = append(skipped, s.Program)
	}
	if len(ls.Links) != 0 || strings.Join(skipped, " ") != "on_add on_add_ret on_hit on_withsem" {
		t.Errorf("attached %d, skipped %v: the bare uprobe and usdt sections name no target", len(ls.Links), skipped)
	}
}

// TestUSDTUprobeMulti: a usdt program loaded for uprobe_multi links (as
// libbpf loads them where the kernel has those, 6.6) is attached to every
// call site with one link, the spec ids in its cookies.
func TestUSDTUprobeMulti(t *testing.T) {
	testutil.RequireKernel(t)
	path := filepath.Join(probeTargets(t), "probe_target_static")
	obj, err := bpfc.Compile(filepath.Join("..", "testdata", "attach_uprobe.o"), nil)
	if err != nil {
		t.Fatal(err)
	}
	obj.Program("on_hit").ExpectedAttachType = uapi.AttachTraceUprobeMulti
	coll, err := direct.Load(obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	o := &object{obj: obj, coll: coll}
	t.Cleanup(testutil.CheckNoFDLeak(t))
	opts := &attach.Options{Target: path + ":bpfc:hit", Cookie: 5}
	if !atLeast(t, 6, 6) {
		_, err := o.coll.AttachProgram("on_hit", opts)
		checkNoUprobeMulti(t, "on_hit", err)
		return
	}
	l := o.attach(t, "on_hit", opts)
	if l.Type != "uprobe_multi" || l.Sites() != 1 || l.ID == 0 {
		t.Errorf("link %q with %d parts, id %d: want one uprobe_multi link", l.Type, l.Sites(), l.ID)
	}
	runTarget(t, path, 3)
	for v, want := range map[string]int64{"usdt_calls": 6, "usdt_sum_i": 2 * (0 + 1 + 2), "usdt_last_y": 2002, "usdt_cookie": 5} {
		if got := int64(o.bss(t, v)); got != want {
			t.Errorf("%s = %d, want %d", v, got, want)
		}
	}
}
