// This file has the kernel find the vmlinux BTF ids of the programs'
// attach targets (the functions of fentry/fexit/lsm programs, the
// btf_trace_* typedefs of tp_btf programs, bpf_iter_* functions) before
// they load: one lookup program for all of them (package kbtf) instead of
// mapping and walking vmlinux BTF in user space (unless this process has
// read it already). findKernelType uses the answers; what the kernel does
// not answer (modules, kernels without syscall programs) it looks up in
// user space as before.

package direct

import (
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/target"
)

// resolveAttachTargets asks the running kernel, tg (target.Running, or a
// fresh one in tests; KernelIDsOf does not ask once the process has read
// vmlinux BTF, where looking costs less), for the vmlinux BTF ids of the
// attach targets of the programs about to be loaded, and keeps those it
// finds for findKernelType.
func (l *loader) resolveAttachTargets(tg *target.Target) {
	var qs []target.NameKind
	seen := map[target.NameKind]bool{}
	for _, p := range l.obj.Programs {
		if !attachLookup(l.obj, p) {
			continue
		}
		q := target.NameKind{Name: p.AttachBTFName, Kind: p.AttachBTFKind}
		if !seen[q] {
			seen[q] = true
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return
	}
	ids, _, ok := tg.KernelIDsOf(qs)
	if !ok {
		return
	}
	for i, q := range qs {
		if ids[i] != 0 {
			if l.kernelIDs == nil {
				l.kernelIDs = map[target.NameKind]btf.TypeID{}
			}
			l.kernelIDs[q] = ids[i]
		}
	}
}

// attachLookup reports whether loading p looks its attach target up in
// vmlinux (or a module) by name: a program to load with an attach target
// that is not a struct_ops member (structOpsKernelType finds those).
func attachLookup(obj *ir.Object, p *ir.Program) bool {
	return p.Autoload && p.Unsupported == "" && p.AttachBTFKind != 0 && p.AttachBTFName != "" && structOpsModule(obj, p) == ""
}
