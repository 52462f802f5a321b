// Command vmtest runs bpfc's kernel tests in every kernel of the matrix
// (Debian's 5.10, 6.1, 6.12 and 7.x, fetched by scripts/vmtest-deps.sh),
// each booted under qemu with an initramfs holding static test binaries,
// and reports per kernel which tests passed, failed, skipped or are
// host-only. It is what `make vmtest` runs.
//
//	go run ./internal/cmd/vmtest [-kernels 5.10,6.1] [-pkgs backend/direct] [-run REGEX]
//
// It fails when a test fails (unless listed in the known failures), when a
// kernel test skips, or when a known failure passes (drop its entry).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bpfc/bpfc/internal/vmtest"
)

func main() {
	os.Exit(run())
}

type config struct {
	cache    string
	labels   string
	pkgs     string
	testRun  string
	modules  string
	known    string
	out      string
	jobs     int
	memMB    int
	timeout  time.Duration
	testTime time.Duration
	verbose  bool
	keep     bool
}

func run() int {
	var c config
	defCache := os.Getenv("VMTEST_CACHE")
	if defCache == "" {
		defCache = "/var/cache/bpfc-vmtest"
	}
	flag.StringVar(&c.cache, "cache", defCache, "kernel cache `DIR` written by scripts/vmtest-deps.sh ($VMTEST_CACHE)")
	flag.StringVar(&c.labels, "kernels", "", "comma-separated kernel `LABELS` (default: every kernel in the cache)")
	flag.StringVar(&c.pkgs, "pkgs", "", "comma-separated `PACKAGES` relative to the module (default: every package with kernel tests)")
	flag.StringVar(&c.testRun, "run", "", "run only tests matching `REGEX` (go test -run)")
	flag.StringVar(&c.modules, "modules", "nf_conntrack,veth,sch_ingress,cls_bpf", "comma-separated kernel `MODULES` the guests load at boot (with their dependencies)")
	flag.StringVar(&c.known, "known", "internal/vmtest/known-failures.txt", "known-failures `FILE`, relative to the module root")
	flag.StringVar(&c.out, "out", "", "`DIR` for console logs, raw results and summary.json (default: CACHE/out)")
	flag.IntVar(&c.jobs, "j", 2, "guests to run at once")
	flag.IntVar(&c.memMB, "mem", 2048, "guest memory in `MB`")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Minute, "kill a guest after this long")
	flag.DurationVar(&c.testTime, "test-timeout", 10*time.Minute, "-test.timeout of each test binary")
	flag.BoolVar(&c.verbose, "v", false, "print every test's result, not only failures")
	flag.BoolVar(&c.keep, "keep", false, "keep the work directory (test binaries, initramfs)")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "vmtest: no arguments expected")
		flag.Usage()
		return 2
	}
	if c.out == "" {
		c.out = filepath.Join(c.cache, "out")
	}
	if err := c.run(); err != nil {
		fmt.Fprintln(os.Stderr, "vmtest:", err)
		return 1
	}
	return 0
}

// kernelRun is one kernel's outcome.
type kernelRun struct {
	Kernel  *vmtest.Kernel
	Results []vmtest.Result
	Err     string  `json:",omitempty"` // boot or harness failure
	Seconds float64 // wall time of the guest, boot included
	guest   *vmtest.Guest
}

func (c *config) run() error {
	start := time.Now()
	goTool, err := exec.LookPath("go")
	if err != nil {
		return err
	}
	root, err := vmtest.Output("", goTool, "list", "-m", "-f", "{{.Dir}}")
	if err != nil {
		return err
	}
	module, err := vmtest.Output("", goTool, "list", "-m", "-f", "{{.Path}}")
	if err != nil {
		return err
	}
	kernels, err := vmtest.Kernels(c.cache, vmtest.Split(c.labels))
	if err != nil {
		return err
	}
	known, err := readKnown(filepath.Join(root, c.known))
	if err != nil {
		return err
	}
	pkgs, err := kernelPackages(goTool, root, module, vmtest.Split(c.pkgs))
	if err != nil {
		return err
	}

	work, err := os.MkdirTemp("", "bpfc-vmtest-")
	if err != nil {
		return err
	}
	if c.keep {
		fmt.Fprintln(os.Stderr, "vmtest: work directory", work)
	} else {
		defer os.RemoveAll(work)
	}
	bins, err := build(goTool, root, work, pkgs)
	if err != nil {
		return err
	}
	// The attach tests' user-space probe targets, built here: the guests
	// have no gcc (and no C library: they use the static builds). The C
	// struct_ops example (a C light skeleton) goes with them.
	targets := filepath.Join(work, "probe-targets")
	if out, err := exec.Command("make", "-s", "-C", filepath.Join(root, "attach", "testdata"), "OUT="+targets).CombinedOutput(); err != nil {
		return fmt.Errorf("make -C attach/testdata (needs gcc and systemtap-sdt-dev: scripts/deps.sh): %w\n%s", err, out)
	}
	if out, err := exec.Command("make", "-s", "-C", filepath.Join(root, "examples", "structops", "c"), "OUT="+targets).CombinedOutput(); err != nil {
		return fmt.Errorf("make -C examples/structops/c (needs gcc and libbpf-dev: scripts/deps.sh): %w\n%s", err, out)
	}
	built := time.Since(start)

	names, err := vmtest.Output("", "git", "-C", root, "ls-files", "-co", "--exclude-standard")
	if err != nil {
		return err
	}
	common := filepath.Join(work, "common.cpio")
	if err := vmtest.WriteFile(common, func(w io.Writer) error {
		return vmtest.CommonInitramfs(w, "/bin/busybox", root, vmtest.RepoFiles(root, strings.Split(names, "\n")), bins, c.testArgs(), targets)
	}); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	fmt.Fprintf(os.Stderr, "vmtest: %d test binaries built in %.0fs; booting %d kernels, %d at a time\n",
		len(bins), built.Seconds(), len(kernels), c.jobs)

	runs := make([]*kernelRun, len(kernels))
	sem := make(chan struct{}, max(c.jobs, 1))
	var wg sync.WaitGroup
	for i, k := range kernels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			runs[i] = c.boot(goTool, module, work, common, k, bins)
		}()
	}
	wg.Wait()

	labels := make([]string, len(kernels))
	for i, k := range kernels {
		labels[i] = k.Label
	}
	bad := report(os.Stdout, runs, known, labels, c.verbose)
	fmt.Printf("matrix time: %s (test binaries built in %s)\n", time.Since(start).Round(time.Second), built.Round(time.Second))
	if err := writeJSON(filepath.Join(c.out, "summary.json"), runs); err != nil {
		return err
	}
	if bad {
		return errors.New("the kernel matrix failed")
	}
	return nil
}

