// This file tests the command line: exit codes, flag errors, errors naming
// the object, -emit=ir, the skeleton writers of -emit=loader, and on the
// kernel -emit=direct and -emit=loader -run with -set, -max-entries,
// -disable and -pin into a private bpffs.

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

const testdata = "../../testdata"

func obj(name string) string { return filepath.Join(testdata, name) }

// runCLI runs the command line and returns its exit code and outputs.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelp(t *testing.T) {
	code, _, stderr := runCLI("-h")
	if code != exitOK {
		t.Errorf("-h: exit %d, want 0", code)
	}
	if !strings.Contains(stderr, "usage: bpfc") {
		t.Errorf("-h prints no usage:\n%s", stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	x := obj("xdp_globals.o")
	for _, args := range [][]string{
		{},
		{"-nosuch", x},
		{"-emit=foo", x},
		{"-lang=rust", "-emit=loader", x},
		{"-core=maybe", x},
		{"-run", x},
		{"-trace", x},
		{"-dump-after=core", x},
		{"-emit=ir", "-dump-after=nosuch", x},
		{"-emit=ir", "-pin", "/tmp", x},
		{"-max-entries", "m=notanumber", x},
		{"-key-size", "m=-1", x},
		{"-value-size", "m", x},
		{"-autocreate", "m=maybe", x},
		{"-set", "novalue", x},
		{"-module-btf", "nofile", x},
		{"-emit=loader", "-lang=raw", x},
		{"-probe", x},
		{"-require-integrity", "-emit=loader", x},
		{"-emit=loader", "-sign-key", "k.pem", x},
		{"-emit=loader", "-sign-cert", "c.pem", x},
		{"-sign-key", "k.pem", "-sign-cert", "c.pem", x},
		{"-emit=loader", "-run", "-keyring", "session", x},
		{"-emit=loader", "-run", "-keyring", "nosuch", "-sign-key", "k.pem", "-sign-cert", "c.pem", x},
		{"-verify-sig", "s.go"},
		{"-verify-sig", "s.go", "-sign-cert", "c.pem", x},
		{"-verify-sig", "s.go", "-sign-cert", "c.pem", "-sign-key", "k.pem"},
		{"-emit=elf", x},
		{"-emit=elf", "-o", "/tmp/x.o", "-set", "a=1", x},
	} {
		code, _, stderr := runCLI(args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
		if !strings.Contains(stderr, "bpfc:") && !strings.Contains(stderr, "usage") && !strings.Contains(stderr, "flag") {
			t.Errorf("%q: no error message: %q", args, stderr)
		}
	}
}

// TestProbe checks that -probe prints every feature with the verdict of
// the features package, and the map and program types.
func TestProbe(t *testing.T) {
	testutil.RequireKernel(t)
	code, stdout, stderr := runCLI("-probe")
	if code != exitOK {
		t.Fatalf("-probe: exit %d: %s", code, stderr)
	}
	lines := map[string][]string{}
	for _, l := range strings.Split(stdout, "\n") {
		if f := strings.Fields(l); len(f) >= 2 {
			lines[f[0]] = f
		}
	}
	if !strings.HasPrefix(stdout, "kernel "+features.Release()+"\n") {
		t.Errorf("-probe does not start with the kernel release:\n%s", stdout)
	}
	for _, f := range features.All() {
		want := "no"
		if f.Has() {
			want = "yes"
		}
		if l := lines[f.Name]; len(l) < 3 || l[1] != want || l[2] != f.Since {
			t.Errorf("feature %s: line %q, want %s since %s", f.Name, l, want, f.Since)
		}
	}
	for _, name := range []string{"bloom_filter", "ringbuf", "syscall", "xdp"} {
		if l := lines[name]; len(l) < 3 || (l[1] != "yes" && l[1] != "no") {
			t.Errorf("type %s: line %q", name, l)
		}
	}
}

// TestRequireIntegrity runs a loader with the blob check: where the kernel
// hashes maps it is verified; elsewhere it loads with a note saying it is
// not, and -require-integrity refuses it; before 5.14 no loader runs.
func TestRequireIntegrity(t *testing.T) {
	testutil.RequireKernel(t)
	x := obj("xdp_globals.o")
	code, _, stderr := runCLI("-emit=loader", "-run", x)
	codeReq, _, stderrReq := runCLI("-emit=loader", "-run", "-require-integrity", x)
	switch {
	case features.SyscallProg.Missing():
		for _, r := range []struct {
			code   int
			stderr string
		}{{code, stderr}, {codeReq, stderrReq}} {
			if r.code != exitFailure || !strings.Contains(r.stderr, "no BPF_PROG_TYPE_SYSCALL programs (Linux 5.14+)") {
				t.Errorf("-run on %s: exit %d, %q; want the refusal naming syscall programs and 5.14", features.Release(), r.code, r.stderr)
			}
		}
	case features.MapHash.Missing():
		if code != exitOK || !strings.Contains(stderr, "blob integrity not verified") {
			t.Errorf("-run on %s: exit %d, %q; want a load with the note", features.Release(), code, stderr)
		}
		if codeReq != exitFailure || !strings.Contains(stderrReq, "cannot hash maps (Linux 6.18+)") {
			t.Errorf("-run -require-integrity on %s: exit %d, %q; want the refusal", features.Release(), codeReq, stderrReq)
		}
	default:
		if code != exitOK || codeReq != exitOK || stderr != "" || stderrReq != "" {
			t.Errorf("-run: exit %d %q; -require-integrity: exit %d %q; want both verified and silent", code, stderr, codeReq, stderrReq)
		}
	}
}

func TestBadObject(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "garbage.o")
	if err := os.WriteFile(bad, []byte("this is not an ELF file at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-emit=ir", bad},
		{"-emit=loader", bad},
		{"-emit=loader", "-lang=c", bad},
		{"-emit=ir", filepath.Join(dir, "missing.o")},
		{"-emit=loader", "-disable", "nosuchprog", obj("xdp_globals.o")},
		{"-emit=loader", "-set", "nosuchvar=1", obj("xdp_globals.o")},
	} {
		code, _, stderr := runCLI(args...)
		if code != exitFailure {
			t.Errorf("%q: exit %d, want %d", args, code, exitFailure)
		}
		object := filepath.Base(args[len(args)-1])
		if !strings.Contains(stderr, object) {
			t.Errorf("%q: error does not name %s: %q", args, object, stderr)
		}
		if args[len(args)-1] == bad && !strings.Contains(stderr, `garbage.o: not an ELF file: it starts with "this"`) {
			t.Errorf("%q: error does not say the file is not ELF: %q", args, stderr)
		}
	}
}

// TestFlagSpelling: the library names its API (Options.Set, ...); the
// command line's errors name the flags instead.
func TestFlagSpelling(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-emit=ir", "-set", "nosuch=1", obj("xdp_globals.o")}, "xdp_globals.o: configure pass: -set nosuch=1: variable nosuch: "},
		{[]string{"-emit=ir", "-disable", "fentry/*", obj("xdp_globals.o")}, "-disable fentry/*: no program matches"},
		{[]string{"-emit=ir", "-enable", "fentry/*", obj("xdp_globals.o")}, "-enable fentry/*: no program matches"},
		{[]string{"-emit=ir", "-attach-target", "xdp_bump=eth0", obj("xdp_globals.o")}, "-attach-target xdp_bump=eth0: program xdp_bump (section \"xdp\", xdp) has no attach target to set"},
		{[]string{"-emit=ir", "-max-entries", "nosuch=3", obj("maps_kinds.o")}, "-max-entries nosuch=3: map nosuch: not found"},
		{[]string{"-emit=ir", "-value-size", "nosuch=8", obj("maps_kinds.o")}, "-value-size nosuch=8: map nosuch: not found"},
		{[]string{"-emit=ir", "-key-size", ".rodata.cst16=8", obj("maps_kinds.o")}, "-key-size .rodata.cst16=8: map .rodata.cst16: global data maps take their sizes"},
		{[]string{"-emit=ir", "-btf", obj("btf/kernel_st.btf"), "-autocreate", "cc_calls=false", obj("structops_cc.o")}, "-autocreate cc_calls=false: map cc_calls: only struct_ops maps can be left uncreated"},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != exitFailure || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "Options.") {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitFailure, tc.want)
		}
	}
}

