// Package loaderprog is bpfc's loader-program backend: instead of making
// the bpf() system calls, it records them as one data blob plus one
// sleepable BPF_PROG_TYPE_SYSCALL program that replays them through
// bpf_sys_bpf when run once with BPF_PROG_TEST_RUN (the design of libbpf's
// gen_loader.c and bpftool's light skeletons). Package rt runs it; package
// skel writes it as a Go, C or raw light skeleton.
//
// Files: loaderprog.go holds the public types (Options, Loader and its
// descriptors); plan.go checks the IR and plans the blob's scratch area;
// gen.go emits the loader program's structure, maps.go, progs.go and
// structops.go its map, program and struct_ops steps; blob.go builds the
// data blob and emit.go is the instruction emitter.
package loaderprog

import (
	"encoding/binary"

	"github.com/bpfc/bpfc/internal/sha256"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// ErrNotSupported is wrapped by generation errors for objects (or parts of
// them) a loader program cannot handle. It is the ErrNotSupported of
// packages passes, core and direct too.
var ErrNotSupported error = &errs.NotSupported

// errNotSupported is what this package wraps: ErrNotSupported with the
// backend named in the message.
var errNotSupported error = &errs.Sentinel{Msg: "not supported by the loader backend", Parent: &errs.NotSupported}

// ErrInvalidObject is wrapped by errors for an IR that has not been through
// every pass or is inconsistent. It is direct.ErrInvalidObject too.
var ErrInvalidObject error = &errs.InvalidObject

// IntegrityErrno is what the loader returns when its blob's hash does not
// match the hash baked into its instructions: EINVAL (rt reports "loader
// step failed: EINVAL (step -1)", the check running before step 0).
const IntegrityErrno = unix.EINVAL

// Options tune Generate.
type Options struct {
	// Trace makes the loader print each step's result with
	// bpf_trace_printk (read /sys/kernel/tracing/trace_pipe).
	Trace bool
	// NoIntegrity leaves out the blob hash check. (A loader with the
	// check runs on kernels before 6.18 too: the run-time leaves the
	// check out there and reports the blob's integrity not verified.)
	NoIntegrity bool
	// Sealed makes a loader for signing: it ignores the context's
	// max_entries overrides (except for perf event arrays sized by the
	// CPU count), key and value sizes and initial values, so that what it
	// creates is what its signature covers, as libbpf's signed loaders
	// do. A map size left 0 must then be set when generating.
	Sealed bool
}

// Loader is a generated loader: the data blob, the loader program and
// what a run-time or a skeleton needs to know about them. Every field is
// plain data, so a Go file can embed a Loader literally.
type Loader struct {
	// Object is the object's name.
	Object string
	// Blob is the data the loader reads: the value of "__loader.map".
	Blob []byte
	// Insns is the loader program.
	Insns []ir.Insn
	// Maps has one descriptor per map of the object, in the context's
	// order (the object's map order).
	Maps []MapDesc
	// Progs has one descriptor per program of the object, in order.
	Progs []ProgDesc
	// Steps describes the loader's steps by number.
	Steps []string
	// CtxSize is the size of the loader's context.
	CtxSize int
	// BlobHash is the SHA-256 of Blob, baked into Insns unless
	// NoIntegrity.
	BlobHash [32]byte
	// CheckHash reports that the loader verifies BlobHash.
	CheckHash bool
	// Sealed reports a loader generated with Options.Sealed.
	Sealed bool
	// Signature is the detached PKCS#7 signature of the instructions
	// (InsnBytes) set by Sign, nil for an unsigned loader.
	Signature []byte
	// IntegrityCheck is that check: instructions [from, to) of Insns,
	// which a run-time leaves out where the kernel cannot hash maps
	// (before 6.18): nothing outside jumps into it.
	IntegrityCheck [2]int
	// FDs locates the fds the loader keeps in its blob while it runs
	// (rt.FDRecord).
	FDs *rt.FDRecord
}

// MapDesc describes one map the loader creates.
type MapDesc struct {
	// Name is the map's name in the object; KernelName the kernel's.
	Name, KernelName string
	// Index is the map's descriptor index in the context (and its
	// fd_array index in the programs).
	Index int
	// The definition as created (before run-time overrides).
	Type                           uapi.MapType
	KeySize, ValueSize, MaxEntries uint32
	Flags                          uapi.MapFlags
	// Kind says where the map came from (global data, BTF map...).
	Kind ir.MapKind
	// InitialValue is the value the loader writes (global data), nil
	// for other maps.
	InitialValue []byte
	// ReadOnly maps are frozen after their value is written.
	ReadOnly bool
	// Pinning is the object's pinning request (LIBBPF_PIN_*), left to the
	// caller: a loader program cannot pin.
	Pinning uint32
	// EntriesPerCPU marks a perf event array declared without max_entries:
	// the blob holds the generating machine's CPU count, and the run-time
	// replaces it with the count of the machine the loader runs on.
	EntriesPerCPU bool
	// NeedsMaxEntries, NeedsKeySize and NeedsValueSize mark sizes the
	// object leaves 0 (for user space to set, as bcc's tools do) where the
	// kernel refuses 0: they must be set in the context before the loader
	// runs (rt.Options).
	NeedsMaxEntries, NeedsKeySize, NeedsValueSize bool
	// StructOps describes a struct_ops map the loader creates (its
	// InitialValue is its value as generated), nil for other maps and
	// for a struct_ops map that is not created.
	StructOps *rt.StructOpsSpec
	// NoAutocreate marks a map the loader does not create (its
	// descriptor stays -1).
	NoAutocreate bool
}

// Mmapable reports whether the map can be mmaped (BPF_F_MMAPABLE).
func (m *MapDesc) Mmapable() bool { return m.Flags&uapi.MapFlagMmapable != 0 }

// ProgDesc describes one program of the object.
type ProgDesc struct {
	// Name is the program's function name; KernelName the kernel's;
	// Section its ELF section.
	Name, KernelName, Section string
	// Index is the program's descriptor index in the context.
	Index int
	// Type and ExpectedAttachType are the BPF_PROG_TYPE_* and attach type.
	Type               uapi.ProgType
	ExpectedAttachType uapi.AttachType
	// AttachTo is the attach target named by the section.
	AttachTo string
	// Autoload is false for programs the loader does not load.
	Autoload bool
}

// hostOrder returns the machine's byte order, binary.LittleEndian or
// binary.BigEndian: the loader runs on it. (A function, not a variable
// initialised at start-up: every run of the bpfc command would pay.)
func hostOrder() binary.ByteOrder {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// InsnBytes returns the loader program's instructions encoded in the
// machine's byte order.
func (l *Loader) InsnBytes() []byte { return ir.Marshal(nil, l.Insns, hostOrder()) }

// ProgHash returns the SHA-256 of the loader program as the kernel
// computes it (excl_prog_hash of the blob map).
func (l *Loader) ProgHash() [32]byte { return sha256.Sum256(l.InsnBytes()) }

// Layout returns the layout of the loader's context.
func (l *Loader) Layout() rt.Layout { return l.Spec().Layout() }

// Spec returns the run-time description of the loader for rt.Load.
func (l *Loader) Spec() *rt.Spec {
	s := &rt.Spec{
		Blob:      l.Blob,
		Insns:     l.InsnBytes(),
		Steps:     l.Steps,
		CheckHash: l.CheckHash,
		Signature: l.Signature,
		Sealed:    l.Sealed,

		IntegrityCheck: l.IntegrityCheck,
		FDs:            l.FDs,
	}
	for _, m := range l.Maps {
		s.Maps = append(s.Maps, rt.MapSpec{Name: m.Name, ValueSize: m.ValueSize, HasInitialValue: m.InitialValue != nil, EntriesPerCPU: m.EntriesPerCPU,
			NeedsMaxEntries: m.NeedsMaxEntries, NeedsKeySize: m.NeedsKeySize, NeedsValueSize: m.NeedsValueSize, StructOps: m.StructOps})
	}
	for _, p := range l.Progs {
		s.Progs = append(s.Progs, p.Name)
	}
	return s
}
