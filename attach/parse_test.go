// Tests of the parsers that need no kernel: section names and their
// targets, globs, USDT argument strings and spec layouts, USDT notes
// (checked against readelf -n, a second implementation) and function
// offsets in binaries (checked against debug/elf).

package attach

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestParseSection(t *testing.T) {
	for _, tt := range []struct {
		section, override string
		kind              kind
		target            string
	}{
		{"kprobe/do_unlinkat", "", kindKprobe, "do_unlinkat"},
		{"kprobe", "", kindKprobe, ""},
		{"kprobe", "vfs_read+8", kindKprobe, "vfs_read+8"},
		{"?kretprobe/do_unlinkat", "", kindKretprobe, "do_unlinkat"},
		{"ksyscall/execve", "", kindKsyscall, "execve"},
		{"uprobe//proc/self/exe:main", "", kindUprobe, "/proc/self/exe:main"},
		{"uprobe.s/libc.so.6:malloc", "", kindUprobe, "libc.so.6:malloc"},
		{"uretprobe/bash:readline", "", kindUretprobe, "bash:readline"},
		{"usdt/./t:p:n", "", kindUSDT, "./t:p:n"},
		{"tracepoint/syscalls/sys_enter_openat", "", kindTracepoint, "syscalls/sys_enter_openat"},
		{"tp.s/syscalls/sys_enter_openat", "", kindTracepoint, "syscalls/sys_enter_openat"},
		{"raw_tp.w/bpf_testmod_test_writable_bare", "", kindRawTracepoint, "bpf_testmod_test_writable_bare"},
		{"tp_btf/sched_switch", "", kindTracing, "sched_switch"},
		{"fmod_ret.s/x", "", kindTracing, "x"},
		{"lsm/file_open", "", kindTracing, "file_open"},
		{"iter/task", "", kindIter, "task"},
		{"kprobe.multi/vfs_*", "", kindKprobeMulti, "vfs_*"},
		{"uprobe.multi.s/bin:f*", "", kindUprobeMulti, "bin:f*"},
		{"xdp", "", kindNone, ""},
		{"lsm_cgroup/socket_bind", "", kindNone, ""},
		{"kprobeX/foo", "", kindNone, ""},
	} {
		got := parseSection(tt.section, tt.override)
		if got.kind != tt.kind || got.target != tt.target {
			t.Errorf("parseSection(%q, %q) = %s %q, want %s %q", tt.section, tt.override, got.kind, got.target, tt.kind, tt.target)
		}
	}
}

func TestParseTargets(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want kprobeTarget
		err  bool
	}{
		{"do_unlinkat", kprobeTarget{"do_unlinkat", 0}, false},
		{"vfs_read+0x10", kprobeTarget{"vfs_read", 16}, false},
		{"vfs_read+010", kprobeTarget{"vfs_read", 8}, false},
		{"func.isra.0+4", kprobeTarget{"func.isra.0", 4}, false},
		{"vfs_read+-1", kprobeTarget{}, true},
		{"vfs read", kprobeTarget{}, true},
		{"+4", kprobeTarget{}, true},
	} {
		got, err := parseKprobe(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseKprobe(%q) = %+v, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrBadSection) {
			t.Errorf("parseKprobe(%q): %v is not ErrBadSection", tt.in, err)
		}
	}
	for _, tt := range []struct {
		in   string
		want uprobeTarget
		err  bool
	}{
		{"/bin/bash:readline", uprobeTarget{"/bin/bash", "readline", 0}, false},
		{"libc.so.6:malloc+0x8", uprobeTarget{"libc.so.6", "malloc", 8}, false},
		{"libc.so.6:malloc@GLIBC_2.2.5", uprobeTarget{"libc.so.6", "malloc@GLIBC_2.2.5", 0}, false},
		{"./a.out:0x1234", uprobeTarget{"./a.out", "", 0x1234}, false},
		{"./a.out:f+x", uprobeTarget{"./a.out", "f+x", 0}, false},
		{"/bin/bash", uprobeTarget{}, true},
		{":f", uprobeTarget{}, true},
	} {
		got, err := parseUprobe(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseUprobe(%q) = %+v, %v", tt.in, got, err)
		}
	}
	for _, tt := range []struct {
		in   string
		want usdtTarget
		err  bool
	}{
		{"/usr/bin/python3:python:function__entry", usdtTarget{"/usr/bin/python3", "python", "function__entry"}, false},
		{"libc.so.6:libc:setjmp", usdtTarget{"libc.so.6", "libc", "setjmp"}, false},
		{"bin:provider", usdtTarget{}, true},
		{"bin::name", usdtTarget{}, true},
		{"a:b:c:d", usdtTarget{}, true},
	} {
		got, err := parseUSDT(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseUSDT(%q) = %+v, %v", tt.in, got, err)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tt := range []struct {
		s, pattern string
		want       bool
	}{
		{"do_sys_openat2", "do_sys_openat*", true},
		{"do_sys_open", "do_sys_openat*", false},
		{"vfs_read", "vfs_?ead", true},
		{"vfs_read", "*read", true},
		{"vfs_read", "*", true},
		{"", "*", true},
		{"vfs_read", "vfs_read", true},
		{"vfs_readv", "vfs_read", false},
		{"vfs_read", "v*s*d", true},
		{"vfs_read", "v**x", false},
	} {
		if got := globMatch(tt.s, tt.pattern); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v", tt.s, tt.pattern, got)
		}
	}
}

