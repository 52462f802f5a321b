// Command corpus loads a directory of real-world BPF objects with libbpf
// and with bpfc (-emit=direct and -emit=loader -run) in every kernel of
// the matrix (booted under qemu as internal/cmd/vmtest does) and on the
// host, prints per kernel how many objects each loads, and lists every
// object libbpf loads that bpfc refuses, with bpfc's error. The rule it
// checks: whatever libbpf loads on a kernel, bpfc loads there too. Objects
// of tools that size maps, choose programs or set attach targets before
// loading are loaded so on both sides, as the tools do by default
// (settings.go).
//
//	go run ./internal/cmd/corpus [-kernels 5.10,6.1] [-host=false] DIR
//
// It is a developer tool, not part of CI: the objects (tracing tools,
// libbpf examples, other loaders' test objects) are built or copied from
// other projects and are not in the repository. libbpf's side is
// libbpfload/load.c, linked statically against the libbpf.a of -libbpf
// (by default Debian sid's, extracted by scripts/libbpf-sid.sh).
//
// Exit status: 0 when bpfc loads everything libbpf loads on every kernel
// (and, where the kernel has syscall programs, the loader program loads
// everything the direct backend loads), 1 otherwise.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bpfc/bpfc/internal/vmtest"
)

func main() {
	os.Exit(run())
}

// The ways an object is loaded, in table order.
const (
	modeLibbpf = "libbpf"
	modeDirect = "direct"
	modeLoader = "loader"
)

var modes = []string{modeLibbpf, modeDirect, modeLoader}

type config struct {
	cache   string
	labels  string
	modules string
	libbpf  string
	out     string
	jobs    int
	memMB   int
	host    bool
	timeout time.Duration
	each    time.Duration
	verbose bool
}

func run() int {
	var c config
	defCache := os.Getenv("VMTEST_CACHE")
	if defCache == "" {
		defCache = "/var/cache/bpfc-vmtest"
	}
	defLibbpf := os.Getenv("BPFC_LIBBPF_SID")
	if defLibbpf == "" {
		defLibbpf = "/var/cache/bpfc-libbpf"
	}
	flag.StringVar(&c.cache, "cache", defCache, "kernel cache `DIR` written by scripts/vmtest-deps.sh ($VMTEST_CACHE)")
	flag.StringVar(&c.labels, "kernels", "", "comma-separated kernel `LABELS` (default: every kernel in the cache; \"none\" for the host only)")
	flag.StringVar(&c.modules, "modules", "nf_conntrack,veth,sch_ingress,cls_bpf", "comma-separated kernel `MODULES` the guests load at boot")
	flag.StringVar(&c.libbpf, "libbpf", filepath.Join(defLibbpf, "root", "usr"), "`PREFIX` holding include/bpf/libbpf.h and lib/*/libbpf.a (or lib/libbpf.a)")
	flag.StringVar(&c.out, "out", "", "`DIR` for every load's output and the guests' console logs (default: CACHE/corpus)")
	flag.IntVar(&c.jobs, "j", 2, "guests to run at once")
	flag.IntVar(&c.memMB, "mem", 2048, "guest memory in `MB`")
	flag.BoolVar(&c.host, "host", true, "also load the objects on this machine's kernel")
	flag.DurationVar(&c.timeout, "timeout", 60*time.Minute, "kill a guest after this long")
	flag.DurationVar(&c.each, "each", 5*time.Minute, "kill one load after this long")
	flag.BoolVar(&c.verbose, "v", false, "print every load's outcome")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: corpus [flags] DIR (a directory of BPF objects, *.o)")
		flag.PrintDefaults()
		return 2
	}
	if c.out == "" {
		c.out = filepath.Join(c.cache, "corpus")
	}
	bad, err := c.run(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		return 1
	}
	if bad {
		return 1
	}
	return 0
}

// outcome is one load of one object.
type outcome struct {
	RC     int    // exit status; -1 when the load did not report one
	Output string // its output (head and tail when long)
}

func (o *outcome) ok() bool { return o != nil && o.RC == 0 }

