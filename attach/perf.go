// This file attaches programs to perf events: it opens kprobe, uprobe and
// tracepoint perf events (through the kprobe and uprobe PMUs, or through
// tracefs probe events) and attaches a program to one with a BPF_PERF_EVENT
// link (5.15+) or, without, with PERF_EVENT_IOC_SET_BPF, then enables it.

package attach

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// perfEventOpen opens a perf event as libbpf does for BPF: for every
// process on CPU 0 (BPF programs on trace events run on every CPU), or for
// process pid on every CPU.
func perfEventOpen(attr *unix.PerfEventAttr, pid int) (*sys.FD, error) {
	attr.Size = uint32(unsafe.Sizeof(*attr))
	cpu := 0
	if pid > 0 {
		cpu = -1
	} else {
		pid = -1
	}
	fd, err := unix.PerfEventOpen(attr, pid, cpu, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("perf_event_open: %w", err)
	}
	return sys.NewFD(fd)
}

// perfEventOpenProbe opens a kprobe (name is the function, offset its
// offset) or uprobe (name is the binary, offset the file offset) through
// the PMU of perf type typ; config carries the return-probe bit and a
// uprobe's reference counter offset.
func perfEventOpenProbe(typ uint32, config uint64, name string, offset uint64, pid int) (*sys.FD, error) {
	cname, err := unix.BytePtrFromString(name)
	if err != nil {
		return nil, err
	}
	attr := unix.PerfEventAttr{
		Type:   typ,
		Config: config,
		Ext1:   uint64(uintptr(unsafe.Pointer(cname))), // config1: kprobe_func / uprobe_path
		Ext2:   offset,                                 // config2: probe_offset
	}
	fd, err := perfEventOpen(&attr, pid)
	runtime.KeepAlive(cname)
	return fd, err
}

// perfEventOpenTracepoint opens the perf event of tracepoint id.
func perfEventOpenTracepoint(id uint64, pid int) (*sys.FD, error) {
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_TRACEPOINT, Config: id}
	return perfEventOpen(&attr, pid)
}

// attachPerfEvent attaches p to the perf event pfd (which the returned
// part then owns; on error the caller still owns it): a BPF_PERF_EVENT
// link where the kernel has them and mode allows, else
// PERF_EVENT_IOC_SET_BPF; then the event is enabled. It also returns the
// link type for Link.Type.
func attachPerfEvent(p *Program, pfd *sys.FD, cookie uint64, mode Mode) (*part, string, error) {
	useLink := false
	switch mode {
	case ModeDefault, ModeLink:
		ok, err := have(features.PerfLink)
		if err != nil {
			return nil, "", err
		}
		if !ok && mode == ModeLink {
			return nil, "", fmt.Errorf("%w: BPF_PERF_EVENT links need Linux 5.15", ErrNotSupported)
		}
		useLink = ok
	}
	pt := &part{}
	typ := "perf_event"
	if useLink {
		attr := sys.LinkCreatePerfEventAttr{
			LinkCreateHead: sys.LinkCreateHead{ProgFd: uint32(p.FD), TargetFd: pfd.Uint(), AttachType: uapi.AttachPerfEvent},
			BpfCookie:      cookie,
		}
		l, err := sys.LinkCreate(&attr)
		if err != nil {
			return nil, "", explainPerfAttach(err)
		}
		pt.link = l
	} else {
		if cookie != 0 {
			return nil, "", fmt.Errorf("%w: a BPF cookie needs a BPF_PERF_EVENT link (Linux 5.15)", ErrNotSupported)
		}
		if err := unix.IoctlSetInt(pfd.Int(), unix.PERF_EVENT_IOC_SET_BPF, p.FD); err != nil {
			return nil, "", explainPerfAttach(fmt.Errorf("PERF_EVENT_IOC_SET_BPF: %w", err))
		}
		typ = "perf_event (ioctl)"
	}
	if err := unix.IoctlSetInt(pfd.Int(), unix.PERF_EVENT_IOC_ENABLE, 0); err != nil {
		pt.link.Close()
		return nil, "", fmt.Errorf("PERF_EVENT_IOC_ENABLE: %w", err)
	}
	pt.perf = pfd
	return pt, typ, nil
}

// explainPerfAttach adds what an errno of attaching to a perf event
// usually means.
func explainPerfAttach(err error) error {
	switch {
	case errors.Is(err, unix.EEXIST):
		return fmt.Errorf("%w (the event already has a program)", err)
	case errors.Is(err, unix.EINVAL):
		return fmt.Errorf("%w (the program type does not fit the event: kprobe programs go on kprobes and uprobes, tracepoint programs on tracepoints)", err)
	case errors.Is(err, unix.EPROTO):
		return fmt.Errorf("%w (the perf event excludes kernel or user call chains)", err)
	}
	return err
}

