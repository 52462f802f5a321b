// This file defines the context every pass receives: what the passes may
// ask of the target kernel, whether to resolve now or defer to load time,
// and the pass manager's own options.

package passes

import (
	"io"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// COREMode says where CO-RE relocations are computed.
type COREMode uint8

const (
	// COREAuto lets the pass choose: in user space when a target BTF
	// file was given or when deferring is not possible, else in the
	// kernel.
	COREAuto COREMode = iota
	// COREUser computes CO-RE relocations in user space against the
	// target BTF.
	COREUser
	// COREKernel hands the records to the kernel in BPF_PROG_LOAD's
	// core_relos (Linux >= 5.17).
	COREKernel
)

// Target answers the passes' questions about the kernel the object will
// be loaded into. Implementations: the running kernel, or files given on
// the command line (target BTF, Kconfig). Passes ask as often as they
// need: an implementation reads each fact once and remembers it, as
// package target does.
type Target interface {
	// BTF returns the target's vmlinux BTF.
	BTF() (*btf.Spec, error)
	// ModuleBTFs returns the BTF of every kernel module of the target, by
	// module name (nil map when the target has none).
	ModuleBTFs() (map[string]*btf.Spec, error)
	// Kconfig returns the target's kernel configuration (CONFIG_X ->
	// value as written in the config file: "y", "m", "42", "\"str\"").
	Kconfig() (map[string]string, error)
	// KernelVersion returns LINUX_KERNEL_VERSION: KERNEL_VERSION(a,b,c).
	KernelVersion() (uint32, error)
	// Kallsyms returns the address of a kernel symbol, ok=false if absent.
	Kallsyms(name string) (addr uint64, ok bool, err error)
}

// Context is what every pass receives.
type Context struct {
	// Target is the kernel being loaded into; nil means "unknown":
	// everything that needs it must be deferred.
	Target Target
	// Defer asks passes to record load-time requests instead of
	// resolving against Target wherever the loader backend can resolve
	// at load time (kfuncs, ksyms, CO-RE).
	Defer bool
	// CORE chooses where CO-RE relocations are computed.
	CORE COREMode

	// DumpAfter names a pass after which the IR is written to Dump.
	DumpAfter string
	// Dump receives the IR dump.
	Dump io.Writer
	// StopAfter names a pass after which Run returns.
	StopAfter string
	// CheckIR runs the IR checker after every pass (on in tests).
	CheckIR bool
	// PartialLink lets the merge pass leave externs no input defines, as
	// libbpf's linker does (merge.Options.Partial): the linked object is
	// for another link, so it needs StopAfter "merge" (an ELF object is
	// written of it), and the checker does not expect a complete link.
	PartialLink bool
	// Configure, when set, is the configure pass, right after datasec in
	// the table: it is where what user code does between opening and
	// loading an object happens (overriding .rodata values, map sizes,
	// autoload), once variable offsets are known and before the other
	// passes. Without it the configure pass leaves the IR as it is.
	Configure func(obj *ir.Object) error
	// AfterPass, when set, is called after each pass (golden tests).
	AfterPass func(pass string, obj *ir.Object)
	// NoKernelLookups has names in the running kernel's BTF (kfuncs, the
	// syscall wrapper) looked up in vmlinux BTF read by bpfc, never by
	// the kernel itself: bpfc otherwise asks the kernel wherever that
	// spares reading vmlinux BTF, and leaves those kfuncs' prototypes to
	// the verifier (see ir.ErrWeakKfuncIncompatible).
	NoKernelLookups bool
}
