// This file parses what a program's section name says about where to
// attach it: the kind of attachment (the part before the first '/', as in
// libbpf's section_defs) and the target after it, split into its fields
// (function and offset, binary path and symbol, USDT provider and name,
// tracepoint category and name).

package attach

import (
	"fmt"
	"strconv"
	"strings"
)

// kind is the kind of attachment a section prefix asks for.
type kind int

const (
	kindNone kind = iota // the section does not say: attach by program type
	kindKprobe
	kindKretprobe
	kindKsyscall
	kindKretsyscall
	kindKprobeMulti
	kindKretprobeMulti
	kindKprobeSession
	kindUprobe
	kindUretprobe
	kindUprobeMulti
	kindUretprobeMulti
	kindUprobeSession
	kindUSDT
	kindTracepoint
	kindRawTracepoint
	kindTracing // tp_btf, fentry, fexit, fmod_ret, lsm: the target is fixed at load
	kindIter
)

// sectionKind returns the kind of a section prefix libbpf auto-attaches
// (its section_defs entries with an attach function). A switch, not a
// map: a map would be built at start-up by every program linking this
// package, the bpfc command included.
func sectionKind(prefix string) (kind, bool) {
	switch prefix {
	case "kprobe":
		return kindKprobe, true
	case "kretprobe":
		return kindKretprobe, true
	case "ksyscall":
		return kindKsyscall, true
	case "kretsyscall":
		return kindKretsyscall, true
	case "kprobe.multi":
		return kindKprobeMulti, true
	case "kretprobe.multi":
		return kindKretprobeMulti, true
	case "kprobe.session":
		return kindKprobeSession, true
	case "uprobe", "uprobe.s":
		return kindUprobe, true
	case "uretprobe", "uretprobe.s":
		return kindUretprobe, true
	case "uprobe.multi", "uprobe.multi.s":
		return kindUprobeMulti, true
	case "uretprobe.multi", "uretprobe.multi.s":
		return kindUretprobeMulti, true
	case "uprobe.session", "uprobe.session.s":
		return kindUprobeSession, true
	case "usdt", "usdt.s":
		return kindUSDT, true
	case "tracepoint", "tracepoint.s", "tp", "tp.s":
		return kindTracepoint, true
	case "raw_tracepoint", "raw_tracepoint.s", "raw_tracepoint.w", "raw_tp", "raw_tp.s", "raw_tp.w":
		return kindRawTracepoint, true
	case "tp_btf", "tp_btf.s", "fentry", "fentry.s", "fexit", "fexit.s", "fmod_ret", "fmod_ret.s", "lsm", "lsm.s":
		return kindTracing, true
	case "iter", "iter.s":
		return kindIter, true
	}
	return kindNone, false
}

func (k kind) String() string {
	switch k {
	case kindKprobe:
		return "kprobe"
	case kindKretprobe:
		return "kretprobe"
	case kindKsyscall:
		return "ksyscall"
	case kindKretsyscall:
		return "kretsyscall"
	case kindKprobeMulti:
		return "kprobe.multi"
	case kindKretprobeMulti:
		return "kretprobe.multi"
	case kindKprobeSession:
		return "kprobe.session"
	case kindUprobe:
		return "uprobe"
	case kindUretprobe:
		return "uretprobe"
	case kindUprobeMulti:
		return "uprobe.multi"
	case kindUretprobeMulti:
		return "uretprobe.multi"
	case kindUprobeSession:
		return "uprobe.session"
	case kindUSDT:
		return "usdt"
	case kindTracepoint:
		return "tracepoint"
	case kindRawTracepoint:
		return "raw_tracepoint"
	case kindTracing:
		return "tracing"
	case kindIter:
		return "iter"
	}
	return "none"
}

// section is a parsed section name.
type section struct {
	kind kind
	// target is what follows the prefix and its '/' (or Options.Target);
	// "" when neither names one.
	target string
}

// parseSection splits a section name into its kind and target; override,
// when not empty, replaces the target.
func parseSection(name, override string) section {
	name = strings.TrimPrefix(name, "?")
	prefix, target, _ := strings.Cut(name, "/")
	k, ok := sectionKind(prefix)
	if !ok {
		return section{}
	}
	if override != "" {
		target = override
	}
	return section{kind: k, target: target}
}

