// This file tests -attach: the links table, waiting in the foreground until
// SIGINT and detaching (in a child process running the command line),
// -pin leaving the links attached after exit, and the error of an object
// whose programs the kernel refuses to attach; a struct_ops map registered
// while bpfc waits.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/signcmd"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
)

// envRunCLI makes the test binary run the command line with its arguments
// instead of the tests (TestMain); envRunSigner makes it run bpfc-sign's.
const (
	envRunCLI    = "BPFC_TEST_RUN_CLI"
	envRunSigner = "BPFC_TEST_RUN_SIGNER"
)

func TestMain(m *testing.M) {
	if os.Getenv(envRunSigner) == "1" {
		os.Exit(signcmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	if os.Getenv(envRunCLI) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// The signing flags run bpfc-sign ($BPFC_SIGN): this test binary, by a
	// script that says so (a kernel matrix guest has no go command to
	// build cmd/bpfc-sign, but it has a shell).
	dir, err := os.MkdirTemp("", "bpfc-test-signer-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	exe, err := os.Executable()
	if err == nil {
		script := fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' \"$@\"\n", envRunSigner, exe)
		err = os.WriteFile(filepath.Join(dir, "bpfc-sign"), []byte(script), 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(envSigner, filepath.Join(dir, "bpfc-sign"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// linkRow is a row of the -attach table.
type linkRow struct {
	link   string
	id     uint32
	pin    string
	target string
}

// parseLinks reads the table printed by -attach.
func parseLinks(t *testing.T, lines []string) map[string]linkRow {
	t.Helper()
	rows := map[string]linkRow{}
	in := false
	for _, l := range lines {
		if strings.HasPrefix(l, "PROGRAM ") {
			in = true
			continue
		}
		f := strings.Fields(l)
		if !in || len(f) < 5 || strings.HasPrefix(l, "attached ") {
			continue
		}
		id, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			t.Fatalf("bad link id in %q", l)
		}
		rows[f[0]] = linkRow{f[1], uint32(id), f[3], strings.Join(f[4:], " ")}
	}
	if !in {
		t.Fatalf("no links table:\n%s", strings.Join(lines, "\n"))
	}
	return rows
}

// attachRun is bpfc -attach running in a child process (the test binary
// running the command line), waiting for SIGINT.
type attachRun struct {
	cmd    *exec.Cmd
	out    *bufio.Scanner
	stderr strings.Builder
	// lines is what bpfc printed, up to the line saying it waits.
	lines []string
}

// startAttach runs bpfc with args and reads its output up to the line
// saying it waits for SIGINT, which must be waiting: otherwise it stops
// bpfc and fails the test with bpfc's output. At cleanup a bpfc still
// running is stopped with SIGINT, as a user would (a .struct_ops map
// registered by its value outlives a killed process), and killed if it
// does not exit within 5 s.
func startAttach(t *testing.T, waiting string, args ...string) *attachRun {
	t.Helper()
	r := &attachRun{cmd: exec.Command(os.Args[0], args...)}
	r.cmd.Env = append(os.Environ(), envRunCLI+"=1")
	r.cmd.Stderr = &r.stderr
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	r.out = bufio.NewScanner(stdout)
	for r.out.Scan() {
		r.lines = append(r.lines, r.out.Text())
		if strings.Contains(r.out.Text(), "; waiting for SIGINT") {
			break
		}
	}
	if len(r.lines) == 0 || r.lines[len(r.lines)-1] != waiting {
		r.stop()
		t.Fatalf("output %q, want it to end with %q; stderr:\n%s", r.lines, waiting, r.stderr.String())
	}
	return r
}

// stop ends bpfc if it still runs: SIGINT, then SIGKILL after 5 s.
func (r *attachRun) stop() {
	if r.cmd.ProcessState != nil {
		return
	}
	r.cmd.Process.Signal(unix.SIGINT)
	kill := time.AfterFunc(5*time.Second, func() { r.cmd.Process.Kill() })
	r.cmd.Wait()
	kill.Stop()
}

// interrupt sends bpfc SIGINT and checks that it detaches ("interrupt:
// detached", its last words) and exits 0.
func (r *attachRun) interrupt(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(unix.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for r.out.Scan() {
		rest = append(rest, r.out.Text())
	}
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("bpfc -attach after SIGINT: %v; stderr:\n%s", err, r.stderr.String())
	}
	if strings.Join(rest, "\n") != "interrupt: detached" {
		t.Errorf("after SIGINT: %q", rest)
	}
}

// linkAlive reports whether the kernel still has link id.
func linkAlive(t *testing.T, id uint32) bool {
	t.Helper()
	fd, err := sys.LinkGetFDByID(id)
	if errors.Is(err, unix.ENOENT) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	fd.Close()
	return true
}

func TestAttachUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-attach", "-emit=ir", obj("tracing.o")},
		{"-attach", "-emit=loader", "-run", obj("tracing.o")},
	} {
		if code, _, stderr := runCLI(args...); code != exitUsage || !strings.Contains(stderr, "-attach needs -emit=direct") {
			t.Errorf("%q: exit %d: %s", args, code, stderr)
		}
	}
}

func TestAttachForeground(t *testing.T) {
	testutil.RequireKernel(t)
	if unmet := testutil.Unmet("tracing.o"); len(unmet) > 0 {
		code, _, stderr := runCLI("-attach", obj("tracing.o"))
		if code != exitFailure {
			t.Errorf("exit %d, want %d", code, exitFailure)
		}
		testutil.CheckRefused(t, "tracing.o", unmet, errors.New(stderr))
		return
	}
	r := startAttach(t, "attached 3 of 4 programs; waiting for SIGINT or SIGTERM", "-attach", obj("tracing.o"))
	rows := parseLinks(t, r.lines)
	for prog, want := range map[string]linkRow{
		"rawtp_sys_enter": {link: "raw_tracepoint", pin: "-", target: "sys_enter"},
		"on_sched_switch": {link: "tracing", pin: "-", target: "sched_switch"},
		"dump_task":       {link: "iter", pin: "-", target: "task"},
		"sys_prog":        {link: "-", pin: "-", target: "not attached: needs an attach target: a syscall program is not attached: it runs with BPF_PROG_TEST_RUN"},
	} {
		got := rows[prog]
		if got.link != want.link || got.pin != want.pin || got.target != want.target {
			t.Errorf("%s: %+v, want %+v", prog, got, want)
		}
		if want.link != "-" && !linkAlive(t, got.id) {
			t.Errorf("%s: link %d is not in the kernel while bpfc waits", prog, got.id)
		}
	}
	r.interrupt(t)
	for prog, r := range rows {
		if r.id != 0 && linkAlive(t, r.id) {
			t.Errorf("%s: link %d still in the kernel after bpfc exited", prog, r.id)
		}
	}
}

func TestAttachPin(t *testing.T) {
	testutil.RequireKernel(t)
	dir := testutil.BPFFS(t)
	code, out, stderr := runCLI("-attach", "-pin", dir, obj("tracing.o"))
	if unmet := testutil.Unmet("tracing.o"); len(unmet) > 0 {
		testutil.CheckRefused(t, "tracing.o", unmet, errors.New(stderr))
		return
	}
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	progs := parseTable(t, out[:strings.Index(out, "\n\n")])
	rows := parseLinks(t, strings.Split(out, "\n"))
	for _, prog := range []string{"rawtp_sys_enter", "on_sched_switch", "dump_task"} {
		r := rows[prog]
		if r.pin != filepath.Join(dir, prog+"_link") {
			t.Errorf("%s: link pinned at %q", prog, r.pin)
			continue
		}
		fd, err := sys.ObjGet(r.pin)
		if err != nil {
			t.Fatal(err)
		}
		info, err := sys.LinkInfoByFD(fd)
		fd.Close()
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != r.id || info.ProgID != progs["prog "+prog].id {
			t.Errorf("%s: pinned link %d of program %d; table: link %d, program %d", prog, info.ID, info.ProgID, r.id, progs["prog "+prog].id)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "rawtp_sys_enter")); err != nil {
		t.Errorf("program pin beside the link pins: %v", err)
	}
}

// TestAttachProbes: -attach attaches every kernel probe of
// attach_probes.o where the kernel has kprobes (the kernel matrix guests;
// before 5.15 the perf events with PERF_EVENT_IOC_SET_BPF, which have no
// link id), and fails naming the first program it cannot attach where it
// has none (the test host).
func TestAttachProbes(t *testing.T) {
	testutil.RequireKernel(t)
	testutil.Tracefs(t)
	if _, err := os.Stat("/sys/bus/event_source/devices/kprobe"); err != nil {
		code, out, stderr := runCLI("-attach", obj("attach_probes.o"))
		want := "bpfc: attach_probes.o: attach program ksys_getpid (section ksyscall/getpid): kprobe __x64_sys_getpid+0x0: not supported"
		if code != exitFailure || !strings.HasPrefix(stderr, want) {
			t.Errorf("exit %d, stderr %q; want exit 1 and %q...", code, stderr, want)
		}
		if strings.Contains(out, "PROGRAM ") {
			t.Errorf("a links table after a failed attach:\n%s", out)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-attach", obj("attach_probes.o"))
	cmd.Env = append(os.Environ(), envRunCLI+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "attached ") {
			break
		}
	}
	if len(lines) == 0 || lines[len(lines)-1] != "attached 7 of 7 programs; waiting for SIGINT or SIGTERM" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("output %q; stderr:\n%s", lines, stderr.String())
	}
	perf, perfID := "perf_event (ioctl)", false
	if !testutil.KernelOlderThan("5.15") {
		perf, perfID = "perf_event", true
	}
	table := strings.Join(lines, "\n")
	for _, want := range []struct {
		prog, link, target string
		id                 bool
	}{
		{"tp_getpid", perf, "syscalls/sys_enter_getpid", perfID},
		{"rawtp_getpid", "raw_tracepoint", "sys_enter", true},
		{"tpbtf_getpid", "tracing", "sys_enter", true},
		{"ksys_getpid", perf, "__x64_sys_getpid+0x0", perfID},
		{"kp_openat2", perf, "do_sys_openat2+0x0", perfID},
		{"krp_openat2", perf, "do_sys_openat2+0x0", perfID},
		{"iter_mine", "iter", "task", true},
	} {
		// PROGRAM LINK ID PIN TARGET; LINK may hold a space.
		re := regexp.MustCompile(`(?m)^` + want.prog + ` +` + regexp.QuoteMeta(want.link) + ` +([0-9]+) +- +` + regexp.QuoteMeta(want.target) + `$`)
		m := re.FindStringSubmatch(table)
		if m == nil {
			t.Errorf("no row %s %s ... %s in\n%s", want.prog, want.link, want.target, table)
			continue
		}
		id, _ := strconv.ParseUint(m[1], 10, 32)
		if (id != 0) != want.id {
			t.Errorf("%s: link id %d", want.prog, id)
		}
		if id != 0 && !linkAlive(t, uint32(id)) {
			t.Errorf("%s: link %d is not in the kernel while bpfc waits", want.prog, id)
		}
	}
	if err := cmd.Process.Signal(unix.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for sc.Scan() {
		rest = append(rest, sc.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("bpfc -attach after SIGINT: %v; stderr:\n%s", err, stderr.String())
	}
	if strings.Join(rest, "\n") != "interrupt: detached" {
		t.Errorf("after SIGINT: %q", rest)
	}
}

// TestAttachStructOps checks that -attach registers a struct_ops map (the
// congestion control of structops_cc.o) while bpfc waits, and unregisters
// it on SIGINT.
func TestAttachStructOps(t *testing.T) {
	testutil.RequireKernel(t)
	testutil.LockCongestionControl(t, "bpfc_reno")
	r := startAttach(t, "registered 1 struct_ops map; waiting for SIGINT or SIGTERM", "-attach", obj("structops_cc.o"))
	lines := r.lines
	// The table's only row: the map, registered by its value (no link id;
	// the type has spaces, which parseLinks does not take).
	table := lines[slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "PROGRAM ") })+1 : len(lines)-1]
	if len(table) != 1 || strings.Join(strings.Fields(table[0]), " ") != "bpfc_reno struct_ops (map value) 0 - tcp_congestion_ops" {
		t.Errorf("links table %q, want only bpfc_reno registered by its map value", table)
	}
	if !testutil.HasCongestionControl(t, "bpfc_reno") {
		t.Error("bpfc_reno is not registered while bpfc waits")
	}
	r.interrupt(t)
	if !testutil.WaitCongestionControlGone(t, "bpfc_reno") {
		t.Error("bpfc_reno still registered after bpfc exited")
	}
}
