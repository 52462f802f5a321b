// This file attaches kprobes, kretprobes and syscall probes (one perf
// event each) and kprobe.multi/kretprobe.multi/kprobe.session programs (one
// BPF_TRACE_KPROBE_MULTI link over every function a glob matches).

package attach

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// attachKprobe attaches a kprobe/kretprobe (FUNC[+OFFSET]) or a
// ksyscall/kretsyscall (NAME) program.
func attachKprobe(p *Program, sec section, opts *Options) (*Link, error) {
	ps := probeSpec{ret: sec.kind == kindKretprobe || sec.kind == kindKretsyscall}
	switch sec.kind {
	case kindKsyscall, kindKretsyscall:
		if sec.target == "" {
			return nil, sec.needTarget("syscall")
		}
		if strings.IndexFunc(sec.target, func(r rune) bool { return !isSymbolChar(r) }) >= 0 {
			return nil, fmt.Errorf("%w: syscall name %q", ErrBadSection, sec.target)
		}
		ps.name = features.SyscallFunc(sec.target)
	default:
		if sec.target == "" {
			return nil, sec.needTarget("kernel function")
		}
		t, err := parseKprobe(sec.target)
		if err != nil {
			return nil, err
		}
		if ps.ret && t.offset != 0 {
			return nil, fmt.Errorf("%w: kretprobe target %q: return probes take no offset", ErrBadSection, sec.target)
		}
		ps.name, ps.offset = t.fn, t.offset
	}
	pt, typ, err := attachProbe(p, ps, opts.Cookie, opts.Mode)
	if err != nil {
		return nil, err
	}
	return newLink(typ, fmt.Sprintf("%s+%#x", ps.name, ps.offset), pt), nil
}

// attachKprobeMulti attaches a kprobe.multi, kretprobe.multi or
// kprobe.session program to every kernel function its glob matches.
func attachKprobeMulti(p *Program, sec section, opts *Options) (*Link, error) {
	if sec.target == "" {
		return nil, sec.needTarget("function pattern")
	}
	pattern := sec.target
	if strings.IndexFunc(pattern, func(r rune) bool { return !isSymbolChar(r) && r != '*' && r != '?' }) >= 0 {
		return nil, fmt.Errorf("%w: kprobe.multi pattern %q: only [A-Za-z0-9_.*?]", ErrBadSection, pattern)
	}
	attr := sys.LinkCreateKprobeMultiAttr{
		LinkCreateHead: sys.LinkCreateHead{ProgFd: uint32(p.FD), AttachType: uapi.AttachTraceKprobeMulti},
	}
	if sec.kind == kindKretprobeMulti {
		attr.KprobeFlags = sys.KprobeMultiReturn
	}
	if sec.kind == kindKprobeSession {
		attr.AttachType = uapi.AttachTraceKprobeSession
	}
	// Ask before reading tracefs for the glob.
	if err := features.KprobeMultiLink.Check(); errors.Is(err, ErrNotSupported) {
		return nil, fmt.Errorf("%s %s: %w", sec.kind, pattern, err)
	}
	var (
		syms  []*byte
		addrs []uint64
		n     int
	)
	if !strings.ContainsAny(pattern, "*?") {
		// An exact name: the kernel looks it up (libbpf does the same).
		name, err := unix.BytePtrFromString(pattern)
		if err != nil {
			return nil, err
		}
		syms = []*byte{name}
		attr.Syms = sys.NewPointer(unsafe.Pointer(&syms[0]))
		n = 1
	} else {
		var err error
		addrs, err = kprobeMultiAddrs(pattern)
		if err != nil {
			return nil, err
		}
		attr.Addrs = sys.NewPointer(unsafe.Pointer(&addrs[0]))
		n = len(addrs)
	}
	attr.Cnt = uint32(n)
	var cookies []uint64
	if opts.Cookie != 0 {
		cookies = make([]uint64, n)
		for i := range cookies {
			cookies[i] = opts.Cookie
		}
		attr.Cookies = sys.NewPointer(unsafe.Pointer(&cookies[0]))
	}
	fd, err := sys.LinkCreate(&attr)
	runtime.KeepAlive(syms)
	runtime.KeepAlive(addrs)
	runtime.KeepAlive(cookies)
	if err != nil {
		switch {
		case errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT):
			return nil, fmt.Errorf("%s %s: %w: no such kernel function: %w", sec.kind, pattern, ErrNotFound, err)
		case errors.Is(err, unix.EOPNOTSUPP):
			return nil, fmt.Errorf("%s %s: %w: the kernel has no kprobe_multi links (CONFIG_FPROBE): %w", sec.kind, pattern, ErrNotSupported, err)
		case errors.Is(err, unix.EINVAL) && sec.kind == kindKprobeSession:
			return nil, fmt.Errorf("%s %s: %w: kprobe sessions need Linux 6.10: %w", sec.kind, pattern, ErrNotSupported, err)
		case errors.Is(err, unix.EINVAL):
			return nil, fmt.Errorf("%s %s: %w: kprobe_multi links need Linux 5.18 and a program loaded for them: %w", sec.kind, pattern, ErrNotSupported, err)
		}
		return nil, fmt.Errorf("%s %s: %w", sec.kind, pattern, err)
	}
	target := pattern
	if addrs != nil {
		target = fmt.Sprintf("%s (%d functions)", pattern, n)
	}
	return newLink("kprobe_multi", target, &part{link: fd}), nil
}

