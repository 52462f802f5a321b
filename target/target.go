// Package target describes the kernel an object is loaded into: its BTF
// (vmlinux and modules), its Kconfig, its version and its symbols. It
// implements passes.Target for the running kernel, or for files given on
// the command line (-btf FILE, -kconfig FILE). Everything is read lazily
// and at most once.
package target

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/btf"

	"github.com/bpfc/bpfc/internal/inflate"
	"github.com/bpfc/bpfc/internal/kbtf"
	"github.com/bpfc/bpfc/internal/sysfile"
)

// ErrNoKconfig is returned when no kernel configuration can be found.
var ErrNoKconfig = errors.New("no kernel config found")

// Options select files that stand in for the running kernel.
type Options struct {
	// BTF is a target BTF file (raw BTF or an ELF with .BTF); empty means
	// the running kernel's /sys/kernel/btf/vmlinux and its modules.
	BTF string
	// Modules maps kernel module names to split BTF files (raw BTF, as
	// /sys/kernel/btf/<module> holds it), each parsed on top of the
	// target's vmlinux BTF. When set they are the target's modules, in
	// place of the running kernel's /sys/kernel/btf/*; a target given by
	// BTF has no other modules.
	Modules map[string]string
	// Kconfig is a kernel config file (plain or gzip); empty means
	// /proc/config.gz, then /boot/config-$(uname -r).
	Kconfig string
	// Release overrides the kernel release ("6.18.44") used for
	// LINUX_KERNEL_VERSION; empty means uname.
	Release string
}

// Target is a kernel to load into. Its methods are safe for concurrent
// use; each fact is computed once.
type Target struct {
	opts Options

	btfOnce sync.Once
	btfRead atomic.Bool // BTF has been called (and the BTF read)
	btfSpec *btf.Spec
	btfErr  error

	modOnce sync.Once
	mods    map[string]*btf.Spec
	modErr  error

	verOnce sync.Once
	ver     uint32
	verErr  error

	kcOnce    sync.Once
	kcText    []byte // the config file's text, its lines checked
	kcErr     error
	kcMapOnce sync.Once
	kc        map[string]string
	kcWalks   atomic.Int32 // KconfigValue calls so far

	symMu    sync.Mutex
	symDone  map[string]kallsym // names looked up, and their answers
	symWant  []string           // names to look up in the next read
	symErr   error
	symPath  string // the symbol table ("" means /proc/kallsyms: tests set it)
	symReads int    // reads of the symbol table so far
}

// New returns a Target for the given options. With no options it returns
// the running kernel's Target, shared by the whole process (see Running).
func New(opts Options) *Target {
	if opts.BTF == "" && opts.Kconfig == "" && opts.Release == "" && len(opts.Modules) == 0 {
		return Running()
	}
	return &Target{opts: opts}
}

var running = &Target{}

// NewRunning returns a Target of the running kernel that shares nothing
// with Running's: it reads each fact again, once. For tests and tools that
// must see what a fresh process sees.
func NewRunning() *Target { return &Target{} }

// Running returns the Target of the running kernel. It is one value per
// process, so its facts (vmlinux and module BTF, Kconfig, kallsyms) are read
// at most once however many objects are compiled and loaded: kallsyms
// reflects the kernel when first asked (modules loaded later are not seen).
func Running() *Target { return running }

// RunningKernel reports whether the target is the kernel bpfc runs on:
// no BTF, module BTF or release given as stand-ins.
func (t *Target) RunningKernel() bool {
	return t.opts.BTF == "" && len(t.opts.Modules) == 0 && t.opts.Release == ""
}

// BTF returns the target's vmlinux BTF.
func (t *Target) BTF() (*btf.Spec, error) {
	t.btfOnce.Do(func() {
		if t.opts.BTF != "" {
			t.btfSpec, t.btfErr = btf.LoadTarget(t.opts.BTF)
			if t.btfErr != nil {
				t.btfErr = fmt.Errorf("target BTF %s: %w", t.opts.BTF, t.btfErr)
			}
			return
		}
		t.btfSpec, t.btfErr = btf.LoadKernel()
		if t.btfErr != nil {
			t.btfErr = fmt.Errorf("kernel BTF: %w", t.btfErr)
		}
	})
	t.btfRead.Store(true)
	return t.btfSpec, t.btfErr
}

// BTFLoaded reports whether BTF has been read already, so that a lookup
// in it reads nothing more: a process that loads many objects then looks
// names up there rather than asking the kernel (KernelIDs) each time.
func (t *Target) BTFLoaded() bool { return t.btfRead.Load() }

