// Package errs holds the error identities that several of bpfc's packages
// return. Each package re-exports the value it wraps
// (passes.ErrNotSupported, direct.ErrNotSupported, loaderprog.ErrNotSupported
// and core.ErrNotSupported are the same error), so errors.Is matches
// whichever name a caller uses, as cilium/ebpf re-exports its
// internal.ErrNotSupported as ebpf.ErrNotSupported. The errors that wrap
// them carry the context: object, section, program, instruction, feature.
//
// The identities are also values (NotSupported, ...) whose addresses a
// package can re-export (var ErrNotSupported error = &errs.NotSupported):
// unlike a copy of the ErrNotSupported variable, that needs no code at
// start-up, which every program linking the package would run, the bpfc
// command included, whether it uses the package or not.
package errs

// Sentinel is an error identity: a message, and for a kind of another
// error (errors.Is matches both), its parent.
type Sentinel struct {
	Msg    string
	Parent error
}

func (e *Sentinel) Error() string { return e.Msg }

// Unwrap returns the parent, nil for a root identity.
func (e *Sentinel) Unwrap() error { return e.Parent }

// The identities, as values.
var (
	NotSupported  = Sentinel{Msg: "not supported"}
	NotFound      = Sentinel{Msg: "not found"}
	InvalidObject = Sentinel{Msg: "invalid object"}
	// NeedsTarget is attach.ErrNeedsTarget (and rt's).
	NeedsTarget = Sentinel{Msg: "needs an attach target"}
	// MaxEntries, KeySize and ValueSize are mapdef's and direct's
	// ErrMaxEntries, ErrKeySize and ErrValueSize.
	MaxEntries = Sentinel{Msg: "max_entries is 0"}
	KeySize    = Sentinel{Msg: "key_size is 0"}
	ValueSize  = Sentinel{Msg: "value_size is 0"}
)

var (
	// ErrNotSupported is wrapped by errors for an object, or a part of
	// one, that uses something bpfc does not support (yet).
	ErrNotSupported error = &NotSupported
	// ErrNotFound is wrapped by errors about something looked up by name
	// that does not exist: a map, program, variable, function, BTF type.
	ErrNotFound error = &NotFound
	// ErrInvalidObject is wrapped by errors for an object that is
	// malformed or inconsistent: a bad ELF file, or an IR that has not
	// been through every pass.
	ErrInvalidObject error = &InvalidObject
)

// Kind returns a new error identity with its own message that errors.Is
// also matches against parent: frontend/elf's ErrBadELF is a kind of
// ErrInvalidObject. (A package-level &Sentinel{Msg: msg, Parent:
// &InvalidObject} is the same without start-up code.)
func Kind(msg string, parent error) error { return &Sentinel{msg, parent} }
