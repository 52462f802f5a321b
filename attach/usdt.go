// This file attaches USDT probes (usdt/PATH:PROVIDER:NAME) as libbpf's
// usdt.c does: it reads the probe's call sites from the binary's
// .note.stapsdt notes, turns each site's address into a file offset and its
// argument string into a struct __bpf_usdt_spec stored in the object's
// __bpf_usdt_specs map under a spec id, and attaches the program as a
// uprobe on every site; the program finds the spec id in its BPF cookie or,
// on kernels without cookies, in __bpf_usdt_ip_to_spec_id by address.
// Sites with a semaphore get the uprobe's reference counter, so the kernel
// counts the probe as enabled while it is attached.

package attach

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// The USDT maps usdt.bpf.h defines.
const (
	USDTSpecsMap = "__bpf_usdt_specs"
	USDTIPMap    = "__bpf_usdt_ip_to_spec_id"
)

// USDT is the USDT state of one loaded object: its usdt.bpf.h maps and
// which spec ids are in use. Make one per object with NewUSDT and give it
// to every usdt Program of the object. It is safe for concurrent use.
type USDT struct {
	specs, ips *sys.FD // borrowed: the object owns the maps
	specsMax   uint32
	layout     usdtLayout

	mu     sync.Mutex
	free   []uint32 // released spec ids
	nextID uint32
}

// NewUSDT prepares USDT attachment for an object with the maps
// __bpf_usdt_specs (specs) and __bpf_usdt_ip_to_spec_id (ips), given by
// fd. The object keeps owning the maps; the USDT must not outlive them.
func NewUSDT(specs, ips int) (*USDT, error) {
	sf, err := borrowFD(specs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", USDTSpecsMap, err)
	}
	ipf, err := borrowFD(ips)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", USDTIPMap, err)
	}
	si, err := sys.MapInfoByFD(sf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", USDTSpecsMap, err)
	}
	if si.Type != uapi.MapTypeArray || si.KeySize != 4 {
		return nil, fmt.Errorf("%w: %s is a %s with %d-byte keys, not usdt.bpf.h's array", ErrNotSupported, USDTSpecsMap, si.Type, si.KeySize)
	}
	layout, err := usdtLayoutFor(si.ValueSize)
	if err != nil {
		return nil, err
	}
	ii, err := sys.MapInfoByFD(ipf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", USDTIPMap, err)
	}
	if ii.KeySize != 8 || ii.ValueSize != 4 {
		return nil, fmt.Errorf("%w: %s has %d-byte keys and %d-byte values, not usdt.bpf.h's long -> u32", ErrNotSupported, USDTIPMap, ii.KeySize, ii.ValueSize)
	}
	return &USDT{specs: sf, ips: ipf, specsMax: si.MaxEntries, layout: layout}, nil
}

// allocID returns a free spec id.
func (u *USDT) allocID() (uint32, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if n := len(u.free); n > 0 {
		id := u.free[n-1]
		u.free = u.free[:n-1]
		return id, nil
	}
	if u.nextID >= u.specsMax {
		return 0, fmt.Errorf("%w: %s is full (%d specs); raise BPF_USDT_MAX_SPEC_CNT", ErrNotSupported, USDTSpecsMap, u.specsMax)
	}
	u.nextID++
	return u.nextID - 1, nil
}

// releaseIDs makes spec ids free again.
func (u *USDT) releaseIDs(ids []uint32) {
	u.mu.Lock()
	u.free = append(u.free, ids...)
	u.mu.Unlock()
}

// usdtNote is one USDT call site from .note.stapsdt.
type usdtNote struct {
	provider, name, args string
	loc, base, sema      uint64
}

// usdtSite is a call site ready to attach.
type usdtSite struct {
	note   usdtNote
	absIP  uint64 // the site's address in the process (for the ip map)
	offset uint64 // file offset of the site
	semaOf uint64 // file offset of the semaphore, 0 if none
}

