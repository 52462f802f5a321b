// This file loads and runs conntrack.o, whose kfuncs (bpf_xdp_ct_lookup
// and friends) and struct bpf_ct_opts are nf_conntrack's: a module with
// its own BTF in the kernel matrix's guests, built into vmlinux on the test
// machine. Resolved by the passes, the kfuncs must come from where the
// kernel has them (a module slot in fd_array), and the CO-RE records of
// bpf_ct_opts from that BTF; deferred to load time, the backend finds
// them there itself. Kernels without the kfuncs or module BTF (5.10)
// refuse the object naming them.

package direct

import (
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

func TestConntrackModuleBTF(t *testing.T) {
	testutil.RequireKernel(t)
	const name = "conntrack.o"
	mod, where := "", "vmlinux"
	if testutil.ConntrackModule() {
		mod, where = "nf_conntrack", "module nf_conntrack"
	}
	for _, mode := range []struct {
		name string
		ctx  passes.Context
	}{
		{"resolved", passes.Context{CORE: passes.COREUser}},
		// kfuncs found at load time; CO-RE by the kernel where it can.
		{"deferred", passes.Context{Defer: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			ctx := mode.ctx
			ctx.Target, ctx.CheckIR = target.Running(), true
			obj, err := compileCtx(t, name, nil, &ctx)
			var coll *Collection
			if err == nil {
				coll, err = Load(obj, testOptions(t))
			}
			if unmet := testutil.Unmet(name); len(unmet) > 0 {
				coll.Close()
				testutil.CheckRefused(t, name, unmet, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer coll.Close()

			kfuncs := 0
			for _, e := range obj.Externs {
				if e.Kind != ir.ExternKfunc {
					continue
				}
				kfuncs++
				switch {
				case ctx.Defer && e.State != ir.Deferred:
					t.Errorf("kfunc %s: %s, want deferred to load time", e.Name, e.State)
				case !ctx.Defer && (e.State != ir.Resolved || e.BTFModule != mod):
					t.Errorf("kfunc %s: %s in %q (%s), want resolved in %s", e.Name, e.State, e.BTFModule, e.Note, where)
				}
			}
			if kfuncs != 7 {
				t.Errorf("%d kfuncs, want 7", kfuncs)
			}
			var wantSlots []string
			if mod != "" && !ctx.Defer {
				wantSlots = []string{mod}
			}
			if !slices.Equal(obj.ModuleSlots, wantSlots) {
				t.Errorf("module slots %q, want %q", obj.ModuleSlots, wantSlots)
			}
			if !ctx.Defer {
				// bpf_ct_opts is the module's type: its CO-RE records
				// resolve there, its size as the kernel has it.
				size, hasZone := testutil.ConntrackOpts(t)
				opts := 0
				for _, p := range obj.Programs {
					for _, c := range p.CORE {
						if !strings.Contains(c.Note, "struct bpf_ct_opts") {
							continue
						}
						opts++
						if c.Kind == btf.FieldExists && strings.Contains(c.Access, ":") {
							// ct_zone_id (6.11+): absent is no match.
							if (c.Target == 1) != hasZone {
								t.Errorf("program %s insn %d: ct_zone_id exists = %d, the kernel's BTF says %v", p.Name, c.Insn, c.Target, hasZone)
							}
							if !hasZone {
								continue
							}
						}
						if in := strings.Contains(c.Note, "=> module nf_conntrack "); in != (mod != "") || c.State != ir.Resolved || c.Poisoned {
							t.Errorf("program %s insn %d: %s %s (%s), want resolved in %s", p.Name, c.Insn, c.Kind, c.State, c.Note, where)
						}
						if c.Kind == btf.TypeSize && c.Target != uint64(size) {
							t.Errorf("program %s insn %d: bpf_ct_opts size %d, the kernel's is %d", p.Name, c.Insn, c.Target, size)
						}
					}
				}
				if opts == 0 {
					t.Error("no CO-RE record on struct bpf_ct_opts")
				}
			}

			for _, run := range []struct {
				prog string
				want uint32
			}{{"ct_xdp", 2}, {"ct_xdp", 2}, {"ct_tc", 0}} {
				res, err := coll.Programs[run.prog].TestRun(TestRunOptions{DataIn: packet})
				if err != nil {
					t.Fatalf("%s: %v", run.prog, err)
				}
				if res.Retval != run.want {
					t.Errorf("%s returned %d, want %d (100 + the failed step)", run.prog, res.Retval, run.want)
				}
			}
			for v, want := range conntrackVars(t) {
				if got := readVar(t, obj, coll, v); got != want {
					t.Errorf("%s = %d (%#x), want %d", v, got, got, want)
				}
			}
		})
	}
}
