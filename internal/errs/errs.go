// Package errs holds the error identities that several of bpfc's packages
// return. Each package re-exports the value it wraps
// (passes.ErrNotSupported, direct.ErrNotSupported, loaderprog.ErrNotSupported
// and core.ErrNotSupported are the same error), so errors.Is matches
// whichever name a caller uses, as cilium/ebpf re-exports its
// internal.ErrNotSupported as ebpf.ErrNotSupported. The errors that wrap
// them carry the context: object, section, program, instruction, feature.
package errs

import "errors"

var (
	// ErrNotSupported is wrapped by errors for an object, or a part of
	// one, that uses something bpfc does not support (yet).
	ErrNotSupported = errors.New("not supported")
	// ErrNotFound is wrapped by errors about something looked up by name
	// that does not exist: a map, program, variable, function, BTF type.
	ErrNotFound = errors.New("not found")
	// ErrInvalidObject is wrapped by errors for an object that is
	// malformed or inconsistent: a bad ELF file, or an IR that has not
	// been through every pass.
	ErrInvalidObject = errors.New("invalid object")
)

// Kind returns a new error identity with its own message that errors.Is
// also matches against parent: frontend/elf's ErrBadELF is a kind of
// ErrInvalidObject.
func Kind(msg string, parent error) error { return &kind{msg, parent} }

type kind struct {
	msg    string
	parent error
}

func (k *kind) Error() string { return k.msg }

func (k *kind) Unwrap() error { return k.parent }
