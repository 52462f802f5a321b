// This file attaches uprobes and uretprobes (one perf event on a file
// offset of a binary) and uprobe.multi programs (one
// BPF_TRACE_UPROBE_MULTI link over every function a glob matches). It finds
// binaries and libraries by name as libbpf does and turns ELF function
// symbols into the file offsets the kernel wants.

package attach

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// attachUprobe attaches a uprobe/uretprobe (PATH:FUNC[+OFFSET]) program.
func attachUprobe(p *Program, sec section, opts *Options) (*Link, error) {
	if sec.target == "" {
		return nil, sec.needTarget("binary and function")
	}
	t, err := parseUprobe(sec.target)
	if err != nil {
		return nil, err
	}
	ret := sec.kind == kindUretprobe
	if ret && t.fn != "" && t.offset != 0 {
		return nil, fmt.Errorf("%w: uretprobe target %q: return probes take no offset", ErrBadSection, sec.target)
	}
	path, err := resolveBinary(t.path)
	if err != nil {
		return nil, err
	}
	offset := t.offset
	target := fmt.Sprintf("%s:%#x", path, offset)
	if t.fn != "" {
		off, err := funcOffset(path, t.fn)
		if err != nil {
			return nil, err
		}
		offset += off
		target = fmt.Sprintf("%s:%s+%#x (%#x)", path, t.fn, t.offset, offset)
	}
	pt, typ, err := attachProbe(p, probeSpec{uprobe: true, ret: ret, name: path, offset: offset, pid: opts.PID}, opts.Cookie, opts.Mode)
	if err != nil {
		return nil, err
	}
	if opts.PID > 0 {
		target += fmt.Sprintf(" pid %d", opts.PID)
	}
	return newLink(typ, target, pt), nil
}

// attachUprobeMulti attaches a uprobe.multi, uretprobe.multi or
// uprobe.session program (PATH:GLOB) to every function of the binary the
// glob matches, with one uprobe_multi link (6.6).
func attachUprobeMulti(p *Program, sec section, opts *Options) (*Link, error) {
	if sec.target == "" {
		return nil, sec.needTarget("binary and function pattern")
	}
	bin, pattern, err := parseUprobeMulti(sec.kind, sec.target)
	if err != nil {
		return nil, err
	}
	path, err := resolveBinary(bin)
	if err != nil {
		return nil, err
	}
	offsets, err := funcOffsets(path, pattern)
	if err != nil {
		return nil, err
	}
	var flags uint32
	at := uapi.AttachTraceUprobeMulti
	switch sec.kind {
	case kindUretprobeMulti:
		flags = sys.UprobeMultiReturn
	case kindUprobeSession:
		at = uapi.AttachTraceUprobeSession
	}
	link, err := uprobeMultiLink(p, at, flags, path, offsets, nil, nil, opts.Cookie, opts.PID)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", sec.kind, sec.target, err)
	}
	return newLink("uprobe_multi", fmt.Sprintf("%s:%s (%d functions)", path, pattern, len(offsets)), &part{link: link}), nil
}

// uprobeMultiLink creates a uprobe_multi link of p on path at offsets,
// with per-offset reference counter offsets and cookies (nil: none, or
// every one cookie when it is not 0).
func uprobeMultiLink(p *Program, at uapi.AttachType, flags uint32, path string, offsets, refCtrs, cookies []uint64, cookie uint64, pid int) (*sys.FD, error) {
	if err := features.UprobeMultiLink.Check(); errors.Is(err, ErrNotSupported) {
		return nil, err
	}
	if cookies == nil && cookie != 0 {
		cookies = make([]uint64, len(offsets))
		for i := range cookies {
			cookies[i] = cookie
		}
	}
	attr := sys.LinkCreateUprobeMultiAttr{
		LinkCreateHead: sys.LinkCreateHead{ProgFd: uint32(p.FD), AttachType: at},
		Path:           sys.NewStringPointer(path),
		Offsets:        sys.NewPointer(unsafe.Pointer(&offsets[0])),
		Cnt:            uint32(len(offsets)),
		UprobeFlags:    flags,
		Pid:            uint32(max(pid, 0)),
	}
	if refCtrs != nil {
		attr.RefCtrOffsets = sys.NewPointer(unsafe.Pointer(&refCtrs[0]))
	}
	if cookies != nil {
		attr.Cookies = sys.NewPointer(unsafe.Pointer(&cookies[0]))
	}
	fd, err := sys.LinkCreate(&attr)
	runtime.KeepAlive(offsets)
	runtime.KeepAlive(refCtrs)
	runtime.KeepAlive(cookies)
	if err != nil {
		return nil, err
	}
	return fd, nil
}

