// This file tests attaching through the Go light skeletons: Attach
// attaches every program whose section says where and skips the others,
// fails cleanly on a kernel that refuses a kernel probe, and single
// programs attach with options (uprobes and USDT probes on the probe
// target, with cookies); Detach detaches.

package skeltest

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveProbeTargets()
	os.Exit(code)
}

const attachProbesMain = mainPrelude + `
func count(s *AttachProbes, c int) uint64 { return s.Bss.Counts[c] }

// attachFDs counts the open BPF links and perf events (the Go run-time
// opens files of its own now and then).
func attachFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	check(err)
	n := 0
	for _, e := range ents {
		l, _ := os.Readlink("/proc/self/fd/" + e.Name())
		if strings.Contains(l, "bpf-link") || strings.Contains(l, "perf_event") {
			n++
		}
	}
	return n
}

func main() {
	s := NewAttachProbes()
	s.Rodata.TargetTgid = uint32(os.Getpid())
	check(s.Load(nil))
	defer s.Close()
	err := s.Attach()
	fmt.Printf("attach_err=%v\n", err)
	fmt.Printf("fds_after=%d\n", attachFDs())
	tp0, ks0 := count(s, 0), count(s, 3) // Attach itself may call getpid
	for range 3 {
		unix.Getpid()
	}
	f, ferr := os.Open("/proc/self/stat")
	check(ferr)
	f.Close()
	// At least 3: the Go run-time calls getpid too (tgkill).
	fmt.Printf("tp_fired=%v\nksyscall_fired=%v\nkprobe_fired=%v\n", count(s, 0)-tp0 >= 3, count(s, 3)-ks0 >= 3, count(s, 4) > 0)
	fmt.Printf("iter_linked=%v\n", s.Links.IterMine != nil)
	s.Detach()
	tp0 = count(s, 0)
	for range 2 {
		unix.Getpid()
	}
	fmt.Printf("tp_after_detach=%d\nfds_after_detach=%d\n", count(s, 0)-tp0, attachFDs())
}
`

func TestGoSkeletonAttachProbes(t *testing.T) {
	testutil.RequireKernel(t)
	testutil.Tracefs(t)
	obj, l := object(t, "attach_probes.o", nil, nil)
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(attachProbesMain),
	})
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe"); err != nil {
		// No kprobes (the test host): Attach fails at the first kernel
		// probe and leaves nothing attached or open.
		checkKV(t, out, map[string]string{
			"attach_err": "attach program ksys_getpid (section ksyscall/getpid): kprobe __x64_sys_getpid+0x0: not supported: the kernel has neither the kprobe PMU nor tracefs kprobe_events (no CONFIG_KPROBES, or locked down)",
			"fds_after":  "0", "tp_fired": "false", "ksyscall_fired": "false", "kprobe_fired": "false", "iter_linked": "false", "tp_after_detach": "0",
			"fds_after_detach": "0",
		})
		return
	}
	checkKV(t, out, map[string]string{
		"attach_err": "<nil>", "tp_fired": "true", "ksyscall_fired": "true", "kprobe_fired": "true", "iter_linked": "true",
		"tp_after_detach": "0", "fds_after_detach": "0",
	})
}

const attachUprobeMain = mainPrelude + `
func main() {
	target := os.Args[1]
	s := NewAttachUprobe()
	check(s.Load(nil))
	defer s.Close()
	check(s.Attach()) // every program's section is bare: all skipped
	fmt.Printf("auto_linked=%v\n", s.Links.OnAdd != nil || s.Links.OnHit != nil)
	fmt.Printf("can_attach=%v\n", s.Progs.OnHit.CanAttach())

	var err error
	s.Links.OnHit, err = s.Progs.OnHit.Attach(&rt.AttachOptions{Target: target + ":bpfc:hit", Cookie: 9})
	check(err)
	s.Links.OnAdd, err = s.Progs.OnAdd.Attach(&rt.AttachOptions{Target: target + ":bpfc_probe_add"})
	check(err)
	fmt.Printf("sites=%d\n", s.Links.OnHit.Sites())
	_, err = s.Progs.OnAddRet.Attach(nil)
	fmt.Printf("needs_target=%v\n", errors.Is(err, rt.ErrNeedsTarget))

	run := func() {
		out, err := exec.Command(target, "2").CombinedOutput()
		if err != nil {
			fmt.Println("error:", err, string(out))
			os.Exit(1)
		}
	}
	run()
	fmt.Printf("usdt_calls=%d\nusdt_cookie=%d\nusdt_last_y=%d\nuprobe_calls=%d\n", s.Bss.UsdtCalls, s.Bss.UsdtCookie, s.Bss.UsdtLastY, s.Bss.UprobeCalls)
	s.Detach()
	run()
	fmt.Printf("usdt_calls_after_detach=%d\n", s.Bss.UsdtCalls)
}
`

func TestGoSkeletonAttachUprobe(t *testing.T) {
	testutil.RequireKernel(t)
	target := filepath.Join(testutil.ProbeTargets(t), "probe_target_static")
	obj, l := object(t, "attach_uprobe.o", nil, nil)
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(attachUprobeMain),
	}, target)
	checkKV(t, out, map[string]string{
		"auto_linked": "false", "can_attach": "false", "sites": "2", "needs_target": "true",
		"usdt_calls": "4", "usdt_cookie": "9", "usdt_last_y": "2001", "uprobe_calls": "2",
		"usdt_calls_after_detach": "4",
	})
}

