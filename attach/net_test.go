// Kernel tests of the attachments whose target the caller gives: XDP and
// tc (tcx links and netlink cls_bpf filters) on a veth pair in a network
// namespace made for the test, sk_lookup and netfilter in that namespace,
// a cgroup program on a cgroup made for the test, and a perf_event
// program on a software perf event.

package attach_test

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/internal/testutil"
)

// envChild makes the test binary run as a helper process (TestMain).
const envChild = "BPFC_ATTACH_CHILD"

// runChild is the helper process: "udp CGROUP ADDR" joins the cgroup and
// sends one UDP datagram to ADDR.
func runChild(mode string) int {
	f := strings.Fields(mode)
	if len(f) != 3 || f[0] != "udp" {
		fmt.Fprintf(os.Stderr, "unknown child mode %q\n", mode)
		return 2
	}
	if err := os.WriteFile(filepath.Join(f[1], "cgroup.procs"), []byte(fmt.Sprint(os.Getpid())), 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, err := net.Dial("udp", f[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	if _, err := c.Write([]byte("bpfc")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// testNetns is the test's network namespace with its veth pair.
type testNetns struct {
	*testutil.Netns
	path         string
	veth0, veth1 int
}

// newNetns makes a namespace with a veth pair (testutil.NewNetns) and
// moves the calling goroutine into it.
func newNetns(t *testing.T) *testNetns {
	t.Helper()
	testutil.RequireKernel(t)
	ns := testutil.NewNetns(t)
	return &testNetns{Netns: ns, path: ns.Path, veth0: ns.Veth0, veth1: ns.Veth1}
}

// enter moves the calling goroutine into the namespace (subtests run on
// goroutines of their own).
func (ns *testNetns) enter(t *testing.T) { ns.Enter(t) }

// sendFrames sends n copies of the test packet out of veth0, to arrive on
// veth1.
func (ns *testNetns) sendFrames(t *testing.T, n int) {
	t.Helper()
	s, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(s)
	pkt := testutil.Packet()
	for range n {
		if err := unix.Sendto(s, pkt, 0, &unix.SockaddrLinklayer{Ifindex: ns.veth0}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond) // veth delivers on the receiving side's softirq
}

// waitFor polls get until it returns at least want (frames cross the veth
// pair in softirq context, later than the send returns) or two seconds
// pass, and returns its last value.
func waitFor(get func() uint64, want uint64) uint64 {
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := get()
		if got >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// warmUp sends frames one by one until counter moves (at most 100): right
// after attaching XDP in driver mode, veth can pass the first frames
// around the program while it switches the receiving queue to NAPI. It
// returns the counter.
func (ns *testNetns) warmUp(t *testing.T, counter func() uint64) uint64 {
	t.Helper()
	start := counter()
	for range 100 {
		ns.sendFrames(t, 1)
		if c := counter(); c > start {
			return c
		}
	}
	t.Fatal("no frame reached the program")
	return 0
}

// sendUDP sends one datagram to addr from this thread's namespace.
func sendUDP(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("bpfc")); err != nil {
		t.Fatal(err)
	}
}

func TestXDPAndTC(t *testing.T) {
	o := load(t, "attach_net.o", nil)
	ns := newNetns(t)
	for _, tt := range []struct {
		prog, counter, typ string
		opts               attach.Options
	}{
		{"xdp_count", "xdp_calls", "xdp", attach.Options{Ifindex: ns.veth1}},
		{"xdp_count", "xdp_calls", "xdp", attach.Options{Ifindex: ns.veth1, XDPFlags: unix.XDP_FLAGS_SKB_MODE}},
		{"tc_count", "tc_calls", "tcx", attach.Options{Ifindex: ns.veth1}},
		{"tc_count", "tc_calls", "netlink tc", attach.Options{Ifindex: ns.veth1, NetlinkTC: true}},
	} {
		if tt.typ == "tcx" && !atLeast(t, 6, 6) {
			tt.typ = "netlink tc" // no tcx before 6.6
		}
		t.Run(fmt.Sprintf("%s/%s/%#x", tt.prog, tt.typ, tt.opts.XDPFlags), func(t *testing.T) {
			ns.enter(t)
			t.Cleanup(testutil.CheckNoFDLeak(t))
			l := o.attach(t, tt.prog, &tt.opts)
			wantTarget := fmt.Sprintf("veth1 (ifindex %d)", ns.veth1)
			if tt.typ != "xdp" {
				wantTarget += " ingress"
			}
			if l.Type != tt.typ || l.Target != wantTarget {
				t.Errorf("link %q %q, want %q %q", l.Type, l.Target, tt.typ, wantTarget)
			}
			before := ns.warmUp(t, func() uint64 { return o.bss(t, tt.counter) })
			ns.sendFrames(t, 4)
			if got := waitFor(func() uint64 { return o.bss(t, tt.counter) - before }, 4); got != 4 {
				t.Errorf("%s: %d runs for 4 frames", tt.prog, got)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			before = o.bss(t, tt.counter)
			ns.sendFrames(t, 2)
			if got := o.bss(t, tt.counter) - before; got != 0 {
				t.Errorf("%s: %d runs after Close", tt.prog, got)
			}
		})
	}
	t.Run("tcx/ingress", func(t *testing.T) {
		// Before 6.6 (no tcx links) the program goes on the clsact
		// qdisc as a netlink cls_bpf filter, as every tc program does
		// there.
		typ := "tcx"
		if !atLeast(t, 6, 6) {
			typ = "netlink tc"
		}
		ns.enter(t)
		o := load(t, "attach_net.o", nil, "tcx_count")
		l := o.attach(t, "tcx_count", &attach.Options{Ifindex: ns.veth1, Egress: true}) // the section's direction wins
		if l.Type != typ || !strings.HasSuffix(l.Target, " ingress") {
			t.Errorf("link %q %q, want %s ... ingress", l.Type, l.Target, typ)
		}
		before := ns.warmUp(t, func() uint64 { return o.bss(t, "tcx_calls") })
		ns.sendFrames(t, 3)
		if got := waitFor(func() uint64 { return o.bss(t, "tcx_calls") }, before+3) - before; got != 3 {
			t.Errorf("tcx_count: %d runs for 3 frames", got)
		}
	})
}

// checkMissing checks the refusal of loading program prog, which needs
// what the kernel lacks: ErrNotSupported naming the program and the first
// kernel with it.
func checkMissing(t *testing.T, prog string, err error, since string) {
	t.Helper()
	if !errors.Is(err, attach.ErrNotSupported) || !strings.Contains(err.Error(), "program "+prog+" (section ") || !strings.Contains(err.Error(), "first appeared in Linux "+since) {
		t.Fatalf("load %s on %s: %v, want ErrNotSupported naming it and Linux %s", prog, testutil.KernelRelease(), err, since)
	}
	t.Logf("refused: %v", err)
}

func TestXDPUpdate(t *testing.T) {
	a := load(t, "attach_net.o", nil)
	b := load(t, "attach_net.o", nil)
	ns := newNetns(t)
	l := a.attach(t, "xdp_count", &attach.Options{Ifindex: ns.veth1})
	before := ns.warmUp(t, func() uint64 { return a.bss(t, "xdp_calls") })
	ns.sendFrames(t, 2)
	ga := waitFor(func() uint64 { return a.bss(t, "xdp_calls") }, before+2) - before
	if err := l.Update(b.coll.Programs["xdp_count"].FD()); err != nil {
		t.Fatal(err)
	}
	ns.sendFrames(t, 3)
	gb := waitFor(func() uint64 { return b.bss(t, "xdp_calls") }, 3)
	if ga2 := a.bss(t, "xdp_calls") - before; ga != 2 || ga2 != 2 || gb != 3 {
		t.Errorf("runs before/after Update: %d (%d after), %d; want 2, 3", ga, ga2, gb)
	}
}

func TestSKLookupNetfilter(t *testing.T) {
	var enable []string
	nf := atLeast(t, 6, 4)
	if nf {
		enable = append(enable, "nf_accept")
	}
	o := load(t, "attach_net.o", nil, enable...)
	ns := newNetns(t)
	l := o.attach(t, "lookup_pass", &attach.Options{Netns: ns.path})
	if l.Type != "netns" || l.Target != ns.path {
		t.Errorf("link %q %q", l.Type, l.Target)
	}
	rx, err := net.ListenPacket("udp", "10.99.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	if nf {
		nl := o.attach(t, "nf_accept", &attach.Options{Netfilter: &attach.Netfilter{Family: unix.NFPROTO_IPV4, Hook: 3 /* NF_INET_LOCAL_OUT */, Priority: -128}})
		if nl.Type != "netfilter" {
			t.Errorf("netfilter link type %q", nl.Type)
		}
	} else {
		_, err := loadSet(t, "attach_net.o", nil, "nf_accept")
		checkMissing(t, "nf_accept", err, "6.4")
	}
	sendUDP(t, rx.LocalAddr().String())
	if got := o.bss(t, "lookup_calls"); got == 0 {
		t.Error("sk_lookup did not run for a local UDP datagram")
	}
	if got := o.bss(t, "nf_calls"); nf && got == 0 {
		t.Error("netfilter LOCAL_OUT did not run for a UDP datagram")
	}
}

// cgroup2 returns the mount point of the cgroup v2 hierarchy.
func cgroup2(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[2] == "cgroup2" {
			return f[1]
		}
	}
	t.Fatal("no cgroup2 mount")
	return ""
}

func TestCgroup(t *testing.T) {
	o := load(t, "attach_net.o", nil)
	cg := filepath.Join(cgroup2(t), fmt.Sprintf("bpfc-attach-%d", os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(cg)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	l := o.attach(t, "cg_egress", &attach.Options{Cgroup: cg})
	if l.Type != "cgroup" || l.Target != cg+" (cgroup_inet_egress)" {
		t.Errorf("link %q %q", l.Type, l.Target)
	}
	rx, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), envChild+"=udp "+cg+" "+rx.LocalAddr().String())
	if out, err := child.CombinedOutput(); err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	if got := o.bss(t, "cg_calls"); got == 0 {
		t.Error("cgroup_skb/egress did not run for a datagram sent from the cgroup")
	}
}

// TestPerfEvent attaches a perf_event program to a software event this
// test triggers itself: page faults of this thread, sampled at every one
// (sample_period 1), from touching fresh pages. Each fault runs the
// program once, whatever the load of the machine.
func TestPerfEvent(t *testing.T) {
	o := load(t, "attach_net.o", nil)
	for _, mode := range []attach.Mode{attach.ModeDefault, attach.ModePerf} {
		t.Run(fmt.Sprint(mode), func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			// The event counts this thread: keep the goroutine on it.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			attr := unix.PerfEventAttr{
				Type:   unix.PERF_TYPE_SOFTWARE,
				Config: unix.PERF_COUNT_SW_PAGE_FAULTS,
				Sample: 1, // sample_period: every fault
			}
			attr.Size = uint32(unsafe.Sizeof(attr))
			pfd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(pfd)
			// Fresh pages, too few for a huge page: the first write to
			// each faults once.
			const pages = 16
			touch := func() {
				size := pages * os.Getpagesize()
				mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < size; i += os.Getpagesize() {
					mem[i] = 1
				}
				unix.Munmap(mem)
			}
			l := o.attach(t, "perf_count", &attach.Options{PerfEvent: pfd, Mode: mode})
			if want := perfType(t, mode); l.Type != want {
				t.Errorf("link type %q, want %q", l.Type, want)
			}
			before := o.bss(t, "perf_calls")
			touch()
			got := o.bss(t, "perf_calls") - before
			if got < pages {
				t.Errorf("perf_event program ran %d times for %d page faults, want at least %d", got, pages, pages)
			}
			t.Logf("%s: %d runs for %d pages touched", l.Type, got, pages)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			before = o.bss(t, "perf_calls")
			touch()
			if got := o.bss(t, "perf_calls") - before; got != 0 {
				t.Errorf("perf_event program ran %d times after Close", got)
			}
		})
	}
}

func TestAttachAllSkipsTargets(t *testing.T) {
	o := load(t, "attach_net.o", nil)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	ls, err := o.coll.Attach(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ls.Close()
	if len(ls.Links) != 0 {
		t.Errorf("attached %d programs, want none: every program of attach_net.o needs a target", len(ls.Links))
	}
	var skipped []string
	for _, s := range ls.Skipped {
		skipped = append(skipped, s.Program)
		if !errors.Is(s.Reason, attach.ErrNeedsTarget) || !strings.Contains(s.Reason.Error(), s.Program) {
			t.Errorf("skipped %s: %v", s.Program, s.Reason)
		}
	}
	want := "xdp_count tc_count cg_egress lookup_pass perf_count sock_all"
	if got := strings.Join(skipped, " "); got != want {
		t.Errorf("skipped %s, want %s", got, want)
	}
}
