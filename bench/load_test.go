// This file holds the load benchmarks (bpfc against libbpf on the same
// CO-RE objects) and the tests that check the benchmarks measure what they
// claim: every object loads both ways, the harness reports sane figures.
// No test here asserts on timings.

package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/passes"
	"golang.org/x/sys/unix"
)

// bpfcVariants are the ways bpfc loads an object in the benchmarks.
var bpfcVariants = []struct {
	name string
	mode passes.COREMode
	flag string // cmd/bpfc -core value
}{
	{"bpfc-direct-user-core", passes.COREUser, "user"},
	{"bpfc-direct-kernel-core", passes.COREKernel, "kernel"},
}

// vmlinuxNames are the types both sides look up after parsing vmlinux BTF
// (the same list as libbpf/load.c's -btf mode).
var vmlinuxNames = []struct {
	name string
	kind btf.Kind
}{
	{"task_struct", btf.KindStruct},
	{"request", btf.KindStruct},
	{"gendisk", btf.KindStruct},
	{"pt_regs", btf.KindStruct},
	{"btf_trace_sched_process_exec", btf.KindTypedef},
	{"pid_type", btf.KindEnum},
}

const vmlinuxPath = "/sys/kernel/btf/vmlinux"

func objectName(file string) string { return strings.TrimSuffix(file, ".o") }

// loadBpfc loads the object with bpfc's Go API and closes it again.
func loadBpfc(path string, mode passes.COREMode) error {
	coll, err := bpfc.Load(path, &bpfc.Options{CORE: mode}, nil)
	if err != nil {
		return err
	}
	return coll.Close()
}

