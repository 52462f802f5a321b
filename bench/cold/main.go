// Command cold is bpfc's cold-start benchmark: it times whole processes
// (start, open, load, exit), each one fresh, bpfc against libbpf on the
// same objects in the same run, and reports the bpfc/libbpf ratios of the
// medians and of peak RSS. See ../README.md, "Cold start".
//
// As root, from the repository:
//
//	go run ./bench/cold                  # 21 rounds, every testdata object
//	go run ./bench/cold -n 51 -v         # more rounds, every sample printed
//	go run ./bench/cold -bpfc /tmp/old/bpfc -coldbtf /tmp/old/coldbtf
//	go run ./bench/cold -libbpf sid      # against Debian sid's libbpf (1.7)
//	go run ./bench/cold -libbpf /tmp/load   # a harness built another way
//	go run ./bench/cold -inproc          # also each object's first load by the process's own clock
//
// It builds what it runs into a temporary directory: cmd/bpfc, the
// coldbtf helper (../coldbtf), a Go hello-world, the libbpf harness
// (../libbpf/load.c, gcc with libbpf-dev) and the process starter
// (../spawn/spawn.c), which runs each command and reports its wall time,
// CPU time and peak RSS from wait4 (a Go parent would lend the child its
// own peak RSS).
//
// Cases, each timed as whole processes, bpfc and its counterpart
// alternating round after round (the order flips every round):
//   - btf+kfunc: `coldbtf NAME` (btf.LoadKernel + one FindByNameKind of a
//     FUNC) against `load -kfunc NAME 1` (btf__load_vmlinux_btf +
//     btf__find_by_name_kind); both also report the first call in-process.
//   - startup: `bpfc -h` against a Go hello-world (and /bin/true), the
//     price of the Go runtime and of bpfc's package initialisation.
//   - every testdata object both bpfc and libbpf load: `bpfc -emit=direct
//     OBJ` against `load OBJ 1` (bpf_object__open_file + __load +
//     __close). Objects either cannot load are listed with the reason.
//     With -inproc the bpfc side is ../coldload (bpfc.LoadFiles, as the
//     command loads) and both sides also report their first load by their
//     own clock (coldload's load_ns, the harness's first_ns): the price of
//     the library's work without the process's start.
//
// The summary gives the geometric mean of the wall-time and CPU-time
// ratios over objects with CO-RE relocations and over the others, the
// worst object by each, and the median over objects of the peak-RSS ratio.
// On a machine shared with other work the CPU-time ratios (user + system
// time of the process, from wait4) are the steadier figures.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
)

// kfuncName is the FUNC the btf+kfunc case looks up (a kfunc every
// kernel since 6.2 has, used by testdata/kfunc_noksym.o).
const kfuncName = "bpf_task_from_pid"

type config struct {
	rounds  int
	verbose bool
	bpfc    string // prebuilt cmd/bpfc, or "" to build
	coldbtf string // prebuilt bench/coldbtf, or "" to build
	libbpf  string // prebuilt libbpf harness (../libbpf/load.c), or "" to build
	inproc  bool   // objects through ../coldload, with in-process figures
	root    string // the repository
	objects []string
}

func main() {
	c := &config{}
	flag.IntVar(&c.rounds, "n", 21, "rounds: every command runs this many times")
	flag.BoolVar(&c.verbose, "v", false, "print every sample")
	flag.StringVar(&c.bpfc, "bpfc", "", "use this bpfc `binary` instead of building cmd/bpfc")
	flag.StringVar(&c.coldbtf, "coldbtf", "", "use this coldbtf `binary` instead of building bench/coldbtf")
	flag.BoolVar(&c.inproc, "inproc", false, "load objects with bench/coldload (bpfc.LoadFiles) and also report each side's first load by its own clock")
	flag.StringVar(&c.libbpf, "libbpf", "", "use this libbpf harness `binary` (bench/libbpf/load.c built against another libbpf) instead of building it against the system's; \"sid\" builds it against Debian sid's libbpf (scripts/libbpf-sid.sh)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: cold [flags] [OBJECT.o ...]  (default: testdata/*.o)\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if c.rounds < 1 {
		fmt.Fprintln(os.Stderr, "cold: -n must be at least 1")
		os.Exit(2)
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cold:", err)
		os.Exit(2)
	}
	c.root = root
	c.objects = flag.Args()
	if len(c.objects) == 0 {
		c.objects, _ = filepath.Glob(filepath.Join(root, "testdata", "*.o"))
	}
	if err := run(c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cold:", err)
		os.Exit(1)
	}
}