func TestParseUSDTArgs(t *testing.T) {
	for _, tt := range []struct {
		arch, args string
		want       []usdtArg
		err        bool
	}{
		{"amd64", "-4@-1204(%rbp) -4@%edi -8@-1216(%rbp) -8@%r8 -4@$5 8@%rdx -4@$-9 -2@%cx -1@%sil", []usdtArg{
			{typ: usdtArgRegDeref, valOff: uint64(1<<64 - 1204), regOff: 32, signed: true, bitshift: 32},
			{typ: usdtArgReg, regOff: 112, signed: true, bitshift: 32},
			{typ: usdtArgRegDeref, valOff: uint64(1<<64 - 1216), regOff: 32, signed: true},
			{typ: usdtArgReg, regOff: 72, signed: true},
			{typ: usdtArgConst, valOff: 5, signed: true, bitshift: 32},
			{typ: usdtArgReg, regOff: 96},
			{typ: usdtArgConst, valOff: uint64(1<<64 - 9), signed: true, bitshift: 32},
			{typ: usdtArgReg, regOff: 88, signed: true, bitshift: 48},
			{typ: usdtArgReg, regOff: 104, signed: true, bitshift: 56},
		}, false},
		{"amd64", "8@(%rsp) 1@-96(%rbp,%rax,8) 2@(%rbx,%rcx)", []usdtArg{
			{typ: usdtArgRegDeref, regOff: 152},
			{typ: usdtArgSIB, valOff: uint64(1<<64 - 96), regOff: 32, idxRegOff: 80, scaleShift: 3, bitshift: 56},
			{typ: usdtArgSIB, regOff: 40, idxRegOff: 88, bitshift: 48},
		}, false},
		{"arm64", "-4@[sp, 96] 8@x1 -8@[x29] 4@5", []usdtArg{
			{typ: usdtArgRegDeref, valOff: 96, regOff: 248, signed: true, bitshift: 32},
			{typ: usdtArgReg, regOff: 8},
			{typ: usdtArgRegDeref, regOff: 29 * 8, signed: true},
			{typ: usdtArgConst, valOff: 5, bitshift: 32},
		}, false},
		{"amd64", "", []usdtArg{}, false},
		{"amd64", "3@%rax", nil, true},
		{"amd64", "8@%xmm0", nil, true},
		{"amd64", "8@counter(%rip)", nil, true},
		{"amd64", "8@(%rax,%rbx,3)", nil, true},
		{"amd64", strings.Repeat("8@%rax ", 13), nil, true},
		{"riscv64", "8@a0", nil, true},
	} {
		got, err := parseUSDTArgs(tt.arch, tt.args)
		if (err != nil) != tt.err {
			t.Errorf("%s %q: error %v", tt.arch, tt.args, err)
			continue
		}
		if err != nil {
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s %q: %d args, want %d", tt.arch, tt.args, len(got), len(tt.want))
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s %q: arg %d = %+v, want %+v", tt.arch, tt.args, i, got[i], tt.want[i])
			}
		}
	}
}

