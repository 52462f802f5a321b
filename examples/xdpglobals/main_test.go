// Tests of the example: the committed skeleton is what bpfc generates
// today, and the program it loads computes what testdata/README.md says.

package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestSkeletonUpToDate(t *testing.T) {
	obj, l, err := bpfc.GenerateLoader("../../testdata/xdp_globals.o", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var fresh bytes.Buffer
	if err := skel.WriteGo(&fresh, l, obj, "main"); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("xdp_globals_skel.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh.Bytes(), committed) {
		t.Fatal("xdp_globals_skel.go is stale: run go generate ./examples/xdpglobals")
	}
}

func TestRun(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	for _, tc := range []struct {
		xor  bool
		want uint32
	}{{false, 127}, {true, 105}} {
		ret, bss, verified, err := run(tc.xor)
		if features.SyscallProg.Missing() {
			// No light skeleton loads before 5.14.
			if !errors.Is(err, rt.ErrNoSyscallPrograms) || !strings.Contains(err.Error(), "Linux 5.14") {
				t.Fatalf("Load on %s: %v; want the refusal naming syscall programs and 5.14", features.Release(), err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		// The blob is verified where the kernel hashes maps (6.18+).
		if verified != features.MapHash.Has() {
			t.Errorf("IntegrityVerified %v on %s", verified, features.Release())
		}
		if ret != tc.want || bss.BssResult != tc.want || bss.BssRuns != 1 || bss.BssPktLen != 64 {
			t.Errorf("xor=%v: returned %d, .bss %+v; want %d, runs 1, pkt_len 64", tc.xor, ret, bss, tc.want)
		}
	}
}
