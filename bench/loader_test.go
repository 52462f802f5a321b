// This file holds the loader-program benchmarks: generating a light
// skeleton with bpfc (Go API and command) against Debian's `bpftool gen
// skeleton -L` on the same objects (time, blob size, loader instructions),
// and loading one: bpfc's loader run by package rt, bpfc's direct backend
// from the ELF, libbpf from the ELF (libbpf/load.c) and bpftool's C light
// skeleton (lskel/load.c, built against the header bpftool generates).
// Every variant of one object runs in the same `go test -bench` run; each
// parent benchmark logs the ratios once its variants are done. No test
// here asserts on timings.

package bench

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

// loaderObjects are the test objects that both bpftool gen skeleton -L
// and bpfc turn into a loader, and that load on this kind of kernel (no
// fentry/kprobe; no map left for the user to size).
var loaderObjects = []string{
	"xdp_globals.o", "sockfilter.o", "subprogs.o", "core_task.o",
	"tracing.o", "biolat.o", "execsnoop.o",
}

// lskelName is the name the benchmarks give bpftool's skeletons (bpftool
// gen skeleton ... name lskelName), so that lskel/load.c fits every object.
const lskelName = "bench_skel"

// generateLoader compiles the object for a loader program (externs and
// CO-RE deferred to load time) and generates the loader.
func generateLoader(path string) (*loaderprog.Loader, error) {
	obj, err := bpfc.Compile(path, &bpfc.Options{Defer: true})
	if err != nil {
		return nil, err
	}
	return loaderprog.Generate(obj, nil)
}

// generateGoSkeleton is generateLoader followed by the Go light-skeleton
// emitter; it returns the skeleton's source.
func generateGoSkeleton(path string, buf *bytes.Buffer) (*loaderprog.Loader, error) {
	obj, err := bpfc.Compile(path, &bpfc.Options{Defer: true})
	if err != nil {
		return nil, err
	}
	l, err := loaderprog.Generate(obj, nil)
	if err != nil {
		return nil, err
	}
	buf.Reset()
	if err := skel.WriteGo(buf, l, obj, "skel"); err != nil {
		return nil, err
	}
	return l, nil
}

// bpftoolPath returns bpftool's path, or skips tb (fails it under
// BPFC_REQUIRE_KERNEL=1).
func bpftoolPath(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("bpftool")
	if err != nil {
		skipOrFail(tb, "bpftool not found (apt-get install bpftool)")
	}
	return p
}

// bpftoolSkeleton runs `bpftool gen skeleton -L OBJ name lskelName` and
// returns the header it writes and the child's CPU time.
func bpftoolSkeleton(bpftool, path string) ([]byte, time.Duration, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bpftool, "gen", "skeleton", "-L", path, "name", lskelName)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("bpftool gen skeleton -L %s: %w\n%s", path, err, stderr.String())
	}
	return stdout.Bytes(), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// lskelSizes are the loader's sizes in a bpftool light skeleton.
type lskelSizes struct {
	DataBytes int // opts.data_sz: the blob
	InsnBytes int // opts.insns_sz: the loader program
}

var (
	dataSzRe  = regexp.MustCompile(`(?m)^\s*opts\.data_sz\s*=\s*(\d+)\s*;`)
	insnsSzRe = regexp.MustCompile(`(?m)^\s*opts\.insns_sz\s*=\s*(\d+)\s*;`)
)

// parseLskelSizes reads the blob and loader sizes out of a light skeleton
// bpftool generated (the assignments in X__load).
func parseLskelSizes(header []byte) (lskelSizes, error) {
	var s lskelSizes
	for _, f := range []struct {
		re   *regexp.Regexp
		name string
		dst  *int
	}{{dataSzRe, "opts.data_sz", &s.DataBytes}, {insnsSzRe, "opts.insns_sz", &s.InsnBytes}} {
		ms := f.re.FindAllSubmatch(header, -1)
		if len(ms) != 1 {
			return s, fmt.Errorf("light skeleton: %d assignments to %s, want 1", len(ms), f.name)
		}
		n, err := strconv.Atoi(string(ms[0][1]))
		if err != nil {
			return s, fmt.Errorf("light skeleton: %s: %w", f.name, err)
		}
		*f.dst = n
	}
	if s.InsnBytes%8 != 0 {
		return s, fmt.Errorf("light skeleton: opts.insns_sz %d is not a multiple of 8", s.InsnBytes)
	}
	return s, nil
}

