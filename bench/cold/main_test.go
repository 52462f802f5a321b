// Tests of the cold benchmark's parsing and statistics, and one short run
// of the whole benchmark on two objects (as root). No test asserts on
// timings.

package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
)

func TestParseSpawn(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       sample
		err        bool
	}{
		{"ok", "wall_ns=1000 user_ns=300 sys_ns=200 maxrss_kb=2048 status=0", sample{wall: 1000, cpu: 500, rssKB: 2048}, false},
		{"extra field", "wall_ns=1000 user_ns=300 sys_ns=200 maxrss_kb=2048 status=0 later=1", sample{wall: 1000, cpu: 500, rssKB: 2048}, false},
		{"failed", "wall_ns=1000 user_ns=300 sys_ns=200 maxrss_kb=2048 status=1", sample{}, true},
		{"missing", "wall_ns=1000 user_ns=300 maxrss_kb=2048 status=0", sample{}, true},
		{"bad number", "wall_ns=x user_ns=300 sys_ns=200 maxrss_kb=2048 status=0", sample{}, true},
		{"not key=value", "wall_ns=1000 junk", sample{}, true},
		{"empty", "", sample{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSpawn(tc.line)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if !tc.err && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestStatistics(t *testing.T) {
	s := []sample{{wall: 5}, {wall: 1}, {wall: 3}}
	if got := median(s, wall); got != 3 {
		t.Errorf("median of 5 1 3 = %v", got)
	}
	if got := median(append(s, sample{wall: 4}), wall); got != 3.5 {
		t.Errorf("median of 5 1 3 4 = %v", got)
	}
	if got := medianOf([]float64{2, 0.5, 1}); got != 1 {
		t.Errorf("medianOf = %v", got)
	}
	if got := geomean([]float64{0.5, 2, 1}); math.Abs(got-1) > 1e-12 {
		t.Errorf("geomean(0.5, 2, 1) = %v", got)
	}
	if !math.IsNaN(geomean(nil)) || !math.IsNaN(medianOf(nil)) {
		t.Error("statistics of nothing are not NaN")
	}
}

// TestRun runs the benchmark for one round on a CO-RE object and one
// without, whole processes only and with -inproc, and checks that the
// report has every row and summary line.
func TestRun(t *testing.T) {
	testutil.RequireKernel(t)
	testutil.Tool(t, "gcc", "/usr/include/bpf/libbpf.h", "/usr/include/gelf.h")
	testutil.Tool(t, "go")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, inproc := range []bool{false, true} {
		t.Run(fmt.Sprintf("inproc=%v", inproc), func(t *testing.T) {
			c := &config{
				rounds:  1,
				root:    root,
				inproc:  inproc,
				objects: []string{filepath.Join(root, "testdata", "core_task.o"), filepath.Join(root, "testdata", "sockfilter.o"), filepath.Join(root, "testdata", "legacy_maps.o")},
			}
			var out, log bytes.Buffer
			if err := run(c, &out, &log); err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			report := out.String()
			want := []string{
				"btf+kfunc", "bpfc -h", "go-hello", "core_task", "sockfilter",
				"first call in a fresh process", "objects with CO-RE:    geometric mean wall ratio", "cpu ratio", "bpfc cpu ms",
				"over 1 objects", "peak RSS:", "legacy_maps: libbpf cannot load it",
			}
			if inproc {
				want = append(want, "the objects' bpfc side is bench/coldload", "first load in a fresh process, in-process clock",
					"in process, objects with CO-RE:    geometric mean ratio", "in process, objects without CO-RE: geometric mean ratio", "in process, worst object:")
			}
			for _, w := range want {
				if !strings.Contains(report, w) {
					t.Errorf("report lacks %q:\n%s", w, report)
				}
			}
			if !inproc && strings.Contains(report, "in-process clock (bpfc.LoadFiles") {
				t.Errorf("report without -inproc has the in-process table:\n%s", report)
			}
			if strings.Contains(report, "NaN") {
				t.Errorf("report has NaN figures:\n%s", report)
			}
			if testing.Verbose() {
				os.Stdout.WriteString(report)
			}
		})
	}
}
