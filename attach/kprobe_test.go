// Kernel tests of kernel probes: kprobes, kretprobes, syscall probes and
// kprobe.multi, and the trampolines (fentry, fexit, fmod_ret, lsm). Where
// the kernel has them (the kernel matrix guests) they must fire; where it
// does not (the test host is built without kprobes and locked down) the
// refusal must be clear and leave nothing behind.

package attach_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/internal/testutil"
)

// opens opens and closes a file n times (do_sys_openat2, security_file_open).
func opens(t *testing.T, n int) {
	t.Helper()
	for range n {
		f, err := os.Open("/proc/self/stat")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// kprobeCases are the kernel probes of attach_probes.o, with what fires
// them and the Link they make. None needs BPF cookies: they fire on every
// kernel of the matrix (before 5.15 through PERF_EVENT_IOC_SET_BPF);
// TestCookies has the cookies.
var kprobeCases = []struct {
	prog, target string
	counter      int
	fire         func(t *testing.T, n int)
	opts         attach.Options
}{
	{"kp_openat2", "do_sys_openat2+0x0", cKprobe, opens, attach.Options{}},
	{"kp_openat2", "do_sys_openat2+0x0", cKprobe, opens, attach.Options{Mode: attach.ModePerf}},
	{"kp_openat2", "do_sys_openat2+0x0", cKprobe, opens, attach.Options{Mode: attach.ModeLegacy}},
	{"krp_openat2", "do_sys_openat2+0x0", cKretprobe, opens, attach.Options{}},
	{"ksys_getpid", "sys_getpid+0x0", cKsyscall, func(_ *testing.T, n int) { getpids(n) }, attach.Options{}},
}

func TestKprobes(t *testing.T) {
	o := loadMine(t, "attach_probes.o")
	tracefsDir(t) // ModeLegacy writes kprobe_events
	for _, tt := range kprobeCases {
		t.Run(tt.prog+"/"+modeName(tt.opts.Mode), func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			l, err := o.coll.AttachProgram(tt.prog, &tt.opts)
			if !haveKprobes() {
				checkNoKprobes(t, tt.prog, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			if !strings.HasSuffix(l.Target, tt.target) || l.Type != perfType(t, tt.opts.Mode) {
				t.Errorf("link %q %q, want %q ...%q", l.Type, l.Target, perfType(t, tt.opts.Mode), tt.target)
			}
			before := o.count(t, tt.counter)
			tt.fire(t, 4)
			// At least: the Go run-time opens files and calls getpid too.
			if got := o.count(t, tt.counter) - before; got < 4 {
				t.Errorf("%d hits for 4 calls, want at least 4", got)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			before = o.count(t, tt.counter)
			tt.fire(t, 2)
			if got := o.count(t, tt.counter) - before; got != 0 {
				t.Errorf("%d hits after Close", got)
			}
		})
	}
	t.Run("missing function", func(t *testing.T) {
		t.Cleanup(testutil.CheckNoFDLeak(t))
		_, err := o.coll.AttachProgram("kp_openat2", &attach.Options{Target: "bpfc_no_such_function"})
		want := attach.ErrNotFound
		if !haveKprobes() {
			want = attach.ErrNotSupported
		}
		if !errors.Is(err, want) || !strings.Contains(err.Error(), "kp_openat2") {
			t.Fatalf("kprobe on a missing function: %v, want %v naming the program", err, want)
		}
		t.Logf("refused: %v", err)
		if want == attach.ErrNotFound && !strings.Contains(err.Error(), "bpfc_no_such_function") {
			t.Errorf("error does not name the function: %v", err)
		}
	})
}

func modeName(m attach.Mode) string {
	return [...]string{"default", "link", "perf", "legacy"}[m]
}

func TestKprobeMulti(t *testing.T) {
	o := loadMine(t, "attach_probes.o", "kmulti_openat", "kretmulti_openat")
	tracefsDir(t) // globs are matched against available_filter_functions
	for _, tt := range []struct {
		prog, target string
		counter      int
	}{
		{"kmulti_openat", "do_sys_openat* (", cKmulti},
		{"kretmulti_openat", "do_sys_openat2", cKretmulti},
	} {
		t.Run(tt.prog, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			l, err := o.coll.AttachProgram(tt.prog, nil)
			if !haveFprobes(t) {
				checkNoKprobeMulti(t, tt.prog, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
			if l.Type != "kprobe_multi" || !strings.HasPrefix(l.Target, tt.target) {
				t.Errorf("link %q %q, want kprobe_multi %q...", l.Type, l.Target, tt.target)
			}
			before := o.count(t, tt.counter)
			opens(t, 3)
			if got := o.count(t, tt.counter) - before; got < 3 {
				t.Errorf("%d hits for 3 opens", got)
			}
		})
	}
}

// checkNoKprobes checks the refusal of a kernel probe where the kernel
// has no kprobes (the test host, built without CONFIG_KPROBES).
func checkNoKprobes(t *testing.T, prog string, err error) {
	t.Helper()
	if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "program "+prog+" (section ") || !strings.Contains(err.Error(), "kprobe") {
		t.Fatalf("kernel without kprobes: %v, want ErrNotSupported naming %s, its section and kprobes", err, prog)
	}
	t.Logf("refused: %v", err)
}

// checkLockedDown checks the refusal of loading trampolines (fentry,
// fexit, fmod_ret, lsm) on the test host, whose lockdown refuses them with
// EPERM; the kernel matrix guests have kprobes and load them.
func checkLockedDown(t *testing.T, prog string, err error) {
	t.Helper()
	if haveKprobes() || !errors.Is(err, unix.EPERM) || !strings.Contains(err.Error(), prog) {
		t.Fatalf("load %s: %v", prog, err)
	}
	t.Logf("refused: %v", err)
}

// checkNoKprobeMulti checks the refusal of a kprobe.multi program where
// the kernel has no kprobe_multi links: ErrNotSupported naming the
// program and what is missing (Linux 5.18, CONFIG_FPROBE, or kprobes at
// all on the test host).
func checkNoKprobeMulti(t *testing.T, prog string, err error) {
	t.Helper()
	want := "first appeared in Linux 5.18"
	switch {
	case !haveKprobes():
		want = "kprobe"
	case atLeast(t, 5, 18):
		want = "CONFIG_FPROBE"
	}
	if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "program "+prog+" (section ") || !strings.Contains(err.Error(), want) {
		t.Fatalf("kprobe.multi on %s: %v, want ErrNotSupported naming %s and %q", testutil.KernelRelease(), err, prog, want)
	}
	t.Logf("refused: %v", err)
}

// kconfigSet reports whether the running kernel's config (from
// /proc/config.gz or /boot/config-RELEASE) sets option; false when neither
// is there.
func kconfigSet(t *testing.T, option string) bool {
	t.Helper()
	var u unix.Utsname
	unix.Uname(&u)
	b, err := os.ReadFile("/boot/config-" + unix.ByteSliceToString(u.Release[:]))
	if err != nil {
		out, err := readConfigGz()
		if err != nil {
			return false
		}
		b = out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line == option+"=y" || line == option+"=m" {
			return true
		}
	}
	return false
}

func TestTrampolines(t *testing.T) {
	progs := []string{"fentry_openat2", "fexit_openat2", "fmodret_file_open", "lsm_file_open"}
	o, err := tryLoad(t, "attach_probes.o", progs...)
	if err != nil {
		checkLockedDown(t, "fentry_openat2", err)
		return
	}
	bpfLSM := false
	if b, err := os.ReadFile("/sys/kernel/security/lsm"); err == nil {
		bpfLSM = strings.Contains(","+string(b)+",", ",bpf,")
	}
	for i, prog := range progs {
		c := []int{cFentry, cFexit, cFmodret, cLSM}[i]
		t.Run(prog, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			l := o.attach(t, prog, nil)
			if l.Type != "tracing" || l.ID == 0 {
				t.Errorf("link %q id %d, want a tracing link", l.Type, l.ID)
			}
			before := o.count(t, c)
			opens(t, 3)
			got := o.count(t, c) - before
			if c == cLSM && !bpfLSM {
				t.Logf("lsm: the bpf LSM is not active (lsm= boot parameter): %d hits", got)
				return
			}
			if got < 3 {
				t.Errorf("%d hits for 3 opens, want at least 3", got)
			}
		})
	}
}

func TestAttachAllProbes(t *testing.T) {
	o := loadMine(t, "attach_probes.o")
	tracefsDir(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	ls, err := o.coll.Attach(nil)
	if !haveKprobes() {
		// ksys_getpid is the first kernel probe: everything attached
		// before it (the tracepoints) must be detached again.
		if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "program ksys_getpid (section ksyscall/getpid)") {
			t.Fatalf("Attach: %v, want ErrNotSupported naming ksys_getpid and its section", err)
		}
		before := o.count(t, cTP)
		getpids(3)
		if got := o.count(t, cTP) - before; got != 0 {
			t.Errorf("the tracepoint attached before the failure still fires (%d hits)", got)
		}
		t.Logf("refused: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	var names []string
	for _, l := range ls.Links {
		names = append(names, l.Program)
	}
	want := "tp_getpid rawtp_getpid tpbtf_getpid ksys_getpid kp_openat2 krp_openat2 iter_mine"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("attached %s, want %s", got, want)
	}
	if len(ls.Skipped) != 0 {
		t.Errorf("skipped %v", ls.Skipped)
	}
	before := o.count(t, cKsyscall)
	getpids(2)
	if got := o.count(t, cKsyscall) - before; got < 2 {
		t.Errorf("ksyscall: %d hits for 2 calls, want at least 2", got)
	}
}