// loaderFigures collects the figures of the variants of one parent
// benchmark (the last run of each variant wins), for the ratios it logs.
type loaderFigures struct {
	mu sync.Mutex
	m  map[string]map[string]float64 // "obj/variant" → unit → value
}

func (f *loaderFigures) set(obj, variant, unit string, v float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]map[string]float64{}
	}
	k := obj + "/" + variant
	if f.m[k] == nil {
		f.m[k] = map[string]float64{}
	}
	f.m[k][unit] = v
}

// drop forgets a variant's figures: called as it starts, so that a run
// that fails leaves none behind (an earlier, shorter run's would mislead).
func (f *loaderFigures) drop(obj, variant string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, obj+"/"+variant)
}

func (f *loaderFigures) get(obj, variant, unit string) (float64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[obj+"/"+variant][unit]
	return v, ok
}

// has reports whether any variant of obj has figures.
func (f *loaderFigures) has(obj string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.m {
		if strings.HasPrefix(k, obj+"/") {
			return true
		}
	}
	return false
}

// ratioTable formats num/den of unit for every object, and their geometric
// mean, as lines of text.
func (f *loaderFigures) ratioTable(objs []string, unit string, pairs [][2]string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-12s", unit)
	for _, p := range pairs {
		fmt.Fprintf(&sb, " %28s", p[0]+"/"+p[1])
	}
	sb.WriteByte('\n')
	logs := make([]float64, len(pairs))
	counts := make([]int, len(pairs))
	for _, obj := range objs {
		if !f.has(objectName(obj)) {
			continue // not run (-bench filter)
		}
		fmt.Fprintf(&sb, "%-12s", objectName(obj))
		for i, p := range pairs {
			n, ok1 := f.get(objectName(obj), p[0], unit)
			d, ok2 := f.get(objectName(obj), p[1], unit)
			if !ok1 || !ok2 || d == 0 {
				fmt.Fprintf(&sb, " %28s", "-")
				continue
			}
			fmt.Fprintf(&sb, " %28.3f", n/d)
			logs[i] += math.Log(n / d)
			counts[i]++
		}
		sb.WriteByte('\n')
	}
	fmt.Fprintf(&sb, "%-12s", "geomean")
	for i := range pairs {
		if counts[i] == 0 {
			fmt.Fprintf(&sb, " %28s", "-")
			continue
		}
		fmt.Fprintf(&sb, " %28.3f", math.Exp(logs[i]/float64(counts[i])))
	}
	sb.WriteByte('\n')
	return sb.String()
}

// cpuPerOp returns CPU time per op since cpu0.
func cpuPerOp(b *testing.B, cpu0 time.Duration) float64 {
	return float64((cpuTime(b) - cpu0).Nanoseconds()) / float64(b.N)
}

// bpfcLoaderCommand returns cmd/bpfc if its -emit=loader works, or skips.
func bpfcLoaderCommand(b *testing.B, path string) string {
	b.Helper()
	bin := bpfcCommand(b)
	out, err := exec.Command(bin, "-emit=loader", "-lang=c", "-o", os.DevNull, path).CombinedOutput()
	if err != nil {
		b.Skipf("bpfc -emit=loader -lang=c does not work yet: %v: %s", err, bytes.TrimSpace(out))
	}
	return bin
}

