// This file runs the externs pass over testdata/externs.o: against a
// target made of files (testdata/btf/kernel_a.btf and
// testdata/kconfig/target.config) through the target package, and against
// the running kernel, where the object is loaded with backend/direct and
// run, and the values it saw are checked against /proc/config.gz, uname,
// /proc/kallsyms and vmlinux BTF read independently.

package passes_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

const targetKconfig = "../testdata/kconfig/target.config"

func openExterns(t *testing.T) *ir.Object {
	t.Helper()
	obj, err := elf.Open(filepath.Join(testdataDir, "externs.o"))
	if err != nil {
		t.Fatalf("frontend: %v", err)
	}
	return obj
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// kconfigBytes returns the bytes of extern name in obj's .kconfig map.
func kconfigBytes(t *testing.T, obj *ir.Object, name string) []byte {
	t.Helper()
	e := obj.Extern(name)
	m, _ := obj.Map(".kconfig")
	if e == nil || m == nil || len(m.Data) < int(e.Offset+e.Size) {
		t.Fatalf("extern %s or its .kconfig data missing", name)
	}
	return m.Data[e.Offset : e.Offset+e.Size]
}

func TestExternsFileTarget(t *testing.T) {
	tg := target.New(target.Options{BTF: targetBTF, Kconfig: targetKconfig, Release: "6.18.44-test"})

	// A target given as files has no kallsyms: the typeless ksym _stext
	// cannot be resolved now.
	err := passes.Run(&passes.Context{Target: tg, StopAfter: "externs", CheckIR: true}, openExterns(t))
	if !errors.Is(err, passes.ErrExternNotFound) || !strings.Contains(err.Error(), "externs.o: externs pass: extern _stext (.ksyms): not in kallsyms") {
		t.Errorf("file target without defer: error %v, want _stext not in kallsyms", err)
	}

	// Deferred, kconfig is resolved and everything else is left to the
	// loader.
	obj := openExterns(t)
	if err := passes.Run(&passes.Context{Target: tg, Defer: true, StopAfter: "externs", CheckIR: true}, obj); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"CONFIG_BPF_SYSCALL":           {1},
		"CONFIG_NET_CLS_BPF":           le32(2), // m: TRI_MODULE
		"CONFIG_HZ":                    le32(250),
		"CONFIG_NR_CPUS":               le32(64),
		"CONFIG_BPF_JIT":               {'y'},
		"CONFIG_DEFAULT_HOSTNAME":      append([]byte("(none)"), make([]byte, 10)...),
		"CONFIG_BPFC_NO_SUCH_INT":      le32(0),
		"CONFIG_BPFC_NO_SUCH_BOOL":     {0},
		"CONFIG_BPFC_NO_SUCH_TRISTATE": le32(0),
		"LINUX_KERNEL_VERSION":         le32(6<<16 | 18<<8 | 44),
		"LINUX_HAS_BPF_COOKIE":         {1}, // kernel_a.btf has no bpf_func_id: by version
		"LINUX_HAS_SYSCALL_WRAPPER":    {0}, // kernel_a.btf has no __x64_sys_bpf
	}
	for name, w := range want {
		if got := kconfigBytes(t, obj, name); !bytes.Equal(got, w) {
			t.Errorf("%s = % x, want % x", name, got, w)
		}
		e := obj.Extern(name)
		if e.State != ir.Resolved || e.Missing != strings.Contains(name, "NO_SUCH") {
			t.Errorf("%s: state %s missing %v", name, e.State, e.Missing)
		}
	}
	for _, e := range obj.Externs {
		if e.Kind != ir.ExternKconfig && e.State != ir.Deferred {
			t.Errorf("%s (%s): state %s, want deferred", e.Name, e.Kind, e.State)
		}
	}

	// Bad and missing config values name the extern and the object.
	base, err := os.ReadFile(targetKconfig)
	if err != nil {
		t.Fatal(err)
	}
	withHZ := strings.Replace(string(base), "CONFIG_HZ=250", "CONFIG_HZ=abc", 1)
	dir := t.TempDir()
	for _, tc := range []struct{ config, msg string }{
		{withHZ, `externs.o: externs pass: extern CONFIG_HZ (.kconfig): kernel config value CONFIG_HZ=abc: "abc" is not an integer`},
		{"CONFIG_HZ=250\n", "externs.o: externs pass: extern CONFIG_BPF_SYSCALL (.kconfig): not found in the kernel config"},
		{"CONFIG_BPF_SYSCALL=m\n", "extern CONFIG_BPF_SYSCALL (.kconfig): kernel config value CONFIG_BPF_SYSCALL=m: value 'm' implies a tristate or char extern, not bool"},
	} {
		path := filepath.Join(dir, "config")
		if err := os.WriteFile(path, []byte(tc.config), 0o644); err != nil {
			t.Fatal(err)
		}
		tg := target.New(target.Options{BTF: targetBTF, Kconfig: path, Release: "6.18.0"})
		err := passes.Run(&passes.Context{Target: tg, Defer: true, StopAfter: "externs"}, openExterns(t))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("config %q: error %v, want %q", tc.config, err, tc.msg)
		}
	}
}

