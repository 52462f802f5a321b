// This file decides whether a kernel enters system calls through
// architecture-specific wrappers (__x64_sys_bpf): where ksyscall programs
// attach (package attach) and what usdt.bpf.h's and bpf_tracing.h's
// LINUX_HAS_SYSCALL_WRAPPER says (package passes). One function decides,
// from what the caller can look in; the running kernel's answer is a
// feature like the others.

package features

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
)

// SyscallPrefix returns the prefix of this architecture's syscall
// wrappers ("x64" for amd64), or false where libbpf knows none.
func SyscallPrefix() (string, bool) { return syscallPrefix(runtime.GOARCH) }

// syscallPrefix returns the prefix of the syscall wrappers of Go
// architecture goarch, as libbpf's arch_specific_syscall_pfx knows them.
func syscallPrefix(goarch string) (string, bool) {
	switch goarch {
	case "amd64":
		return "x64", true
	case "386":
		return "ia32", true
	case "s390x":
		return "s390x", true
	case "arm":
		return "arm", true
	case "arm64":
		return "arm64", true
	case "mips", "mipsle", "mips64":
		return "mips", true
	case "riscv64":
		return "riscv", true
	case "ppc64", "ppc64le":
		return "powerpc", true
	}
	return "", false
}

// syscallPrefixes are the prefixes syscallPrefix knows, sorted.
var syscallPrefixes = [...]string{"arm", "arm64", "ia32", "mips", "powerpc", "riscv", "s390x", "x64"}

// SyscallWrapperAlways returns the first kernel version from which every
// kernel of this architecture enters syscalls through wrappers, where its
// Kconfig selects ARCH_HAS_SYSCALL_WRAPPER unconditionally: x86-64 from
// 4.17, arm64 from 4.19. Elsewhere it returns false, and the wrappers are
// looked for. A running kernel of that version or newer needs no look:
// that spares a load its kernel lookup or its scan of /proc/kallsyms.
func SyscallWrapperAlways() (Version, bool) { return wrapperAlways(runtime.GOARCH) }

// SyscallWrapperByVersion reports whether the running kernel has syscall
// wrappers by its version alone (SyscallWrapperAlways), and from which
// version on.
func SyscallWrapperByVersion() (since Version, ok bool) {
	always, ok := SyscallWrapperAlways()
	return always, ok && knownAtLeast(always)
}

// wrapperAlways is SyscallWrapperAlways for Go architecture goarch.
func wrapperAlways(goarch string) (Version, bool) {
	switch goarch {
	case "amd64":
		return Version{4, 17}, true
	case "arm64":
		return Version{4, 19}, true
	}
	return Version{}, false
}

// SymbolSource is where HasSyscallWrapper looks for a kernel's syscall
// wrappers. Either function may be nil.
type SymbolSource struct {
	// BTFFunc reports whether the kernel's BTF has a FUNC of that name;
	// nil without BTF, and BTFErr then says why.
	BTFFunc func(name string) bool
	BTFErr  error
	// Kallsyms reports whether the kernel's kallsyms has the symbol.
	Kallsyms func(name string) (bool, error)
}

// SyscallWrapperNames are the functions HasSyscallWrapper looks for in a
// kernel's BTF: __<arch>_sys_bpf for every architecture's prefix, this
// architecture's first (the only one the running kernel can have).
func SyscallWrapperNames() []string {
	pfxs := wrapperPrefixes()
	names := make([]string, len(pfxs))
	for i, p := range pfxs {
		names[i] = "__" + p + "_sys_bpf"
	}
	return names
}

// wrapperPrefixes are the syscall wrapper prefixes, this architecture's
// first: on the running kernel that is the one name lookup the answer
// takes.
func wrapperPrefixes() []string {
	pfxs := make([]string, 0, len(syscallPrefixes))
	own, hasOwn := SyscallPrefix()
	if hasOwn {
		pfxs = append(pfxs, own)
	}
	for _, p := range syscallPrefixes {
		if p != own {
			pfxs = append(pfxs, p)
		}
	}
	return pfxs
}

// HasSyscallWrapper decides whether a kernel enters syscalls through
// arch-specific wrappers (__<arch>_sys_bpf), libbpf's
// LINUX_HAS_SYSCALL_WRAPPER and the ksyscall function choice. libbpf
// probes by creating a kprobe on the wrapper; bpfc looks for the wrapper's
// FUNC in the kernel's BTF (any architecture's prefix, so a BTF file of
// another architecture answers for itself), then for this architecture's
// wrapper in kallsyms. It returns the answer and why.
func HasSyscallWrapper(src SymbolSource) (bool, string, error) {
	pfxs := wrapperPrefixes()
	own, hasOwn := SyscallPrefix()
	btfErr := src.BTFErr
	if src.BTFFunc != nil {
		btfErr = nil
		for _, p := range pfxs {
			if name := "__" + p + "_sys_bpf"; src.BTFFunc(name) {
				return true, "target BTF has FUNC " + name, nil
			}
		}
	} else if btfErr == nil {
		btfErr = errors.New("no BTF")
	}
	if src.Kallsyms == nil && btfErr != nil {
		return false, "", errors.New("no target kernel to look for syscall wrappers in")
	}
	if hasOwn && src.Kallsyms != nil {
		name := "__" + own + "_sys_bpf"
		found, err := src.Kallsyms(name)
		if err == nil && found {
			return true, "kallsyms has " + name, nil
		}
		if err != nil && btfErr != nil {
			return false, "", fmt.Errorf("no target BTF (%w) and no kallsyms (%w)", btfErr, err)
		}
	}
	if btfErr != nil {
		return false, "no target BTF; kallsyms has no __<arch>_sys_bpf", nil
	}
	return false, "target BTF has no __<arch>_sys_bpf", nil
}

// SyscallFunc returns the kernel function a ksyscall program for syscall
// name probes on the running kernel, as libbpf: __<arch>_sys_NAME with
// syscall wrappers, __se_sys_NAME without (or when the probe cannot
// tell).
func SyscallFunc(name string) string {
	if p, ok := SyscallPrefix(); ok && SyscallWrapper.Has() {
		return "__" + p + "_sys_" + name
	}
	return "__se_sys_" + name
}

// probeSyscallWrapper answers for the running kernel: by its version
// where SyscallWrapperAlways knows one, otherwise HasSyscallWrapper looks
// in /proc/kallsyms (this package reads no BTF).
func probeSyscallWrapper() (bool, error) {
	if _, ok := SyscallPrefix(); !ok {
		return false, nil
	}
	if _, ok := SyscallWrapperByVersion(); ok {
		return true, nil
	}
	has, _, err := HasSyscallWrapper(SymbolSource{BTFErr: errors.New("not read"), Kallsyms: procKallsyms})
	return has, err
}

// procKallsyms reports whether /proc/kallsyms lists symbol name.
func procKallsyms(name string) (bool, error) {
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		return false, err
	}
	defer f.Close()
	want := []byte(name)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ffffffff81234560 T __x64_sys_bpf
		line := sc.Bytes()
		i := bytes.LastIndexByte(line, ' ')
		if i >= 0 && bytes.Equal(line[i+1:], want) {
			return true, nil
		}
	}
	return false, sc.Err()
}
