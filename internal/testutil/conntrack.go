// This file tells the kernel tests of conntrack.o what the running kernel's
// nf_conntrack offers BPF programs: whether it is a module with BTF or built
// into vmlinux, and the layout of its struct bpf_ct_opts, read with
// cilium/ebpf (a BTF reader other than bpfc's own, so that the program's
// CO-RE results are checked against an independent answer).

package testutil

import (
	"errors"
	"os"
	"testing"

	cbtf "github.com/cilium/ebpf/btf"
)

// ConntrackModule reports whether nf_conntrack is a loaded kernel module
// with BTF (/sys/kernel/btf/nf_conntrack), as in the kernel matrix's
// guests; false when it is built in (or absent).
func ConntrackModule() bool {
	_, err := os.Stat("/sys/kernel/btf/nf_conntrack")
	return err == nil
}

// ConntrackOpts returns the size of the running kernel's struct
// bpf_ct_opts (in nf_conntrack's BTF, module or vmlinux) and whether it
// has the member ct_zone_id: 12 bytes without it before Linux 6.11 (or
// so: the ct zone options came in 2024), 16 with it since.
func ConntrackOpts(tb testing.TB) (size uint32, hasZone bool) {
	tb.Helper()
	var spec *cbtf.Spec
	var err error
	if ConntrackModule() {
		spec, err = cbtf.LoadKernelModuleSpec("nf_conntrack")
	} else {
		spec, err = cbtf.LoadKernelSpec()
	}
	if err != nil {
		tb.Fatalf("nf_conntrack BTF: %v", err)
	}
	var opts *cbtf.Struct
	if err := spec.TypeByName("bpf_ct_opts", &opts); err != nil {
		if errors.Is(err, cbtf.ErrNotFound) {
			tb.Fatalf("no struct bpf_ct_opts in nf_conntrack's BTF (module %v)", ConntrackModule())
		}
		tb.Fatal(err)
	}
	for _, m := range opts.Members {
		if m.Name == "ct_zone_id" {
			hasZone = true
		}
	}
	return opts.Size, hasZone
}