// TestAutocreate: -autocreate creates a "?.struct_ops" map, whose
// program then loads, or leaves a struct_ops map out, with the programs
// only it uses.
func TestAutocreate(t *testing.T) {
	for _, tc := range []struct {
		flag       string
		map_, prog string // the map and program turned on (off)
		on         bool
	}{
		{"bpfc_optional=true", "bpfc_optional", "reno_optional", true},
		{"bpfc_reno=false", "bpfc_reno", "reno_set_state", false},
	} {
		code, out, stderr := runCLI("-emit=ir", "-btf", obj("btf/kernel_st.btf"), "-autocreate", tc.flag, obj("structops_cc.o"))
		if code != exitOK {
			t.Fatalf("-autocreate %s: exit %d: %s", tc.flag, code, stderr)
		}
		var mapLine, progLine string
		lines := strings.Split(out, "\n")
		for i, l := range lines {
			if f := strings.Fields(l); len(f) > 2 && f[0] == "map" && f[2] == tc.map_ && i+1 < len(lines) {
				mapLine = l + "\n" + lines[i+1] // the definition is on the next line
			}
			if strings.HasPrefix(l, "program "+tc.prog+" ") {
				progLine = l
			}
		}
		if mapLine == "" || progLine == "" {
			t.Fatalf("-autocreate %s: no map %s or program %s in the IR:\n%s", tc.flag, tc.map_, tc.prog, out)
		}
		if strings.Contains(mapLine, " noautocreate") == tc.on || strings.Contains(progLine, " noautoload") == tc.on {
			t.Errorf("-autocreate %s:\n%s\n%s", tc.flag, mapLine, progLine)
		}
	}
}