const cAttachProbesMain = cPrelude + `#include "skel.h"

int main(void)
{
	struct attach_probes *skel = attach_probes__open();
	int tp, kp, all, i;
	unsigned long long before;

	if (!skel)
		return 1;
	skel->rodata->target_tgid = getpid();
	if (attach_probes__load(skel)) {
		printf("load=failed errno=%d\n", errno);
		return 1;
	}
	tp = attach_probes__tp_getpid__attach(skel);
	printf("tp_attached=%d\n", tp > 0);
	before = skel->bss->counts[0];
	for (i = 0; i < 3; i++)
		syscall(SYS_getpid);
	printf("tp_hits=%llu\n", skel->bss->counts[0] - before);
	kp = attach_probes__kp_openat2__attach(skel);
	printf("kprobe_attached=%d\n", kp > 0);
	if (kp < 0)
		printf("kprobe_errno=%d\n", errno);
	attach_probes__detach(skel);
	before = skel->bss->counts[0];
	syscall(SYS_getpid);
	printf("tp_hits_after_detach=%llu\n", skel->bss->counts[0] - before);
	all = attach_probes__attach(skel);
	printf("attach_all_ok=%d\n", all == 0);
	if (all == 0) {
		before = skel->bss->counts[3];
		for (i = 0; i < 2; i++)
			syscall(SYS_getpid);
		printf("ksyscall_hits=%llu\n", skel->bss->counts[3] - before);
	}
	attach_probes__destroy(skel);
	return 0;
}
`

// TestCSkeletonAttachProbes: the C skeleton attaches a tracepoint, and a
// kprobe and a syscall probe where the kernel has kprobes, through perf
// events it opens itself.
func TestCSkeletonAttachProbes(t *testing.T) {
	testutil.RequireKernel(t)
	testutil.Tracefs(t)
	bin := buildC(t, cSkeleton(t, "attach_probes.o"), cAttachProbesMain, true)
	want := map[string]string{"tp_attached": "1", "tp_hits": "3", "tp_hits_after_detach": "0"}
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe"); err != nil {
		want["kprobe_attached"], want["kprobe_errno"], want["attach_all_ok"] = "0", "2", "0" // ENOENT: no kprobe PMU
	} else {
		want["kprobe_attached"], want["attach_all_ok"], want["ksyscall_hits"] = "1", "1", "2"
	}
	checkKV(t, runBin(t, bin), want)
}

const cUprobeSelfMain = cPrelude + `#include "skel.h"

/* The function uprobe_self.o's sections probe, in this program. */
__attribute__((noinline, used)) long bpfc_self_probe(long a)
{
	__asm__ volatile("");
	return a + 1;
}

int main(void)
{
	long (*volatile probe)(long) = bpfc_self_probe;
	struct uprobe_self *skel = uprobe_self__open_and_load();
	unsigned long off;
	int err, i;

	if (!skel) {
		printf("load=failed errno=%d\n", errno);
		return 1;
	}
	printf("offset=%#lx\n", bpfc__elf_func_offset("/proc/self/exe", "bpfc_self_probe"));
	err = uprobe_self__attach(skel);
	printf("attach=%d\n", err);
	if (err)
		printf("attach_errno=%d\n", errno);
	for (i = 0; i < 3; i++)
		probe(10 + i);
	printf("calls=%llu\nlast_a=%llu\nret_calls=%llu\nlast_ret=%llu\n",
	       skel->bss->calls, skel->bss->last_a, skel->bss->ret_calls, skel->bss->last_ret);
	uprobe_self__detach(skel);
	probe(1);
	printf("calls_after_detach=%llu\n", skel->bss->calls);
	uprobe_self__destroy(skel);

	off = bpfc__elf_func_offset("/proc/self/exe", "bpfc_no_such_func");
	printf("missing_func=%lu,%d\n", off, off ? 0 : errno);
	off = bpfc__elf_func_offset("/proc/self/status", "bpfc_self_probe");
	printf("not_elf=%lu,%d\n", off, off ? 0 : errno);
	off = bpfc__elf_func_offset("/nonexistent/bpfc", "bpfc_self_probe");
	printf("missing_file=%lu,%d\n", off, off ? 0 : errno);
	printf("uprobe_missing_func=%d,%d\n", bpfc__uprobe_open("/proc/self/exe", "bpfc_no_such_func", 0, 0), errno);
	return 0;
}
`

// TestCSkeletonAttachUprobe: the C skeleton's __attach attaches a uprobe
// and a uretprobe whose sections name the binary by absolute path
// (/proc/self/exe: the program probes itself), the function found by the
// header's ELF symbol lookup at the file offset debug/elf says; the lookup
// refuses a missing function, a file that is no ELF and a missing file.
func TestCSkeletonAttachUprobe(t *testing.T) {
	testutil.RequireKernel(t)
	bin := buildC(t, cSkeleton(t, "uprobe_self.o"), cUprobeSelfMain, true)
	want := map[string]string{
		"offset": fmt.Sprintf("%#x", elfFuncOffset(t, bin, "bpfc_self_probe")),
		"attach": "0", "calls": "3", "last_a": "12", "ret_calls": "3", "last_ret": "13",
		"calls_after_detach": "3",
		"missing_func":       fmt.Sprintf("0,%d", unix.ENOENT), "not_elf": fmt.Sprintf("0,%d", unix.ENOEXEC),
		"missing_file": fmt.Sprintf("0,%d", unix.ENOENT), "uprobe_missing_func": fmt.Sprintf("-1,%d", unix.ENOENT),
	}
	checkKV(t, runBin(t, bin), want)
}

// elfFuncOffset is the file offset of function name in the ELF file at
// path, by debug/elf (the second implementation the C lookup is checked
// against).
func elfFuncOffset(t *testing.T, path, name string) uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_FUNC {
			sec := f.Sections[s.Section]
			return s.Value - sec.Addr + sec.Offset
		}
	}
	t.Fatalf("%s has no function %s", path, name)
	return 0
}
