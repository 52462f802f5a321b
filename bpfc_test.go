// Tests of the Go API: options applied between opening and loading, and a
// whole load into the running kernel with them.

package bpfc_test

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

const (
	globals   = "testdata/xdp_globals.o"
	mapsKinds = "testdata/maps_kinds.o"
	// kernelA is a fixed target, so that Compile does not depend on the
	// machine's kernel.
	kernelA = "testdata/btf/kernel_a.btf"
)

func TestCompileOptions(t *testing.T) {
	obj, err := bpfc.Compile(globals, &bpfc.Options{
		BTF:     kernelA,
		Set:     map[string]string{"rodata_mode": "MODE_XOR", "rodata_name": "hi"},
		Disable: []string{"xdp_bump"},
		CheckIR: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := obj.Map(".rodata")
	if m == nil {
		t.Fatal("no .rodata map")
	}
	ds := obj.DataSection(".rodata")
	if ds == nil {
		t.Fatal("no .rodata data section")
	}
	vars := map[string]uint32{}
	for _, v := range ds.Vars {
		vars[v.Name] = v.Offset
	}
	if got := binary.LittleEndian.Uint32(m.Data[vars["rodata_mode"]:]); got != 3 {
		t.Errorf("rodata_mode = %d after -set MODE_XOR, want 3", got)
	}
	if got := string(m.Data[vars["rodata_name"] : vars["rodata_name"]+3]); got != "hi\x00" {
		t.Errorf("rodata_name = %q, want \"hi\\x00\"", got)
	}
	if p := obj.Program("xdp_bump"); p == nil || p.Autoload {
		t.Errorf("xdp_bump still autoloaded after Disable")
	}
	if p := obj.Program("xdp_compute"); p == nil || !p.Autoload {
		t.Errorf("xdp_compute disabled too")
	}
}

// TestCompileEnable checks Options.Enable: the programs of "?" sections it
// matches load, the others do not, and Disable wins over it.
func TestCompileEnable(t *testing.T) {
	obj, err := bpfc.Compile("testdata/attach_probes.o", &bpfc.Options{
		BTF:     kernelA,
		Enable:  []string{"*_cookie", "?lsm/*"},
		Disable: []string{"kp_*"},
		CheckIR: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"tp_getpid":             true, // autoloaded, untouched
		"tp_getpid_cookie":      true, // "?" section, enabled by name
		"rawtp_getpid_cookie":   true,
		"fentry_openat2_cookie": true,
		"lsm_file_open":         true,  // enabled by section
		"fentry_openat2":        false, // "?" section, not matched
		"kp_openat2":            false, // disabled
		"kp_openat2_cookie":     false, // enabled, then disabled
	} {
		if p := obj.Program(name); p == nil || p.Autoload != want {
			t.Errorf("program %s: %+v, want autoload %v", name, p, want)
		}
	}
}

// TestCompileAttachTarget checks Options.AttachTarget on programs that
// attach by BTF (the name looked up gets the attach type's prefix) and by
// name.
func TestCompileAttachTarget(t *testing.T) {
	obj, err := bpfc.Compile("testdata/attach_probes.o", &bpfc.Options{
		BTF:          kernelA,
		AttachTarget: map[string]string{"tpbtf_getpid": "sys_exit", "kp_openat2": "do_sys_open", "tp_getpid": "syscalls/sys_enter_getppid"},
		CheckIR:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]string{
		"tpbtf_getpid": {"sys_exit", "btf_trace_sys_exit"},
		"kp_openat2":   {"do_sys_open", ""},
		"tp_getpid":    {"syscalls/sys_enter_getppid", ""},
		"rawtp_getpid": {"sys_enter", ""}, // untouched
	} {
		if p := obj.Program(name); p == nil || p.AttachTo != want[0] || p.AttachBTFName != want[1] {
			t.Errorf("program %s: %+v, want attach to %q (BTF name %q)", name, p, want[0], want[1])
		}
	}
}

func TestCompileOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		opts bpfc.Options
		want string
	}{
		{"unknown variable", globals, bpfc.Options{Set: map[string]string{"nosuch": "1"}}, `configure pass: Options.Set["nosuch"] = "1": variable nosuch`},
		{"bad enum", globals, bpfc.Options{Set: map[string]string{"rodata_mode": "MODE_NONE"}}, `Options.Set["rodata_mode"] = "MODE_NONE": `},
		{"no program matches", globals, bpfc.Options{Disable: []string{"fentry/*"}}, `Options.Disable "fentry/*": no program matches (programs: xdp_compute (xdp), xdp_bump (xdp))`},
		{"no program to enable", globals, bpfc.Options{Enable: []string{"xdp_nosuch"}}, `Options.Enable "xdp_nosuch": no program matches (programs: xdp_compute (xdp), xdp_bump (xdp))`},
		{"attach target of no program", globals, bpfc.Options{AttachTarget: map[string]string{"nosuch": "vfs_read"}}, `Options.AttachTarget["nosuch"] = "vfs_read": program nosuch: not found (programs: xdp_compute (xdp), xdp_bump (xdp))`},
		{"attach target of an XDP program", globals, bpfc.Options{AttachTarget: map[string]string{"xdp_bump": "eth0"}}, `Options.AttachTarget["xdp_bump"] = "eth0": program xdp_bump (section "xdp", xdp) has no attach target to set`},
		{"bad glob", globals, bpfc.Options{Enable: []string{"[x"}}, `Options.Enable "[x": enable "[x": syntax error in pattern`},
		{"unknown map", mapsKinds, bpfc.Options{MaxEntries: map[string]uint32{"nosuch": 4}}, `Options.MaxEntries["nosuch"] = 4: map nosuch: not found`},
		{"autocreate of an array", "testdata/structops_cc.o", bpfc.Options{Autocreate: map[string]bool{"cc_calls": false}}, `Options.Autocreate["cc_calls"] = false: map cc_calls: only struct_ops maps can be left uncreated`},
		{"missing object", "testdata/nosuch.o", bpfc.Options{}, "nosuch.o"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.BTF = kernelA
			_, err := bpfc.Compile(tc.path, &tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compile: %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestCompileStopAfter(t *testing.T) {
	var dump strings.Builder
	obj, err := bpfc.Compile(globals, &bpfc.Options{BTF: kernelA, DumpAfter: "maps", StopAfter: "maps", Dump: &dump})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dump.String(), "object xdp_globals.o") {
		t.Errorf("no IR dump after the maps pass:\n%s", dump.String())
	}
	if p := obj.Program("xdp_compute"); p == nil || len(p.Linked) != 0 {
		t.Errorf("link ran although compilation stopped after maps")
	}
}

// TestLoad loads with options into the running kernel and runs the program:
// the -set override is what the program computes with.
func TestLoad(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	coll, err := bpfc.Load(globals, &bpfc.Options{Set: map[string]string{"rodata_mode": "MODE_XOR"}}, &direct.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	prog := coll.Programs["xdp_compute"]
	if prog == nil {
		t.Fatal("no program xdp_compute")
	}
	res, err := prog.TestRun(direct.TestRunOptions{DataIn: testutil.Packet()})
	if err != nil {
		t.Fatal(err)
	}
	// testdata/README.md: with rodata_mode=MODE_XOR, 105.
	if res.Retval != 105 {
		t.Errorf("xdp_compute returned %d, want 105", res.Retval)
	}
	if _, err := bpfc.Load(mapsKinds, nil, nil); !errors.Is(err, direct.ErrMaxEntries) {
		t.Errorf("maps_kinds.o without -max-entries: %v, want ErrMaxEntries", err)
	}
	sized, err := bpfc.Load(mapsKinds, &bpfc.Options{MaxEntries: map[string]uint32{"user_sized_map": 16}}, nil)
	if err != nil {
		t.Fatalf("maps_kinds.o with user_sized_map=16: %v", err)
	}
	defer sized.Close()
	if m := sized.Maps["user_sized_map"]; m == nil || m.MaxEntries != 16 {
		t.Errorf("user_sized_map: %+v, want max_entries 16", m)
	}
}

// TestGenerateLoader generates the loader of an object and runs it: the
// same program as a direct load, with the same -set override applied.
func TestGenerateLoader(t *testing.T) {
	obj, l, err := bpfc.GenerateLoader(globals, &bpfc.Options{Set: map[string]string{"rodata_mode": "MODE_XOR"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if obj.Name != "xdp_globals.o" || len(l.Progs) != 2 || len(l.Blob) == 0 {
		t.Fatalf("loader of %s: %d programs, %d blob bytes", obj.Name, len(l.Progs), len(l.Blob))
	}
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	res, err := rt.Load(l.Spec(), nil)
	if features.SyscallProg.Missing() {
		// No loader program runs before 5.14.
		if err == nil {
			res.Close()
		}
		if !errors.Is(err, rt.ErrNoSyscallPrograms) || !strings.Contains(err.Error(), "Linux 5.14") {
			t.Fatalf("rt.Load on %s: %v; want the refusal naming syscall programs and 5.14", features.Release(), err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	var prog *rt.Program
	for i, p := range l.Progs {
		if p.Name == "xdp_compute" {
			prog = &rt.Program{Name: p.Name, FD: res.ProgFDs[i]}
		}
	}
	if prog == nil {
		t.Fatal("no xdp_compute in the loader")
	}
	retval, err := prog.Run(&rt.RunOptions{Data: testutil.Packet()})
	if err != nil {
		t.Fatal(err)
	}
	if retval != 105 {
		t.Errorf("xdp_compute through the loader returned %d, want 105", retval)
	}
}