// needTarget is the error of a section that names no target when the
// kind needs one.
func (s section) needTarget(what string) error {
	return fmt.Errorf("%w: the section names no %s and Options.Target is empty", ErrNeedsTarget, what)
}

// kprobeTarget is a parsed kprobe target: FUNC or FUNC+OFFSET.
type kprobeTarget struct {
	fn     string
	offset uint64
}

// parseKprobe parses "FUNC[+OFFSET]" as libbpf's attach_kprobe does:
// FUNC is [A-Za-z0-9_.]+, OFFSET a C integer (decimal, 0x hex, 0 octal).
func parseKprobe(s string) (kprobeTarget, error) {
	fn, off, hasOff := strings.Cut(s, "+")
	if fn == "" || strings.IndexFunc(fn, func(r rune) bool { return !isSymbolChar(r) }) >= 0 {
		return kprobeTarget{}, fmt.Errorf("%w: kprobe target %q: want FUNC or FUNC+OFFSET", ErrBadSection, s)
	}
	t := kprobeTarget{fn: fn}
	if hasOff {
		v, err := strconv.ParseUint(off, 0, 64)
		if err != nil {
			return kprobeTarget{}, fmt.Errorf("%w: kprobe target %q: offset %q is not a non-negative integer", ErrBadSection, s, off)
		}
		t.offset = v
	}
	return t, nil
}

func isSymbolChar(r rune) bool {
	return r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// uprobeTarget is a parsed uprobe target: PATH:FUNC[+OFFSET], or
// PATH:OFFSET for a raw file offset.
type uprobeTarget struct {
	path   string
	fn     string // "" for a raw offset
	offset uint64
}

// parseUprobe parses "PATH:FUNC[+OFFSET]" as libbpf's attach_uprobe does
// (the path runs up to the first ':'; a "+OFFSET" that is not a valid
// number stays part of the symbol name), and also accepts "PATH:0xOFFSET"
// (an address with no symbol) as a file offset.
func parseUprobe(s string) (uprobeTarget, error) {
	path, fn, ok := strings.Cut(s, ":")
	if !ok || path == "" || fn == "" {
		return uprobeTarget{}, fmt.Errorf("%w: uprobe target %q: want PATH:FUNC[+OFFSET]", ErrBadSection, s)
	}
	t := uprobeTarget{path: path, fn: fn}
	if i := strings.LastIndexByte(fn, '+'); i >= 0 {
		if v, err := strconv.ParseUint(fn[i+1:], 0, 64); err == nil {
			t.fn, t.offset = fn[:i], v
		}
	}
	if strings.HasPrefix(t.fn, "0x") {
		if v, err := strconv.ParseUint(t.fn, 0, 64); err == nil {
			t.fn, t.offset = "", t.offset+v
		}
	}
	if t.fn == "" && t.offset == 0 {
		return uprobeTarget{}, fmt.Errorf("%w: uprobe target %q: no function", ErrBadSection, s)
	}
	return t, nil
}

// parseTracepoint parses "CATEGORY/NAME".
func parseTracepoint(s string) (category, name string, err error) {
	category, name, ok := strings.Cut(s, "/")
	if !ok || category == "" || name == "" {
		return "", "", fmt.Errorf("%w: tracepoint %q: want CATEGORY/NAME", ErrBadSection, s)
	}
	return category, name, nil
}

// parseUprobeMulti parses the "PATH:GLOB" of a k (uprobe.multi,
// uretprobe.multi, uprobe.session) section.
func parseUprobeMulti(k kind, s string) (path, pattern string, err error) {
	path, pattern, ok := strings.Cut(s, ":")
	if !ok || path == "" || pattern == "" {
		return "", "", fmt.Errorf("%w: %s target %q: want PATH:GLOB", ErrBadSection, k, s)
	}
	return path, pattern, nil
}

// usdtTarget is a parsed usdt target: PATH:PROVIDER:NAME.
type usdtTarget struct {
	path, provider, name string
}

// parseUSDT parses "PATH:PROVIDER:NAME" (libbpf: usdt/%[^:]:%[^:]:%[^:]).
func parseUSDT(s string) (usdtTarget, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return usdtTarget{}, fmt.Errorf("%w: usdt target %q: want PATH:PROVIDER:NAME", ErrBadSection, s)
	}
	return usdtTarget{path: parts[0], provider: parts[1], name: parts[2]}, nil
}