// readUSDTNotes returns the notes of the USDT probe provider:name in f.
func readUSDTNotes(f *elffile.File, path, provider, name string) ([]usdtNote, error) {
	sec := f.Section(".note.stapsdt")
	if sec == nil {
		return nil, fmt.Errorf("binary %s: %w: no .note.stapsdt section (no USDT probes)", path, ErrNotFound)
	}
	if sec.Type != elffile.SHT_NOTE {
		return nil, fmt.Errorf("binary %s: .note.stapsdt is a %s, not SHT_NOTE", path, sec.Type)
	}
	data, err := f.SectionData(sec)
	if err != nil {
		return nil, fmt.Errorf("binary %s: %w", path, err)
	}
	var notes []usdtNote
	for len(data) > 0 {
		n, rest, err := nextUSDTNote(data, f.ByteOrder)
		if err != nil {
			return nil, fmt.Errorf("binary %s: .note.stapsdt: %w", path, err)
		}
		data = rest
		if n != nil && n.provider == provider && n.name == name {
			notes = append(notes, *n)
		}
	}
	if len(notes) == 0 {
		return nil, fmt.Errorf("binary %s: %w: no USDT probe %s:%s", path, ErrNotFound, provider, name)
	}
	return notes, nil
}

// nextUSDTNote decodes the note at the start of data (nil if it is not a
// stapsdt note) and returns the data after it.
func nextUSDTNote(data []byte, bo binary.ByteOrder) (*usdtNote, []byte, error) {
	if len(data) < 12 {
		return nil, nil, errors.New("truncated note header")
	}
	namesz, descsz, typ := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
	align4 := func(n uint32) uint64 { return (uint64(n) + 3) &^ 3 }
	end := 12 + align4(namesz) + align4(descsz)
	if end > uint64(len(data)) {
		return nil, nil, fmt.Errorf("note of %d+%d bytes overruns the section", namesz, descsz)
	}
	name := data[12 : 12+namesz]
	desc := data[12+align4(namesz) : 12+align4(namesz)+uint64(descsz)]
	rest := data[end:]
	if typ != 3 || string(name) != "stapsdt\x00" {
		return nil, rest, nil
	}
	if len(desc) < 24+3 {
		return nil, nil, fmt.Errorf("stapsdt note of %d bytes is too short", len(desc))
	}
	n := &usdtNote{loc: bo.Uint64(desc), base: bo.Uint64(desc[8:]), sema: bo.Uint64(desc[16:])}
	strs := strings.SplitN(string(desc[24:]), "\x00", 4)
	if len(strs) < 3 || strs[1] == "" {
		return nil, nil, errors.New("stapsdt note without provider, name and arguments")
	}
	n.provider, n.name, n.args = strs[0], strs[1], strs[2]
	if strings.HasPrefix(n.args, ":") {
		n.args = ""
	}
	return n, rest, nil
}

// loadSegments are the PT_LOAD segments of an ELF file.
type loadSegment struct {
	vaddr, memsz, offset uint64
	exec                 bool
}

func loadSegments(f *elffile.File) []loadSegment {
	var segs []loadSegment
	for _, p := range f.Progs {
		if p.Type == elffile.PT_LOAD {
			segs = append(segs, loadSegment{vaddr: p.Vaddr, memsz: p.Memsz, offset: p.Off, exec: p.Flags&elffile.PF_X != 0})
		}
	}
	return segs
}

func findSegment(segs []loadSegment, addr uint64) *loadSegment {
	for i := range segs {
		if segs[i].vaddr <= addr && addr < segs[i].vaddr+segs[i].memsz {
			return &segs[i]
		}
	}
	return nil
}

