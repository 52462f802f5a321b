// This file asks the running kernel which BTF kinds and flags it accepts:
// the probes live in package features, which stays free of package btf.

package sanitize

import "github.com/bpfc/bpfc/features"

// Running returns the BTF kinds and flags the running kernel's
// BPF_BTF_LOAD accepts, by the probes of package features. A probe that
// cannot tell counts as accepting (the kernel's own error then speaks).
func Running() Kernel { return RunningFor(All) }

// RunningFor is Running for the kinds and flags of uses (see Uses): it
// probes only those, and reports the others as accepted (BTF without them
// needs no rewrite for them).
func RunningFor(uses Kernel) Kernel {
	has := func(use bool, f *features.Feature) bool { return !use || !f.Missing() }
	return Kernel{
		Func:         has(uses.Func, features.BTFFunc),
		GlobalFunc:   has(uses.GlobalFunc, features.BTFGlobalFunc),
		Datasec:      has(uses.Datasec, features.BTFDatasec),
		QmarkDatasec: has(uses.QmarkDatasec, features.BTFQmarkDatasec),
		Float:        has(uses.Float, features.BTFFloat),
		DeclTag:      has(uses.DeclTag, features.BTFDeclTag),
		TypeTag:      has(uses.TypeTag, features.BTFTypeTag),
		Enum64:       has(uses.Enum64, features.BTFEnum64),
	}
}
