// This file defines the errors the direct backend returns: sentinels for
// errors.Is and LoadError, which names the object, section, program or map
// a failure concerns and carries the verifier log of a rejected program.

package direct

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/internal/sys"
)

var (
	// ErrVerifier is matched (errors.Is) by the error of a program or BTF
	// load that the kernel rejected with a verifier log.
	ErrVerifier = errors.New("rejected by the kernel verifier")
	// ErrNotSupported is wrapped by errors for IR the backend cannot load
	// (yet): unsupported program kinds, unresolved relocations it cannot
	// resolve at load time. It is the ErrNotSupported of packages passes,
	// core and loaderprog too.
	ErrNotSupported error = &errs.NotSupported
	// ErrInvalidObject is wrapped by errors for an IR object that has not
	// been through every pass or is inconsistent. It is
	// loaderprog.ErrInvalidObject too, and frontend/elf's errors match it.
	ErrInvalidObject error = &errs.InvalidObject
	// ErrMaxEntries is wrapped by the error for a map whose max_entries is
	// 0 and cannot be derived (objects leave it for user space to set).
	// It is mapdef.ErrMaxEntries.
	ErrMaxEntries error = &errs.MaxEntries
	// ErrKeySize and ErrValueSize are wrapped likewise for a key_size or
	// value_size of 0 that the kernel refuses (mapdef's).
	ErrKeySize error = &errs.KeySize
	// ErrValueSize is mapdef.ErrValueSize (see ErrKeySize).
	ErrValueSize error = &errs.ValueSize
	// ErrPinMismatch is wrapped when a map pinned under PinPath cannot be
	// reused because its definition differs from the object's.
	ErrPinMismatch = errors.New("pinned map is incompatible")
	// ErrNotBPFFS is wrapped when maps are pinned by name under a
	// directory that is not on a bpffs (or does not exist): the kernel
	// only pins there.
	ErrNotBPFFS = errors.New("not a bpffs")
)

// logTailLines is how many lines of the verifier log LoadError.Error
// shows unless the full log was asked for.
const logTailLines = 20

// LoadError is the error of a failed Load. It names what failed: the
// object, and the program (with its section) or the map concerned; Log is
// the verifier (or BTF) log when the kernel returned one.
type LoadError struct {
	// Object is the object's name (ir.Object.Name).
	Object string
	// Section and Program name the program that failed to load, if any.
	Section, Program string
	// Map names the map that failed, if any.
	Map string
	// Err is the underlying error (often a *sys.VerifierError wrapping an
	// errno).
	Err error
	// Log is the kernel's verifier or BTF log, if any.
	Log string
	// Explain says in words why the verifier rejected the program when
	// bpfc knows more than the log: a poisoned CO-RE relocation that was
	// reachable ("prog P insn N: CO-RE relocation ... : no candidate").
	Explain string
	// FullLog makes Error include all of Log instead of its tail.
	FullLog bool
}

// Error names the object, section, program or map, the cause and, for a
// verifier rejection, the end of the verifier log (all of it with FullLog).
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.Object)
	switch {
	case e.Program != "":
		fmt.Fprintf(&b, ": program %s (section %s)", e.Program, e.Section)
	case e.Map != "":
		fmt.Fprintf(&b, ": map %s", e.Map)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if errors.Is(e.Err, unix.EPERM) {
		b.WriteString(" (loading BPF needs root, or CAP_BPF with CAP_PERFMON or CAP_NET_ADMIN; a locked-down kernel also refuses some program types)")
	}
	if e.Explain != "" {
		fmt.Fprintf(&b, "\n%s", e.Explain)
	}
	if log := strings.TrimRight(e.Log, "\n\x00 "); log != "" {
		lines := strings.Split(log, "\n")
		if !e.FullLog && len(lines) > logTailLines {
			fmt.Fprintf(&b, "\nverifier log (last %d of %d lines):\n", logTailLines, len(lines))
			lines = lines[len(lines)-logTailLines:]
		} else {
			b.WriteString("\nverifier log:\n")
		}
		b.WriteString(strings.Join(lines, "\n"))
	}
	return b.String()
}

// Unwrap returns the underlying error, and ErrVerifier when the kernel
// rejected a program or BTF and explained why in its log.
func (e *LoadError) Unwrap() []error {
	var ve *sys.VerifierError
	if errors.As(e.Err, &ve) && strings.TrimSpace(ve.Log) != "" {
		return []error{e.Err, ErrVerifier}
	}
	return []error{e.Err}
}
