// This file attaches the programs whose section names a tracepoint
// (tracepoint/CATEGORY/NAME: a perf event; raw_tp/NAME:
// BPF_RAW_TRACEPOINT_OPEN) and those whose target was fixed at load time
// (tp_btf, fentry, fexit, fmod_ret, lsm: a tracing link; iter: an
// iterator link).

package attach

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// attachTracepoint attaches a tracepoint/CATEGORY/NAME program to the
// tracepoint's perf event.
func attachTracepoint(p *Program, sec section, opts *Options) (*Link, error) {
	if sec.target == "" {
		return nil, sec.needTarget("tracepoint")
	}
	category, name, err := parseTracepoint(sec.target)
	if err != nil {
		return nil, err
	}
	id, err := tracepointID(category, name)
	if err != nil {
		return nil, err
	}
	pfd, err := perfEventOpenTracepoint(id, 0)
	if err != nil {
		return nil, fmt.Errorf("tracepoint %s: %w", sec.target, err)
	}
	pt, typ, err := attachPerfEvent(p, pfd, opts.Cookie, opts.Mode)
	if err != nil {
		pfd.Close()
		return nil, fmt.Errorf("tracepoint %s: %w", sec.target, err)
	}
	return newLink(typ, sec.target, pt), nil
}

// attachRawTracepoint attaches a raw_tp/NAME program with
// BPF_RAW_TRACEPOINT_OPEN.
func attachRawTracepoint(p *Program, sec section, opts *Options) (*Link, error) {
	if sec.target == "" {
		return nil, sec.needTarget("raw tracepoint")
	}
	prog, err := borrowFD(p.FD)
	if err != nil {
		return nil, err
	}
	fd, err := sys.RawTracepointOpenCookie(sec.target, prog, opts.Cookie)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, fmt.Errorf("%w: %w", ErrNotFound, err)
		}
		if errors.Is(err, unix.EINVAL) && opts.Cookie != 0 {
			return nil, fmt.Errorf("%w: raw tracepoint cookies need Linux 6.10: %w", ErrNotSupported, err)
		}
		return nil, err
	}
	return newLink("raw_tracepoint", sec.target, &part{link: fd}), nil
}

// attachTracing attaches a tp_btf, fentry, fexit, fmod_ret or lsm program
// to the target it was loaded for: BPF_LINK_CREATE, or
// BPF_RAW_TRACEPOINT_OPEN on kernels whose LINK_CREATE does not know
// tracing programs (libbpf's fallback).
func attachTracing(p *Program, sec section, opts *Options) (*Link, error) {
	attr := sys.LinkCreateAttr{
		LinkCreateHead: sys.LinkCreateHead{ProgFd: uint32(p.FD), AttachType: p.AttachType},
		Cookie:         opts.Cookie,
	}
	target := sec.target
	fd, err := sys.LinkCreate(&attr)
	if errors.Is(err, unix.EINVAL) && opts.Cookie == 0 {
		prog, berr := borrowFD(p.FD)
		if berr != nil {
			return nil, berr
		}
		if rfd, rerr := sys.RawTracepointOpen("", prog); rerr == nil {
			return newLink("tracing", target, &part{link: rfd}), nil
		}
	}
	if err != nil {
		if errors.Is(err, unix.EINVAL) && opts.Cookie != 0 {
			return nil, fmt.Errorf("%w: cookies on tracing links need Linux 5.19: %w", ErrNotSupported, err)
		}
		return nil, err
	}
	return newLink("tracing", target, &part{link: fd}), nil
}

// attachIter makes an iterator link (BPF_TRACE_ITER), with the map of a
// map element iterator from opts.IterMap. Read from Link.Iter to run it.
func attachIter(p *Program, sec section, opts *Options) (*Link, error) {
	attr := sys.LinkCreateIterAttr{
		LinkCreateHead: sys.LinkCreateHead{ProgFd: uint32(p.FD), AttachType: uapi.AttachTraceIter},
	}
	// union bpf_iter_link_info { struct { __u32 map_fd; } map; ... }
	var info [2]uint64
	if opts.IterMap > 0 {
		info[0] = uint64(opts.IterMap)
		attr.IterInfo = sys.NewPointer(unsafe.Pointer(&info[0]))
		attr.IterInfoLen = uint32(unsafe.Sizeof(info))
	}
	fd, err := sys.LinkCreate(&attr)
	runtime.KeepAlive(&info)
	if err != nil {
		if errors.Is(err, unix.EBADF) && opts.IterMap == 0 {
			return nil, fmt.Errorf("%w: a map iterator needs Options.IterMap: %w", ErrNeedsTarget, err)
		}
		return nil, err
	}
	return newLink("iter", sec.target, &part{link: fd}), nil
}