// usdtSites turns the notes into sites: the address adjusted for prelink
// (.stapsdt.base), its file offset, the semaphore's file offset, and the
// address in process pid for the ip map (needIP: only without cookies).
func usdtSites(f *elffile.File, path string, notes []usdtNote, pid int, needIP bool) ([]usdtSite, error) {
	segs := loadSegments(f)
	if len(segs) == 0 {
		return nil, fmt.Errorf("binary %s: no PT_LOAD segment", path)
	}
	var base uint64
	if s := f.Section(".stapsdt.base"); s != nil {
		base = s.Addr
	}
	var vmas []vmaSegment
	sites := make([]usdtSite, 0, len(notes))
	for _, n := range notes {
		ip := n.loc
		if base != 0 && n.base != 0 {
			ip += base - n.base
		}
		seg := findSegment(segs, ip)
		if seg == nil || !seg.exec {
			return nil, fmt.Errorf("binary %s: USDT %s:%s at %#x is not in an executable segment", path, n.provider, n.name, ip)
		}
		site := usdtSite{note: n, absIP: ip, offset: ip - seg.vaddr + seg.offset}
		if needIP && f.Type == elffile.ET_DYN {
			// Without cookies the program looks its spec up by address,
			// which for a position-independent binary depends on where
			// a process mapped it.
			if pid <= 0 {
				return nil, fmt.Errorf("%w: on a kernel without BPF cookies, a USDT probe in a shared library or PIE binary (%s) needs Options.PID", ErrNotSupported, path)
			}
			if vmas == nil {
				var err error
				if vmas, err = processMappings(pid, path); err != nil {
					return nil, err
				}
			}
			abs, ok := vmaAddress(vmas, site.offset)
			if !ok {
				return nil, fmt.Errorf("binary %s: USDT %s:%s: file offset %#x is not mapped executable in process %d", path, n.provider, n.name, site.offset, pid)
			}
			site.absIP = abs
		}
		if n.sema != 0 {
			if err := features.UprobeRefCtr.Check(); err != nil {
				return nil, fmt.Errorf("USDT %s:%s has a semaphore: %w", n.provider, n.name, err)
			}
			sema := n.sema
			if base != 0 && n.base != 0 {
				sema += base - n.base
			}
			sseg := findSegment(segs, sema)
			if sseg == nil || sseg.exec {
				return nil, fmt.Errorf("binary %s: USDT %s:%s semaphore at %#x is not in a data segment", path, n.provider, n.name, sema)
			}
			site.semaOf = sema - sseg.vaddr + sseg.offset
		}
		sites = append(sites, site)
	}
	return sites, nil
}

// vmaSegment is an executable mapping of a file in a process.
type vmaSegment struct {
	start, end, offset uint64
}

// processMappings reads the executable mappings of path in process pid
// from /proc/PID/maps.
func processMappings(pid int, path string) ([]vmaSegment, error) {
	want, err := filepath.EvalSymlinks(path)
	if err != nil {
		want = path
	}
	if abs, err := filepath.Abs(want); err == nil {
		want = abs
	}
	mapsPath := "/proc/" + strconv.Itoa(pid) + "/maps"
	f, err := os.Open(mapsPath)
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	defer f.Close()
	var segs []vmaSegment
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 7f5c6f5d8000-7f5c6f5d9000 r-xp 00000000 103:01 362990598  /path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || len(fields[1]) < 3 || fields[1][2] != 'x' || strings.Join(fields[5:], " ") != want {
			continue
		}
		lo, hi, _ := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(fields[2], 16, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("%s: malformed line %q", mapsPath, sc.Text())
		}
		segs = append(segs, vmaSegment{start: start, end: end, offset: off})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", mapsPath, err)
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("process %d: %w: %s is not mapped executable (%s)", pid, ErrNotFound, want, mapsPath)
	}
	return segs, nil
}

// vmaAddress turns a file offset into an address through the mappings.
func vmaAddress(segs []vmaSegment, offset uint64) (uint64, bool) {
	for _, s := range segs {
		if s.offset <= offset && offset < s.offset+(s.end-s.start) {
			return s.start - s.offset + offset, true
		}
	}
	return 0, false
}