// kernelRun is the corpus in one kernel.
type kernelRun struct {
	Label   string
	Release string
	Err     string                         // boot or harness failure
	Loads   map[string]map[string]*outcome // object -> mode -> outcome
	Seconds float64
}

func (c *config) run(dir string) (bool, error) {
	objs, err := filepath.Glob(filepath.Join(dir, "*.o"))
	if err != nil {
		return false, err
	}
	if len(objs) == 0 {
		return false, fmt.Errorf("no *.o in %s", dir)
	}
	sort.Strings(objs)
	var kernels []*vmtest.Kernel
	if c.labels != "none" {
		if kernels, err = vmtest.Kernels(c.cache, vmtest.Split(c.labels)); err != nil {
			return false, err
		}
	}
	work, err := os.MkdirTemp("", "bpfc-corpus-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	bpfc, libbpfload, err := c.build(work)
	if err != nil {
		return false, err
	}
	var runs []*kernelRun
	if c.host {
		runs = append(runs, c.runHost(objs, bpfc, libbpfload))
	}
	if len(kernels) > 0 {
		common := filepath.Join(work, "common.cpio")
		if err := vmtest.WriteFile(common, func(w io.Writer) error { return initramfs(w, objs, bpfc, libbpfload, c.each) }); err != nil {
			return false, fmt.Errorf("initramfs: %w", err)
		}
		guests := make([]*kernelRun, len(kernels))
		sem := make(chan struct{}, max(c.jobs, 1))
		var wg sync.WaitGroup
		for i, k := range kernels {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				guests[i] = c.boot(work, common, k)
			}()
		}
		wg.Wait()
		runs = append(runs, guests...)
	}
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = filepath.Base(o)
	}
	return report(os.Stdout, runs, names, c.verbose), nil
}

// build compiles bpfc (static) and the libbpf harness (static, against
// c.libbpf's libbpf.a) into work.
func (c *config) build(work string) (bpfc, libbpfload string, err error) {
	root, err := vmtest.Output("", "go", "list", "-m", "-f", "{{.Dir}}")
	if err != nil {
		return "", "", err
	}
	bpfc = filepath.Join(work, "bpfc")
	cmd := exec.Command("go", "build", "-o", bpfc, "./cmd/bpfc")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/bpfc: %w\n%s", err, out)
	}
	lib := ""
	for _, p := range []string{"lib/x86_64-linux-gnu/libbpf.a", "lib64/libbpf.a", "lib/libbpf.a"} {
		if _, err := os.Stat(filepath.Join(c.libbpf, p)); err == nil {
			lib = filepath.Join(c.libbpf, p)
			break
		}
	}
	if lib == "" {
		return "", "", fmt.Errorf("no libbpf.a under %s (scripts/libbpf-sid.sh extracts Debian sid's; or -libbpf /usr for libbpf-dev's)", c.libbpf)
	}
	src := filepath.Join(root, "internal", "cmd", "corpus", "libbpfload")
	libbpfload = filepath.Join(work, "libbpfload")
	link := func(extra ...string) ([]byte, error) {
		args := []string{"-O2", "-static", "-I", filepath.Join(c.libbpf, "include"), "-o", libbpfload, filepath.Join(src, "load.c")}
		args = append(args, extra...)
		args = append(args, lib, "-lelf", "-lz", "-lzstd")
		return exec.Command("gcc", args...).CombinedOutput()
	}
	if _, err := link(); err != nil {
		// A libbpf.a built against a newer glibc than this machine's.
		if out, err := link(filepath.Join(src, "isoc23.c")); err != nil {
			return "", "", fmt.Errorf("gcc -static libbpfload (needs gcc, libelf-dev, zlib1g-dev, libzstd-dev): %w\n%s", err, out)
		}
	}
	return bpfc, libbpfload, nil
}

// commands are the three loads of obj, by mode, each with the settings
// of its tool (toolSettings).
func commands(bpfc, libbpfload, obj string) map[string][]string {
	set := toolSettings[filepath.Base(obj)]
	cmd := func(head ...string) []string {
		return append(append(head, set...), obj)
	}
	return map[string][]string{
		modeLibbpf: cmd(libbpfload),
		modeDirect: cmd(bpfc, "-emit=direct"),
		modeLoader: cmd(bpfc, "-emit=loader", "-run"),
	}
}