// testArgs are the flags of every test binary in the guests.
func (c *config) testArgs() []string {
	args := []string{"-test.count=1", "-test.timeout=" + c.testTime.String()}
	if c.testRun != "" {
		args = append(args, "-test.run="+c.testRun)
	}
	return args
}

// boot runs one guest and collects its results.
func (c *config) boot(goTool, module, work, common string, k *vmtest.Kernel, bins []vmtest.Binary) *kernelRun {
	kr := &kernelRun{Kernel: k}
	fail := func(err error) *kernelRun {
		kr.Err = err.Error()
		fmt.Fprintf(os.Stderr, "vmtest: [%s] %v\n", k.Label, err)
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
	raw, err := os.Create(filepath.Join(outDir, "results.log"))
	if err != nil {
		return fail(err)
	}
	defer raw.Close()

	fmt.Fprintf(os.Stderr, "vmtest: [%s] booting %s\n", k.Label, k.Release)
	guest := &vmtest.GuestBoot{Kernel: k, Modules: mods, Common: common, Work: work, Boot: vmtest.BootOptions{
		MemMB:      c.memMB,
		Timeout:    c.timeout,
		ConsoleLog: filepath.Join(outDir, "console.log"),
	}}
	took, bootErr, parseErr := guest.Run(func(r io.Reader) error {
		g, err := vmtest.ParseGuest(io.TeeReader(r, raw), func(p *vmtest.PackageRun) {
			fmt.Fprintf(os.Stderr, "vmtest: [%s] %-40s exit %d, %ds\n", k.Label, strings.TrimPrefix(p.ImportPath, module+"/"), p.RC, p.Seconds)
		})
		kr.guest = g
		return err
	})
	kr.Seconds = took.Seconds()
	g := kr.guest
	if parseErr != nil {
		return fail(parseErr)
	}
	if g == nil { // no guest: its initramfs could not be written
		return fail(bootErr)
	}

	// What the guest reported, test by test; anything missing is a failure.
	if bootErr != nil {
		kr.Err = bootErr.Error()
	}
	if g.Release != k.Release {
		kr.addHarnessFailure("(boot)", fmt.Sprintf("guest reported kernel %q, want %q (see %s)", g.Release, k.Release, filepath.Join(outDir, "console.log")))
	}
	for _, m := range mods {
		if rc, ok := g.Insmod[m.Path]; !ok || rc != 0 {
			kr.addHarnessFailure("(boot)", fmt.Sprintf("insmod %s failed (see the console log)", m.Path))
		}
	}
	ran := map[string]bool{}
	for _, p := range g.Packages {
		ran[p.ImportPath] = true
		rs, err := vmtest.Results(goTool, module, p)
		if err != nil {
			kr.addHarnessFailure(p.ImportPath, err.Error())
			continue
		}
		kr.Results = append(kr.Results, rs...)
	}
	for _, b := range bins {
		if !ran[b.ImportPath] {
			kr.addHarnessFailure(strings.TrimPrefix(b.ImportPath, module+"/"), "did not run (the guest stopped before it)")
		}
	}
	return kr
}

func (kr *kernelRun) addHarnessFailure(pkg, why string) {
	kr.Results = append(kr.Results, vmtest.Result{Package: pkg, Outcome: vmtest.Fail, Reason: why})
}

// report prints the per-kernel table and every result that needs
// attention, and says whether the matrix failed.
func report(w io.Writer, runs []*kernelRun, known []*vmtest.Known, labels []string, verbose bool) bool {
	bad := false
	type counts map[vmtest.Outcome]int
	table := make([]counts, len(runs))
	for i, kr := range runs {
		vmtest.Classify(known, kr.Kernel.Label, kr.Results)
		table[i] = counts{}
		for _, r := range kr.Results {
			table[i][r.Outcome]++
		}
		if kr.Err != "" {
			bad = true
		}
	}
	var details bytes.Buffer
	for _, kr := range runs {
		rs := kr.Results
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].Package != rs[j].Package {
				return rs[i].Package < rs[j].Package
			}
			return rs[i].Test < rs[j].Test
		})
		for _, r := range rs {
			show := verbose
			switch r.Outcome {
			case vmtest.Fail, vmtest.Skip, vmtest.Fixed:
				bad, show = true, true
			case vmtest.KnownFail, vmtest.HostOnly:
				show = show || r.Outcome == vmtest.HostOnly
			}
			if !show {
				continue
			}
			name := r.Package
			if r.Test != "" {
				name += " " + r.Test
			}
			fmt.Fprintf(&details, "%-9s [%s] %s\n", strings.ToUpper(string(r.Outcome)), kr.Kernel.Label, name)
			if r.Reason != "" && r.Outcome != vmtest.Pass {
				reason := r.Reason
				if r.Outcome == vmtest.KnownFail || r.Outcome == vmtest.HostOnly {
					reason = strings.SplitN(reason, "\n", 2)[0]
				}
				for _, l := range strings.Split(reason, "\n") {
					fmt.Fprintf(&details, "          %s\n", l)
				}
			}
		}
		if kr.Err != "" {
			fmt.Fprintf(&details, "ERROR     [%s] %s\n", kr.Kernel.Label, kr.Err)
		}
	}
	ran := map[string]bool{}
	for _, kr := range runs {
		for _, r := range kr.Results {
			ran[r.Package] = true
		}
	}
	for _, k := range vmtest.Unused(known, labels) {
		if !ran[k.Package] {
			continue // its package was not run (-pkgs)
		}
		fmt.Fprintf(&details, "STALE     known failure, line %d (%s %s %s) matched no test\n", k.Line, strings.Join(k.Kernels, ","), k.Package, k.Test)
	}
	w.Write(details.Bytes())
	fmt.Fprintf(w, "\n%-6s %-28s %6s %6s %6s %6s %6s %9s %7s\n", "kernel", "release", "pass", "fail", "known", "fixed", "skip", "host-only", "time")
	for i, kr := range runs {
		c := table[i]
		fmt.Fprintf(w, "%-6s %-28s %6d %6d %6d %6d %6d %9d %6.0fs\n", kr.Kernel.Label, kr.Kernel.Release,
			c[vmtest.Pass], c[vmtest.Fail], c[vmtest.KnownFail], c[vmtest.Fixed], c[vmtest.Skip], c[vmtest.HostOnly], kr.Seconds)
	}
	return bad
}