// cpuTime returns this process's user + system CPU time.
func cpuTime(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeOps runs op b.N times, failing the benchmark on its first error,
// and reports with the Go figures (allocations included) each op's median
// wall time (med-ns/op) and this process's CPU time per op (cpu-ns/op).
func timeOps(b *testing.B, op func() error) {
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(median(times), "med-ns/op")
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func median(ts []time.Duration) float64 {
	if len(ts) == 0 {
		return 0
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	return float64(s[len(s)/2].Nanoseconds())
}

// BenchmarkLoad opens, loads and closes each object in this process: with
// bpfc's Go API (CO-RE computed in user space, or handed to the kernel in
// BPF_PROG_LOAD's core_relos) and with libbpf (the C harness looping b.N
// times; its own clock and malloc counts replace the Go figures). bpfc
// parses vmlinux BTF once per process, libbpf once per load: these are the
// figures of a long-running loader. BenchmarkCLI has those of a command.
func BenchmarkLoad(b *testing.B) {
	benchLoad(b, benchObjects)
}

// BenchmarkLoadSmall is BenchmarkLoad on small objects without CO-RE,
// where allocations and decoding, not the kernel, are most of bpfc's
// share.
func BenchmarkLoadSmall(b *testing.B) {
	benchLoad(b, smallObjects)
}

// BenchmarkStructOpsLoad loads structops_link.o (two .struct_ops.link
// maps, created and written at load, and their programs) with bpfc's Go
// API and with cilium/ebpf (LoadCollectionSpec and NewCollection), each
// opening the ELF every time. Both find the kernel's
// bpf_struct_ops_tcp_congestion_ops in vmlinux BTF and lay the value out
// by member name. (Debian 12's libbpf 1.1 knows neither .struct_ops.link
// nor members the kernel lacks, so there is no libbpf row.)
func BenchmarkStructOpsLoad(b *testing.B) {
	testutil.RequireKernel(b)
	path := filepath.Join(testdataDir, "structops_link.o")
	b.Run("bpfc-direct", func(b *testing.B) {
		timeOps(b, func() error { return loadBpfc(path, passes.COREUser) })
	})
	b.Run("cilium", func(b *testing.B) {
		timeOps(b, func() error {
			spec, err := ebpf.LoadCollectionSpec(path)
			if err != nil {
				return err
			}
			coll, err := ebpf.NewCollection(spec)
			if err != nil {
				return err
			}
			coll.Close()
			return nil
		})
	})
}

// benchLoad runs BenchmarkLoad on files.
func benchLoad(b *testing.B, files []string) {
	testutil.RequireKernel(b)
	for _, file := range files {
		path := filepath.Join(testdataDir, file)
		b.Run(objectName(file), func(b *testing.B) {
			for _, v := range bpfcVariants {
				b.Run(v.name, func(b *testing.B) {
					timeOps(b, func() error { return loadBpfc(path, v.mode) })
				})
			}
			b.Run("libbpf", func(b *testing.B) {
				r := runHarness(b, path, b.N)
				reportHarness(b, r)
			})
		})
	}
}

// reportHarness replaces the benchmark's Go-measured figures (a process
// spawn) with the harness's own.
func reportHarness(b *testing.B, r harnessResult) {
	b.ReportMetric(r.NsPerOp, "ns/op")
	b.ReportMetric(r.MedianNs, "med-ns/op")
	b.ReportMetric(r.AllocsPerOp, "allocs/op")
	b.ReportMetric(r.BytesPerOp, "B/op")
	b.ReportMetric(r.FirstNs, "first-ns")
	b.ReportMetric(r.CPUNsPerOp, "cpu-ns/op")
}

// BenchmarkVmlinuxBTF parses the running kernel's vmlinux BTF and looks up
// a few names, as a CO-RE load must before its first candidate search.
// bpfc-mmap is what btf.LoadKernel does once per process (map the sysfs
// file, btf.Parse, index on first lookup); bpfc-read is btf.LoadTarget on
// the same file (read(2) in sysfs's 4 KiB pieces, as for -btf FILE); both
// bypass LoadKernel's process-wide cache. libbpf is btf__load_vmlinux_btf
// + btf__find_by_name_kind, which every libbpf CO-RE load does.
func BenchmarkVmlinuxBTF(b *testing.B) {
	lookup := func(b *testing.B, spec *btf.Spec) {
		for _, n := range vmlinuxNames {
			if len(spec.FindByEssentialName(n.name, n.kind)) == 0 {
				b.Fatalf("vmlinux BTF has no %s %s", n.kind, n.name)
			}
		}
	}
	if _, err := os.Stat(vmlinuxPath); err != nil {
		b.Skipf("no vmlinux BTF: %v", err)
	}
	b.Run("bpfc-mmap", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuTime(b)
		for b.Loop() {
			raw, err := mmapFile(vmlinuxPath)
			if err != nil {
				b.Skipf("cannot map %s (Linux < 6.16?): %v", vmlinuxPath, err)
			}
			spec, err := btf.Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			lookup(b, spec)
			if err := unix.Munmap(raw); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	b.Run("bpfc-read", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuTime(b)
		for b.Loop() {
			spec, err := btf.LoadTarget(vmlinuxPath)
			if err != nil {
				b.Fatal(err)
			}
			lookup(b, spec)
		}
		b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	b.Run("libbpf", func(b *testing.B) {
		reportHarness(b, runHarness(b, "-btf", b.N))
	})
}

// mmapFile maps a file read-only.
func mmapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
}

// cliCommand is one way of loading an object from the command line.
type cliCommand struct {
	name string
	argv []string
}

func cliCommands(tb testing.TB, path string) []cliCommand {
	tb.Helper()
	bpfcBin := bpfcCommand(tb)
	harness := libbpfHarness(tb)
	var cmds []cliCommand
	for _, v := range bpfcVariants {
		cmds = append(cmds, cliCommand{v.name, []string{bpfcBin, "-emit=direct", "-core=" + v.flag, path}})
	}
	return append(cmds, cliCommand{"libbpf", []string{harness, path, "1"}})
}

// runCLI runs the command and returns the CPU time (user + system) it
// used. (Its peak RSS is not reported: for a child of this process it is
// at least this process's RSS, inherited up to exec.)
func runCLI(c cliCommand) (time.Duration, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(c.argv[0], c.argv[1:]...)
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", strings.Join(c.argv, " "), err, stderr.String())
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// BenchmarkCLI is a whole CO-RE load as a user times it: one process per
// load (start-up, vmlinux BTF, feature probes, verifier, exit), `bpfc
// -emit=direct -core=user|kernel OBJ` against the libbpf harness with
// N=1. Every iteration runs all three, in rotating order, so they share
// the machine's noise; the figures are per command (mean and median wall
// time, mean CPU time of the child process) and the
// bpfc/libbpf ratios of the means. ns/op is suppressed: one op is three
// loads; B/op and allocs/op are the test binary's own (spawning).
func BenchmarkCLI(b *testing.B) {
	testutil.RequireKernel(b)
	for _, file := range benchObjects {
		path := filepath.Join(testdataDir, file)
		b.Run(objectName(file), func(b *testing.B) {
			cmds := cliCommands(b, path)
			times := make([][]time.Duration, len(cmds))
			cpus := make([]time.Duration, len(cmds))
			b.ResetTimer()
			for i := range b.N {
				for j := range cmds {
					k := (i + j) % len(cmds)
					t0 := time.Now()
					cpu, err := runCLI(cmds[k])
					if err != nil {
						b.Fatal(err)
					}
					times[k] = append(times[k], time.Since(t0))
					cpus[k] += cpu
				}
			}
			b.StopTimer()
			means := make([]float64, len(cmds))
			cpuMeans := make([]float64, len(cmds))
			for k, c := range cmds {
				var sum time.Duration
				for _, t := range times[k] {
					sum += t
				}
				means[k] = float64(sum.Nanoseconds()) / float64(len(times[k]))
				b.ReportMetric(means[k], c.name+"-ns/op")
				b.ReportMetric(median(times[k]), c.name+"-med-ns/op")
				cpuMeans[k] = float64(cpus[k].Nanoseconds()) / float64(b.N)
				b.ReportMetric(cpuMeans[k], c.name+"-cpu-ns/op")
			}
			lib, libCPU := means[len(cmds)-1], cpuMeans[len(cmds)-1]
			for k, c := range cmds[:len(cmds)-1] {
				b.ReportMetric(means[k]/lib, c.name+"/libbpf")
				b.ReportMetric(cpuMeans[k]/libCPU, c.name+"/libbpf-cpu")
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}

// TestBenchObjectsLoad checks that bpfc loads every benchmark object in
// both CO-RE modes, so a benchmark never times a failure.
func TestBenchObjectsLoad(t *testing.T) {
	testutil.RequireKernel(t)
	for _, file := range benchObjects {
		for _, v := range bpfcVariants {
			t.Run(objectName(file)+"/"+v.name, func(t *testing.T) {
				t.Cleanup(testutil.CheckNoFDLeak(t))
				err := loadBpfc(filepath.Join(testdataDir, file), v.mode)
				if refused(t, file, err, v.mode == passes.COREKernel) {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// refused reports whether the running kernel cannot load object file (so
// that nothing here can be timed on it), after checking that err is the
// refusal it warrants: what the object needs, or kernel CO-RE (5.17) when
// the CO-RE records were left to the kernel.
func refused(t *testing.T, file string, err error, kernelCORE bool) bool {
	t.Helper()
	unmet := testutil.Unmet(file)
	if kernelCORE && features.KernelCORE.Missing() {
		unmet = append(unmet, testutil.KernelCORE)
	}
	if len(unmet) == 0 {
		return false
	}
	testutil.CheckRefused(t, file, unmet, err)
	return true
}

// TestHarness runs the libbpf harness on every benchmark object and in
// -btf mode, and checks its report is complete and consistent.
func TestHarness(t *testing.T) {
	testutil.RequireKernel(t)
	cases := []string{"-btf"}
	for _, f := range benchObjects {
		cases = append(cases, filepath.Join(testdataDir, f))
	}
	for _, what := range cases {
		t.Run(filepath.Base(what), func(t *testing.T) {
			r := runHarness(t, what, 3)
			if r.MinNs <= 0 || r.MinNs > r.MedianNs || r.NsPerOp < r.MinNs {
				t.Errorf("inconsistent times: %+v", r)
			}
			if r.AllocsPerOp < 1 || r.BytesPerOp < 1 {
				t.Errorf("allocations not counted: %+v", r)
			}
			if r.MaxRSSKB <= 0 {
				t.Errorf("no maxrss: %+v", r)
			}
		})
	}
}

// TestHarnessFails checks that the harness reports a load failure instead
// of timing it.
func TestHarnessFails(t *testing.T) {
	path := libbpfHarness(t)
	cmd := exec.Command(path, filepath.Join(testdataDir, "no-such-object.o"), "1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("harness succeeded on a missing object:\n%s", out)
	}
	if !strings.Contains(string(out), "no-such-object.o") {
		t.Errorf("error does not name the object:\n%s", out)
	}
}

// TestCLI runs each command of BenchmarkCLI once.
func TestCLI(t *testing.T) {
	testutil.RequireKernel(t)
	for _, file := range benchObjects {
		for _, c := range cliCommands(t, filepath.Join(testdataDir, file)) {
			t.Run(objectName(file)+"/"+c.name, func(t *testing.T) {
				if _, err := runCLI(c); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestParseHarness(t *testing.T) {
	good := "iters=5 ns_per_op=100 first_ns=300 min_ns=50 median_ns=90 allocs_per_op=7 bytes_per_op=1024 cpu_ns_per_op=80 maxrss_kb=2000"
	for _, tc := range []struct {
		name, out string
		want      harnessResult
		err       bool
	}{
		{"ok", good + "\n", harnessResult{5, 100, 300, 50, 90, 7, 1024, 80, 2000}, false},
		{"last line", "libbpf: noise\n" + good, harnessResult{5, 100, 300, 50, 90, 7, 1024, 80, 2000}, false},
		{"extra field", good + " future=1", harnessResult{5, 100, 300, 50, 90, 7, 1024, 80, 2000}, false},
		{"missing field", "iters=5 ns_per_op=100", harnessResult{}, true},
		{"no iters", strings.Replace(good, "iters=5 ", "", 1), harnessResult{}, true},
		{"bad number", strings.Replace(good, "min_ns=50", "min_ns=x", 1), harnessResult{}, true},
		{"not key=value", good + " junk", harnessResult{}, true},
		{"empty", "", harnessResult{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseHarness(tc.out)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if !tc.err && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