// BenchmarkGen generates a light skeleton for each object:
//
//   - bpfc: bpfc.Compile with Defer + loaderprog.Generate, in process;
//   - bpfc-go: the same + the Go skeleton emitter (skel.WriteGo);
//   - bpfc-cli: `bpfc -emit=loader -lang=c -o /dev/null OBJ`, a process
//     per op like bpftool (skipped while the command cannot do it);
//   - bpftool: `bpftool gen skeleton -L OBJ`, a process per op.
//
// Metrics: blob-bytes (the data blob), loader-insns (the loader program's
// instructions), skel-bytes (the generated source), cpu-ns/op (this
// process's, or the child's, CPU time). Logged at the end: time, blob and
// instruction ratios bpfc/bpftool per object and their geometric mean.
func BenchmarkGen(b *testing.B) {
	bpftool := bpftoolPath(b)
	var figs loaderFigures
	for _, file := range loaderObjects {
		path := filepath.Join(testdataDir, file)
		obj := objectName(file)
		b.Run(obj, func(b *testing.B) {
			b.Run("bpfc", func(b *testing.B) {
				figs.drop(obj, "bpfc")
				var l *loaderprog.Loader
				b.ReportAllocs()
				cpu0 := cpuTime(b)
				for b.Loop() {
					var err error
					if l, err = generateLoader(path); err != nil {
						b.Fatal(err)
					}
				}
				reportLoader(b, &figs, obj, "bpfc", l, cpu0)
			})
			b.Run("bpfc-go", func(b *testing.B) {
				figs.drop(obj, "bpfc-go")
				var l *loaderprog.Loader
				var src bytes.Buffer
				b.ReportAllocs()
				cpu0 := cpuTime(b)
				for b.Loop() {
					var err error
					if l, err = generateGoSkeleton(path, &src); err != nil {
						b.Fatal(err)
					}
				}
				reportLoader(b, &figs, obj, "bpfc-go", l, cpu0)
				b.ReportMetric(float64(src.Len()), "skel-bytes")
			})
			b.Run("bpfc-cli", func(b *testing.B) {
				figs.drop(obj, "bpfc-cli")
				bin := bpfcLoaderCommand(b, path)
				var cpu time.Duration
				b.ResetTimer()
				for range b.N {
					cmd := exec.Command(bin, "-emit=loader", "-lang=c", "-o", os.DevNull, path)
					if out, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("bpfc -emit=loader %s: %v\n%s", path, err, out)
					}
					cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
				}
				b.StopTimer()
				figs.set(obj, "bpfc-cli", "ns/op", float64(b.Elapsed().Nanoseconds())/float64(b.N))
				figs.set(obj, "bpfc-cli", "cpu-ns/op", float64(cpu.Nanoseconds())/float64(b.N))
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
			b.Run("bpftool", func(b *testing.B) {
				figs.drop(obj, "bpftool")
				var header []byte
				var cpu time.Duration
				b.ResetTimer()
				for range b.N {
					h, c, err := bpftoolSkeleton(bpftool, path)
					if err != nil {
						b.Fatal(err)
					}
					header, cpu = h, cpu+c
				}
				b.StopTimer()
				sizes, err := parseLskelSizes(header)
				if err != nil {
					b.Fatal(err)
				}
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				figs.set(obj, "bpftool", "ns/op", ns)
				figs.set(obj, "bpftool", "cpu-ns/op", float64(cpu.Nanoseconds())/float64(b.N))
				figs.set(obj, "bpftool", "blob-bytes", float64(sizes.DataBytes))
				figs.set(obj, "bpftool", "loader-insns", float64(sizes.InsnBytes/8))
				b.ReportMetric(float64(sizes.DataBytes), "blob-bytes")
				b.ReportMetric(float64(sizes.InsnBytes/8), "loader-insns")
				b.ReportMetric(float64(len(header)), "skel-bytes")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		})
	}
	pairs := [][2]string{{"bpfc", "bpftool"}, {"bpfc-go", "bpftool"}, {"bpfc-cli", "bpftool"}}
	printRatios("BenchmarkGen: ratios (< 1: bpfc smaller or faster)",
		figs.ratioTable(loaderObjects, "ns/op", pairs),
		figs.ratioTable(loaderObjects, "cpu-ns/op", pairs),
		figs.ratioTable(loaderObjects, "blob-bytes", pairs[:1]),
		figs.ratioTable(loaderObjects, "loader-insns", pairs[:1]))
}

// printRatios writes ratio tables to standard output, where they stay
// among the benchmark lines without -v (b.Log would need -v for a parent
// benchmark); benchstat ignores them.
func printRatios(title string, tables ...string) {
	fmt.Printf("# %s\n", title)
	for _, t := range tables {
		for _, line := range strings.Split(strings.TrimSuffix(t, "\n"), "\n") {
			fmt.Printf("#   %s\n", line)
		}
	}
}

// reportLoader reports a generated loader's sizes and records the figures.
func reportLoader(b *testing.B, figs *loaderFigures, obj, variant string, l *loaderprog.Loader, cpu0 time.Duration) {
	b.Helper()
	cpu := cpuPerOp(b, cpu0)
	insns := len(l.InsnBytes()) / 8
	figs.set(obj, variant, "ns/op", float64(b.Elapsed().Nanoseconds())/float64(b.N))
	figs.set(obj, variant, "blob-bytes", float64(len(l.Blob)))
	figs.set(obj, variant, "loader-insns", float64(insns))
	figs.set(obj, variant, "cpu-ns/op", cpu)
	b.ReportMetric(float64(len(l.Blob)), "blob-bytes")
	b.ReportMetric(float64(insns), "loader-insns")
	b.ReportMetric(cpu, "cpu-ns/op")
}

// BenchmarkLightSkelLoad loads each object and closes everything again:
//
//   - bpfc-loader: rt.Load of a loader generated beforehand (blob map,
//     loader program, one test run), then closing the fds: a Go light
//     skeleton's Load + Close;
//   - bpfc-direct: bpfc.Compile + direct.Load + Close from the ELF (CO-RE
//     mode chosen by default): what a user with the ELF does;
//   - libbpf: bpf_object__open_file + load + close (libbpf/load.c);
//   - bpftool-lskel: bpftool's C light skeleton X__open_and_load +
//     X__destroy (lskel/load.c).
//
// The two C programs loop b.N times and their own clocks replace the Go
// figures. Logged at the end: the ratios of the mean times and of CPU
// time, per object and their geometric mean.
func BenchmarkLightSkelLoad(b *testing.B) {
	testutil.RequireKernel(b)
	var figs loaderFigures
	for _, file := range loaderObjects {
		path := filepath.Join(testdataDir, file)
		obj := objectName(file)
		b.Run(obj, func(b *testing.B) {
			b.Run("bpfc-loader", func(b *testing.B) {
				figs.drop(obj, "bpfc-loader")
				l, err := generateLoader(path)
				if err != nil {
					b.Fatal(err)
				}
				spec := l.Spec()
				b.ReportAllocs()
				cpu0 := cpuTime(b)
				b.ResetTimer()
				for range b.N {
					res, err := rt.Load(spec, nil)
					if err != nil {
						b.Fatal(err)
					}
					if err := res.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				recordGo(b, &figs, obj, "bpfc-loader", cpu0)
			})
			b.Run("bpfc-direct", func(b *testing.B) {
				figs.drop(obj, "bpfc-direct")
				b.ReportAllocs()
				cpu0 := cpuTime(b)
				for b.Loop() {
					coll, err := bpfc.Load(path, nil, nil)
					if err != nil {
						b.Fatal(err)
					}
					if err := coll.Close(); err != nil {
						b.Fatal(err)
					}
				}
				recordGo(b, &figs, obj, "bpfc-direct", cpu0)
			})
			b.Run("libbpf", func(b *testing.B) {
				figs.drop(obj, "libbpf")
				r := runHarness(b, path, b.N)
				reportHarness(b, r)
				figs.set(obj, "libbpf", "ns/op", r.NsPerOp)
				figs.set(obj, "libbpf", "cpu-ns/op", r.CPUNsPerOp)
			})
			b.Run("bpftool-lskel", func(b *testing.B) {
				figs.drop(obj, "bpftool-lskel")
				r := runLskel(b, path, b.N)
				reportHarness(b, r)
				figs.set(obj, "bpftool-lskel", "ns/op", r.NsPerOp)
				figs.set(obj, "bpftool-lskel", "cpu-ns/op", r.CPUNsPerOp)
			})
		})
	}
	pairs := [][2]string{
		{"bpfc-loader", "bpfc-direct"}, {"bpfc-loader", "libbpf"}, {"bpfc-loader", "bpftool-lskel"},
		{"bpfc-direct", "libbpf"},
	}
	printRatios("BenchmarkLightSkelLoad: ratios of mean wall and CPU time per load (< 1: the first is faster)",
		figs.ratioTable(loaderObjects, "ns/op", pairs),
		figs.ratioTable(loaderObjects, "cpu-ns/op", pairs))
}

// recordGo reports and records an in-process variant's figures.
func recordGo(b *testing.B, figs *loaderFigures, obj, variant string, cpu0 time.Duration) {
	b.Helper()
	cpu := cpuPerOp(b, cpu0)
	figs.set(obj, variant, "ns/op", float64(b.Elapsed().Nanoseconds())/float64(b.N))
	figs.set(obj, variant, "cpu-ns/op", cpu)
	b.ReportMetric(cpu, "cpu-ns/op")
}

// lskelBuilds caches lskel/load.c built per object: object path → binary
// or error.
var lskelBuilds struct {
	sync.Mutex
	bins map[string]string
	errs map[string]error
}

// errLskelSkip marks a build that cannot happen on this machine.
var errLskelSkip = errors.New("skip")

// lskelBinary builds lskel/load.c against bpftool's light skeleton of the
// object, once per test binary. It skips tb when gcc, bpftool or
// libbpf-dev's skel_internal.h is missing (see skipOrFail) and fails it
// when the build fails.
func lskelBinary(tb testing.TB, path string) string {
	tb.Helper()
	lskelBuilds.Lock()
	defer lskelBuilds.Unlock()
	if lskelBuilds.bins == nil {
		lskelBuilds.bins, lskelBuilds.errs = map[string]string{}, map[string]error{}
	}
	if bin, ok := lskelBuilds.bins[path]; ok {
		return bin
	}
	err, ok := lskelBuilds.errs[path]
	if !ok {
		var bin string
		bin, err = buildLskel(path)
		if err == nil {
			lskelBuilds.bins[path] = bin
			return bin
		}
		lskelBuilds.errs[path] = err
	}
	if errors.Is(err, errLskelSkip) {
		skipOrFail(tb, "%v", err)
	}
	tb.Fatal(err)
	return ""
}

func buildLskel(path string) (string, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", fmt.Errorf("%w: gcc not found (apt-get install gcc)", errLskelSkip)
	}
	bpftool, err := exec.LookPath("bpftool")
	if err != nil {
		return "", fmt.Errorf("%w: bpftool not found (apt-get install bpftool)", errLskelSkip)
	}
	if _, err := os.Stat("/usr/include/bpf/skel_internal.h"); err != nil {
		return "", fmt.Errorf("%w: /usr/include/bpf/skel_internal.h missing (apt-get install libbpf-dev)", errLskelSkip)
	}
	header, _, err := bpftoolSkeleton(bpftool, path)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(buildDir, "lskel-"+objectName(filepath.Base(path))+"-")
	if err != nil {
		return "", err
	}
	prelude, err := lskelPrelude(bpftool, path, header)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, lskelName+".lskel.h"), header, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "prelude.h"), prelude, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "lskel-load")
	cmd := exec.Command(gcc, "-O2", "-Wall", "-I", dir, "-include", filepath.Join(dir, "prelude.h"),
		"-o", bin, filepath.Join("lskel", "load.c"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building lskel/load.c for %s: %w\n%s", path, err, msg)
	}
	return bin, nil
}

var (
	enumUseRe = regexp.MustCompile(`\benum\s+(\w+)\s+\w+\s*[;\[]`)
	enumDefRe = regexp.MustCompile(`(?ms)^enum\s+(\w+)\s*\{.*?^\};\n`)
)

// lskelPrelude returns the definitions of the enums a light skeleton
// declares variables of without defining them (bpftool expects the user
// to include them, as from vmlinux.h), taken from the object's BTF dumped
// as C by bpftool.
func lskelPrelude(bpftool, path string, header []byte) ([]byte, error) {
	need := map[string]bool{}
	for _, m := range enumUseRe.FindAllSubmatch(header, -1) {
		need[string(m[1])] = true
	}
	if len(need) == 0 {
		return nil, nil
	}
	out, err := exec.Command(bpftool, "btf", "dump", "file", path, "format", "c").Output()
	if err != nil {
		return nil, fmt.Errorf("bpftool btf dump file %s: %w", path, err)
	}
	return enumDefinitions(out, need), nil
}

// enumDefinitions returns the definitions of the named enums in C source.
func enumDefinitions(src []byte, need map[string]bool) []byte {
	var prelude bytes.Buffer
	for _, m := range enumDefRe.FindAllSubmatch(src, -1) {
		if need[string(m[1])] {
			prelude.Write(m[0])
		}
	}
	return prelude.Bytes()
}

// runLskel runs bpftool's light skeleton of the object n times.
func runLskel(tb testing.TB, path string, n int) harnessResult {
	tb.Helper()
	bin := lskelBinary(tb, path)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, strconv.Itoa(n))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s (light skeleton of %s) %d: %v\n%s", bin, path, n, err, stderr.String())
	}
	r, err := parseHarness(stdout.String())
	if err != nil {
		tb.Fatal(err)
	}
	if r.Iters != int64(n) {
		tb.Fatalf("%s %d: ran %d iterations", bin, n, r.Iters)
	}
	return r
}