// runHost loads every object on this machine's kernel.
func (c *config) runHost(objs []string, bpfc, libbpfload string) *kernelRun {
	t0 := time.Now()
	release, _ := vmtest.Output("", "uname", "-r")
	kr := &kernelRun{Label: "host", Release: release, Loads: map[string]map[string]*outcome{}}
	fmt.Fprintf(os.Stderr, "corpus: [host] loading %d objects\n", len(objs))
	for _, obj := range objs {
		name := filepath.Base(obj)
		kr.Loads[name] = map[string]*outcome{}
		cmds := commands(bpfc, libbpfload, obj)
		for _, m := range modes {
			ctx, cancel := context.WithTimeout(context.Background(), c.each)
			out, err := exec.CommandContext(ctx, cmds[m][0], cmds[m][1:]...).CombinedOutput()
			cancel()
			o := &outcome{Output: clip(string(out))}
			var ee *exec.ExitError
			switch {
			case err == nil:
			case errors.As(err, &ee) && ee.ExitCode() >= 0:
				o.RC = ee.ExitCode()
			default:
				o.RC = -1
				o.Output += "\n" + err.Error()
			}
			kr.Loads[name][m] = o
		}
	}
	kr.Seconds = time.Since(t0).Seconds()
	c.save(kr)
	return kr
}

// clip keeps the head and the tail of a long output.
func clip(s string) string {
	const half = 2000
	if len(s) <= 2*half {
		return s
	}
	return s[:half] + "\n[...]\n" + s[len(s)-half:]
}

// Guest paths and the markers of the result port.
const (
	guestObjs  = "/corpus"
	markKernel = "@@corpus kernel " // RELEASE
	markBegin  = "@@corpus begin "  // OBJECT MODE
	markEnd    = "@@corpus end "    // OBJECT MODE rc
	markDone   = "@@corpus done"
)

// initScript is the guest's /init: the mounts of vmtest's guests, the
// modules vmtest.KernelInitramfs lists in /vmtest/mods, then the three
// loads of every object (with the flags of OBJ.args, its tool's
// settings), each one's output (head and tail) between markers on the
// result port.
const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up 2>/dev/null
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
echo "` + markKernel + `$(uname -r)" >&3
while read -r mod; do
	[ -n "$mod" ] && insmod "/lib/modules/$(uname -r)/$mod"
done </vmtest/mods
each=$(cat /corpus-each)
for o in ` + guestObjs + `/*.o; do
	n=${o##*/}
	args=$(cat "$o.args" 2>/dev/null)
	for m in libbpf direct loader; do
		case $m in
		libbpf) set -- /bin/libbpfload $args "$o" ;;
		direct) set -- /bin/bpfc -emit=direct $args "$o" ;;
		loader) set -- /bin/bpfc -emit=loader -run $args "$o" ;;
		esac
		timeout "$each" "$@" >/tmp/out 2>&1 </dev/null
		rc=$?
		echo "` + markBegin + `$n $m" >&3
		if [ "$(wc -c </tmp/out)" -gt 4000 ]; then
			head -c 2000 /tmp/out >&3; echo; echo "[...]"; tail -c 2000 /tmp/out
		else
			cat /tmp/out
		fi >&3
		echo >&3
		echo "` + markEnd + `$n $m $rc" >&3
	done