// repoRoot finds the module root (the directory holding go.mod) from the
// working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the bpfc repository (no go.mod above the working directory)")
		}
		dir = parent
	}
}

// tools are the programs a run needs.
type tools struct {
	spawn, load, bpfc, coldbtf, coldload, hello string
}

// build compiles every tool into dir.
func build(c *config, dir string) (*tools, error) {
	t := &tools{
		spawn: filepath.Join(dir, "spawn"),
		load:  filepath.Join(dir, "load"),
		hello: filepath.Join(dir, "hello-go"),
	}
	bench := filepath.Join(c.root, "bench")
	// A static starter keeps its own (inherited) peak RSS far below any
	// measured command's; fall back to a dynamic one.
	if err := command(c.root, "gcc", "-O2", "-Wall", "-static", "-o", t.spawn, filepath.Join(bench, "spawn", "spawn.c")); err != nil {
		if err := command(c.root, "gcc", "-O2", "-Wall", "-o", t.spawn, filepath.Join(bench, "spawn", "spawn.c")); err != nil {
			return nil, err
		}
	}
	switch c.libbpf {
	case "sid":
		if err := buildSidHarness(c.root, t.load); err != nil {
			return nil, err
		}
	case "":
		if err := command(c.root, "gcc", "-O2", "-Wall", "-o", t.load, filepath.Join(bench, "libbpf", "load.c"), "-lbpf", "-lelf", "-lz"); err != nil {
			return nil, fmt.Errorf("%w (needs gcc and libbpf-dev: scripts/deps.sh)", err)
		}
	default:
		t.load = c.libbpf
	}
	t.bpfc = c.bpfc
	if t.bpfc == "" {
		t.bpfc = filepath.Join(dir, "bpfc")
		if err := command(c.root, "go", "build", "-o", t.bpfc, "./cmd/bpfc"); err != nil {
			return nil, err
		}
	}
	t.coldbtf = c.coldbtf
	if t.coldbtf == "" {
		t.coldbtf = filepath.Join(dir, "coldbtf")
		if err := command(c.root, "go", "build", "-o", t.coldbtf, "./bench/coldbtf"); err != nil {
			return nil, err
		}
	}
	if c.inproc {
		t.coldload = filepath.Join(dir, "coldload")
		if err := command(c.root, "go", "build", "-o", t.coldload, "./bench/coldload"); err != nil {
			return nil, err
		}
	}
	hello := filepath.Join(dir, "hello")
	if err := os.MkdirAll(hello, 0o755); err != nil {
		return nil, err
	}
	for name, content := range map[string]string{
		"go.mod":  "module hello\n\ngo 1.22\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello, world\\n\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(hello, name), []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("go", "build", "-o", t.hello, ".")
	cmd.Dir = hello
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the Go hello-world: %w\n%s", err, out)
	}
	return t, nil
}

// buildSidHarness builds the libbpf harness into out against Debian sid's
// libbpf.a (scripts/libbpf-sid.sh fetches it), linked into the harness,
// with the C23 scanf entry points it calls (glibc 2.38's) provided for
// an older glibc.
func buildSidHarness(root, out string) error {
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "libbpf-sid.sh"))
	inc, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("scripts/libbpf-sid.sh: %w", err)
	}
	include := strings.TrimSpace(string(inc))
	lib := filepath.Join(filepath.Dir(include), "lib", "x86_64-linux-gnu", "libbpf.a")
	src := filepath.Join(root, "bench", "libbpf", "load.c")
	isoc23 := filepath.Join(root, "internal", "cmd", "corpus", "libbpfload", "isoc23.c")
	if err := command(root, "gcc", "-O2", "-Wall", "-I", include, "-o", out, src, lib, "-lelf", "-lz"); err != nil {
		if err := command(root, "gcc", "-O2", "-Wall", "-I", include, "-o", out, src, isoc23, lib, "-lelf", "-lz"); err != nil {
			return fmt.Errorf("building the harness against sid's libbpf: %w", err)
		}
	}
	return nil
}