// kprobeMultiAddrs returns the addresses of the traceable kernel functions
// pattern matches: from tracefs available_filter_functions_addrs (6.5+),
// or else the kallsyms addresses of the names in
// available_filter_functions (as libbpf).
func kprobeMultiAddrs(pattern string) ([]uint64, error) {
	dir, err := tracefs()
	if err != nil {
		return nil, fmt.Errorf("kprobe.multi %s: the traceable functions are listed in tracefs: %w", pattern, err)
	}
	var addrs []uint64
	f, err := os.Open(filepath.Join(dir, "available_filter_functions_addrs"))
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 || !globMatch(fields[1], pattern) {
				continue
			}
			a, err := strconv.ParseUint(fields[0], 16, 64)
			if err != nil {
				return nil, fmt.Errorf("available_filter_functions_addrs: %q: %w", sc.Text(), err)
			}
			addrs = append(addrs, a)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("available_filter_functions_addrs: %w", err)
		}
	} else {
		names, err := availableFunctions(dir, pattern)
		if err != nil {
			return nil, err
		}
		if addrs, err = kallsymsAddrs(names); err != nil {
			return nil, err
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("kprobe.multi %s: %w: no traceable kernel function matches", pattern, ErrNotFound)
	}
	return addrs, nil
}

// availableFunctions returns the sorted names in tracefs
// available_filter_functions that match pattern.
func availableFunctions(dir, pattern string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, "available_filter_functions"))
	if err != nil {
		return nil, fmt.Errorf("kprobe.multi %s: %w", pattern, err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, _, _ := strings.Cut(sc.Text(), " ")
		if globMatch(name, pattern) {
			names = append(names, name)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("available_filter_functions: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// kallsymsAddrs returns the /proc/kallsyms addresses of the symbols whose
// name (or name without a ".llvm.<hash>" suffix, which some kernels strip
// from available_filter_functions) is in sorted names.
func kallsymsAddrs(names []string) ([]uint64, error) {
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var addrs []uint64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		name := fields[2]
		if !contains(names, name) {
			trimmed, _, ok := strings.Cut(name, ".llvm.")
			if !ok || !contains(names, trimmed) {
				continue
			}
		}
		a, err := strconv.ParseUint(fields[0], 16, 64)
		if err != nil || a == 0 {
			continue // hidden addresses (kptr_restrict) are useless
		}
		addrs = append(addrs, a)
	}
	return addrs, sc.Err()
}

func contains(sorted []string, s string) bool {
	i := sort.SearchStrings(sorted, s)
	return i < len(sorted) && sorted[i] == s
}

// globMatch matches s against pattern, where '*' matches any run of
// characters and '?' any one character (libbpf's glob_match).
func globMatch(s, pattern string) bool {
	for len(pattern) > 0 && pattern[0] != '*' {
		if len(s) == 0 || (pattern[0] != '?' && pattern[0] != s[0]) {
			return false
		}
		s, pattern = s[1:], pattern[1:]
	}
	if len(pattern) == 0 {
		return len(s) == 0
	}
	pattern = strings.TrimLeft(pattern, "*")
	if pattern == "" {
		return true
	}
	for i := range len(s) + 1 {
		if globMatch(s[i:], pattern) {
			return true
		}
	}
	return false
}