func TestEmitIR(t *testing.T) {
	code, out, stderr := runCLI("-emit=ir", obj("xdp_globals.o"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"xdp_compute", "xdp_bump", ".rodata"} {
		if !strings.Contains(out, want) {
			t.Errorf("IR lacks %q", want)
		}
	}
	code, out, stderr = runCLI("-emit=ir", "-dump-after=datasec", obj("xdp_globals.o"))
	if code != exitOK || !strings.Contains(out, "xdp_compute") {
		t.Errorf("-dump-after=datasec: exit %d: %s", code, stderr)
	}
	// The user's edits are the configure pass: its dump shows them
	// (rodata_mode, the third u32 of .rodata, is MODE_XOR = 3).
	const edited = "0000: 03 00 00 00 01 00 00 00 03 00 00 00"
	if strings.Contains(out, edited) {
		t.Fatalf("-dump-after=datasec already shows the edit:\n%s", out)
	}
	code, out, stderr = runCLI("-emit=ir", "-dump-after=configure", "-set", "rodata_mode=MODE_XOR", obj("xdp_globals.o"))
	if code != exitOK || !strings.Contains(out, edited) {
		t.Errorf("-dump-after=configure -set rodata_mode=MODE_XOR: exit %d: %s\n%s", code, stderr, out)
	}
}

// TestModuleBTF resolves module_user.o's kfunc, typed ksym and CO-RE
// against the testdata kernel kernel_a and its module bpfc_mod, given as
// files: this machine has no modules.
func TestModuleBTF(t *testing.T) {
	kernelA := filepath.Join(testdata, "btf", "kernel_a.btf")
	module := "bpfc_mod=" + filepath.Join(testdata, "btf", "module_a.btf")
	code, out, stderr := runCLI("-emit=ir", "-btf", kernelA, "-module-btf", module, obj("module_user.o"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"module btf bpfc_mod fd_array[1]",
		"kfunc: FUNC bpfc_mod_kfunc [93] in module bpfc_mod",
		"ksym: VAR bpfc_mod_stats [94] in module bpfc_mod",
		"=> module bpfc_mod [90] struct bpfc_mod_state.flags (0:2 @ offset 16)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("IR lacks %q", want)
		}
	}
	// Without the module, a target given as a file has none.
	code, _, stderr = runCLI("-emit=ir", "-btf", kernelA, obj("module_user.o"))
	if code != exitFailure || !strings.Contains(stderr, "no VAR bpfc_mod_stats in kernel BTF") {
		t.Errorf("without -module-btf: exit %d, want %d and the ksym not found: %s", code, exitFailure, stderr)
	}
	code, _, stderr = runCLI("-emit=ir", "-btf", kernelA, "-module-btf", "bpfc_mod=/nonexistent.btf", obj("module_user.o"))
	if code != exitFailure || !strings.Contains(stderr, "/nonexistent.btf") {
		t.Errorf("missing module file: exit %d, want %d and the file named: %s", code, exitFailure, stderr)
	}
}

func TestEmitLoaderGo(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ args []string }{
		{[]string{"-emit=loader", "-o", filepath.Join(dir, "a.go"), obj("xdp_globals.o")}},
		{[]string{"-emit=loader", "-lang=go", "-pkg", "myskel", "-o", filepath.Join(dir, "b.go"), obj("xdp_globals.o")}},
	} {
		code, _, stderr := runCLI(c.args...)
		if code != exitOK {
			t.Fatalf("%q: exit %d: %s", c.args, code, stderr)
		}
	}
	for file, pkg := range map[string]string{"a.go": "xdpglobals", "b.go": "myskel"} {
		src, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(src, []byte("// Code generated by bpfc; DO NOT EDIT.\n")) {
			t.Errorf("%s: no generated-code header", file)
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.PackageClauseOnly)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if f.Name.Name != pkg {
			t.Errorf("%s: package %s, want %s", file, f.Name.Name, pkg)
		}
	}
	// Standard output without -o.
	code, out, _ := runCLI("-emit=loader", obj("tracing.o"))
	if code != exitOK || !strings.Contains(out, "type Tracing struct") {
		t.Errorf("stdout skeleton: exit %d", code)
	}
}