// attachUSDT attaches a usdt/PATH:PROVIDER:NAME program to every call site
// of the probe.
func attachUSDT(p *Program, sec section, opts *Options) (_ *Link, err error) {
	if sec.target == "" {
		return nil, sec.needTarget("USDT probe")
	}
	t, err := parseUSDT(sec.target)
	if err != nil {
		return nil, err
	}
	u := p.USDT
	if u == nil {
		return nil, fmt.Errorf("%w: the object has no %s and %s maps (include <bpf/usdt.bpf.h> and use BPF_USDT)", ErrNotSupported, USDTSpecsMap, USDTIPMap)
	}
	cookies, err := have(features.BPFCookie)
	if err != nil {
		return nil, err
	}
	multi := p.AttachType == uapi.AttachTraceUprobeMulti
	if cookies && !multi && (opts.Mode == ModePerf || opts.Mode == ModeLegacy) {
		return nil, fmt.Errorf("%w: on a kernel with BPF cookies a USDT program finds its spec in the cookie, which needs perf-event links (Mode %d)", ErrNotSupported, opts.Mode)
	}
	path, err := resolveBinary(t.path)
	if err != nil {
		return nil, err
	}
	f, err := openELF(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	notes, err := readUSDTNotes(f, path, t.provider, t.name)
	if err != nil {
		return nil, err
	}
	sites, err := usdtSites(f, path, notes, opts.PID, !cookies)
	if err != nil {
		return nil, err
	}

	// One spec id per distinct argument string (libbpf's dedup within an
	// attachment: sites with the same string share the spec).
	var (
		ids    []uint32
		parts  []*part
		siteID = make([]uint32, len(sites))
	)
	defer func() {
		if err != nil {
			closeParts(parts)
			u.releaseIDs(ids)
		}
	}()
	byArgs := map[string]uint32{}
	for i, s := range sites {
		id, ok := byArgs[s.note.args]
		if !ok {
			args, err := parseUSDTArgs(runtime.GOARCH, s.note.args)
			if err != nil {
				return nil, fmt.Errorf("USDT %s:%s in %s at %#x: %w", t.provider, t.name, path, s.absIP, err)
			}
			spec, err := u.layout.encode(args, opts.Cookie)
			if err != nil {
				return nil, fmt.Errorf("USDT %s:%s in %s at %#x: %w", t.provider, t.name, path, s.absIP, err)
			}
			if id, err = u.allocID(); err != nil {
				return nil, err
			}
			ids = append(ids, id)
			key := make([]byte, 4)
			binary.NativeEndian.PutUint32(key, id)
			if err := sys.MapUpdateElem(u.specs, key, spec, sys.UpdateAny); err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", USDTSpecsMap, id, err)
			}
			byArgs[s.note.args] = id
		}
		siteID[i] = id
		if !cookies {
			key, val := make([]byte, 8), make([]byte, 4)
			binary.NativeEndian.PutUint64(key, s.absIP)
			binary.NativeEndian.PutUint32(val, id)
			if err := sys.MapUpdateElem(u.ips, key, val, sys.UpdateNoExist); err != nil {
				return nil, fmt.Errorf("%s[%#x] = %d (another attachment of this site?): %w", USDTIPMap, s.absIP, id, err)
			}
			// Removed when the site's part is closed; until the part
			// exists, the deferred cleanup must remove it.
			pt := &part{undo: func() error { return sys.MapDeleteElem(u.ips, key) }}
			parts = append(parts, pt)
		}
	}

	target := fmt.Sprintf("%s:%s:%s (%d sites)", path, t.provider, t.name, len(sites))
	if opts.PID > 0 {
		target += fmt.Sprintf(" pid %d", opts.PID)
	}
	if multi {
		offsets, refs, cks := make([]uint64, len(sites)), make([]uint64, len(sites)), make([]uint64, len(sites))
		for i, s := range sites {
			offsets[i], refs[i], cks[i] = s.offset, s.semaOf, uint64(siteID[i])
		}
		fd, err := uprobeMultiLink(p, uapi.AttachTraceUprobeMulti, 0, path, offsets, refs, cks, 0, opts.PID)
		if err != nil {
			return nil, fmt.Errorf("USDT %s:%s in %s: %w", t.provider, t.name, path, err)
		}
		parts = append(parts, &part{link: fd})
		l := newLink("uprobe_multi", target, parts...)
		l.release = func() { u.releaseIDs(ids) }
		return l, nil
	}
	typ := "perf_event"
	for i, s := range sites {
		var cookie uint64
		if cookies {
			cookie = uint64(siteID[i])
		}
		pt, ptyp, err := attachProbe(p, probeSpec{uprobe: true, name: path, offset: s.offset, refCtr: s.semaOf, pid: opts.PID}, cookie, opts.Mode)
		if err != nil {
			return nil, fmt.Errorf("USDT %s:%s in %s, site %d at %#x: %w", t.provider, t.name, path, i, s.absIP, err)
		}
		if cookies {
			parts = append(parts, pt)
		} else {
			// Keep the ip map entry's removal with the site, after the
			// uprobe is gone.
			pt.undo = chainUndo(pt.undo, parts[i].undo)
			parts[i] = pt
		}
		typ = ptyp
	}
	l := newLink(typ, target, parts...)
	l.release = func() { u.releaseIDs(ids) }
	return l, nil
}

// chainUndo runs a then b, joining their errors.
func chainUndo(a, b func() error) func() error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func() error { return errors.Join(a(), b()) }
}