// KernelIDs returns the vmlinux BTF ids of names, each of kind kind, as
// the running kernel's own lookup finds them (bpf_btf_find_by_name_kind,
// from a syscall program: package kbtf), without reading vmlinux BTF in
// this process: 0 for a name vmlinux does not have, and then inModule
// says whether a module has it (a name neither in vmlinux nor in a module
// is in none of the kernel's BTF). ok is false when the kernel cannot
// answer (before Linux 5.14, or without the privilege), for a target that
// is not the running kernel, and once BTF has been read (BTFLoaded: a
// lookup there is then cheaper): then ask BTF.
func (t *Target) KernelIDs(names []string, kind btf.Kind) (ids []btf.TypeID, inModule []bool, ok bool) {
	qs := make([]NameKind, len(names))
	for i, n := range names {
		qs[i] = NameKind{Name: n, Kind: kind}
	}
	return t.KernelIDsOf(qs)
}

// NameKind is a name to look up in kernel BTF, of one kind.
type NameKind struct {
	Name string
	Kind btf.Kind
}

// KernelIDsOf is KernelIDs for names of different kinds (fentry targets
// are FUNCs, tp_btf targets TYPEDEFs), all answered by one lookup.
func (t *Target) KernelIDsOf(qs []NameKind) (ids []btf.TypeID, inModule []bool, ok bool) {
	if !t.RunningKernel() || t.BTFLoaded() {
		return nil, nil, false
	}
	kqs := make([]kbtf.Query, len(qs))
	for i, q := range qs {
		kqs[i] = kbtf.Query{Name: q.Name, Kind: q.Kind}
	}
	return kbtf.Lookup(kqs)
}

// ModuleBTFs returns the BTF of every kernel module of the target: the
// files of Options.Modules when given, else (for the running kernel) every
// loaded module's /sys/kernel/btf/<module>. A target given as a BTF file
// has only the modules of Options.Modules.
func (t *Target) ModuleBTFs() (map[string]*btf.Spec, error) {
	t.modOnce.Do(func() {
		if len(t.opts.Modules) > 0 {
			t.mods, t.modErr = t.moduleFiles()
			return
		}
		if t.opts.BTF != "" {
			return
		}
		ents, err := os.ReadDir("/sys/kernel/btf")
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return
			}
			t.modErr = err
			return
		}
		base, err := t.BTF()
		if err != nil {
			t.modErr = err
			return
		}
		for _, e := range ents {
			if e.Name() == "vmlinux" {
				continue
			}
			spec, err := btf.LoadKernelModule(e.Name(), base)
			if err != nil {
				t.modErr = fmt.Errorf("module %s BTF: %w", e.Name(), err)
				return
			}
			if t.mods == nil {
				t.mods = map[string]*btf.Spec{}
			}
			t.mods[e.Name()] = spec
		}
	})
	return t.mods, t.modErr
}

// moduleFiles parses the split BTF files of Options.Modules on top of the
// target's vmlinux BTF.
func (t *Target) moduleFiles() (map[string]*btf.Spec, error) {
	base, err := t.BTF()
	if err != nil {
		return nil, err
	}
	mods := make(map[string]*btf.Spec, len(t.opts.Modules))
	for name, path := range t.opts.Modules {
		if name == "" || name == "vmlinux" || strings.ContainsAny(name, "/ \t\n") {
			return nil, fmt.Errorf("module BTF %s: invalid module name %q", path, name)
		}
		raw, err := sysfile.Read(path)
		if err != nil {
			return nil, fmt.Errorf("module %s BTF: %w", name, err)
		}
		spec, err := btf.ParseSplit(raw, base)
		if err != nil {
			return nil, fmt.Errorf("module %s BTF %s: %w", name, path, err)
		}
		mods[name] = spec
	}
	return mods, nil
}

// Kconfig returns the kernel configuration: CONFIG_X -> value as written
// in the config file ("y", "m", "42", "\"str\""). KconfigValue answers one
// name without building the map.
func (t *Target) Kconfig() (map[string]string, error) {
	text, err := t.kconfigText()
	if err != nil {
		return nil, err
	}
	t.kcMapOnce.Do(func() {
		t.kc, _ = ParseKconfig(text) // checked by kconfigText
	})
	return t.kc, nil
}

// KconfigValue returns the value of one CONFIG_ name as Kconfig's map
// has it; ok is false when the config does not set it. The first few
// names are found by a walk of the config file's lines (an object's few
// .kconfig externs need a few of its thousands of lines; a walk costs a
// fifth of building the map); past kconfigWalks names, as a process
// loading many objects asks, the map is built and answers the rest.
func (t *Target) KconfigValue(name string) (value string, ok bool, err error) {
	text, err := t.kconfigText()
	if err != nil {
		return "", false, err
	}
	if t.kcWalks.Add(1) > kconfigWalks {
		kc, err := t.Kconfig()
		if err != nil {
			return "", false, err
		}
		value, ok = kc[name]
		return value, ok, nil
	}
	// The last line setting it wins, as in ParseKconfig's map.
	eachKconfig(text, func(k, v []byte) {
		if string(k) == name {
			value, ok = string(v), true
		}
	})
	return value, ok, nil
}