func TestEmitLoaderC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lskel.h")
	code, _, stderr := runCLI("-emit=loader", "-lang=c", "-o", path, obj("xdp_globals.o"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"struct xdp_globals {", "xdp_globals__open_and_load(void)", "#include <bpf/skel_internal.h>", "} *bss;"} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("C skeleton lacks %q", want)
		}
	}
	code, _, _ = runCLI("-emit=loader", "-lang=c", "-pkg", "bad-name", "-o", path, obj("xdp_globals.o"))
	if code != exitFailure {
		t.Errorf("bad C name: exit %d", code)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("failed write left its output file")
	}
}

func TestEmitLoaderRaw(t *testing.T) {
	base := filepath.Join(t.TempDir(), "tracing")
	code, _, stderr := runCLI("-emit=loader", "-lang=raw", "-o", base, obj("tracing.o"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	js, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Object    string `json:"object"`
		BlobSize  int    `json:"blob_size"`
		InsnCount int    `json:"insn_count"`
		Progs     []struct {
			Name string `json:"name"`
		} `json:"progs"`
	}
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	blob, _ := os.ReadFile(base + ".blob")
	insns, _ := os.ReadFile(base + ".insns")
	if m.Object != "tracing.o" || m.BlobSize != len(blob) || m.InsnCount*8 != len(insns) || len(m.Progs) != 4 {
		t.Errorf("manifest %+v: blob %d bytes, insns %d bytes", m, len(blob), len(insns))
	}
}

// tableRow is a parsed line of the table.
type tableRow struct {
	kind, name, typ string
	id              uint32
	pin             string
}

func parseTable(t *testing.T, out string) map[string]tableRow {
	t.Helper()
	rows := map[string]tableRow{}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "KIND") {
		t.Fatalf("no table:\n%s", out)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 5 {
			continue
		}
		id, err := strconv.ParseUint(f[3], 10, 32)
		if err != nil {
			t.Fatalf("bad id in %q", l)
		}
		rows[f[0]+" "+f[1]] = tableRow{f[0], f[1], f[2], uint32(id), f[4]}
	}
	return rows
}

