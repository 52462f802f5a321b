// Package attach attaches loaded BPF programs the way libbpf's
// bpf_program__attach does: where the program's ELF section says
// (kprobe/FUNC+OFF, ksyscall/NAME, uprobe/PATH:FUNC+OFF, usdt/PATH:PROVIDER:NAME,
// tracepoint/CATEGORY/NAME, raw_tp/NAME, tp_btf, fentry, fexit, fmod_ret,
// lsm, iter, kprobe.multi/GLOB, uprobe.multi/PATH:GLOB), or where the caller
// says for programs whose section cannot (XDP and tc on an interface, cgroup
// programs on a cgroup, perf_event programs on a perf event, netfilter
// hooks, sk_lookup and flow dissectors on a network namespace). Every
// attachment is a Link: Close detaches it, Pin keeps it in bpffs after the
// process exits, Update swaps its program where the kernel can.
//
// The package depends only on the standard library, golang.org/x/sys/unix,
// package uapi, bpfc's bpf(2) layer and package features (no BPF object or
// BTF parsing), so the Go light skeletons' run-time uses it.
// Kernel features (perf-event links, BPF cookies, kprobe_multi and
// uprobe_multi links, tcx, uprobe reference counters, syscall wrappers)
// are package features' probes, run once per process as libbpf's
// features.c does, and what a kernel lacks falls back the way libbpf falls
// back (PERF_EVENT_IOC_SET_BPF before 5.15, tracefs kprobe_events without
// the kprobe PMU, netlink cls_bpf before tcx in 6.6) or is refused with
// ErrNotSupported.
//
// This file holds the entry point, Attach, with its Program and Options,
// and the errors it returns.
package attach

import (
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/uapi"
)

var (
	// ErrNeedsTarget is matched by the error of attaching a program whose
	// section does not say where it goes (SEC("kprobe"), XDP, tc, cgroup
	// programs...) when Options does not say either. Attaching every
	// program of an object skips such programs, as libbpf's skeletons do.
	ErrNeedsTarget error = &errs.NeedsTarget
	// ErrNotSupported is matched when the running kernel (or bpfc) cannot
	// attach the program this way: the error says what is missing. It is
	// bpfc.ErrNotSupported.
	ErrNotSupported error = &errs.NotSupported
	// ErrNotFound is matched when the target does not exist: a kernel
	// function, tracepoint, binary, symbol, USDT probe or interface. It is
	// bpfc.ErrNotFound.
	ErrNotFound error = &errs.NotFound
	// ErrBadSection is matched when the section's attach target cannot be
	// parsed (kprobe/FUNC+OFF, uprobe/PATH:FUNC, usdt/PATH:PROVIDER:NAME...);
	// it is a kind of bpfc.ErrInvalidObject.
	ErrBadSection error = &errs.Sentinel{Msg: "malformed attach target", Parent: &errs.InvalidObject}
)

// Program is a loaded program as attaching needs to know it.
type Program struct {
	// Name is the program's function name, Section its ELF section name
	// (which says where to attach it).
	Name, Section string
	// Target is where the program attaches when Options.Target is empty:
	// the target its section names, as the loader read it, or the one the
	// user set instead (bpfc.Options.AttachTarget, libbpf's
	// bpf_program__set_attach_target); empty: the section's.
	Target string
	// Type is the program's BPF_PROG_TYPE_*, AttachType the expected
	// attach type it was loaded with.
	Type       uapi.ProgType
	AttachType uapi.AttachType
	// FD is the program's file descriptor. Attach does not take it over.
	FD int
	// USDT is the USDT state of the program's object (its usdt.bpf.h
	// maps); usdt programs need it, others ignore it.
	USDT *USDT
}

// Mode says how kprobes, uprobes and tracepoints are attached, as libbpf's
// probe_attach_mode does. The zero value picks the best the kernel has.
type Mode int

const (
	// ModeDefault uses a perf-event BPF link (5.15+) or, without one,
	// PERF_EVENT_IOC_SET_BPF; kprobes and uprobes are created through
	// their PMU, or through tracefs kprobe_events/uprobe_events where the
	// kernel has no PMU for them.
	ModeDefault Mode = iota
	// ModeLink insists on a BPF link (and fails where there is none).
	ModeLink
	// ModePerf attaches the perf event with PERF_EVENT_IOC_SET_BPF, as
	// kernels before 5.15 must: nothing to pin, no BPF cookies.
	ModePerf
	// ModeLegacy creates kprobes and uprobes as tracefs events
	// (kprobe_events, uprobe_events) and attaches them with
	// PERF_EVENT_IOC_SET_BPF, as on kernels before 4.17.
	ModeLegacy
)

// Netfilter says where a netfilter program hooks in.
type Netfilter struct {
	// Family is the protocol family (NFPROTO_IPV4 2, NFPROTO_IPV6 10).
	Family uint32
	// Hook is the hook number (NF_INET_PRE_ROUTING 0 ... POST_ROUTING 4).
	Hook uint32
	// Priority orders the program among the hook's functions.
	Priority int32
	// Flags are BPF_F_NETFILTER_* flags (IP defragmentation).
	Flags uint32
}