// kconfigWalks is the number of KconfigValue calls of a Target answered
// by walking the config's lines; later ones build the map (a walk costs
// about a fifth of building it: 48 against 234 µs here).
const kconfigWalks = 4

// kconfigText reads the target's config file once: Options.Kconfig, or
// the running kernel's /proc/config.gz or /boot/config-RELEASE.
func (t *Target) kconfigText() ([]byte, error) {
	t.kcOnce.Do(func() {
		paths := []string{t.opts.Kconfig}
		if t.opts.Kconfig == "" {
			paths = []string{"/proc/config.gz", "/boot/config-" + release()}
		}
		var errs []error
		for _, p := range paths {
			text, err := readKconfig(p)
			if err == nil {
				t.kcText = text
				return
			}
			errs = append(errs, err)
		}
		t.kcErr = fmt.Errorf("%w: %w", ErrNoKconfig, errors.Join(errs...))
	})
	return t.kcText, t.kcErr
}

// readKconfig reads a kernel config file, gzip'd or not, and checks its
// lines.
func readKconfig(path string) ([]byte, error) {
	data, err := sysfile.Read(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		// inflate, not compress/gzip: linking compress/flate costs every
		// run its encoder tables at start-up.
		out, err := inflate.Gunzip(data, maxKconfig)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		data = out
	}
	if err := eachKconfig(data, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// maxKconfig bounds a decompressed kernel config.
const maxKconfig = 64 << 20

// ParseKconfig parses a kernel config file. Lines "CONFIG_X=value" are
// kept; comments, "# CONFIG_X is not set" and blank lines are skipped.
func ParseKconfig(data []byte) (map[string]string, error) {
	kc := make(map[string]string, bytes.Count(data, []byte("\nCONFIG_"))+1)
	err := eachKconfig(data, func(k, v []byte) { kc[string(k)] = string(v) })
	if err != nil {
		return nil, err
	}
	return kc, nil
}

// eachKconfig calls fn (if not nil) with the name and value of every
// "CONFIG_X=value" line of a config file, and fails on a line that is
// neither that, a comment nor blank (spaces around a line are trimmed).
func eachKconfig(data []byte, fn func(k, v []byte)) error {
	n := 0
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		n++
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok || !bytes.HasPrefix(k, []byte("CONFIG_")) {
			return fmt.Errorf("kconfig line %d: %q is not CONFIG_X=value", n, line)
		}
		if fn != nil {
			fn(k, v)
		}
	}
	return nil
}

// KernelVersion returns KERNEL_VERSION(a, b, c) of the target's release,
// with the sublevel clamped to 255 as the kernel does. For the running
// kernel it is the version the distribution's kernel really is, as libbpf
// computes it: Ubuntu's /proc/version_signature, or the "Debian a.b.c" of
// a Debian kernel's uname version, else the uname release (Debian's
// 5.10.237 says "5.10.0-46-cloud-amd64" there; objects testing
// LINUX_KERNEL_VERSION for a stable backport take the other branch).
// It is computed once per Target.
func (t *Target) KernelVersion() (uint32, error) {
	t.verOnce.Do(func() { t.ver, t.verErr = t.kernelVersion() })
	return t.ver, t.verErr
}

func (t *Target) kernelVersion() (uint32, error) {
	if t.opts.Release != "" {
		return ParseRelease(t.opts.Release)
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return 0, fmt.Errorf("uname: %w", err)
	}
	sig, _ := sysfile.Read("/proc/version_signature")
	return RunningVersion(unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Version[:]), string(sig))
}

// RunningVersion is KERNEL_VERSION of a running kernel from its uname
// release and version and its /proc/version_signature (Ubuntu's, e.g.
// "Ubuntu 5.4.0-12.15-generic 5.4.8"; "" where the file is missing): the
// signature's upstream version, else a Debian kernel's "Debian 5.10.237"
// in the uname version, else the release.
func RunningVersion(release, version, signature string) (uint32, error) {
	if f := strings.Fields(signature); len(f) >= 3 {
		if v, err := parseFullVersion(f[2]); err == nil {
			return v, nil
		}
	}
	if _, after, ok := strings.Cut(version, " Debian "); ok {
		if f := strings.Fields(after); len(f) > 0 {
			if v, err := parseFullVersion(f[0]); err == nil {
				return v, nil
			}
		}
	}
	return ParseRelease(release)
}

// parseFullVersion parses "a.b.c" (a trailing "-..." allowed), all three
// numbers required.
func parseFullVersion(s string) (uint32, error) {
	if strings.Count(strings.SplitN(s, "-", 2)[0], ".") != 2 {
		return 0, fmt.Errorf("version %q: want a.b.c", s)
	}
	return ParseRelease(s)
}