// packet is the test packet of testdata/README.md.
var packet = testutil.Packet()

// modes are the two ways of loading the command line offers.
var modes = []struct {
	name string
	args []string
}{
	{"direct", []string{"-emit=direct"}},
	{"loader", []string{"-emit=loader", "-run"}},
	{"loader-traced", []string{"-emit=loader", "-run", "-trace"}},
}

// loaderRefused reports, for a -run mode on a kernel without syscall
// programs (before 5.14), that the command refuses object naming them
// and 5.14 (checked here): the caller's test ends.
func loaderRefused(t *testing.T, args []string, object string) bool {
	t.Helper()
	if !slices.Contains(args, "-run") || !features.SyscallProg.Missing() {
		return false
	}
	code, _, stderr := runCLI(append(append([]string(nil), args...), obj(object))...)
	if code != exitFailure || !strings.Contains(stderr, "no BPF_PROG_TYPE_SYSCALL programs (Linux 5.14+)") {
		t.Errorf("%q on %s: exit %d, %q; want the refusal naming syscall programs and 5.14", args, features.Release(), code, stderr)
	}
	return true
}

func TestLoadXDPGlobals(t *testing.T) {
	testutil.RequireKernel(t)
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			if loaderRefused(t, mode.args, "xdp_globals.o") {
				return
			}
			// Without -pin everything is gone after exit.
			code, out, stderr := runCLI(append(mode.args, obj("xdp_globals.o"))...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rows := parseTable(t, out)
			for _, k := range []string{"map .rodata", "map .bss", "map .data.custom", "prog xdp_compute", "prog xdp_bump"} {
				r, ok := rows[k]
				if !ok || r.id == 0 || r.pin != "-" {
					t.Errorf("%s: row %+v (ok %v)", k, r, ok)
				}
			}
			if r := rows["prog xdp_compute"]; r.typ != "xdp" {
				t.Errorf("xdp_compute type %q", r.typ)
			}
			if prog, err := ebpf.NewProgramFromID(ebpf.ProgramID(rows["prog xdp_compute"].id)); err == nil {
				prog.Close()
				t.Error("program still loaded after the command returned")
			}

			// -set, -disable and -pin.
			dir := testutil.BPFFS(t)
			args := append(append([]string(nil), mode.args...), "-pin", dir, "-set", "rodata_mode=MODE_XOR", "-disable", "xdp_bump", obj("xdp_globals.o"))
			code, out, stderr = runCLI(args...)
			if code != exitOK {
				t.Fatalf("%q: exit %d: %s", args, code, stderr)
			}
			rows = parseTable(t, out)
			if _, ok := rows["prog xdp_bump"]; ok {
				t.Error("-disable xdp_bump: still loaded")
			}
			r := rows["prog xdp_compute"]
			if r.pin != filepath.Join(dir, "xdp_compute") {
				t.Fatalf("xdp_compute pinned at %q", r.pin)
			}
			// Checked through cilium/ebpf, a loader of its own.
			prog, err := ebpf.LoadPinnedProgram(r.pin, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer prog.Close()
			info, err := prog.Info()
			if err != nil {
				t.Fatal(err)
			}
			if id, ok := info.ID(); !ok || uint32(id) != r.id {
				t.Errorf("pinned program id %d (%v), table %d", id, ok, r.id)
			}
			retval, err := prog.Run(&ebpf.RunOptions{Data: packet})
			if err != nil {
				t.Fatal(err)
			}
			if retval != 105 {
				t.Errorf("-set rodata_mode=MODE_XOR: retval %d, want 105", retval)
			}
			for _, k := range []string{"map .rodata", "map .bss"} {
				if _, err := os.Stat(rows[k].pin); err != nil {
					t.Errorf("%s: %v", k, err)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "xdp_glob_bss")); err != nil {
				t.Errorf(".bss pin name: %v", err)
			}
		})
	}
}

