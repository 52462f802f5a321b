// This file holds the static linking benchmark: bpfc linking objects into
// one (frontend, merge pass, ELF writer, the file written) against libbpf's
// linker doing the same (the C harness's -link mode: bpf_linker__new,
// add_file, finalize, as bpftool gen object), with the time ratio and the
// size of each side's .BTF in one run; and the test that both link every
// set. No test asserts on timings.

package bench

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/elfobj"
)

// linkSets are the object sets the link benchmark links: the three parts
// of testdata's basic link set, and three CO-RE tools that share many
// types (their BTF is mostly one set of kernel types, deduplicated).
var linkSets = []struct {
	name  string
	paths []string
}{
	{"basic", []string{"link/basic/a.o", "link/basic/b.o", "link/basic/c.o"}},
	{"tools", []string{"biolat.o", "execsnoop.o", "core_task.o"}},
}

// linkBpfc links paths with bpfc and writes the result to out.
func linkBpfc(paths []string, out string) error {
	obj, err := bpfc.CompileFiles(paths, &bpfc.Options{StopAfter: "merge"})
	if err != nil {
		return err
	}
	raw, err := elfobj.Marshal(obj)
	if err != nil {
		return err
	}
	return os.WriteFile(out, raw, 0o644)
}

// btfSize returns the size of the .BTF section of the ELF file at path.
func btfSize(tb testing.TB, path string) int {
	tb.Helper()
	f, err := elf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	s := f.Section(".BTF")
	if s == nil {
		tb.Fatalf("%s: no .BTF", path)
	}
	return int(s.Size)
}

// runLinkHarness links paths into out n times with libbpf's linker.
func runLinkHarness(tb testing.TB, out string, n int, paths []string) harnessResult {
	tb.Helper()
	args := append([]string{"-link", out}, paths...)
	return runHarnessArgs(tb, libbpfHarness(tb), append(args, strconv.Itoa(n))...)
}

// BenchmarkLink links each set with bpfc (in this process) and with
// libbpf's linker (the harness looping b.N times), and reports both sides'
// CPU time per link, their ratio bpfc/libbpf-cpu, and the .BTF sizes of
// the two outputs with their ratio bpfc/libbpf-btf. Wall time (ns/op) is
// bpfc's; libbpf-ns/op is the harness's.
func BenchmarkLink(b *testing.B) {
	for _, set := range linkSets {
		var paths []string
		for _, p := range set.paths {
			paths = append(paths, filepath.Join(testdataDir, p))
		}
		b.Run(set.name, func(b *testing.B) {
			dir := b.TempDir()
			mine, theirs := filepath.Join(dir, "bpfc.o"), filepath.Join(dir, "libbpf.o")
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			b.ResetTimer()
			for range b.N {
				if err := linkBpfc(paths, mine); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu := float64((cpuTime(b) - cpu0).Nanoseconds()) / float64(b.N)
			r := runLinkHarness(b, theirs, b.N, paths)
			b.ReportMetric(cpu, "cpu-ns/op")
			b.ReportMetric(r.NsPerOp, "libbpf-ns/op")
			b.ReportMetric(r.CPUNsPerOp, "libbpf-cpu-ns/op")
			b.ReportMetric(cpu/r.CPUNsPerOp, "bpfc/libbpf-cpu")
			mineBTF, theirBTF := btfSize(b, mine), btfSize(b, theirs)
			b.ReportMetric(float64(mineBTF), "bpfc-btf-B")
			b.ReportMetric(float64(theirBTF), "libbpf-btf-B")
			b.ReportMetric(float64(mineBTF)/float64(theirBTF), "bpfc/libbpf-btf")
		})
	}
}

// TestLinkSets checks that both sides of the benchmark link every set and
// write an object with BTF.
func TestLinkSets(t *testing.T) {
	libbpfHarness(t) // a host tool: skip (host-only in the kernel matrix) before linking for nothing
	for _, set := range linkSets {
		var paths []string
		for _, p := range set.paths {
			paths = append(paths, filepath.Join(testdataDir, p))
		}
		dir := t.TempDir()
		mine, theirs := filepath.Join(dir, "bpfc.o"), filepath.Join(dir, "libbpf.o")
		t0 := time.Now()
		if err := linkBpfc(paths, mine); err != nil {
			t.Fatalf("%s: bpfc: %v", set.name, err)
		}
		t.Logf("%s: bpfc linked in %v", set.name, time.Since(t0))
		r := runLinkHarness(t, theirs, 1, paths)
		if r.CPUNsPerOp <= 0 {
			t.Errorf("%s: harness reports %v CPU ns", set.name, r.CPUNsPerOp)
		}
		t.Logf("%s: .BTF %d bytes (bpfc), %d (libbpf)", set.name, btfSize(t, mine), btfSize(t, theirs))
	}
}
