// Tests of the kernel's lookup against the user space lookup in vmlinux
// BTF (a second implementation): the same ids for names of every kind
// callers ask for, nothing for a missing name, no descriptor left open;
// and, where the kernel cannot run syscall programs, nothing at all (the
// callers' user space lookup answers).

package kbtf

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestLookup(t *testing.T) {
	testutil.RequireKernel(t)
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	// Names of every kind attach targets have, spread over vmlinux.
	var qs []Query
	per := map[btf.Kind]int{}
	for id := btf.TypeID(1); int(id) < spec.NumTypes() && len(qs) < 60; id += 509 {
		for next := id; next < id+509 && int(next) < spec.NumTypes(); next++ {
			kind, name := spec.TypeKind(next), spec.TypeName(next)
			if name == "" || per[kind] >= 20 || kind != btf.KindFunc && kind != btf.KindTypedef && kind != btf.KindStruct {
				continue
			}
			per[kind]++
			qs = append(qs, Query{Name: name, Kind: kind})
			break
		}
	}
	if per[btf.KindFunc] == 0 || per[btf.KindStruct] == 0 {
		t.Fatalf("found too few names in vmlinux BTF: %v", per)
	}
	qs = append(qs,
		Query{Name: "btf_trace_sched_switch", Kind: btf.KindTypedef},
		Query{Name: "bpfc_no_such_function", Kind: btf.KindFunc},
		Query{Name: "task_struct", Kind: btf.KindFunc}, // a struct, not a function
		Query{Name: strings.Repeat("x", MaxName), Kind: btf.KindFunc},
		Query{Name: "bpf_map_lookup_elem" + strings.Repeat("x", MaxName), Kind: btf.KindFunc}, // too long: not asked
		// nf_conntrack's kfunc: in vmlinux here, in a module in the
		// kernel matrix's guests.
		Query{Name: "bpf_xdp_ct_lookup", Kind: btf.KindFunc},
	)
	fds := openFDs(t)
	got, inModule, ok := Lookup(qs)
	if after := openFDs(t); after != fds {
		t.Errorf("%d descriptors open before the lookup, %d after", fds, after)
	}
	if features.SyscallProg.Missing() {
		// The kernel cannot run the lookup: nothing is answered, and
		// later lookups do not try again.
		if ok {
			t.Error("Lookup says the kernel answered")
		}
		for i, id := range got {
			if id != 0 {
				t.Errorf("%s %q: id %d from a kernel without syscall programs", qs[i].Kind, qs[i].Name, id)
			}
		}
		if !refused.yes {
			t.Error("the refusal is not remembered")
		}
		return
	}
	if !ok {
		t.Fatal("the kernel has syscall programs, but Lookup says it could not ask")
	}
	found := 0
	defer func() { t.Logf("%d names, %d found in vmlinux", len(qs), found) }()
	for i, q := range qs {
		if got[i] != 0 {
			found++
		}
		var want []btf.TypeID
		for _, id := range spec.FindByNameKind(q.Name, q.Kind) {
			if spec.TypeKind(id) == q.Kind {
				want = append(want, id)
			}
		}
		switch {
		case len(want) == 0 && got[i] != 0:
			t.Errorf("%s %q: the kernel found id %d, vmlinux BTF has none", q.Kind, q.Name, got[i])
		case len(want) > 0 && !slices.Contains(want, got[i]):
			t.Errorf("%s %q: the kernel found id %d, vmlinux BTF has %v", q.Kind, q.Name, got[i], want)
		case len(want) > 0 && inModule[i]:
			t.Errorf("%s %q: in vmlinux, and said to be in a module", q.Kind, q.Name)
		case len(want) == 0 && inModule[i] != inSomeModule(t, spec, q):
			t.Errorf("%s %q: in a module: the kernel says %v", q.Kind, q.Name, inModule[i])
		}
	}
}

// inSomeModule reports whether a loaded module's BTF has q among its own
// types (read here: /sys/kernel/btf/<module> on top of vmlinux's).
func inSomeModule(t *testing.T, vmlinux *btf.Spec, q Query) bool {
	t.Helper()
	ents, err := os.ReadDir("/sys/kernel/btf")
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		if ent.Name() == "vmlinux" {
			continue
		}
		mod, err := btf.LoadKernelModule(ent.Name(), vmlinux)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range mod.FindByNameKind(q.Name, q.Kind) {
			if id >= mod.FirstID() && mod.TypeKind(id) == q.Kind {
				return true
			}
		}
	}
	return false
}

// openFDs counts this process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestLookupBatches asks for more names than one program answers: every
// batch's answers land at their queries.
func TestLookupBatches(t *testing.T) {
	testutil.RequireKernel(t)
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	var qs []Query
	var want []btf.TypeID
	for id := btf.TypeID(1); int(id) < spec.NumTypes() && len(qs) < maxBatch+100; id++ {
		if spec.TypeKind(id) != btf.KindStruct || spec.TypeName(id) == "" {
			continue
		}
		first := spec.FindByNameKind(spec.TypeName(id), btf.KindStruct)
		if len(first) == 0 || first[0] != id {
			continue // a duplicate name: the kernel finds the first
		}
		qs = append(qs, Query{Name: spec.TypeName(id), Kind: btf.KindStruct})
		want = append(want, id)
	}
	if len(qs) <= maxBatch {
		t.Fatalf("vmlinux BTF has only %d distinct structs", len(qs))
	}
	got, _, ok := Lookup(qs)
	if features.SyscallProg.Missing() {
		// As TestLookup: nothing answered.
		if ok || slices.ContainsFunc(got, func(id btf.TypeID) bool { return id != 0 }) {
			t.Fatal("answers from a kernel without syscall programs")
		}
		return
	}
	if !ok {
		t.Fatal("Lookup could not ask the kernel")
	}
	if !slices.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("query %d (%s): id %d, want %d", i, qs[i].Name, got[i], want[i])
			}
		}
	}
}