func TestLoadMaxEntries(t *testing.T) {
	testutil.RequireKernel(t)
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			// maps_kinds.o has a map that must be sized.
			code, _, stderr := runCLI(append(mode.args, obj("maps_kinds.o"))...)
			if code != exitFailure || !strings.Contains(stderr, "user_sized_map") {
				t.Errorf("unsized map: exit %d: %s", code, stderr)
			}
			if loaderRefused(t, append(append([]string(nil), mode.args...), "-max-entries", "user_sized_map=16"), "maps_kinds.o") {
				return
			}
			dir := testutil.BPFFS(t)
			args := append(append([]string(nil), mode.args...), "-pin", dir,
				"-max-entries", "user_sized_map=16", "-max-entries", "hash_map=64", "-disable", "fill_maps", obj("maps_kinds.o"))
			code, out, stderr := runCLI(args...)
			if code != exitOK {
				t.Fatalf("%q: exit %d: %s", args, code, stderr)
			}
			rows := parseTable(t, out)
			if _, ok := rows["prog fill_maps"]; ok {
				t.Error("-disable fill_maps: still loaded")
			}
			for name, want := range map[string]uint32{"user_sized_map": 16, "hash_map": 64, "array_map": 4} {
				m, err := ebpf.LoadPinnedMap(rows["map "+name].pin, nil)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := m.MaxEntries()
				m.Close()
				if got != want {
					t.Errorf("%s: max_entries %d, want %d", name, got, want)
				}
			}
		})
	}
}

// TestPinByNameNotBPFFS loads maps_attrs.o, which pins a map by name, with
// -pin naming a directory that is not on a bpffs: the error says so, how to
// mount one, and what -pin does.
func TestPinByNameNotBPFFS(t *testing.T) {
	testutil.RequireKernel(t)
	dir := t.TempDir()
	code, _, stderr := runCLI("-emit=direct", "-pin", dir, obj("maps_attrs.o"))
	if unmet := testutil.Unmet("maps_attrs.o"); len(unmet) > 0 {
		// The bloom filter map, created first, is refused first.
		testutil.CheckRefused(t, "maps_attrs.o", unmet, errors.New(stderr))
		return
	}
	if code != exitFailure {
		t.Fatalf("exit %d, want %d: %s", code, exitFailure, stderr)
	}
	for _, want := range []string{
		"maps_attrs.o: map pinned_hash: pinned by name (LIBBPF_PIN_BY_NAME): pin directory " + dir + " is not on a bpffs",
		"mount -t bpf bpf " + dir,
		"bpfc -pin DIR pins under DIR",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("error lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "needs root") {
		t.Errorf("error blames privileges:\n%s", stderr)
	}
}

// TestLoadSizes loads sized_maps.o, whose stack trace and hash maps are
// unsized (as bcc's tools leave them), in both modes: each missing size is
// named with its flag, and with -max-entries, -key-size and -value-size
// the maps are created with those sizes.
func TestLoadSizes(t *testing.T) {
	testutil.RequireKernel(t)
	for _, mode := range modes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			for _, c := range []struct {
				flags []string
				msg   string
			}{
				{nil, "bpfc: sized_maps.o: map stackmap: max_entries is 0 (set it with -max-entries stackmap=N)"},
				{[]string{"-max-entries", "stackmap=256"}, "bpfc: sized_maps.o: map stackmap: value_size is 0 (set it with -value-size stackmap=N)"},
				{[]string{"-max-entries", "stackmap=256", "-value-size", "stackmap=1016"}, "bpfc: sized_maps.o: map counts: key_size is 0 (set it with -key-size counts=N)"},
			} {
				args := append(append(append([]string(nil), mode.args...), c.flags...), obj("sized_maps.o"))
				code, _, stderr := runCLI(args...)
				if code != exitFailure || !strings.HasPrefix(stderr, c.msg) {
					t.Errorf("%q: exit %d: %s\nwant %s", args, code, stderr, c.msg)
				}
			}
			sizes := []string{"-max-entries", "stackmap=256", "-value-size", "stackmap=1016", "-key-size", "counts=8", "-value-size", "counts=8"}
			if loaderRefused(t, append(append([]string(nil), mode.args...), sizes...), "sized_maps.o") {
				return
			}
			dir := testutil.BPFFS(t)
			args := append(append(append([]string(nil), mode.args...), "-pin", dir), append(sizes, obj("sized_maps.o"))...)
			code, out, stderr := runCLI(args...)
			if code != exitOK {
				t.Fatalf("%q: exit %d: %s", args, code, stderr)
			}
			rows := parseTable(t, out)
			for name, want := range map[string][3]uint32{"stackmap": {4, 1016, 256}, "counts": {8, 8, 16}} {
				m, err := ebpf.LoadPinnedMap(rows["map "+name].pin, nil)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := [3]uint32{m.KeySize(), m.ValueSize(), m.MaxEntries()}
				m.Close()
				if got != want {
					t.Errorf("%s: key, value, max_entries %v, want %v", name, got, want)
				}
			}
		})
	}
}