// readConfig reads /proc/config.gz (or /boot/config-RELEASE) without the
// target package.
func readConfig(t *testing.T) map[string]string {
	t.Helper()
	var data []byte
	if raw, err := os.ReadFile("/proc/config.gz"); err == nil {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	} else if data, err = os.ReadFile("/boot/config-" + release()); err != nil {
		// The pass read a config from one of these files.
		t.Fatalf("no kernel config to compare with: %v", err)
	}
	kc := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "CONFIG_") {
			kc[k] = v
		}
	}
	return kc
}

func release() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// kallsymsAddr reads a symbol's address from /proc/kallsyms (0 if absent).
func kallsymsAddr(t *testing.T, name string) uint64 {
	t.Helper()
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 3 && fs[2] == name {
			a, err := strconv.ParseUint(fs[0], 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	return 0
}

func TestExternsRunningKernel(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj := openExterns(t)
	err := passes.Run(&passes.Context{Target: target.Running(), CheckIR: true}, obj)
	if unmet := testutil.Unmet("externs.o"); len(unmet) > 0 {
		testutil.CheckRefused(t, "externs.o", unmet, err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	coll, err := direct.Load(obj, nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	defer coll.Close()
	res, err := coll.Programs["read_externs"].TestRun(direct.TestRunOptions{CtxIn: []byte{}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != 0 {
		t.Fatalf("read_externs returned %d", res.Retval)
	}
	bss := coll.Maps[".bss"]
	val, err := bss.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	sec := obj.DataSection(".bss")
	read := func(name string) []byte {
		for _, v := range sec.Vars {
			if v.Name == name {
				return val[v.Offset : v.Offset+v.Size]
			}
		}
		t.Fatalf("no .bss variable %s", name)
		return nil
	}
	u64 := func(name string) uint64 { return binary.LittleEndian.Uint64(read(name)) }

	kc := readConfig(t)
	tri := map[string]uint64{"y": 1, "m": 2, "": 0}
	num := func(name string) uint64 {
		n, err := strconv.ParseUint(kc[name], 0, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, kc[name], err)
		}
		return n
	}
	ver := realKernelVersion(t)
	vmlinux, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	wrapper := uint64(0)
	for _, id := range vmlinux.FindByName("__x64_sys_bpf") {
		if vmlinux.TypeKind(id) == btf.KindFunc {
			wrapper = 1
		}
	}
	// The pass probes the running kernel for BPF cookies; its BTF says
	// too.
	cookie := uint64(0)
	for _, id := range vmlinux.FindByNameKind("bpf_func_id", btf.KindEnum) {
		typ, err := vmlinux.Type(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range typ.Enums {
			if v.Name == "BPF_FUNC_get_attach_cookie" {
				cookie = 1
			}
		}
	}
	if note := obj.Extern("LINUX_HAS_BPF_COOKIE").Note; !strings.Contains(note, "(probed)") {
		t.Errorf("LINUX_HAS_BPF_COOKIE resolved by %q, want a probe of the running kernel", note)
	}
	want := map[string]uint64{
		"kc_bpf_syscall":      map[string]uint64{"y": 1}[kc["CONFIG_BPF_SYSCALL"]],
		"kc_net_cls_bpf":      tri[kc["CONFIG_NET_CLS_BPF"]],
		"kc_hz":               num("CONFIG_HZ"),
		"kc_nr_cpus":          num("CONFIG_NR_CPUS"),
		"kc_bpf_jit":          uint64(kc["CONFIG_BPF_JIT"][0]),
		"kc_missing_int":      0,
		"kc_missing_bool":     0,
		"kc_missing_tristate": 0,
		"kernel_version":      uint64(ver),
		"has_bpf_cookie":      cookie,
		"has_syscall_wrapper": wrapper,
		"stext_addr":          kallsymsAddr(t, "_stext"),
		"prog_fops_addr":      kallsymsAddr(t, "bpf_prog_fops"),
		"missing_rq_exists":   0,
	}
	for name, w := range want {
		if got := u64(name); got != w {
			t.Errorf("%s = %d (%#x), want %d (%#x)", name, got, got, w, w)
		}
	}
	if want["stext_addr"] == 0 {
		t.Error("_stext has address 0 in /proc/kallsyms")
	}
	host := []byte(strings.Trim(kc["CONFIG_DEFAULT_HOSTNAME"], `"`))
	if got := read("kc_hostname"); !bytes.Equal(bytes.TrimRight(got, "\x00"), host) {
		t.Errorf("kc_hostname = %q, want %q", got, host)
	}
}

// realKernelVersion is KERNEL_VERSION of the running kernel read the way
// libbpf reads it, for comparison with bpfc's: Ubuntu's
// /proc/version_signature ("Ubuntu 5.4.0-12.15-generic 5.4.8"), a Debian
// kernel's uname version ("#1 SMP Debian 5.10.237-1 (2025-05-19)"), else
// the uname release.
func realKernelVersion(t *testing.T) uint32 {
	t.Helper()
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	full := regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)`)
	var m []string
	if sig, err := os.ReadFile("/proc/version_signature"); err == nil {
		if f := strings.Fields(string(sig)); len(f) >= 3 {
			m = full.FindStringSubmatch(f[2])
		}
	}
	if d := regexp.MustCompile(` Debian (\d+\.\d+\.\d+)`).FindStringSubmatch(unix.ByteSliceToString(u.Version[:])); m == nil && d != nil {
		m = full.FindStringSubmatch(d[1])
	}
	if m == nil {
		m = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?`).FindStringSubmatch(unix.ByteSliceToString(u.Release[:]))
	}
	if m == nil {
		t.Fatalf("no version in uname release %q", unix.ByteSliceToString(u.Release[:]))
	}
	var v [3]uint32
	for i := range v {
		n, _ := strconv.ParseUint(m[i+1], 10, 32)
		v[i] = uint32(n)
	}
	return v[0]<<16 | v[1]<<8 | min(v[2], 255)
}

// TestKernelVersionRunningKernel loads kernel_version.o, which chooses a
// path by LINUX_KERNEL_VERSION, runs it and checks that it saw the
// kernel's real version (Debian's 5.10 and 6.1 kernels have releases
// ending in .0: the version is in uname's version string).
func TestKernelVersionRunningKernel(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj, err := elf.Open(filepath.Join(testdataDir, "kernel_version.o"))
	if err != nil {
		t.Fatal(err)
	}
	if err := passes.Run(&passes.Context{Target: target.Running(), CheckIR: true}, obj); err != nil {
		t.Fatal(err)
	}
	want := realKernelVersion(t)
	if got := binary.LittleEndian.Uint32(kconfigBytes(t, obj, "LINUX_KERNEL_VERSION")); got != want {
		t.Errorf("LINUX_KERNEL_VERSION = %#x, want %#x", got, want)
	}
	coll, err := direct.Load(obj, nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	defer coll.Close()
	res, err := coll.Programs["backport"].TestRun(direct.TestRunOptions{DataIn: testutil.Packet()})
	if err != nil {
		t.Fatal(err)
	}
	if w := want >= 5<<16|10<<8|137; res.Retval != map[bool]uint32{true: 1, false: 0}[w] {
		t.Errorf("backport returned %d on %#x, want %v", res.Retval, want, w)
	}
}