// command runs a build command in dir.
func command(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// sample is what one process cost, as spawn reports it; inproc is the
// in-process figure the command printed itself, when it prints one.
type sample struct {
	wall, cpu float64 // ns
	rssKB     float64
	inproc    float64 // ns, or 0
}

// parseSpawn parses spawn's report line.
func parseSpawn(line string) (sample, error) {
	var s sample
	var user, sys, status float64
	fields := map[string]*float64{"wall_ns": &s.wall, "user_ns": &user, "sys_ns": &sys, "maxrss_kb": &s.rssKB, "status": &status}
	seen := 0
	for _, kv := range strings.Fields(line) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return s, fmt.Errorf("spawn report %q: %q is not key=value", line, kv)
		}
		p, ok := fields[k]
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return s, fmt.Errorf("spawn report %q: %s: %w", line, k, err)
		}
		*p = f
		seen++
	}
	if seen != len(fields) {
		return s, fmt.Errorf("spawn report %q: want %d fields, got %d", line, len(fields), seen)
	}
	if status != 0 {
		return s, fmt.Errorf("command exited with status %v", status)
	}
	s.cpu = user + sys
	return s, nil
}

// keyValue returns the value of key in a line of key=value fields.
func keyValue(line, key string) (float64, error) {
	for _, kv := range strings.Fields(line) {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("%q has no %s", line, key)
}

// side is one command of a case.
type side struct {
	argv []string
	// inproc names the field of the command's own last output line that
	// holds its in-process figure ("" if none).
	inproc string
}

// run spawns s's command once.
func (t *tools) run(s side) (sample, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(t.spawn, s.argv...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if s.inproc != "" {
		cmd.Env = append(os.Environ(), "SPAWN_VERBOSE=1")
	}
	err := cmd.Run()
	lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
	sm, perr := parseSpawn(lines[len(lines)-1])
	if err != nil || perr != nil {
		return sm, fmt.Errorf("%s: %w %v\n%s%s", strings.Join(s.argv, " "), err, perr, stdout.String(), stderr.String())
	}
	if s.inproc != "" {
		if len(lines) < 2 {
			return sm, fmt.Errorf("%s: no report line before spawn's", strings.Join(s.argv, " "))
		}
		v, err := keyValue(lines[len(lines)-2], s.inproc)
		if err != nil {
			return sm, fmt.Errorf("%s: %w", strings.Join(s.argv, " "), err)
		}
		sm.inproc = v
	}
	return sm, nil
}

// benchCase is one row of the report: bpfc's command and its counterpart.
type benchCase struct {
	name  string
	group string // "core", "nocore" (objects), "btf", "startup"
	bpfc  side
	base  side
	bName string // what base is ("libbpf", "go-hello")

	bpfcSamples, baseSamples []sample
}

// objectInfo is what the benchmark needs to know about an object.
type objectInfo struct {
	core    bool     // has CO-RE relocations
	sizeArg []string // -max-entries for maps of size 0, as the harness sizes them
	notes   []string
}

func inspect(path string) (objectInfo, error) {
	var info objectInfo
	obj, err := elf.Open(path)
	if err != nil {
		return info, err
	}
	fns := make([]*ir.Function, 0, len(obj.Programs)+len(obj.Subprogs))
	for _, p := range obj.Programs {
		fns = append(fns, &p.Function)
	}
	fns = append(fns, obj.Subprogs...)
	for _, f := range fns {
		if len(f.CORE) > 0 {
			info.core = true
		}
	}
	for _, m := range obj.Maps {
		if m.MaxEntries == 0 && m.Kind != ir.MapData && m.Kind != ir.MapKconfig {
			n := 64
			if m.Type == 27 || m.Type == 31 { // BPF_MAP_TYPE_RINGBUF, USER_RINGBUF: as load.c
				n = 4096
			}
			info.sizeArg = append(info.sizeArg, "-max-entries", fmt.Sprintf("%s=%d", m.Name, n))
		}
	}
	kinds := map[ir.ExternKind]bool{}
	for _, e := range obj.Externs {
		kinds[e.Kind] = true
	}
	for k := range kinds {
		info.notes = append(info.notes, k.String())
	}
	slices.Sort(info.notes)
	return info, nil
}

// check runs a command once, untimed, and returns its error output on
// failure.
func check(argv []string) error {
	var out bytes.Buffer
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = io.Discard, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 && strings.Contains(msg[i:], "iteration 0 failed") {
			msg = strings.TrimSpace(msg[:i]) // the harness's summary line says nothing
		}
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("%w: %s", err, msg)
	}
	return nil
}

func run(c *config, stdout, stderr io.Writer) error {
	if os.Geteuid() != 0 {
		return errors.New("loading BPF objects needs root")
	}
	dir, err := os.MkdirTemp("", "bpfc-cold-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(stderr, "cold: building into %s\n", dir)
	t, err := build(c, dir)
	if err != nil {
		return err
	}

	cases := []*benchCase{
		{
			name: "btf+kfunc", group: "btf", bName: "libbpf",
			bpfc: side{argv: []string{t.coldbtf, kfuncName}, inproc: "total_ns"},
			base: side{argv: []string{t.load, "-kfunc", kfuncName, "1"}, inproc: "first_ns"},
		},
		{
			name: "bpfc -h", group: "startup", bName: "go-hello",
			bpfc: side{argv: []string{t.bpfc, "-h"}},
			base: side{argv: []string{t.hello}},
		},
		{
			name: "go-hello", group: "startup", bName: "/bin/true",
			bpfc: side{argv: []string{t.hello}},
			base: side{argv: []string{"/bin/true"}},
		},
	}
	var skipped []string
	for _, path := range c.objects {
		name := strings.TrimSuffix(filepath.Base(path), ".o")
		info, err := inspect(path)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: bpfc cannot open it: %v", name, err))
			continue
		}
		bc := &benchCase{
			name: name, group: "nocore", bName: "libbpf",
			bpfc: side{argv: append(append([]string{t.bpfc, "-emit=direct"}, info.sizeArg...), path)},
			base: side{argv: []string{t.load, path, "1"}},
		}
		if c.inproc {
			bc.bpfc = side{argv: append(append([]string{t.coldload}, info.sizeArg...), path), inproc: "load_ns"}
			bc.base.inproc = "first_ns"
		}
		if info.core {
			bc.group = "core"
		}
		if len(info.notes) > 0 {
			bc.name += " (" + strings.Join(info.notes, ",") + ")"
		}
		if err := check(bc.base.argv); err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: libbpf cannot load it: %v", name, err))
			continue
		}
		if err := check(bc.bpfc.argv); err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: bpfc cannot load it: %v", name, err))
			continue
		}
		cases = append(cases, bc)
	}

	for r := range c.rounds {
		fmt.Fprintf(stderr, "\rcold: round %d/%d", r+1, c.rounds)
		for _, bc := range cases {
			order := []bool{true, false}
			if r%2 == 1 {
				order = []bool{false, true}
			}
			for _, isBpfc := range order {
				s := bc.base
				if isBpfc {
					s = bc.bpfc
				}
				sm, err := t.run(s)
				if err != nil {
					return err
				}
				if isBpfc {
					bc.bpfcSamples = append(bc.bpfcSamples, sm)
				} else {
					bc.baseSamples = append(bc.baseSamples, sm)
				}
				if c.verbose {
					fmt.Fprintf(stderr, "\n%s %s: wall %.2f ms cpu %.2f ms rss %.0f KB", bc.name, strings.Join(s.argv, " "), sm.wall/1e6, sm.cpu/1e6, sm.rssKB)
				}
			}
		}
	}
	fmt.Fprintln(stderr)
	if c.inproc {
		fmt.Fprintln(stdout, "-inproc: the objects' bpfc side is bench/coldload (bpfc.LoadFiles + Close), not the bpfc command")
	}
	report(stdout, c.rounds, cases, skipped)
	if c.inproc {
		reportInproc(stdout, cases)
	}
	return nil
}