// libDir returns the Debian library directory of Go architecture goarch,
// which libbpf also searches ("" for one it does not know).
func libDir(goarch string) string {
	switch goarch {
	case "amd64":
		return "/lib/x86_64-linux-gnu"
	case "386":
		return "/lib/i386-linux-gnu"
	case "s390x":
		return "/lib/s390x-linux-gnu"
	case "arm64":
		return "/lib/aarch64-linux-gnu"
	case "arm":
		return "/lib/arm-linux-gnueabihf"
	case "ppc64le":
		return "/lib/powerpc64le-linux-gnu"
	case "riscv64":
		return "/lib/riscv64-linux-gnu"
	case "mips64le":
		return "/lib/mips64el-linux-gnuabi64"
	case "mipsle":
		return "/lib/mipsel-linux-gnu"
	}
	return ""
}

// resolveBinary finds the binary or library name as libbpf's
// resolve_full_path does: a name with a '/' is used as it is; a shared
// library ("*.so", "*.so.*") is searched in LD_LIBRARY_PATH, /usr/lib64,
// /usr/lib and the architecture's library directory; anything else in
// PATH, /usr/bin and /usr/sbin.
func resolveBinary(name string) (string, error) {
	if strings.Contains(name, "/") {
		if _, err := os.Stat(name); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return "", fmt.Errorf("binary %s: %w: no such file", name, ErrNotFound)
			}
			return "", fmt.Errorf("binary %s: %w", name, err)
		}
		return name, nil
	}
	var search []string
	mode := uint32(unix.R_OK)
	if strings.HasSuffix(name, ".so") || strings.Contains(name, ".so.") {
		search = []string{os.Getenv("LD_LIBRARY_PATH"), "/usr/lib64:/usr/lib", libDir(runtime.GOARCH)}
	} else {
		search = []string{os.Getenv("PATH"), "/usr/bin:/usr/sbin"}
		mode |= unix.X_OK
	}
	for _, list := range search {
		for _, dir := range filepath.SplitList(list) {
			if dir == "" {
				continue
			}
			path := filepath.Join(dir, name)
			if unix.Faccessat(unix.AT_FDCWD, path, mode, unix.AT_EACCESS) == nil {
				return path, nil
			}
		}
	}
	return "", fmt.Errorf("binary %s: %w in the library or executable search path", name, ErrNotFound)
}

// openELF opens an ELF binary or shared library of this machine's
// architecture.
func openELF(path string) (*elffile.File, error) {
	f, err := elffile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("binary %s: %w", path, err)
	}
	if f.Type != elffile.ET_EXEC && f.Type != elffile.ET_DYN {
		f.Close()
		return nil, fmt.Errorf("binary %s: %s is neither an executable nor a shared library", path, f.Type)
	}
	if (f.Class == elffile.ELFCLASS64) != (unsafe.Sizeof(uintptr(0)) == 8) || f.ByteOrder.Uint16([]byte{1, 0}) != binary.NativeEndian.Uint16([]byte{1, 0}) {
		f.Close()
		return nil, fmt.Errorf("binary %s: %w: %s %s, not this machine's word size and byte order", path, ErrNotSupported, f.Class, f.Data)
	}
	return f, nil
}

// symbolFileOffset turns a symbol's virtual address into the file offset
// the kernel wants, through the section that holds it.
func symbolFileOffset(f *elffile.File, s elffile.Symbol) (uint64, bool) {
	if s.Section == elffile.SHN_UNDEF || int(s.Section) >= len(f.Sections) {
		return 0, false
	}
	sh := f.Sections[s.Section]
	return s.Value - sh.Addr + sh.Offset, true
}