func TestUSDTLayouts(t *testing.T) {
	args := []usdtArg{
		{typ: usdtArgReg, regOff: 112, signed: true, bitshift: 32},
		{typ: usdtArgSIB, valOff: 0x1122, regOff: 32, idxRegOff: 80, scaleShift: 3, bitshift: 56},
	}
	v2, err := usdtLayoutV2.encode(args, 0xabcdef)
	if err != nil {
		t.Fatal(err)
	}
	// Offsets of struct __bpf_usdt_spec as clang lays out libbpf 1.7's
	// usdt.bpf.h (bit-fields included).
	for _, c := range []struct {
		off  int
		want []byte
	}{
		{8, []byte{usdtArgReg}}, {14, []byte{112, 0, 1, 32}},
		{24, []byte{0x22, 0x11}}, {32, []byte{usdtArgSIB, 0, 80, 0x30}}, {38, []byte{32, 0, 0, 56}},
		{288, []byte{0xef, 0xcd, 0xab}}, {296, []byte{2, 0}},
	} {
		if got := v2[c.off : c.off+len(c.want)]; string(got) != string(c.want) {
			t.Errorf("v2 spec at %d: % x, want % x", c.off, got, c.want)
		}
	}
	if _, err := usdtLayoutV1.encode(args, 0); !errors.Is(err, ErrNotSupported) {
		t.Errorf("SIB argument in a libbpf < 1.7 layout: %v, want ErrNotSupported", err)
	}
	v1, err := usdtLayoutV1.encode(args[:1], 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(v1) != 208 || string(v1[8:16]) != "\x01\x00\x00\x00\x70\x00\x01\x20" || v1[192] != 7 || v1[200] != 1 {
		t.Errorf("v1 spec: % x", v1[:16])
	}
	for _, size := range []uint32{208, 304} {
		if _, err := usdtLayoutFor(size); err != nil {
			t.Error(err)
		}
	}
	if _, err := usdtLayoutFor(200); !errors.Is(err, ErrNotSupported) {
		t.Errorf("unknown layout: %v", err)
	}
}

// TestUSDTNotesReadelf reads the USDT notes of the probe target and
// compares them with what readelf -n prints for it.
func TestUSDTNotesReadelf(t *testing.T) {
	gcc, readelf := testutil.Tool(t, "gcc"), testutil.Tool(t, "readelf")
	bin := filepath.Join(t.TempDir(), "probe_target")
	if out, err := exec.Command(gcc, "-O2", "-o", bin, "testdata/probe_target.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v: %s", err, out)
	}
	out, err := exec.Command(readelf, "-n", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)\s+Arguments: ([^\n]*)`)
	var want []usdtNote
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		n := usdtNote{provider: m[1], name: m[2], args: strings.TrimSpace(m[6])}
		n.loc, _ = strconv.ParseUint(m[3], 0, 64)
		n.base, _ = strconv.ParseUint(m[4], 0, 64)
		n.sema, _ = strconv.ParseUint(m[5], 0, 64)
		want = append(want, n)
	}
	if len(want) != 3 {
		t.Fatalf("readelf shows %d stapsdt notes, want 3:\n%s", len(want), out)
	}
	f, err := elffile.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []usdtNote
	for _, name := range []string{"hit", "withsem"} {
		ns, err := readUSDTNotes(f, bin, "bpfc", name)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ns...)
	}
	byLoc := map[uint64]usdtNote{}
	for _, n := range got {
		byLoc[n.loc] = n
	}
	for _, w := range want {
		if g, ok := byLoc[w.loc]; !ok || g != w {
			t.Errorf("note at %#x: %+v, readelf says %+v", w.loc, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d notes, readelf shows %d", len(got), len(want))
	}
	if _, err := readUSDTNotes(f, bin, "bpfc", "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing probe: %v", err)
	}
}

func TestNextUSDTNoteMalformed(t *testing.T) {
	le := func(v ...uint32) []byte {
		var b []byte
		for _, x := range v {
			b = binary.NativeEndian.AppendUint32(b, x)
		}
		return b
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"short header", []byte{1, 2, 3}},
		{"overrun", append(le(8, 100, 3), "stapsdt\x00"...)},
		{"short desc", append(append(le(8, 8, 3), "stapsdt\x00"...), make([]byte, 8)...)},
		{"no strings", append(append(le(8, 28, 3), "stapsdt\x00"...), make([]byte, 28)...)},
	} {
		if _, _, err := nextUSDTNote(tt.data, binary.NativeEndian); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// TestSymbolPick: the choice among a symbol table's definitions of a
// function, as libbpf's elf_find_func_offset makes it.
func TestSymbolPick(t *testing.T) {
	type def struct {
		off  uint64
		weak bool
	}
	for _, tt := range []struct {
		name  string
		defs  []def
		found bool
		off   uint64
		err   string
	}{
		{"none", nil, false, 0, ""},
		{"one", []def{{0x10, false}}, true, 0x10, ""},
		{"aliases at one offset", []def{{0x10, false}, {0x10, false}}, true, 0x10, ""},
		{"non-weak after weak", []def{{0x10, true}, {0x20, false}}, true, 0x20, ""},
		{"weak after non-weak", []def{{0x20, false}, {0x10, true}}, true, 0x20, ""},
		{"two weak: the first", []def{{0x10, true}, {0x20, true}}, true, 0x10, ""},
		{"two non-weak", []def{{0x10, false}, {0x20, false}}, false, 0, "function f is ambiguous: defined at file offsets 0x10 and 0x20"},
		{"at offset 0", []def{{0, false}}, true, 0, "function f is at offset 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p symbolPick
			var err error
			for _, d := range tt.defs {
				if err = p.add("bin", "f", d.off, d.weak); err != nil {
					break
				}
			}
			var off uint64
			found := false
			if err == nil {
				off, found, err = p.result("bin", "f")
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "binary bin: ") {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || found != tt.found || off != tt.off {
				t.Errorf("= %#x, %v, %v; want %#x, %v", off, found, err, tt.off, tt.found)
			}
		})
	}
}

// TestPtRegs checks the register tables: every name of a register at its
// offset, the arm64 names, and on x86-64 the offsets against the running
// kernel's struct pt_regs (vmlinux BTF, a second source).
func TestPtRegs(t *testing.T) {
	amd64, _ := ptRegs("amd64")
	arm64, _ := ptRegs("arm64")
	if _, ok := ptRegs("riscv64"); ok {
		t.Error("riscv64 has a register table")
	}
	for _, r := range amd64Regs {
		for _, n := range r.names {
			if off, ok := amd64(n); n != "" && (!ok || off != r.off) {
				t.Errorf("amd64 %s: %d, %v; want %d", n, off, ok, r.off)
			}
		}
	}
	for i := range 31 {
		if off, ok := arm64("x" + strconv.Itoa(i)); !ok || off != int16(8*i) {
			t.Errorf("arm64 x%d: %d, %v", i, off, ok)
		}
	}
	if off, ok := arm64("sp"); !ok || off != 248 {
		t.Errorf("arm64 sp: %d, %v", off, ok)
	}
	for _, n := range []string{"", "x31", "x01", "x", "x-1", "x+1", "w0", "rax"} {
		if _, ok := arm64(n); ok {
			t.Errorf("arm64 %q found", n)
		}
	}
	for _, n := range []string{"", "xmm0", "r16", "eflags", "x0"} {
		if _, ok := amd64(n); ok {
			t.Errorf("amd64 %q found", n)
		}
	}
	if runtime.GOARCH != "amd64" {
		return
	}
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	ids := spec.FindByNameKind("pt_regs", btf.KindStruct)
	if len(ids) != 1 {
		t.Fatalf("vmlinux BTF has %d struct pt_regs", len(ids))
	}
	typ, err := spec.Type(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	kernel := map[string]uint32{}
	for _, m := range typ.Members {
		kernel[m.Name] = m.BitOffset / 8
	}
	for _, r := range amd64Regs {
		name := r.names[0]
		if len(name) == 3 && name[0] == 'r' && (name[1] < '0' || name[1] > '9') {
			name = name[1:] // rax is "ax" in struct pt_regs, r8 is r8
		}
		if off, ok := kernel[name]; !ok || off != uint32(r.off) {
			t.Errorf("%s at %d, struct pt_regs has %s at %d (%v)", r.names[0], r.off, name, off, ok)
		}
	}
}

// debugELFOffsets returns the file offsets of the definitions of function
// name (NAME or NAME@VERSION) in the first symbol table of the binary at
// path that has one, .dynsym before .symtab, as debug/elf reads them.
func debugELFOffsets(t *testing.T, path, name string) map[uint64]bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	base, ver, hasVer := strings.Cut(name, "@")
	ver = strings.TrimPrefix(ver, "@")
	for ti, table := range []func() ([]elf.Symbol, error){f.DynamicSymbols, f.Symbols} {
		syms, err := table()
		if err != nil {
			continue
		}
		offs := map[uint64]bool{}
		for _, s := range syms {
			sname, sver, _ := strings.Cut(s.Name, "@")
			if ti == 0 {
				sver = s.Version
			}
			if elf.ST_TYPE(s.Info) != elf.STT_FUNC || sname != base || hasVer && strings.TrimPrefix(sver, "@") != ver ||
				s.Section == elf.SHN_UNDEF || int(s.Section) >= len(f.Sections) {
				continue
			}
			sec := f.Sections[s.Section]
			offs[s.Value-sec.Addr+sec.Offset] = true
		}
		if len(offs) > 0 {
			return offs
		}
	}
	t.Fatalf("debug/elf finds no function %s in %s", name, path)
	return nil
}

// TestFuncOffsetMatchesDebugELF checks the uprobe offsets of functions of
// gofmt (a static Go binary: .symtab only) and of the C library (.dynsym
// with GNU versions; a function defined at two versions must resolve to
// each one's definition) against debug/elf's reading.
func TestFuncOffsetMatchesDebugELF(t *testing.T) {
	goTool := testutil.Tool(t, "go")
	exe := filepath.Join(filepath.Dir(goTool), "gofmt")
	if _, err := os.Stat(exe); err != nil {
		testutil.MissingTool(t, "gofmt next to go: %v", err)
	}
	check := func(path, name string) uint64 {
		t.Helper()
		got, err := funcOffset(path, name)
		if want := debugELFOffsets(t, path, name); err != nil || !want[got] {
			t.Errorf("funcOffset(%s, %s) = %#x, %v; debug/elf has it at %v", path, name, got, err, want)
		}
		return got
	}
	check(exe, "runtime.main")
	check(exe, "main.main")
	if _, err := funcOffset(exe, "no_such_function"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing function: %v", err)
	}
	offs, err := funcOffsets(exe, "runtime.mallocgc*")
	if err != nil || len(offs) < 2 {
		t.Errorf("funcOffsets(runtime.mallocgc*) = %v, %v; want several", offs, err)
	}

	testutil.NeedCLibrary(t)
	libc, err := resolveBinary("libc.so.6")
	if err != nil {
		t.Fatal(err)
	}
	check(libc, "malloc")
	// A function defined at two versions with different code (memcpy,
	// realpath, ... depending on the architecture).
	f, err := elf.Open(libc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]elf.Symbol{}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Version == "" || s.Section == elf.SHN_UNDEF {
			continue
		}
		if o, ok := byName[s.Name]; ok && o.Version != s.Version && o.Value != s.Value {
			a, b := check(libc, s.Name+"@"+o.Version), check(libc, s.Name+"@@"+s.Version)
			if a == b {
				t.Errorf("%s@%s and %s@%s resolve to the same offset %#x", s.Name, o.Version, s.Name, s.Version, a)
			}
			t.Logf("%s@%s at %#x, %s@@%s at %#x", s.Name, o.Version, a, s.Name, s.Version, b)
			if _, err := funcOffset(libc, s.Name+"@NO_SUCH_VERSION"); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s at a missing version: %v", s.Name, err)
			}
			return
		}
		byName[s.Name] = s
	}
	t.Fatalf("%s defines no function at two versions", libc)
}
