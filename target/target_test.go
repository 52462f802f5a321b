// Tests for the target description: config and release parsing, and the
// running kernel's facts.

package target

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want uint32
		bad  bool
	}{
		{rel: "6.18.44-fc-v657", want: 6<<16 | 18<<8 | 44},
		{rel: "5.4.300", want: 5<<16 | 4<<8 | 255},
		{rel: "6.1", want: 6<<16 | 1<<8},
		{rel: "6.1-rc2", want: 6<<16 | 1<<8},
		{rel: "linux", bad: true},
		{rel: "", bad: true},
	} {
		got, err := ParseRelease(tc.rel)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseRelease(%q) = %#x, want error", tc.rel, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRelease(%q) = %#x, %v; want %#x", tc.rel, got, err, tc.want)
		}
	}
}

func TestParseKconfig(t *testing.T) {
	kc, err := ParseKconfig([]byte("# comment\nCONFIG_A=y\n# CONFIG_B is not set\n\nCONFIG_HZ=250\nCONFIG_S=\"str\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"CONFIG_A": "y", "CONFIG_HZ": "250", "CONFIG_S": `"str"`}
	if len(kc) != len(want) {
		t.Fatalf("got %v, want %v", kc, want)
	}
	for k, v := range want {
		if kc[k] != v {
			t.Errorf("%s = %q, want %q", k, kc[k], v)
		}
	}
	if _, err := ParseKconfig([]byte("garbage\n")); err == nil {
		t.Error("want error for a line that is not CONFIG_X=value")
	}
}

func TestKconfigFile(t *testing.T) {
	p := t.TempDir() + "/config"
	if err := os.WriteFile(p, []byte("CONFIG_BPF_SYSCALL=y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	kc, err := New(Options{Kconfig: p}).Kconfig()
	if err != nil || kc["CONFIG_BPF_SYSCALL"] != "y" {
		t.Fatalf("Kconfig() = %v, %v", kc, err)
	}
	if _, err := New(Options{Kconfig: p + ".missing"}).Kconfig(); err == nil {
		t.Fatal("want error for a missing config file")
	}
	// Gzip'd, as /proc/config.gz.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat("# filler\n", 1000) + "CONFIG_HZ=250\n"))
	zw.Close()
	if err := os.WriteFile(p+".gz", gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if kc, err := New(Options{Kconfig: p + ".gz"}).Kconfig(); err != nil || len(kc) != 1 || kc["CONFIG_HZ"] != "250" {
		t.Fatalf("gzip'd Kconfig() = %v, %v", kc, err)
	}
	if err := os.WriteFile(p+".bad.gz", gz.Bytes()[:gz.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Kconfig: p + ".bad.gz"}).Kconfig(); err == nil {
		t.Fatal("want error for a truncated gzip'd config")
	}
}

func TestRunningKernel(t *testing.T) {
	testutil.RequireKernel(t)
	tg := Running()
	kc, err := tg.Kconfig()
	if err != nil {
		t.Fatal(err)
	}
	if kc["CONFIG_BPF_SYSCALL"] != "y" {
		t.Errorf("CONFIG_BPF_SYSCALL = %q, want y", kc["CONFIG_BPF_SYSCALL"])
	}
	v, err := tg.KernelVersion()
	if err != nil || v == 0 {
		t.Fatalf("KernelVersion() = %#x, %v", v, err)
	}
	// RequireKernel means root: kallsyms shows real addresses.
	addr, ok, err := tg.Kallsyms("_stext")
	if err != nil || !ok || addr == 0 {
		t.Errorf("Kallsyms(_stext) = %#x, %v, %v", addr, ok, err)
	}
	if New(Options{}) != tg {
		t.Error("New(Options{}) is not the running kernel's shared Target")
	}
}

// The split BTF files of testdata: module_a.btf (encoded by pahole) on top
// of kernel_a.btf.
const (
	kernelA = "../testdata/btf/kernel_a.btf"
	moduleA = "../testdata/btf/module_a.btf"
)

func TestModuleFiles(t *testing.T) {
	tg := New(Options{BTF: kernelA, Modules: map[string]string{"bpfc_mod": moduleA}})
	mods, err := tg.ModuleBTFs()
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 || mods["bpfc_mod"] == nil {
		t.Fatalf("ModuleBTFs() = %v, want bpfc_mod only", mods)
	}
	vmlinux, err := tg.BTF()
	if err != nil {
		t.Fatal(err)
	}
	mod := mods["bpfc_mod"]
	if mod.Base() != vmlinux {
		t.Error("module BTF is not on top of the target's vmlinux BTF")
	}
	if mod.FirstID() != btf.TypeID(vmlinux.NumTypes()) {
		t.Errorf("module first id %d, want vmlinux's type count %d", mod.FirstID(), vmlinux.NumTypes())
	}
	for _, tc := range []struct {
		name     string
		kind     btf.Kind
		inModule bool // found in the module, not in vmlinux
	}{
		{"bpfc_mod_state", btf.KindStruct, true},
		{"bpfc_mod_kfunc", btf.KindFunc, true},
		{"bpfc_mod_stats", btf.KindVar, true},
		{"task_struct", btf.KindStruct, false}, // a base type, reached through the module
	} {
		ids := mod.FindByNameKind(tc.name, tc.kind)
		if len(ids) != 1 {
			t.Errorf("%s: %d types in the module's view, want 1", tc.name, len(ids))
			continue
		}
		if got := ids[0] >= mod.FirstID(); got != tc.inModule {
			t.Errorf("%s: id %d, in the module's own types %v, want %v", tc.name, ids[0], got, tc.inModule)
		}
		if got := len(vmlinux.FindByNameKind(tc.name, tc.kind)) > 0; got == tc.inModule {
			t.Errorf("%s: in vmlinux %v, want %v", tc.name, got, !tc.inModule)
		}
	}
	// The module's struct refers to kernel_a's int and long (pahole
	// deduplicated them against the base).
	st, err := mod.Type(mod.FindByNameKind("bpfc_mod_state", btf.KindStruct)[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Members) != 3 || st.Size != 24 {
		t.Fatalf("bpfc_mod_state: size %d, %d members; want 24, 3", st.Size, len(st.Members))
	}
	for i, want := range []string{"int", "long", "unsigned int"} {
		m := st.Members[i]
		if m.Type >= mod.FirstID() || vmlinux.TypeName(m.Type) != want {
			t.Errorf("member %s: type [%d] %q, want kernel_a's %s", m.Name, m.Type, vmlinux.TypeName(m.Type), want)
		}
	}
	if again, _ := tg.ModuleBTFs(); again["bpfc_mod"] != mod {
		t.Error("ModuleBTFs parsed the files twice")
	}
}

func TestModuleFilesErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"missing file", Options{BTF: kernelA, Modules: map[string]string{"bpfc_mod": moduleA + ".missing"}}},
		{"not split BTF", Options{BTF: kernelA, Modules: map[string]string{"bpfc_mod": "target_test.go"}}},
		{"bad name", Options{BTF: kernelA, Modules: map[string]string{"a/b": moduleA}}},
		{"vmlinux", Options{BTF: kernelA, Modules: map[string]string{"vmlinux": moduleA}}},
		{"bad base", Options{BTF: kernelA + ".missing", Modules: map[string]string{"bpfc_mod": moduleA}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mods, err := New(tc.opts).ModuleBTFs()
			if err == nil {
				t.Fatalf("ModuleBTFs() = %v, want an error", mods)
			}
			t.Log(err)
		})
	}
}

// A target given as a BTF file without module files has no modules.
func TestBTFFileNoModules(t *testing.T) {
	mods, err := New(Options{BTF: kernelA}).ModuleBTFs()
	if err != nil || len(mods) != 0 {
		t.Fatalf("ModuleBTFs() = %v, %v; want none", mods, err)
	}
}

func TestRunningKernelTarget(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want bool
	}{
		{Options{}, true},
		{Options{Kconfig: "x.config"}, true},
		{Options{BTF: "k.btf"}, false},
		{Options{Modules: map[string]string{"m": "m.btf"}}, false},
		{Options{Release: "5.10.0"}, false},
	} {
		if got := New(tc.opts).RunningKernel(); got != tc.want {
			t.Errorf("New(%+v).RunningKernel() = %v, want %v", tc.opts, got, tc.want)
		}
	}
}

// TestRunningShared: every user of the running kernel shares one Target,
// so its facts are read once per process.
func TestRunningShared(t *testing.T) {
	if a, b := Running(), New(Options{}); a != b {
		t.Fatal("the running kernel's Target is not shared")
	}
	if New(Options{Kconfig: "x"}) == Running() {
		t.Fatal("a Target with options is the shared running one")
	}
}

func TestReadKallsyms(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kallsyms")
	var b strings.Builder
	b.WriteString("ffffffff81000000 T _stext\n")
	// Enough lines to cross readLines' 64 KiB buffer several times.
	for i := range 5000 {
		fmt.Fprintf(&b, "ffffffff8100%04x t filler_symbol_%d\n", i, i)
	}
	b.WriteString("ffffffffa0001000 t mod_fn\t[some_mod]\n")
	b.WriteString("ffffffff81000010 T dup\nffffffff81000020 T dup\n")
	b.WriteString("garbage line\nzzzz T badaddr\n")
	b.WriteString("ffffffff81000030 D last_no_newline")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readKallsyms(p, []string{"_stext", "filler_symbol_4321", "mod_fn", "dup", "badaddr", "last_no_newline", "absent"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{
		"_stext": 0xffffffff81000000, "filler_symbol_4321": 0xffffffff810010e1, "mod_fn": 0xffffffffa0001000,
		"dup": 0xffffffff81000010, "last_no_newline": 0xffffffff81000030,
	}
	if !maps.Equal(got, want) {
		t.Errorf("readKallsyms = %v, want %v", got, want)
	}
	if _, err := readKallsyms(p+".missing", []string{"x"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestKallsymsOneRead checks that the names announced with WantKallsyms
// and the one asked for are answered by one read, that answers (found or
// not) are remembered, and that a name nobody announced costs a read.
func TestKallsymsOneRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kallsyms")
	if err := os.WriteFile(p, []byte("0000000000001000 T a\n0000000000002000 T b\n0000000000003000 T c\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := &Target{symPath: p}
	tg.WantKallsyms("a", "b", "nope")
	for _, tc := range []struct {
		name  string
		addr  uint64
		ok    bool
		reads int
	}{
		{"b", 0x2000, true, 1}, {"a", 0x1000, true, 1}, {"nope", 0, false, 1}, {"b", 0x2000, true, 1},
		{"c", 0x3000, true, 2}, {"c", 0x3000, true, 2},
	} {
		addr, ok, err := tg.Kallsyms(tc.name)
		if err != nil || addr != tc.addr || ok != tc.ok || tg.symReads != tc.reads {
			t.Errorf("Kallsyms(%s) = %#x, %v, %v after %d reads; want %#x, %v after %d",
				tc.name, addr, ok, err, tg.symReads, tc.addr, tc.ok, tc.reads)
		}
	}
	// A target given as files has no symbol table and reads none.
	files := New(Options{BTF: "x.btf"})
	if _, ok, err := files.Kallsyms("a"); ok || err != nil || files.symReads != 0 {
		t.Errorf("file target: ok %v err %v reads %d", ok, err, files.symReads)
	}
}
func TestRunningVersion(t *testing.T) {
	for _, tc := range []struct {
		name, release, version, signature string
		want                              uint32
	}{
		{"debian 5.10", "5.10.0-46-cloud-amd64", "#1 SMP Debian 5.10.237-1 (2025-05-19)", "", 5<<16 | 10<<8 | 237},
		{"debian 6.1", "6.1.0-57-cloud-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)", "", 6<<16 | 1<<8 | 158},
		{"debian sublevel clamped", "4.19.0-27-amd64", "#1 SMP Debian 4.19.316-1 (2024-06-25)", "", 4<<16 | 19<<8 | 255},
		{"ubuntu signature", "5.4.0-12-generic", "#15-Ubuntu SMP Mon Jan 20 17:17:25 UTC 2020", "Ubuntu 5.4.0-12.15-generic 5.4.8\n", 5<<16 | 4<<8 | 8},
		{"ubuntu signature wins", "5.4.0-12-generic", "#1 SMP Debian 9.9.9", "Ubuntu 5.4.0-12.15-generic 5.4.8", 5<<16 | 4<<8 | 8},
		{"plain", "6.18.44-fc-v1272", "#1 SMP PREEMPT_DYNAMIC", "", 6<<16 | 18<<8 | 44},
		{"debian without sublevel", "6.1.0-57-cloud-amd64", "#1 SMP Debian 6.1", "", 6<<16 | 1<<8},
		{"bad signature", "6.1.0-57-cloud-amd64", "", "Ubuntu", 6<<16 | 1<<8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RunningVersion(tc.release, tc.version, tc.signature)
			if err != nil || got != tc.want {
				t.Errorf("RunningVersion(%q, %q, %q) = %#x, %v; want %#x", tc.release, tc.version, tc.signature, got, err, tc.want)
			}
		})
	}
	if _, err := RunningVersion("nonsense", "#1 SMP Debian junk", ""); err == nil {
		t.Error("RunningVersion of a release without a version: no error")
	}
}

// TestKernelIDs checks the running kernel's own lookup against its BTF
// read here, and that it is not asked once the target's BTF is read, nor
// for other targets.
func TestKernelIDs(t *testing.T) {
	testutil.RequireKernel(t)
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	tg := &Target{} // the running kernel, its BTF not read (as Running's may be)
	names := []string{"__x64_sys_bpf", "__se_sys_bpf", "bpf_prog_load", "bpfc_no_such_function"}
	ids, _, ok := tg.KernelIDs(names, btf.KindFunc)
	if !ok {
		if !features.SyscallProg.Missing() {
			t.Fatal("the running kernel has syscall programs but did not answer")
		}
	} else {
		for i, n := range names {
			var want btf.TypeID
			for _, id := range spec.FindByNameKind(n, btf.KindFunc) {
				if spec.TypeKind(id) == btf.KindFunc {
					want = id
					break
				}
			}
			if (ids[i] == 0) != (want == 0) {
				t.Errorf("%s: kernel's id %d, BTF's %d", n, ids[i], want)
			}
		}
	}
	// Names of different kinds, one lookup (fentry and tp_btf targets).
	qs := []NameKind{{"bpf_prog_load", btf.KindFunc}, {"btf_trace_sched_switch", btf.KindTypedef}, {"task_struct", btf.KindStruct}}
	if ids, _, ok := tg.KernelIDsOf(qs); ok {
		for i, q := range qs {
			want := spec.FindByNameKind(q.Name, q.Kind)
			if len(want) != 1 || ids[i] != want[0] {
				t.Errorf("%s %s: kernel's id %d, BTF's %v", q.Kind, q.Name, ids[i], want)
			}
		}
	}
	if _, err := tg.BTF(); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := tg.KernelIDs(names, btf.KindFunc); ok || !tg.BTFLoaded() {
		t.Error("the kernel was asked after the target's BTF was read")
	}
	if _, _, ok := New(Options{Release: "6.1.0"}).KernelIDs(names, btf.KindFunc); ok {
		t.Error("a target with a given release answered from the running kernel")
	}
}

// TestKconfigValue checks KconfigValue's search of the text against
// ParseKconfig's map (a second implementation) on edge cases and on the
// running kernel's config.
func TestKconfigValue(t *testing.T) {
	text := "# comment\n" +
		"CONFIG_A=y\n" +
		"CONFIG_AB=m\n" +
		"# CONFIG_C is not set\n" +
		"# CONFIG_D=y\n" +
		"  CONFIG_E=  spaced value  \t\n" +
		"CONFIG_F=1\n" +
		"\n" +
		"CONFIG_F=2\n" +
		"CONFIG_G=\n" +
		"CONFIG_S=\"a=b c\"\r\n" +
		"CONFIG_LAST=end"
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, tg *Target, names []string) {
		kc, err := tg.Kconfig()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			want, wantOK := kc[n]
			tg.kcWalks.Store(0) // the walk answers, not the map
			got, ok, err := tg.KconfigValue(n)
			if err != nil || ok != wantOK || got != want {
				t.Errorf("KconfigValue(%q) = %q, %v, %v; the map has %q, %v", n, got, ok, err, want, wantOK)
			}
		}
	}
	t.Run("edges", func(t *testing.T) {
		check(t, New(Options{Kconfig: p}), []string{"CONFIG_A", "CONFIG_AB", "CONFIG_C", "CONFIG_D", "CONFIG_E",
			"CONFIG_F", "CONFIG_G", "CONFIG_S", "CONFIG_LAST", "CONFIG_", "CONFIG_X", "A", "", "CONFIG_A=y"})
	})
	t.Run("walks, then the map", func(t *testing.T) {
		tg := New(Options{Kconfig: p})
		for i := range kconfigWalks + 2 {
			if v, ok, err := tg.KconfigValue("CONFIG_F"); err != nil || !ok || v != "2" {
				t.Fatalf("call %d: %q, %v, %v", i, v, ok, err)
			}
			if built := tg.kc != nil; built != (i >= kconfigWalks) {
				t.Fatalf("after %d calls: map built %v", i+1, built)
			}
		}
	})
	t.Run("running", func(t *testing.T) {
		kc, err := Running().Kconfig()
		if err != nil {
			testutil.HostOnly(t, "a kernel config (/proc/config.gz or /boot/config-*)")
			t.Fatal(err)
		}
		names := []string{"CONFIG_BPFC_NO_SUCH_OPTION", "CONFIG_BPF_SYSCALL"}
		for n := range kc {
			names = append(names, n)
		}
		check(t, Running(), names)
	})
	if _, _, err := New(Options{Kconfig: p + ".missing"}).KconfigValue("CONFIG_A"); !errors.Is(err, ErrNoKconfig) {
		t.Errorf("KconfigValue of a missing config file: %v", err)
	}
}