// TestLoaderObjectsGenerate checks that bpfc generates a loader and a Go
// skeleton for every benchmark object and bpftool a light skeleton whose
// sizes parse, so BenchmarkGen never times a failure.
func TestLoaderObjectsGenerate(t *testing.T) {
	bpftool, _ := exec.LookPath("bpftool")
	for _, file := range loaderObjects {
		t.Run(objectName(file), func(t *testing.T) {
			path := filepath.Join(testdataDir, file)
			var src bytes.Buffer
			l, err := generateGoSkeleton(path, &src)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Blob) == 0 || len(l.Insns) == 0 || src.Len() == 0 {
				t.Fatalf("empty loader: blob %d bytes, %d insns, skeleton %d bytes", len(l.Blob), len(l.Insns), src.Len())
			}
			if bpftool == "" {
				skipOrFail(t, "bpftool not found (apt-get install bpftool)")
			}
			header, _, err := bpftoolSkeleton(bpftool, path)
			if err != nil {
				t.Fatal(err)
			}
			sizes, err := parseLskelSizes(header)
			if err != nil {
				t.Fatal(err)
			}
			if sizes.DataBytes == 0 || sizes.InsnBytes == 0 {
				t.Errorf("bpftool's loader: %+v", sizes)
			}
		})
	}
}

