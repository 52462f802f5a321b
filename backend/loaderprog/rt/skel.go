// This file holds what generated Go light skeletons share: the map,
// program and link descriptors, attaching (raw_tracepoint_open and
// link_create) and iterators, program test runs, and the memory that
// backs global data before and after a load.

package rt

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// More bpf commands and constants used by skeletons.
const (
	cmdRawTracepointOpen = 17
	cmdLinkCreate        = 28
	cmdIterCreate        = 33

	progTypeRawTracepoint         = 17
	progTypeRawTracepointWritable = 24
	progTypeTracing               = 26
	progTypeLSM                   = 29
)

// ErrNoAutoAttach is returned by Program.Attach for programs whose
// attachment needs more than the program itself (XDP, tc, socket filters,
// perf events...).
var ErrNoAutoAttach = errors.New("program type cannot be attached automatically")

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
	// of raw_tp/sys_enter), if any.
	AttachTo string
	// FD is the program's descriptor after Load, -1 when it is not
	// loaded. The skeleton owns it: give a duplicate (unix.Dup) to
	// cilium/ebpf's NewProgramFromFD.
	FD int
}

// Link is an attachment made by Program.Attach and friends.
type Link struct {
	// FD is the link's (or raw tracepoint's) descriptor.
	FD int
}

// Close detaches the link.
func (l *Link) Close() error {
	if l == nil || l.FD < 0 {
		return nil
	}
	err := unix.Close(l.FD)
	l.FD = -1
	return err
}

// CanAttach reports whether Attach knows how to attach the program: raw
// tracepoints with a target, tracing and LSM programs (tp_btf, fentry,
// lsm...) and iterators.
func (p *Program) CanAttach() bool {
	switch p.Type {
	case progTypeRawTracepoint, progTypeRawTracepointWritable:
		return p.AttachTo != ""
	case progTypeTracing, progTypeLSM:
		return true
	}
	return false
}

// Attach attaches the program where its section says: a raw tracepoint
// through BPF_RAW_TRACEPOINT_OPEN, tracing and LSM programs and iterators
// through BPF_LINK_CREATE. Other program types give ErrNoAutoAttach.
func (p *Program) Attach() (*Link, error) {
	if p.FD <= 0 {
		return nil, fmt.Errorf("attach %s: program not loaded", p.Name)
	}
	switch p.Type {
	case progTypeRawTracepoint, progTypeRawTracepointWritable:
		if p.AttachTo == "" {
			break
		}
		return p.AttachRawTracepoint(p.AttachTo)
	case progTypeTracing, progTypeLSM:
		return p.AttachLink(0, p.AttachType)
	}
	return nil, fmt.Errorf("attach %s (section %s): %w", p.Name, p.Section, ErrNoAutoAttach)
}

// AttachRawTracepoint attaches a raw tracepoint program to the tracepoint
// name with BPF_RAW_TRACEPOINT_OPEN.
func (p *Program) AttachRawTracepoint(name string) (*Link, error) {
	var pins pinner
	defer pins.unpin()
	var a attr
	a.ptr(offRawTpName, pins.pin(append([]byte(name), 0)))
	a.u32(offRawTpProgFD, uint32(p.FD))
	r, err := sysBPF(cmdRawTracepointOpen, &a, sizeRawTpOpen)
	if err != nil {
		return nil, fmt.Errorf("attach %s to raw tracepoint %s: BPF_RAW_TRACEPOINT_OPEN: %w", p.Name, name, err)
	}
	return &Link{FD: r}, nil
}

// AttachLink attaches the program with BPF_LINK_CREATE to target (0 for
// tracing, LSM and iterator programs) with the given attach type.
func (p *Program) AttachLink(target int, attachType uint32) (*Link, error) {
	var a attr
	a.u32(offLinkProgFD, uint32(p.FD))
	a.u32(offLinkTargetFD, uint32(target))
	a.u32(offLinkAttachType, attachType)
	r, err := sysBPF(cmdLinkCreate, &a, sizeLinkCreate)
	if err != nil {
		return nil, fmt.Errorf("attach %s: BPF_LINK_CREATE (attach type %d): %w", p.Name, attachType, err)
	}
	return &Link{FD: r}, nil
}

// Iter opens a new iterator on an iterator link (BPF_ITER_CREATE): read
// the file to run the iterator program.
func (l *Link) Iter() (*os.File, error) {
	var a attr
	a.u32(offIterLinkFD, uint32(l.FD))
	r, err := sysBPF(cmdIterCreate, &a, sizeIterCreate)
	if err != nil {
		return nil, fmt.Errorf("BPF_ITER_CREATE: %w", err)
	}
	return os.NewFile(uintptr(r), "bpf_iter"), nil
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
	return ne.Uint32(a[offRunRetval:]), nil
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