done
echo "` + markDone + `" >&3
sync
poweroff -f
`

// initramfs writes the kernel-independent archive: busybox, /init, the
// two loaders, the objects and the time limit of one load.
func initramfs(w io.Writer, objs []string, bpfc, libbpfload string, each time.Duration) error {
	c := vmtest.NewCPIO(w)
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox (busybox-static): %w", err)
	}
	for _, d := range []string{"bin", "dev", "proc", "sys", "tmp", "root", "etc", "lib/modules", "boot", guestObjs} {
		c.Dir(d, 0o755)
	}
	c.CharDev("dev/console", 0o600, 5, 1)
	c.CharDev("dev/null", 0o666, 1, 3)
	c.File("bin/busybox", 0o755, bb)
	c.Symlink("bin/sh", "busybox")
	c.File("init", 0o755, []byte(initScript))
	c.File("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	c.File("corpus-each", 0o644, []byte(fmt.Sprintf("%d\n", max(int(each.Seconds()), 1))))
	for _, f := range []struct{ src, dst string }{{bpfc, "bin/bpfc"}, {libbpfload, "bin/libbpfload"}} {
		b, err := os.ReadFile(f.src)
		if err != nil {
			return err
		}
		c.File(f.dst, 0o755, b)
	}
	for _, o := range objs {
		b, err := os.ReadFile(o)
		if err != nil {
			return err
		}
		if err := c.File(filepath.Join(guestObjs, filepath.Base(o)), 0o644, b); err != nil {
			return err
		}
		if set := toolSettings[filepath.Base(o)]; len(set) > 0 {
			if err := c.File(filepath.Join(guestObjs, filepath.Base(o)+".args"), 0o644, []byte(strings.Join(set, " ")+"\n")); err != nil {
				return err
			}
		}
	}
	return c.Close()
}

// boot runs the corpus in kernel k.
func (c *config) boot(work, common string, k *vmtest.Kernel) *kernelRun {
	kr := &kernelRun{Label: k.Label, Release: k.Release, Loads: map[string]map[string]*outcome{}}
	fail := func(err error) *kernelRun {
		kr.Err = err.Error()
		fmt.Fprintf(os.Stderr, "corpus: [%s] %v\n", k.Label, err)
		return kr
	}
	outDir := filepath.Join(c.out, k.Label)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fail(err)
	}
	mods, err := vmtest.ResolveModules(k.Modules, vmtest.Split(c.modules))
	if err != nil {
		return fail(err)
	}
	var release string
	var done bool
	fmt.Fprintf(os.Stderr, "corpus: [%s] booting %s\n", k.Label, k.Release)
	guest := &vmtest.GuestBoot{Kernel: k, Modules: mods, Common: common, Work: work, Boot: vmtest.BootOptions{
		MemMB:      c.memMB,
		Timeout:    c.timeout,
		ConsoleLog: filepath.Join(outDir, "console.log"),
	}}
	took, bootErr, parseErr := guest.Run(func(r io.Reader) error {
		var err error
		release, done, err = parse(r, kr.Loads)
		return err
	})
	kr.Seconds = took.Seconds()
	fmt.Fprintf(os.Stderr, "corpus: [%s] done in %.0fs\n", k.Label, kr.Seconds)
	switch {
	case bootErr != nil:
		kr.Err = bootErr.Error()
	case parseErr != nil:
		kr.Err = parseErr.Error()
	case release != k.Release:
		kr.Err = fmt.Sprintf("guest reported kernel %q, want %q (see %s)", release, k.Release, filepath.Join(outDir, "console.log"))
	case !done:
		kr.Err = "the guest stopped before the end of the corpus (see " + filepath.Join(outDir, "console.log") + ")"
	}
	c.save(kr)
	return kr
}

// parse reads a guest's result port into loads and returns the release
// it reported and whether it got to the end.
func parse(r io.Reader, loads map[string]map[string]*outcome) (release string, done bool, err error) {
	br := bufio.NewReader(r)
	var cur *outcome
	var out strings.Builder
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, markKernel):
			release = strings.TrimPrefix(line, markKernel)
		case strings.HasPrefix(line, markBegin):
			f := strings.Fields(strings.TrimPrefix(line, markBegin))
			if len(f) == 2 {
				cur = &outcome{RC: -1}
				out.Reset()
				if loads[f[0]] == nil {
					loads[f[0]] = map[string]*outcome{}
				}
				loads[f[0]][f[1]] = cur
			}
		case strings.HasPrefix(line, markEnd):
			f := strings.Fields(strings.TrimPrefix(line, markEnd))
			if cur != nil && len(f) == 3 {
				cur.RC, _ = strconv.Atoi(f[2])
				cur.Output = strings.TrimSpace(out.String())
			}
			cur = nil
		case line == markDone:
			done = true
		case cur != nil:
			out.WriteString(line + "\n")
		}
		if err == io.EOF {
			return release, done, nil
		}
		if err != nil {
			return release, done, fmt.Errorf("reading the guest's results: %w", err)
		}
	}
}

// save writes every load's output under c.out/LABEL/loads.
func (c *config) save(kr *kernelRun) {
	dir := filepath.Join(c.out, kr.Label, "loads")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		return
	}
	for obj, byMode := range kr.Loads {
		for m, o := range byMode {
			body := fmt.Sprintf("exit status %d\n%s\n", o.RC, o.Output)
			if err := os.WriteFile(filepath.Join(dir, obj+"."+m), []byte(body), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "corpus:", err)
			}
		}
	}
}

// report prints the table and the objects libbpf loads and bpfc does not,
// and those the direct backend loads and the loader program does not
// (a kernel without syscall programs refuses every loader: counted, not
// listed), and says whether there were any.
func report(w io.Writer, runs []*kernelRun, objs []string, verbose bool) bool {
	bad := false
	var details bytes.Buffer
	fmt.Fprintf(w, "| kernel | release | objects | libbpf loads | bpfc -emit=direct | bpfc -emit=loader -run |\n|---|---|---|---|---|---|\n")
	for _, kr := range runs {
		n := map[string]int{}
		noSyscall := 0
		for _, obj := range objs {
			byMode := kr.Loads[obj]
			for _, m := range modes {
				if byMode[m].ok() {
					n[m]++
				}
			}
			lib, dir, ldr := byMode[modeLibbpf], byMode[modeDirect], byMode[modeLoader]
			if lib.ok() && !dir.ok() {
				bad = true
				fmt.Fprintf(&details, "[%s] %s: libbpf loads it, bpfc -emit=direct does not:\n%s\n", kr.Label, obj, indent(errorOf(dir)))
			}
			switch {
			case ldr.ok():
			case syscallRefusal(ldr):
				noSyscall++
			case lib.ok() || dir.ok():
				bad = true
				who := "libbpf"
				if dir.ok() {
					who = "bpfc -emit=direct"
				}
				fmt.Fprintf(&details, "[%s] %s: %s loads it, bpfc -emit=loader -run does not:\n%s\n", kr.Label, obj, who, indent(errorOf(ldr)))
			}
			if verbose {
				for _, m := range modes {
					o := byMode[m]
					state := "missing"
					if o != nil {
						state = "exit " + strconv.Itoa(o.RC)
					}
					fmt.Fprintf(&details, "[%s] %s %s: %s\n", kr.Label, obj, m, state)
				}
			}
		}
		if noSyscall > 0 {
			fmt.Fprintf(&details, "[%s] bpfc -emit=loader -run refused %d objects: the kernel has no syscall programs (5.14+)\n", kr.Label, noSyscall)
		}
		label := kr.Label
		if kr.Err != "" {
			bad = true
			label += " (" + kr.Err + ")"
			fmt.Fprintf(&details, "[%s] ERROR %s\n", kr.Label, kr.Err)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d |\n", label, kr.Release, len(objs), n[modeLibbpf], n[modeDirect], n[modeLoader])
	}
	fmt.Fprintln(w)
	w.Write(details.Bytes())
	return bad
}

// syscallRefusal says whether a loader run failed because the kernel has
// no BPF_PROG_TYPE_SYSCALL (before 5.14), a refusal bpfc must make.
func syscallRefusal(o *outcome) bool {
	return o != nil && strings.Contains(o.Output, "no BPF_PROG_TYPE_SYSCALL programs")
}

// errorOf is bpfc's error: its "bpfc: " lines, or the output's last lines.
func errorOf(o *outcome) string {
	if o == nil {
		return "(not run)"
	}
	var lines []string
	for _, l := range strings.Split(o.Output, "\n") {
		if strings.HasPrefix(l, "bpfc: ") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		all := strings.Split(strings.TrimSpace(o.Output), "\n")
		lines = all[max(0, len(all)-5):]
	}
	if len(lines) > 5 {
		lines = lines[:5]
	}
	return fmt.Sprintf("exit %d: %s", o.RC, strings.Join(lines, "\n"))
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
