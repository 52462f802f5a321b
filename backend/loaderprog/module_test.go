// This file generates the loader of module_user.o, whose kfunc, typed
// ksym and CO-RE type live in the pretend kernel module bpfc_mod
// (testdata/btf/module_a.btf on top of kernel_a.btf): with deferred
// externs the loader finds them by name at load time (the module's BTF fd
// from bpf_btf_find_by_name_kind), with externs resolved at generation
// time against a module it refuses to bake in the build machine's modules.

package loaderprog

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

// moduleTarget is kernel_a with its module bpfc_mod, from testdata files.
func moduleTarget() *target.Target {
	return target.New(target.Options{
		BTF:     filepath.Join(testdataDir, "btf", "kernel_a.btf"),
		Modules: map[string]string{"bpfc_mod": filepath.Join(testdataDir, "btf", "module_a.btf")},
	})
}

// compileModuleUser runs module_user.o through every pass with ctx.
func compileModuleUser(t *testing.T, ctx *passes.Context) *ir.Object {
	t.Helper()
	obj, err := elf.Open(filepath.Join(testdataDir, "module_user.o"))
	if err != nil {
		t.Fatalf("frontend: %v", err)
	}
	ctx.CheckIR = true
	if err := passes.Run(ctx, obj); err != nil {
		t.Fatalf("passes: %v", err)
	}
	return obj
}

func TestGenerateModuleDeferred(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  passes.Context
	}{
		{"no target", passes.Context{Defer: true}},
		{"module target", passes.Context{Target: moduleTarget(), Defer: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := compileModuleUser(t, &tc.ctx)
			if len(obj.ModuleSlots) != 0 {
				t.Errorf("deferred externs took module slots %v at generation time", obj.ModuleSlots)
			}
			for _, e := range obj.Externs {
				if e.State != ir.Deferred || e.BTFModule != "" {
					t.Errorf("extern %s: %s in %q, want deferred", e.Name, e.State, e.BTFModule)
				}
			}
			l, err := Generate(obj, nil)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			for _, name := range []string{"bpfc_mod_kfunc", "bpfc_mod_stats"} {
				if !bytes.Contains(l.Blob, []byte(name+"\x00")) {
					t.Errorf("blob does not hold the name %q to look up at load time", name)
				}
				found := false
				for _, s := range l.Steps {
					found = found || strings.Contains(s, "bpf_btf_find_by_name_kind") && strings.Contains(s, name)
				}
				if !found {
					t.Errorf("no bpf_btf_find_by_name_kind step for %s in %q", name, l.Steps)
				}
			}
		})
	}
}

// Externs resolved against the module at generation time would bake a
// module's BTF ids into the loader: Generate refuses.
func TestGenerateModuleResolved(t *testing.T) {
	obj := compileModuleUser(t, &passes.Context{Target: moduleTarget(), CORE: passes.COREUser})
	if len(obj.ModuleSlots) != 1 || obj.ModuleSlots[0] != "bpfc_mod" {
		t.Fatalf("ModuleSlots = %q, want [bpfc_mod]", obj.ModuleSlots)
	}
	_, err := Generate(obj, nil)
	if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "bpfc_mod") {
		t.Fatalf("Generate: %v; want ErrNotSupported naming the module bpfc_mod", err)
	}
}