// ParseRelease turns a release string ("6.18.44-fc") into
// KERNEL_VERSION(6, 18, 44).
func ParseRelease(rel string) (uint32, error) {
	var nums [3]uint32
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		return 0, fmt.Errorf("kernel release %q: want a.b[.c]", rel)
	}
	for i, p := range parts {
		end := 0
		for end < len(p) && p[end] >= '0' && p[end] <= '9' {
			end++
		}
		if end == 0 {
			if i == 2 {
				break
			}
			return 0, fmt.Errorf("kernel release %q: want a.b[.c]", rel)
		}
		v, err := strconv.ParseUint(p[:end], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("kernel release %q: %w", rel, err)
		}
		nums[i] = uint32(v)
	}
	if nums[2] > 255 {
		nums[2] = 255
	}
	return nums[0]<<16 | nums[1]<<8 | nums[2], nil
}

func release() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// Kallsyms returns the address of a kernel symbol from /proc/kallsyms.
// Module symbols ("name [module]") are found by name too; the first of
// several symbols of one name wins. The table is large (over 100,000
// symbols) and slow to read (the kernel formats it on every read), so it
// is not kept: a read looks for the names asked for so far and for those
// announced with WantKallsyms, and remembers only their answers. A name
// neither asked for nor announced before that read costs another read.
func (t *Target) Kallsyms(name string) (uint64, bool, error) {
	t.symMu.Lock()
	defer t.symMu.Unlock()
	if t.opts.BTF != "" {
		// A target given as files has no symbol table.
		return 0, false, nil
	}
	if a, done := t.symDone[name]; done {
		return a.addr, a.ok, nil
	}
	if t.symErr != nil {
		return 0, false, t.symErr
	}
	if !slices.Contains(t.symWant, name) {
		t.symWant = append(t.symWant, name)
	}
	path := t.symPath
	if path == "" {
		path = "/proc/kallsyms"
	}
	t.symReads++
	found, err := readKallsyms(path, t.symWant)
	if err != nil {
		t.symErr = err
		return 0, false, err
	}
	if t.symDone == nil {
		t.symDone = make(map[string]kallsym, len(t.symWant))
	}
	for _, n := range t.symWant {
		addr, ok := found[n]
		t.symDone[n] = kallsym{addr, ok}
	}
	t.symWant = t.symWant[:0]
	a := t.symDone[name]
	return a.addr, a.ok, nil
}

// WantKallsyms announces kernel symbols that Kallsyms will be asked for,
// so that the one read of /proc/kallsyms that the first of those calls
// makes answers them all.
func (t *Target) WantKallsyms(names ...string) {
	t.symMu.Lock()
	defer t.symMu.Unlock()
	for _, n := range names {
		if _, done := t.symDone[n]; !done && !slices.Contains(t.symWant, n) {
			t.symWant = append(t.symWant, n)
		}
	}
}

// kallsym is a remembered answer of Kallsyms.
type kallsym struct {
	addr uint64
	ok   bool
}

// readKallsyms reads a kallsyms file ("ffffffff81000000 T _stext" or
// "... t name\t[module]" per line) once and returns the address of each
// of names that it lists (the first line of a name wins).
func readKallsyms(path string, names []string) (map[string]uint64, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	found := make(map[string]uint64, len(names))
	err := readLines(path, func(line []byte) bool {
		// Address, type, name, then an optional tab and [module].
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 || len(line) < sp+3 || line[sp+2] != ' ' {
			return true
		}
		name := line[sp+3:]
		if end := bytes.IndexAny(name, "\t "); end >= 0 {
			name = name[:end]
		}
		if !want[string(name)] {
			return true
		}
		if _, dup := found[string(name)]; dup {
			return true
		}
		addr, err := strconv.ParseUint(string(line[:sp]), 16, 64)
		if err != nil {
			return true
		}
		found[string(name)] = addr
		return len(found) < len(want)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return found, nil
}

// readLines calls fn with each line of the file at path (without its
// newline) until fn returns false. It reads with plain read(2) calls into
// one 64 KiB buffer: nothing of the file is kept.
func readLines(path string, fn func(line []byte) bool) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	buf := make([]byte, 64<<10)
	n := 0 // bytes of buf holding a partial line
	for {
		r, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if r == 0 {
			if n > 0 {
				fn(buf[:n])
			}
			return nil
		}
		data := buf[:n+r]
		for {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			if !fn(data[:i]) {
				return nil
			}
			data = data[i+1:]
		}
		n = copy(buf, data)
		if n == len(buf) {
			return fmt.Errorf("line longer than %d bytes", len(buf))
		}
	}
}