// probeSpec says what probe to create.
type probeSpec struct {
	uprobe bool
	ret    bool
	// name is the kernel function (kprobe) or binary path (uprobe);
	// offset the offset in the function, or the file offset.
	name   string
	offset uint64
	// refCtr is a uprobe's reference counter (USDT semaphore) offset.
	refCtr uint64
	pid    int
}

// openProbe creates the perf event of a kprobe or uprobe: through its PMU
// unless mode is ModeLegacy or the kernel has no PMU for it, else as a
// tracefs event. The returned undo (nil for PMU events) removes the tracefs
// event; call it after closing the perf event.
func openProbe(ps probeSpec, mode Mode) (*sys.FD, func() error, error) {
	pmu := "kprobe"
	if ps.uprobe {
		pmu = "uprobe"
	}
	typ, pmuErr := pmuType(pmu)
	if mode != ModeLegacy && pmuErr == nil {
		var config uint64
		if ps.ret {
			bit, err := pmuRetprobeBit(pmu)
			if err != nil {
				return nil, nil, fmt.Errorf("%s PMU: return probe bit: %w", pmu, err)
			}
			config |= 1 << bit
		}
		if ps.refCtr != 0 {
			if ps.refCtr >= 1<<32 {
				return nil, nil, fmt.Errorf("%w: reference counter offset %#x does not fit in 32 bits", ErrNotSupported, ps.refCtr)
			}
			config |= ps.refCtr << 32
		}
		pfd, err := perfEventOpenProbe(typ, config, ps.name, ps.offset, ps.pid)
		if err != nil {
			return nil, nil, explainProbeOpen(ps, err)
		}
		return pfd, nil, nil
	}
	if mode == ModeLink || mode == ModePerf {
		return nil, nil, fmt.Errorf("%w: no %s PMU (%v) for a perf-event %s", ErrNotSupported, pmu, pmuErr, pmu)
	}
	if ps.refCtr != 0 {
		return nil, nil, fmt.Errorf("%w: a USDT semaphore (uprobe reference counter) needs the uprobe PMU", ErrNotSupported)
	}
	var def, what string
	if ps.uprobe {
		def = fmt.Sprintf("%s:0x%x", ps.name, ps.offset)
		what = baseName(ps.name)
	} else {
		def = fmt.Sprintf("%s+0x%x", ps.name, ps.offset)
		what = ps.name
	}
	ev, err := addProbeEvent(ps.uprobe, ps.ret, probeEventName(what, ps.offset), def)
	if err != nil {
		if pmuErr != nil && !ps.uprobe && errors.Is(err, ErrNotSupported) {
			return nil, nil, fmt.Errorf("%w: the kernel has neither the kprobe PMU nor tracefs kprobe_events (no CONFIG_KPROBES, or locked down)", ErrNotSupported)
		}
		return nil, nil, explainProbeOpen(ps, err)
	}
	id, err := ev.id()
	if err != nil {
		ev.remove()
		return nil, nil, err
	}
	pfd, err := perfEventOpenTracepoint(id, ps.pid)
	if err != nil {
		ev.remove()
		return nil, nil, explainProbeOpen(ps, err)
	}
	return pfd, ev.remove, nil
}

// String names the probe: "kprobe do_sys_openat2+0x0",
// "uretprobe /bin/bash:0x8a3c0".
func (ps probeSpec) String() string {
	what := "k"
	if ps.uprobe {
		what = "u"
	}
	if ps.ret {
		what += "ret"
	}
	if ps.uprobe {
		return fmt.Sprintf("%sprobe %s:%#x", what, ps.name, ps.offset)
	}
	return fmt.Sprintf("%sprobe %s+%#x", what, ps.name, ps.offset)
}

// explainProbeOpen says what the usual errnos of creating a probe mean.
func explainProbeOpen(ps probeSpec, err error) error {
	switch {
	case !ps.uprobe && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EADDRNOTAVAIL)):
		// A missing function: ENOENT from the PMU, EINVAL or ENOENT from
		// kprobe_events.
		return fmt.Errorf("%w: no such kernel function (or it cannot be probed): %w", ErrNotFound, err)
	case ps.uprobe && errors.Is(err, unix.ENOENT):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w (needs root; a locked-down kernel refuses kprobes)", err)
	}
	return err
}

// attachProbe creates the probe ps and attaches p to it.
func attachProbe(p *Program, ps probeSpec, cookie uint64, mode Mode) (*part, string, error) {
	pfd, undo, err := openProbe(ps, mode)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", ps, err)
	}
	pt, typ, err := attachPerfEvent(p, pfd, cookie, mode)
	if err != nil {
		pfd.Close()
		if undo != nil {
			undo()
		}
		return nil, "", fmt.Errorf("%s: %w", ps, err)
	}
	pt.undo = undo
	return pt, typ, nil
}
