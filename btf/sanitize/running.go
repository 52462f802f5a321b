// This file asks the running kernel which BTF kinds and flags it accepts:
// the probes live in package features, which stays free of package btf.

package sanitize

import "github.com/bpfc/bpfc/features"

// Running returns the BTF kinds and flags the running kernel's
// BPF_BTF_LOAD accepts, by the probes of package features. A probe that
// cannot tell counts as accepting (the kernel's own error then speaks).
func Running() Kernel {
	return Kernel{
		Func:         !features.BTFFunc.Missing(),
		GlobalFunc:   !features.BTFGlobalFunc.Missing(),
		Datasec:      !features.BTFDatasec.Missing(),
		QmarkDatasec: !features.BTFQmarkDatasec.Missing(),
		Float:        !features.BTFFloat.Missing(),
		DeclTag:      !features.BTFDeclTag.Missing(),
		TypeTag:      !features.BTFTypeTag.Missing(),
		Enum64:       !features.BTFEnum64.Missing(),
	}
}
