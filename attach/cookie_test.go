// Kernel tests of BPF cookies: each kind of attachment that takes one
// passes it to the program's bpf_get_attach_cookie where the kernel has
// cookies for that kind, and where it does not, the program calling the
// helper is refused at load naming it, and attaching the cookie-free
// program with a cookie is refused naming the first kernel with them.

package attach_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestCookies(t *testing.T) {
	tracefsDir(t)
	for _, tt := range []struct {
		prog    string // the "?" program reading its cookie
		plain   string // the same attachment without the helper
		counter int
		fire    func(t *testing.T, n int)
		// since: the first kernel with cookies for this kind (the
		// helper for the program type, and the attach API).
		since   string
		kind    string // what else the kernel needs: "kprobe", "trampoline", "fprobe"
		refusal string // of attaching plain with a cookie before since
	}{
		{"tp_getpid_cookie", "tp_getpid", cTPCookie, func(_ *testing.T, n int) { getpids(n) }, "5.15", "",
			"a BPF cookie needs a BPF_PERF_EVENT link (Linux 5.15)"},
		{"kp_openat2_cookie", "kp_openat2", cKprobeCookie, opens, "5.15", "kprobe",
			"a BPF cookie needs a BPF_PERF_EVENT link (Linux 5.15)"},
		{"rawtp_getpid_cookie", "rawtp_getpid", cRawTPCookie, func(_ *testing.T, n int) { getpids(n) }, "6.10", "",
			"raw tracepoint cookies need Linux 6.10"},
		{"fentry_openat2_cookie", "fentry_openat2", cFentryCookie, opens, "5.19", "trampoline",
			"cookies on tracing links need Linux 5.19"},
		{"kmulti_openat_cookie", "kmulti_openat", cKmultiCookie, opens, "5.18", "fprobe", ""},
	} {
		t.Run(tt.prog, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			const cookie = 0xc0ffee
			opts := &attach.Options{Cookie: cookie}
			if testutil.KernelOlderThan(tt.since) {
				// The program is refused at load, naming the helper.
				_, err := tryLoad(t, "attach_probes.o", tt.prog)
				if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "bpf_get_attach_cookie") || !strings.Contains(err.Error(), tt.prog) {
					t.Errorf("load %s on %s: %v, want ErrNotSupported naming it and bpf_get_attach_cookie", tt.prog, testutil.KernelRelease(), err)
				} else {
					t.Logf("refused: %v", err)
				}
				// The cookie is refused at attach, naming the version.
				o := loadMine(t, "attach_probes.o", tt.plain)
				l, err := o.coll.AttachProgram(tt.plain, opts)
				if err == nil {
					l.Close()
					t.Fatalf("attached %s with a cookie on %s", tt.plain, testutil.KernelRelease())
				}
				if tt.kind == "fprobe" {
					checkNoKprobeMulti(t, tt.plain, err)
					return
				}
				if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), tt.refusal) || !strings.Contains(err.Error(), "program "+tt.plain+" (section ") {
					t.Fatalf("attach %s with a cookie on %s: %v, want ErrNotSupported naming it and %q", tt.plain, testutil.KernelRelease(), err, tt.refusal)
				}
				t.Logf("refused: %v", err)
				return
			}
			o, err := tryLoad(t, "attach_probes.o", tt.prog)
			if tt.kind == "trampoline" && err != nil {
				checkLockedDown(t, tt.prog, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l, err := o.coll.AttachProgram(tt.prog, opts)
			switch {
			case tt.kind == "kprobe" && !haveKprobes():
				checkNoKprobes(t, tt.prog, err)
				return
			case tt.kind == "fprobe" && !haveFprobes(t):
				checkNoKprobeMulti(t, tt.prog, err)
				return
			case err != nil:
				t.Fatal(err)
			}
			defer l.Close()
			before := o.count(t, tt.counter)
			tt.fire(t, 3)
			if got := o.count(t, tt.counter) - before; got < 3 {
				t.Errorf("%d hits for 3 events, want at least 3", got)
			}
			if got := o.global(t, ".bss", "cookies", tt.counter); got != cookie {
				t.Errorf("bpf_get_attach_cookie() = %#x, want %#x", got, cookie)
			}
		})
	}
}
