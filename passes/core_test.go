// This file tests the core pass: user-space relocation against a fake
// target (records resolved, poisoned ones explained), kernel-side
// deferral, and the choice between the two.

package passes

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/core"
)

func openCORE(t *testing.T, name string) *ir.Object {
	t.Helper()
	obj, err := elf.Open(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func loadTargetBTF(t *testing.T, name string) *btf.Spec {
	t.Helper()
	spec, err := btf.LoadTarget(filepath.Join("..", "testdata", "btf", name))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestCOREUser(t *testing.T) {
	obj := openCORE(t, "core_task.o")
	ctx := &Context{Target: &fakeTarget{vmlinux: loadTargetBTF(t, "kernel_b.btf")}}
	if err := runCORE(ctx, obj); err != nil {
		t.Fatal(err)
	}
	p := obj.Program("read_task")
	if p == nil {
		t.Fatal("no program read_task")
	}
	var poisoned *ir.CORERelo
	for _, r := range p.CORE {
		if r.State != ir.Resolved {
			t.Errorf("insn %d: state %s", r.Insn, r.State)
		}
		if r.Poisoned {
			if !core.IsPoisoned(p.Insns[r.Insn]) {
				t.Errorf("insn %d: poisoned record, instruction %s", r.Insn, ir.Disasm(p.Insns, r.Insn))
			}
			if poisoned == nil {
				poisoned = r
			}
			continue
		}
		if r.Note == "" {
			t.Errorf("insn %d: resolved without a note", r.Insn)
		}
	}
	if poisoned == nil {
		t.Fatal("real_parent is missing in kernel_b but nothing was poisoned")
	}
	want := "CO-RE relocation field_byte_offset of struct task_struct.real_parent: no candidate in target BTF"
	if !strings.HasPrefix(poisoned.Note, want) {
		t.Errorf("poison note %q, want prefix %q", poisoned.Note, want)
	}
	if err := ir.Check(obj, ir.StageCORE); err != nil {
		t.Errorf("IR check: %v", err)
	}

	// The record keeps what explains a rejection at its instruction.
	if got := obj.ExplainCORE(poisoned); !poisoned.MayPoison() || got != poisoned.Note {
		t.Errorf("poisoned record (may poison: %v) explained %q, want its note %q", poisoned.MayPoison(), got, poisoned.Note)
	}
	for _, r := range p.CORE {
		if got := obj.ExplainCORE(r); !r.Poisoned && (r.MayPoison() || got != "") {
			t.Errorf("insn %d: resolved record may poison (%v), explained %q", r.Insn, r.MayPoison(), got)
		}
	}
}

// runningTarget is a fake target that says it is the running kernel.
type runningTarget struct{ *fakeTarget }

func (runningTarget) RunningKernel() bool { return true }

func TestCOREModes(t *testing.T) {
	target := &fakeTarget{vmlinux: btf.NewSpec()}
	// On the running kernel, auto defers to the kernel where it has
	// kernel CO-RE (features.KernelCORE: from 5.17 by the version, a probe
	// before): so the running target is relocated in user space on 5.10
	// only.
	running := runningTarget{&fakeTarget{vmlinux: btf.NewSpec(), version: 5<<16 | 15<<8}}
	kernelCORE := !features.KernelCORE.Missing()
	tests := []struct {
		name   string
		ctx    *Context
		defer_ bool
		err    bool
	}{
		{"auto with target: user space", &Context{Target: target}, false, false},
		{"auto deferring: kernel", &Context{Target: target, Defer: true}, true, false},
		{"auto without target: kernel", &Context{}, true, false},
		{"auto, running: kernel CO-RE if probed", &Context{Target: running}, kernelCORE, false},
		{"user, running", &Context{Target: running, CORE: COREUser}, false, false},
		{"kernel", &Context{Target: target, CORE: COREKernel}, true, false},
		{"user without target", &Context{CORE: COREUser}, false, true},
		{"user", &Context{Target: target, CORE: COREUser}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := openCORE(t, "core_fields.o")
			orig := slices.Clone(obj.Programs[0].Insns)
			err := runCORE(tt.ctx, obj)
			if tt.err {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range obj.Units() {
				for _, r := range f.CORE {
					if tt.defer_ {
						if r.State != ir.Deferred || r.Note != NoteKernelCORE {
							t.Fatalf("insn %d: %s %q, want deferred", r.Insn, r.State, r.Note)
						}
						// What the kernel's poisoning of it would mean.
						got := obj.ExplainCORE(r)
						if !r.MayPoison() || !strings.HasPrefix(got, "CO-RE relocation "+r.Kind.String()+" of ") ||
							!strings.HasSuffix(got, ": not satisfied by the kernel's BTF (relocated by the kernel)") {
							t.Errorf("insn %d: deferred record (may poison: %v) explained %q", r.Insn, r.MayPoison(), got)
						}
					} else if r.State != ir.Resolved {
						t.Fatalf("insn %d: %s, want resolved", r.Insn, r.State)
					}
				}
			}
			if tt.defer_ && !slices.Equal(orig, obj.Programs[0].Insns) {
				t.Error("deferred relocations changed the instructions")
			}
		})
	}
}

func TestCORETargetError(t *testing.T) {
	obj := openCORE(t, "core_types.o")
	boom := errors.New("boom")
	err := runCORE(&Context{Target: &fakeTarget{btfErr: boom}}, obj)
	if !errors.Is(err, boom) {
		t.Fatalf("runCORE = %v, want the target's error", err)
	}
}