// linkParts returns the parts of link set set.
func linkParts(t *testing.T, set string) []string {
	t.Helper()
	parts, err := filepath.Glob(filepath.Join(testdata, "link", set, "*.o"))
	if err != nil || len(parts) < 2 {
		t.Fatalf("link set %s: %v", set, err)
	}
	return parts
}

// TestLinkObjects gives the command line several objects: -emit=ir shows
// the linked object, -emit=elf writes it (and it reads back), and a link
// error names both files with exit status 1.
func TestLinkObjects(t *testing.T) {
	code, stdout, stderr := runCLI(append([]string{"-emit=ir", "-btf", obj("btf/kernel_a.btf"), "-name", "weakset"}, linkParts(t, "weak")...)...)
	if code != exitOK {
		t.Fatalf("-emit=ir of the weak set: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"object weakset", "program weak_main", "program weak_prog", "subprog only_weak"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-emit=ir output lacks %q", want)
		}
	}
	out := filepath.Join(t.TempDir(), "basic.o")
	code, _, stderr = runCLI(append([]string{"-emit=elf", "-o", out}, linkParts(t, "basic")...)...)
	if code != exitOK {
		t.Fatalf("-emit=elf: exit %d: %s", code, stderr)
	}
	code, stdout, stderr = runCLI("-emit=ir", "-dump-after=merge", out)
	if code != exitOK || strings.Count(stdout, "\nprogram ") != 3 {
		t.Errorf("the written object: exit %d, %d programs: %s", code, strings.Count(stdout, "\nprogram "), stderr)
	}
	code, _, stderr = runCLI(append([]string{"-emit=ir"}, linkParts(t, "bad_strong")...)...)
	if code != exitFailure || !strings.Contains(stderr, "strong definitions in a.o and b.o") {
		t.Errorf("bad_strong: exit %d, stderr %q", code, stderr)
	}

	// A partial link, as bpftool gen object writes one: a.o's externs
	// stay for a later link with b.o and c.o; loading a.o alone fails.
	parts := linkParts(t, "basic")
	partial := filepath.Join(t.TempDir(), "a_partial.o")
	if code, _, stderr := runCLI("-emit=elf", "-o", partial, parts[0]); code != exitOK {
		t.Fatalf("-emit=elf of a.o alone: exit %d: %s", code, stderr)
	}
	code, _, stderr = runCLI("-emit=ir", "-dump-after=merge", partial)
	if code != exitFailure || !strings.Contains(stderr, "a_partial.o: extern var lib_counter: not defined in the object") {
		t.Errorf("the partial link alone: exit %d, stderr %q", code, stderr)
	}
	code, stdout, stderr = runCLI("-emit=ir", "-dump-after=merge", partial, parts[1], parts[2])
	if code != exitOK || strings.Count(stdout, "\nprogram ") != 3 {
		t.Errorf("the partial link linked with b.o and c.o: exit %d, %d programs: %s", code, strings.Count(stdout, "\nprogram "), stderr)
	}
}

