// This file is the core pass: it applies every CO-RE relocation record of
// the object, in user space against the target's BTF (package
// passes/core does the work), or marks the records deferred so that the
// kernel applies them from BPF_PROG_LOAD's core_relos. It leaves on the
// object the explainer (core.Explain over the object's BTF) a backend
// calls when the verifier rejects an instruction a record may have
// poisoned (ir.CORERelo.MayPoison); the words are built only then.

package passes

import (
	"fmt"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/core"
)

// NoteKernelCORE is the note of CO-RE records left to the kernel.
const NoteKernelCORE = "kernel (core_relos)"

// RunningKernel is implemented by targets that can say whether they are
// the kernel bpfc runs on, rather than files standing in for a kernel.
type RunningKernel interface {
	RunningKernel() bool
}

// coreInKernel decides where CO-RE relocations are computed: COREKernel
// and COREUser say so. COREAuto defers to the kernel when the context
// defers load-time facts or has no target, and when the target is the
// running kernel and relocates CO-RE itself (the features.KernelCORE
// probe, Linux >= 5.17): then user space need not parse vmlinux BTF for
// CO-RE at all, which is the faster load. A target given as files, or an
// older kernel, is relocated in user space.
func coreInKernel(ctx *Context) (bool, error) {
	switch ctx.CORE {
	case COREKernel:
		return true, nil
	case COREUser:
		if ctx.Target == nil {
			return false, fmt.Errorf("user-space CO-RE needs a target (kernel or BTF file)")
		}
		return false, nil
	case COREAuto:
		if ctx.Defer || ctx.Target == nil {
			return true, nil
		}
		if rk, ok := ctx.Target.(RunningKernel); !ok || !rk.RunningKernel() {
			return false, nil
		}
		// From 5.17 on by the version, before it by a probe (a backport).
		return !features.KernelCORE.Missing(), nil
	}
	return false, fmt.Errorf("unknown CO-RE mode %d", ctx.CORE)
}

func runCORE(ctx *Context, obj *ir.Object) error {
	units := obj.Units()
	n := 0
	for _, f := range units {
		n += len(f.CORE)
	}
	if n == 0 {
		return nil
	}
	if obj.BTF == nil {
		return fmt.Errorf("%d CO-RE relocations but no BTF", n)
	}
	kernel, err := coreInKernel(ctx)
	if err != nil {
		return err
	}
	local := obj.BTF
	obj.ExplainCORE = func(r *ir.CORERelo) string { return core.Explain(local, r) }
	if kernel {
		for _, f := range units {
			for _, r := range f.CORE {
				r.State, r.Note = ir.Deferred, NoteKernelCORE
			}
		}
		return nil
	}

	target, err := ctx.Target.BTF()
	if err != nil {
		return fmt.Errorf("target BTF: %w", err)
	}
	cache := core.NewCandCache(func() (map[string]*btf.Spec, error) { return ctx.Target.ModuleBTFs() })
	for _, f := range units {
		for _, r := range f.CORE {
			if r.State != ir.Pending {
				continue
			}
			res, err := core.CalculateOrder(obj.BTF, target, r, cache, obj.ByteOrder)
			if err != nil {
				return fmt.Errorf("%s %s insn %d: %w", f.Section, f.Name, r.Insn, err)
			}
			if err := core.Patch(f.Insns, r.Insn, r.Kind, res); err != nil {
				return fmt.Errorf("%s %s insn %d: CO-RE relocation %s of %s: %w", f.Section, f.Name, r.Insn, r.Kind, res.What, err)
			}
			r.State, r.Local, r.Target, r.Note = ir.Resolved, res.Local, res.Target, res.Note
			r.Poisoned = res.Poison
			if !res.Poison && core.IsPoisoned(f.Insns[r.Insn]) {
				// Patch poisoned a load or store whose field changed size.
				r.Poisoned = true
				r.Note = core.PoisonNote(r.Kind, res.What, fmt.Sprintf(
					"field size %d -> %d cannot be accessed with a %d-byte load or store (only pointers and unsigned integers may change size)",
					res.LocalSize, res.TargetSize, res.LocalSize))
			}
		}
	}
	return nil
}