// median returns the median of f over samples.
func median(samples []sample, f func(sample) float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = f(s)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// medianOf returns the median of v (which it sorts).
func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// geomean returns the geometric mean of v.
func geomean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	sum := 0.0
	for _, x := range v {
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(v)))
}

func wall(s sample) float64   { return s.wall }
func cpu(s sample) float64    { return s.cpu }
func rss(s sample) float64    { return s.rssKB }
func inproc(s sample) float64 { return s.inproc }

// report prints the table and the summary.
func report(w io.Writer, rounds int, cases []*benchCase, skipped []string) {
	fmt.Fprintf(w, "cold start, whole process, median of %d alternating runs (ratio < 1: bpfc is faster / smaller)\n\n", rounds)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tgroup\tvs\tbpfc ms\tvs ms\twall ratio\tbpfc cpu ms\tvs cpu ms\tcpu ratio\tbpfc RSS KB\tvs RSS KB\tRSS ratio\t")
	var coreR, nocoreR, coreCPU, nocoreCPU, rssR, coreRSS, nocoreRSS []float64
	worst, worstName, worstCPU, worstCPUName := 0.0, "", 0.0, ""
	for _, bc := range cases {
		bw, vw := median(bc.bpfcSamples, wall), median(bc.baseSamples, wall)
		bc2, vc := median(bc.bpfcSamples, cpu), median(bc.baseSamples, cpu)
		br, vr := median(bc.bpfcSamples, rss), median(bc.baseSamples, rss)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t%.2f\t\n",
			bc.name, bc.group, bc.bName, bw/1e6, vw/1e6, bw/vw, bc2/1e6, vc/1e6, bc2/vc, br, vr, br/vr)
		switch bc.group {
		case "core", "nocore":
			if bc.group == "core" {
				coreR, coreCPU, coreRSS = append(coreR, bw/vw), append(coreCPU, bc2/vc), append(coreRSS, br/vr)
			} else {
				nocoreR, nocoreCPU, nocoreRSS = append(nocoreR, bw/vw), append(nocoreCPU, bc2/vc), append(nocoreRSS, br/vr)
			}
			rssR = append(rssR, br/vr)
			if bw/vw > worst {
				worst, worstName = bw/vw, bc.name
			}
			if bc2/vc > worstCPU {
				worstCPU, worstCPUName = bc2/vc, bc.name
			}
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, bc := range cases {
		if bc.group == "btf" {
			bi, vi := median(bc.bpfcSamples, inproc), median(bc.baseSamples, inproc)
			fmt.Fprintf(w, "%s, first call in a fresh process (in-process clock): bpfc %.2f ms, libbpf %.2f ms, ratio %.2f\n", bc.name, bi/1e6, vi/1e6, bi/vi)
		}
	}
	fmt.Fprintf(w, "objects with CO-RE:    geometric mean wall ratio %.2f, cpu ratio %.2f over %d objects\n", geomean(coreR), geomean(coreCPU), len(coreR))
	fmt.Fprintf(w, "objects without CO-RE: geometric mean wall ratio %.2f, cpu ratio %.2f over %d objects\n", geomean(nocoreR), geomean(nocoreCPU), len(nocoreR))
	fmt.Fprintf(w, "worst object:          wall %s %.2f, cpu %s %.2f\n", worstName, worst, worstCPUName, worstCPU)
	fmt.Fprintf(w, "peak RSS:              median ratio %.2f over %d objects (with CO-RE %.2f, without %.2f)\n", medianOf(rssR), len(rssR), medianOf(coreRSS), medianOf(nocoreRSS))
	if len(skipped) > 0 {
		fmt.Fprintln(w, "\nnot timed:")
		for _, s := range skipped {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
}

// reportInproc prints each object's first load by the process's own clock
// (-inproc) and the geometric means of the ratios.
func reportInproc(w io.Writer, cases []*benchCase) {
	fmt.Fprintf(w, "\nfirst load in a fresh process, in-process clock (bpfc.LoadFiles + Close against bpf_object__open_file + __load + __close), medians\n\n")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tgroup\tbpfc ms\tlibbpf ms\tratio\t")
	var coreR, nocoreR []float64
	worst, worstName := 0.0, ""
	for _, bc := range cases {
		if bc.group != "core" && bc.group != "nocore" {
			continue
		}
		bi, vi := median(bc.bpfcSamples, inproc), median(bc.baseSamples, inproc)
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.2f\t\n", bc.name, bc.group, bi/1e6, vi/1e6, bi/vi)
		if bc.group == "core" {
			coreR = append(coreR, bi/vi)
		} else {
			nocoreR = append(nocoreR, bi/vi)
		}
		if bi/vi > worst {
			worst, worstName = bi/vi, bc.name
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintf(w, "in process, objects with CO-RE:    geometric mean ratio %.2f over %d objects\n", geomean(coreR), len(coreR))
	fmt.Fprintf(w, "in process, objects without CO-RE: geometric mean ratio %.2f over %d objects\n", geomean(nocoreR), len(nocoreR))
	fmt.Fprintf(w, "in process, worst object:          %s %.2f\n", worstName, worst)
}