// TestEnableLoads loads a program of a "?" section with -enable, directly
// and through the loader: it is loaded (refused before 5.15, for the BPF
// cookie it reads), its "?" neighbours are not.
// Everything but attach_probes.o's tracepoints is disabled, so the object
// loads on every kernel of the matrix.
func TestEnableLoads(t *testing.T) {
	testutil.RequireKernel(t)
	for _, mode := range modes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			if loaderRefused(t, mode.args, "attach_probes.o") {
				return
			}
			args := append(append([]string(nil), mode.args...), "-enable", "tp_getpid_cookie", "-enable", "rawtp_getpid_cookie",
				"-disable", "raw*", "-disable", "k*", "-disable", "tpbtf_*", "-disable", "iter_*", obj("attach_probes.o"))
			code, out, stderr := runCLI(args...)
			if testutil.KernelOlderThan("5.15") {
				// Enabled, and so refused: it reads its BPF cookie.
				if code != exitFailure || !strings.Contains(stderr, "tp_getpid_cookie") || !strings.Contains(stderr, "bpf_get_attach_cookie") {
					t.Errorf("%q on %s: exit %d, %q; want the refusal of tp_getpid_cookie naming bpf_get_attach_cookie", args, testutil.KernelRelease(), code, stderr)
				}
				return
			}
			if code != exitOK {
				t.Fatalf("%q: exit %d: %s", args, code, stderr)
			}
			rows := parseTable(t, out)
			var progs []string
			for k := range rows {
				if name, ok := strings.CutPrefix(k, "prog "); ok {
					progs = append(progs, name)
				}
			}
			slices.Sort(progs)
			if want := []string{"tp_getpid", "tp_getpid_cookie"}; !slices.Equal(progs, want) {
				t.Errorf("loaded programs %q, want %q", progs, want)
			}
		})
	}
}

// TestAttachTargetLoads loads a tp_btf program against another tracepoint
// with -attach-target, directly and through the loader (the kernel looks
// the new name up), and checks that a target the kernel has not is
// refused naming the name looked up.
func TestAttachTargetLoads(t *testing.T) {
	testutil.RequireKernel(t)
	only := []string{"-disable", "raw*", "-disable", "k*", "-disable", "iter_*", "-disable", "tp_*"}
	for _, mode := range modes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			if loaderRefused(t, mode.args, "attach_probes.o") {
				return
			}
			args := append(append(append([]string(nil), mode.args...), only...), "-attach-target", "tpbtf_getpid=sys_exit", obj("attach_probes.o"))
			code, out, stderr := runCLI(args...)
			if code != exitOK {
				t.Fatalf("%q: exit %d: %s", args, code, stderr)
			}
			if _, ok := parseTable(t, out)["prog tpbtf_getpid"]; !ok {
				t.Errorf("tpbtf_getpid not loaded:\n%s", out)
			}
			args = append(append(append([]string(nil), mode.args...), only...), "-attach-target", "tpbtf_getpid=bpfc_no_such_tp", obj("attach_probes.o"))
			code, _, stderr = runCLI(args...)
			if code != exitFailure || !strings.Contains(stderr, "btf_trace_bpfc_no_such_tp") || !strings.Contains(stderr, "tpbtf_getpid") {
				t.Errorf("%q: exit %d, %q; want a refusal naming btf_trace_bpfc_no_such_tp and the program", args, code, stderr)
			}
		})
	}
}
