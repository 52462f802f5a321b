// This file holds what generated Go light skeletons share: the map and
// program descriptors, attaching (package attach, which needs only the
// standard library, x/sys/unix and bpfc's small bpf(2) layer), program
// test runs, and the memory that backs global data before and after a
// load.

package rt

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/uapi"
)

// Map is a map created by a light skeleton's loader.
type Map struct {
	// Name is the map's name in the object, KernelName its name in the
	// kernel.
	Name, KernelName string
	// MaxEntries, KeySize and ValueSize, when set to a non-zero value
	// before Load, replace the map's max_entries, key_size and value_size
	// (bcc-style maps the object leaves unsized must be sized so). Global
	// data keeps its sizes.
	MaxEntries, KeySize, ValueSize uint32
	// FD is the map's descriptor after Load, -1 before Load and after
	// Close. The skeleton owns it: give a duplicate (unix.Dup) to
	// cilium/ebpf's NewMapFromFD, which takes ownership of its argument.
	FD int
}

// Program is a program loaded by a light skeleton's loader.
type Program struct {
	// Name is the program's function name, Section its ELF section.
	Name, Section string
	// Type is its BPF_PROG_TYPE_*, AttachType its expected attach type.
	Type, AttachType uint32
	// AttachTo is the attach target named by the section ("sys_enter"
	// of raw_tp/sys_enter), or set instead when the skeleton was
	// generated (-attach-target), if any.
	AttachTo string
	// FD is the program's descriptor after Load, -1 when it is not
	// loaded. The skeleton owns it: give a duplicate (unix.Dup) to
	// cilium/ebpf's NewProgramFromFD.
	FD int
	// USDT is the USDT state of the skeleton's object, set by Load when
	// the object has usdt.bpf.h's maps; usdt programs need it.
	USDT *USDT
}

// Link is an attached program: Close detaches it (package attach).
type Link = attach.Link

// AttachOptions complete what a program's section says about where to
// attach it: the interface of an XDP program, the process of a uprobe, a
// BPF cookie... (package attach).
type AttachOptions = attach.Options

// USDT is the USDT state of a loaded object (package attach).
type USDT = attach.USDT

// ErrNeedsTarget is matched by the error of attaching a program whose
// section does not say where it goes (XDP, tc, cgroup programs,
// SEC("kprobe")...) without AttachOptions saying it.
var ErrNeedsTarget error = &errs.NeedsTarget

// HasBPFCookie reports whether the running kernel has BPF cookies (5.15):
// set a skeleton's Kconfig.LinuxHasBpfCookie (usdt.bpf.h) from it before
// Load when the skeleton was generated on another kernel.
func HasBPFCookie() bool { return attach.HasBPFCookie() }

// NewUSDT prepares USDT attachment for a loaded object from the fds of its
// __bpf_usdt_specs and __bpf_usdt_ip_to_spec_id maps.
func NewUSDT(specs, ips int) (*USDT, error) { return attach.NewUSDT(specs, ips) }

// desc describes the program to the attach package.
func (p *Program) desc() *attach.Program {
	return &attach.Program{
		Name: p.Name, Section: p.Section, Target: p.AttachTo,
		Type: uapi.ProgType(p.Type), AttachType: uapi.AttachType(p.AttachType),
		FD: p.FD, USDT: p.USDT,
	}
}

// CanAttach reports whether Attach can attach the program without
// options: its section names where (kprobe/FUNC, usdt/PATH:PROVIDER:NAME,
// tracepoint/CAT/NAME...) or its type needs no target (tp_btf, fentry,
// lsm, iter). The skeleton's Attach attaches those.
func (p *Program) CanAttach() bool { return attach.CanAttach(p.desc()) }

// Attach attaches the program where its section says, completed by opts
// (nil: none), as libbpf's bpf_program__attach: kprobes, uprobes, USDT
// probes, tracepoints, raw tracepoints, tracing and LSM programs,
// iterators; XDP, tc, cgroup, perf_event, netfilter, sk_lookup programs on
// the target in opts. Close the Link to detach.
func (p *Program) Attach(opts *AttachOptions) (*Link, error) {
	if p.FD <= 0 {
		return nil, fmt.Errorf("attach %s: program not loaded", p.Name)
	}
	return attach.Attach(p.desc(), opts)
}

// RunOptions are the inputs of Program.Run.
type RunOptions struct {
	// Data is the packet (data_in) for XDP, tc and socket filters.
	Data []byte
	// DataOut, if set, receives the packet after the run.
	DataOut []byte
	// Ctx is the context (ctx_in) for raw_tp and syscall programs.
	Ctx []byte
	// CtxOut, if set, receives the context after the run (not allowed
	// for raw_tp). Syscall programs write their context back into Ctx.
	CtxOut []byte
	// Repeat runs the program that many times (0 and 1: once).
	Repeat uint32
}

// Run runs the program once with BPF_PROG_TEST_RUN and returns its return
// value.
func (p *Program) Run(opts *RunOptions) (uint32, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	var pins pinner
	defer pins.unpin()
	var a attr
	a.u32(offRunProgFD, uint32(p.FD))
	a.u32(offRunDataSizeIn, uint32(len(opts.Data)))
	a.u32(offRunDataSizeOut, uint32(len(opts.DataOut)))
	a.ptr(offRunDataIn, pins.pin(opts.Data))
	a.ptr(offRunDataOut, pins.pin(opts.DataOut))
	a.u32(offRunRepeat, opts.Repeat)
	a.u32(offRunCtxSizeIn, uint32(len(opts.Ctx)))
	a.u32(offRunCtxSizeOut, uint32(len(opts.CtxOut)))
	a.ptr(offRunCtxIn, pins.pin(opts.Ctx))
	a.ptr(offRunCtxOut, pins.pin(opts.CtxOut))
	if _, err := sysBPF(cmdProgTestRun, &a, sizeTestRun); err != nil {
		return 0, fmt.Errorf("run %s: BPF_PROG_TEST_RUN: %w", p.Name, err)
	}
	return binary.NativeEndian.Uint32(a[offRunRetval:]), nil
}

// Alloc returns size bytes of zeroed memory aligned to 8 bytes, suitable
// to hold a global-data struct before Load.
func Alloc(size int) []byte {
	if size <= 0 {
		return nil
	}
	words := make([]uint64, (size+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), size)
}

// CloseFDs closes every descriptor > 0 of fds and sets them to -1.
func CloseFDs(fds ...*int) {
	for _, fd := range fds {
		if *fd > 0 {
			unix.Close(*fd)
		}
		*fd = -1
	}
}
