// This file holds the two rules every resolution of a kfunc or ksym
// follows, wherever it happens (the externs pass against a target, the
// direct backend for what was left to load time, the loader backend's
// load-time lookups): the name the kernel knows an extern by, and the
// kfunc prototype check of libbpf's bpf_object__resolve_ksym_func_btf_id.

package ir

import (
	"errors"

	"github.com/bpfc/bpfc/btf"
)

// KernelName returns the name the kernel knows the extern by, the one
// every backend looks it up with: for a kfunc its essential name, the
// name without a "___flavor" suffix (btf.EssentialName; libbpf's
// bpf_core_essential_name_len), so that bpf_foo___v2 resolves to the
// kernel's bpf_foo and several flavors of one kfunc may be declared with
// different prototypes; for every other extern its whole name, as libbpf
// looks up ksyms (a typed ksym's VAR, a typeless ksym in kallsyms) and
// kconfig values by their full name: a flavored ksym is not found.
func (e *Extern) KernelName() string {
	if e.Kind == ExternKfunc {
		return btf.EssentialName(e.Name)
	}
	return e.Name
}

// ErrKfuncIncompatible is wrapped by the error for a kfunc (not __weak)
// declared with a prototype the kernel's is not compatible with, by the
// externs pass (with passes.ErrExternIncompatible) and by the direct
// backend's load-time resolution alike.
var ErrKfuncIncompatible = errors.New("kfunc prototype incompatible with the kernel's")

// ErrWeakKfuncIncompatible is wrapped, with ErrKfuncIncompatible, by a
// refused load's error when a __weak kfunc the running kernel found by
// name (Extern.ProtoUnchecked) turns out declared incompatibly: the
// prototype check would have left it out (a missing weak extern reads as
// zero). Compiling again with passes.Context.NoKernelLookups does that;
// bpfc.LoadFiles does it by itself.
var ErrWeakKfuncIncompatible = errors.New("a __weak kfunc found by the kernel is declared incompatibly: compile again without kernel lookups to leave it out")

// KfuncProto says how a kfunc's declared prototype compares with the
// kernel's.
type KfuncProto uint8

const (
	// ProtoCompatible: the declared FUNC_PROTO is compatible with the
	// kernel's (bpf_core_types_are_compat).
	ProtoCompatible KfuncProto = iota
	// ProtoIncompatible: it is not; a __weak kfunc then reads as missing
	// (libbpf), another is an error. This is how, of several flavors of
	// one kfunc declared with different prototypes (bpf_foo___old and
	// bpf_foo___new), only the one the kernel has resolves.
	ProtoIncompatible
	// ProtoUnchecked: the object's BTF does not describe the kfunc (a
	// function called as a kfunc without a FUNC), so there is nothing to
	// compare.
	ProtoUnchecked
)

// CheckKfuncProto compares the prototype kfunc e was declared with in the
// object's BTF (local, nil without one) with the prototype of FUNC fn of
// target, the kernel's (vmlinux or module) BTF.
func CheckKfuncProto(local *btf.Spec, e *Extern, target *btf.Spec, fn btf.TypeID) (KfuncProto, error) {
	if local == nil || e.TypeID == 0 {
		return ProtoUnchecked, nil
	}
	ft, err := target.Type(fn)
	if err != nil {
		return 0, err
	}
	ok, err := btf.TypesAreCompat(local, e.LocalType, target, ft.Type)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return ProtoIncompatible, nil
	}
	return ProtoCompatible, nil
}