// Options complete what a program's section says. The zero value attaches
// where the section says, with no cookie, for every process.
type Options struct {
	// Target replaces the target the section names, in the section's own
	// syntax: "FUNC+OFF" for kprobes, "NAME" for ksyscall, "PATH:FUNC+OFF"
	// for uprobes, "PATH:PROVIDER:NAME" for usdt, "CATEGORY/NAME" for
	// tracepoints, "NAME" for raw tracepoints, "GLOB" for kprobe.multi,
	// "PATH:GLOB" for uprobe.multi. It is how SEC("kprobe") programs get
	// a function.
	Target string
	// Cookie is the BPF cookie (bpf_get_attach_cookie) of kprobes,
	// uprobes, tracepoints, raw tracepoints and tracing programs, and the
	// USDT cookie (bpf_usdt_cookie) of usdt programs.
	Cookie uint64
	// PID limits uprobes, uretprobes and USDT probes to one process; 0
	// probes every process that runs the binary.
	PID int
	// Mode chooses how kprobes, uprobes and tracepoints are attached.
	Mode Mode

	// Ifindex is the network interface of XDP, tc/tcx and netkit
	// programs.
	Ifindex int
	// XDPFlags are XDP_FLAGS_* (SKB_MODE 2, DRV_MODE 4, HW_MODE 8) for
	// XDP programs; 0 lets the kernel choose.
	XDPFlags uint32
	// Egress attaches a tc program without a direction in its section
	// (SEC("tc"), SEC("classifier")) on egress instead of ingress.
	Egress bool
	// NetlinkTC attaches tc programs as netlink cls_bpf filters on a
	// clsact qdisc (as `tc filter add ... bpf da` does) even where the
	// kernel has tcx links; kernels before 6.6 always get that.
	NetlinkTC bool
	// Cgroup is the path of the cgroup (v2) of cgroup programs, sockops
	// and lsm_cgroup programs, e.g. /sys/fs/cgroup/unified/my.slice.
	Cgroup string
	// Netns is the path of the network namespace of sk_lookup and flow
	// dissector programs, e.g. /proc/self/ns/net.
	Netns string
	// PerfEvent is a perf event fd (from perf_event_open) for perf_event
	// programs. Attach does not take it over: close it after the link.
	PerfEvent int
	// Netfilter is the hook of netfilter programs.
	Netfilter *Netfilter
	// IterMap is the map fd of map element iterators (iter/bpf_map_elem,
	// iter/bpf_sk_storage_map...).
	IterMap int
}

// Error is the error of a failed Attach: the program, its section and why.
type Error struct {
	// Program and Section name the program.
	Program, Section string
	// Err is the cause; it matches the package's sentinel errors and the
	// errno the kernel returned.
	Err error
}

func (e *Error) Error() string {
	return fmt.Sprintf("attach program %s (section %s): %v", e.Program, e.Section, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Attach attaches p where its section says, completed or overridden by
// opts (nil: no options). On error nothing stays attached and no fd it
// opened stays open; the error is an *Error.
func Attach(p *Program, opts *Options) (*Link, error) {
	if opts == nil {
		opts = &Options{}
	}
	l, err := attach(p, opts)
	if err != nil {
		return nil, &Error{Program: p.Name, Section: p.Section, Err: err}
	}
	l.Program, l.Section = p.Name, p.Section
	return l, nil
}

// attach dispatches on what the section says, then on the program type.
func attach(p *Program, opts *Options) (*Link, error) {
	if p.FD <= 0 {
		return nil, errors.New("program is not loaded")
	}
	target := opts.Target
	if target == "" {
		target = p.Target
	}
	sec := parseSection(p.Section, target)
	switch sec.kind {
	case kindKprobe, kindKretprobe, kindKsyscall, kindKretsyscall:
		return attachKprobe(p, sec, opts)
	case kindKprobeMulti, kindKretprobeMulti, kindKprobeSession:
		return attachKprobeMulti(p, sec, opts)
	case kindUprobe, kindUretprobe:
		return attachUprobe(p, sec, opts)
	case kindUprobeMulti, kindUretprobeMulti, kindUprobeSession:
		return attachUprobeMulti(p, sec, opts)
	case kindUSDT:
		return attachUSDT(p, sec, opts)
	case kindTracepoint:
		return attachTracepoint(p, sec, opts)
	case kindRawTracepoint:
		return attachRawTracepoint(p, sec, opts)
	case kindTracing:
		return attachTracing(p, sec, opts)
	case kindIter:
		return attachIter(p, sec, opts)
	}
	return attachByType(p, opts)
}

// CanAttach reports whether Attach can attach p without options: p.Target
// or its section names the target (kprobe/FUNC, tracepoint/CAT/NAME...)
// or its type needs none (tp_btf, fentry, lsm, iter). Programs for which
// it is false need a target in Options (or cannot be attached at all);
// attaching every program of an object skips them.
func CanAttach(p *Program) bool {
	sec := parseSection(p.Section, p.Target)
	switch sec.kind {
	case kindNone:
		return false
	case kindTracing, kindIter:
		return true
	}
	return sec.target != ""
}