// funcOffset returns the file offset of function name in the binary at
// path, as libbpf's elf_find_func_offset: name may carry a symbol version
// ("malloc@GLIBC_2.2.5", "@@" too); .dynsym is searched before .symtab;
// several non-weak definitions at different offsets are ambiguous.
func funcOffset(path, name string) (uint64, error) {
	f, err := openELF(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	base, ver, hasVer := strings.Cut(name, "@")
	ver = strings.TrimPrefix(ver, "@")
	if !hasVer && f.Class == elffile.ELFCLASS64 {
		return funcOffset64(f, path, name)
	}
	tables := []func() ([]elffile.Symbol, error){f.DynamicSymbols, f.Symbols}
	for ti, table := range tables {
		syms, err := table()
		if err != nil {
			continue // no such table (stripped, or static)
		}
		var pick symbolPick
		for _, s := range syms {
			if s.Type() != elffile.STT_FUNC {
				continue
			}
			sname, sver, _ := strings.Cut(s.Name, "@") // .symtab keeps "name@VER"
			if sname != base {
				continue
			}
			if hasVer {
				if ti == 0 {
					sver = s.Version
				} else {
					sver = strings.TrimPrefix(sver, "@")
				}
				if sver != ver {
					continue
				}
			}
			if o, ok := symbolFileOffset(f, s); ok {
				if err := pick.add(path, name, o, s.Bind() == elffile.STB_WEAK); err != nil {
					return 0, err
				}
			}
		}
		if off, ok, err := pick.result(path, name); ok {
			return off, err
		}
	}
	return 0, fmt.Errorf("binary %s: %w: no function %s", path, ErrNotFound, name)
}

// symbolPick chooses among the definitions of a function in one symbol
// table as libbpf's elf_find_func_offset does: a non-weak definition wins
// over weak ones, the first weak one over later weak ones, and two
// non-weak definitions at different offsets are ambiguous.
type symbolPick struct {
	found, weak bool
	off         uint64
}

// add considers a definition at file offset off.
func (s *symbolPick) add(path, name string, off uint64, weak bool) error {
	if s.found && off != s.off {
		switch {
		case !s.weak && !weak:
			return fmt.Errorf("binary %s: function %s is ambiguous: defined at file offsets %#x and %#x", path, name, s.off, off)
		case weak:
			return nil // keep the non-weak one (or the first weak one)
		}
	}
	s.found, s.off, s.weak = true, off, weak
	return nil
}

// result returns the chosen offset, and false when the table had no
// definition.
func (s *symbolPick) result(path, name string) (uint64, bool, error) {
	switch {
	case !s.found:
		return 0, false, nil
	case s.off == 0:
		return 0, true, fmt.Errorf("binary %s: %w: function %s is at offset 0", path, ErrNotFound, name)
	}
	return s.off, true, nil
}

// funcOffset64 is funcOffset for a name without a version in a 64-bit
// ELF file, scanning the symbol tables in place: Symbols makes a Symbol
// of every entry of a table (thousands, for a static binary), this
// compares bytes.
func funcOffset64(f *elffile.File, path, name string) (uint64, error) {
	const symSize = elffile.Sym64Size
	for _, typ := range []elffile.SectionType{elffile.SHT_DYNSYM, elffile.SHT_SYMTAB} {
		sec := f.SectionByType(typ)
		if sec == nil || sec.Link >= uint32(len(f.Sections)) {
			continue
		}
		syms, err := f.SectionData(sec)
		if err != nil {
			return 0, fmt.Errorf("binary %s: %w", path, err)
		}
		strs, err := f.SectionData(&f.Sections[sec.Link])
		if err != nil {
			return 0, fmt.Errorf("binary %s: %w", path, err)
		}
		var pick symbolPick
		for i := symSize; i+symSize <= len(syms); i += symSize { // entry 0 is null
			e := syms[i : i+symSize]
			s := elffile.Symbol{Info: e[4], Section: elffile.SectionIndex(f.ByteOrder.Uint16(e[6:])), Value: f.ByteOrder.Uint64(e[8:])}
			if s.Type() != elffile.STT_FUNC {
				continue
			}
			at := f.ByteOrder.Uint32(e[0:])
			if uint64(at)+uint64(len(name)) >= uint64(len(strs)) || string(strs[at:at+uint32(len(name))]) != name {
				continue
			}
			if c := strs[at+uint32(len(name))]; c != 0 && c != '@' { // .symtab keeps "name@VER"
				continue
			}
			if o, ok := symbolFileOffset(f, s); ok {
				if err := pick.add(path, name, o, s.Bind() == elffile.STB_WEAK); err != nil {
					return 0, err
				}
			}
		}
		if off, ok, err := pick.result(path, name); ok {
			return off, err
		}
	}
	return 0, fmt.Errorf("binary %s: %w: no function %s", path, ErrNotFound, name)
}

// funcOffsets returns the file offsets of the functions of the binary at
// path whose names match the glob pattern: those of .symtab, or else of
// .dynsym (libbpf's elf_resolve_pattern_offsets).
func funcOffsets(path, pattern string) ([]uint64, error) {
	f, err := openELF(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	for _, table := range []func() ([]elffile.Symbol, error){f.Symbols, f.DynamicSymbols} {
		syms, err := table()
		if err != nil {
			continue
		}
		var offsets []uint64
		for _, s := range syms {
			if s.Type() != elffile.STT_FUNC || !globMatch(s.Name, pattern) {
				continue
			}
			if o, ok := symbolFileOffset(f, s); ok && o != 0 {
				offsets = append(offsets, o)
			}
		}
		if len(offsets) > 0 {
			return offsets, nil
		}
	}
	return nil, fmt.Errorf("binary %s: %w: no function matches %s", path, ErrNotFound, pattern)
}

// baseName is the last element of a path (for probe event names).
func baseName(path string) string { return filepath.Base(path) }