// kernelPackages lists the packages with kernel tests (a test file calls
// testutil.RequireKernel), or those named in only.
func kernelPackages(goTool, root, module string, only []string) ([]string, error) {
	out, err := vmtest.Output(root, goTool, "list", "-f", "{{.ImportPath}} {{.Dir}} {{join .TestGoFiles \" \"}} {{join .XTestGoFiles \" \"}}", "./...")
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range only {
		want[strings.TrimSuffix(module+"/"+strings.TrimPrefix(p, "./"), "/.")] = true
	}
	var pkgs []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if len(only) > 0 {
			if want[f[0]] {
				pkgs = append(pkgs, f[0])
				delete(want, f[0])
			}
			continue
		}
		for _, name := range f[2:] {
			b, err := os.ReadFile(filepath.Join(f[1], name))
			if err != nil {
				return nil, err
			}
			if bytes.Contains(b, []byte("testutil.RequireKernel(")) {
				pkgs = append(pkgs, f[0])
				break
			}
		}
	}
	for p := range want {
		return nil, fmt.Errorf("no package %s in the module", p)
	}
	return pkgs, nil
}

// build compiles the static test binaries, two at a time.
func build(goTool, root, work string, pkgs []string) ([]vmtest.Binary, error) {
	module, err := vmtest.Output(root, goTool, "list", "-m")
	if err != nil {
		return nil, err
	}
	bins := make([]vmtest.Binary, len(pkgs))
	errs := make([]error, len(pkgs))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p, module), "/")
		if rel == "" {
			rel = "."
		}
		name := filepath.Base(p) + ".test"
		dir := filepath.Join(work, "bin", rel)
		bins[i] = vmtest.Binary{ImportPath: p, Dir: rel, Path: filepath.Join(dir, name)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(goTool, "test", "-c", "-o", bins[i].Path, p)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go test -c %s: %w\n%s", p, err, out)
			}
		}()
	}
	wg.Wait()
	return bins, errors.Join(errs...)
}

func readKnown(path string) ([]*vmtest.Known, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return vmtest.ParseKnown(f)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
