// This file tests the decision about syscall wrappers against made-up
// kernels (BTF and kallsyms with and without the wrapper) and the running
// kernel's feature against its kallsyms.

package features

import (
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
)

func TestHasSyscallWrapper(t *testing.T) {
	pfx, ok := SyscallPrefix()
	if !ok {
		t.Skipf("no syscall wrapper prefix for %s", runtime.GOARCH)
	}
	own := "__" + pfx + "_sys_bpf"
	btfWith := func(names ...string) func(string) bool {
		return func(n string) bool {
			for _, m := range names {
				if m == n {
					return true
				}
			}
			return false
		}
	}
	kallsyms := func(names ...string) func(string) (bool, error) {
		return func(n string) (bool, error) { return btfWith(names...)(n), nil }
	}
	noKallsyms := func(string) (bool, error) { return false, errors.New("no kallsyms") }
	for _, tt := range []struct {
		name string
		src  SymbolSource
		has  bool
		why  string // substring of the reason, or of the error when err
		err  bool
	}{
		{"BTF with this arch's wrapper", SymbolSource{BTFFunc: btfWith(own)}, true, "target BTF has FUNC " + own, false},
		{"BTF of another arch", SymbolSource{BTFFunc: btfWith("__arm64_sys_bpf", "__x64_sys_bpf")}, true, "target BTF has FUNC", false},
		{"BTF without wrappers", SymbolSource{BTFFunc: btfWith("__se_sys_bpf")}, false, "target BTF has no __<arch>_sys_bpf", false},
		{"BTF without, kallsyms with", SymbolSource{BTFFunc: btfWith(), Kallsyms: kallsyms(own)}, true, "kallsyms has " + own, false},
		{"kallsyms only, with", SymbolSource{BTFErr: errors.New("no BTF file"), Kallsyms: kallsyms(own)}, true, "kallsyms has " + own, false},
		{"kallsyms only, without", SymbolSource{BTFErr: errors.New("no BTF file"), Kallsyms: kallsyms("__se_sys_bpf")}, false, "no target BTF; kallsyms has no", false},
		{"neither readable", SymbolSource{BTFErr: errors.New("no BTF file"), Kallsyms: noKallsyms}, false, "no target BTF (no BTF file) and no kallsyms (no kallsyms)", true},
		{"nothing to look in", SymbolSource{}, false, "no target kernel to look for syscall wrappers in", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			has, why, err := HasSyscallWrapper(tt.src)
			if tt.err {
				if err == nil || !strings.Contains(err.Error(), tt.why) {
					t.Fatalf("error %v, want one containing %q", err, tt.why)
				}
				return
			}
			if err != nil || has != tt.has || !strings.Contains(why, tt.why) {
				t.Errorf("= %v, %q, %v; want %v, %q", has, why, err, tt.has, tt.why)
			}
		})
	}
}

// TestSyscallFunc: the running kernel's ksyscall function is in kallsyms.
func TestSyscallFunc(t *testing.T) {
	testutil.RequireKernel(t)
	fn := SyscallFunc("getpid")
	found, err := procKallsyms(fn)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Errorf("SyscallFunc(getpid) = %s, which kallsyms does not list", fn)
	}
	if pfx, ok := SyscallPrefix(); ok && fn != "__"+pfx+"_sys_getpid" {
		t.Errorf("SyscallFunc(getpid) = %s on %s, whose every kernel of the matrix has wrappers", fn, Release())
	}
}

// TestSyscallPrefixes checks that syscallPrefixes lists, sorted and once
// each, exactly the prefixes syscallPrefix gives Go's architectures.
func TestSyscallPrefixes(t *testing.T) {
	want := map[string]bool{}
	for _, arch := range []string{"386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le",
		"ppc64", "ppc64le", "riscv64", "s390x", "wasm"} {
		if p, ok := syscallPrefix(arch); ok {
			want[p] = true
		}
	}
	got := map[string]bool{}
	for i, p := range syscallPrefixes {
		if i > 0 && p <= syscallPrefixes[i-1] {
			t.Errorf("syscallPrefixes: %q after %q", p, syscallPrefixes[i-1])
		}
		got[p] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("syscallPrefixes %v, the architectures' %v", got, want)
	}
	if p, ok := syscallPrefix("amd64"); p != "x64" || !ok {
		t.Errorf("amd64: %q %v", p, ok)
	}
}

// TestWrapperAlways checks the architectures whose kernels always have
// syscall wrappers from a version on, and that the others have none.
func TestWrapperAlways(t *testing.T) {
	for _, tt := range []struct {
		goarch string
		want   Version
		ok     bool
	}{
		{"amd64", Version{4, 17}, true},
		{"arm64", Version{4, 19}, true},
		{"386", Version{}, false},
		{"riscv64", Version{}, false},
		{"s390x", Version{}, false},
	} {
		got, ok := wrapperAlways(tt.goarch)
		if got != tt.want || ok != tt.ok {
			t.Errorf("wrapperAlways(%s) = %v, %v; want %v, %v", tt.goarch, got, ok, tt.want, tt.ok)
		}
	}
}