// TestLoaderObjectsLoad loads every benchmark object the four ways of
// BenchmarkLightSkelLoad once (the C programs twice), without leaking fds.
func TestLoaderObjectsLoad(t *testing.T) {
	testutil.RequireKernel(t)
	for _, file := range loaderObjects {
		path := filepath.Join(testdataDir, file)
		t.Run(objectName(file)+"/bpfc-loader", func(t *testing.T) {
			l, err := generateLoader(path)
			if err != nil {
				t.Fatal(err)
			}
			// After Compile: the process's first file opens also create
			// the Go runtime's poller fds, which stay.
			t.Cleanup(testutil.CheckNoFDLeak(t))
			res, err := rt.Load(l.Spec(), nil)
			if features.SyscallProg.Missing() {
				if err == nil {
					res.Close()
				}
				if !errors.Is(err, rt.ErrNoSyscallPrograms) {
					t.Errorf("rt.Load on %s: %v, want ErrNoSyscallPrograms", features.Release(), err)
				}
				return
			}
			if len(testutil.Unmet(file)) > 0 {
				if err == nil {
					res.Close()
					t.Errorf("the loader of %s loaded on %s, which cannot load it", file, features.Release())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.MapFDs) != len(l.Maps) || len(res.ProgFDs) != len(l.Progs) {
				t.Errorf("loader returned %d maps, %d programs; want %d, %d", len(res.MapFDs), len(res.ProgFDs), len(l.Maps), len(l.Progs))
			}
			if err := res.Close(); err != nil {
				t.Fatal(err)
			}
		})
		t.Run(objectName(file)+"/bpfc-direct", func(t *testing.T) {
			if _, err := bpfc.Compile(path, nil); err != nil { // warm up, as above
				t.Fatal(err)
			}
			t.Cleanup(testutil.CheckNoFDLeak(t))
			coll, err := bpfc.Load(path, nil, nil)
			if refused(t, file, err, false) {
				coll.Close()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := coll.Close(); err != nil {
				t.Fatal(err)
			}
		})
		t.Run(objectName(file)+"/libbpf", func(t *testing.T) { runHarness(t, path, 2) })
		t.Run(objectName(file)+"/bpftool-lskel", func(t *testing.T) {
			r := runLskel(t, path, 2)
			if r.MinNs <= 0 || r.MinNs > r.MedianNs {
				t.Errorf("inconsistent times: %+v", r)
			}
		})
	}
}

func TestParseLskelSizes(t *testing.T) {
	good := "static inline int\nx__load(struct x *skel)\n{\n\topts.data_sz = 6224;\n\topts.data = (void *)\"\\\n\\0\";\n\topts.insns_sz = 4000;\n"
	for _, tc := range []struct {
		name, in string
		want     lskelSizes
		err      bool
	}{
		{"ok", good, lskelSizes{6224, 4000}, false},
		{"no data", strings.Replace(good, "opts.data_sz", "opts.x", 1), lskelSizes{}, true},
		{"no insns", strings.Replace(good, "opts.insns_sz = 4000;", "", 1), lskelSizes{}, true},
		{"twice", good + "\topts.data_sz = 1;\n", lskelSizes{}, true},
		{"odd insns", strings.Replace(good, "4000", "4001", 1), lskelSizes{}, true},
		{"empty", "", lskelSizes{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseLskelSizes([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if !tc.err && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestEnumDefinitions(t *testing.T) {
	src := "enum a {\n\tA1 = 1,\n};\n\nstruct s {\n\tint x;\n};\n\nenum b {\n\tB1 = 0,\n\tB2 = 1,\n};\n\n"
	header := []byte("struct bench_skel__rodata {\n\t\tenum b mode;\n\t\tenum c modes[2];\n\t} *rodata;\n")
	need := map[string]bool{}
	for _, m := range enumUseRe.FindAllSubmatch(header, -1) {
		need[string(m[1])] = true
	}
	if !need["b"] || !need["c"] || need["a"] {
		t.Errorf("enums used: %v, want b and c", need)
	}
	got := string(enumDefinitions([]byte(src), need))
	if want := "enum b {\n\tB1 = 0,\n\tB2 = 1,\n};\n"; got != want {
		t.Errorf("definitions = %q, want %q", got, want)
	}
}
