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
	for id := btf.TypeID(1); int(id) < spec.NumTypes() && len(qs) < maxQueries-7; id += 509 {
		for next := id; next < id+509 && int(next) < spec.NumTypes(); next++ {
			kind, name := spec.TypeKind(next), spec.TypeName(next)
			if name == "" || per[kind] >= 9 || kind != btf.KindFunc && kind != btf.KindTypedef && kind != btf.KindStruct {
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
		if !refused.Load() {
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

// TestLookupMany asks for more names than Lookup asks the kernel for at
// once: it answers nothing (the caller reads vmlinux BTF), and the
// kernel is still asked for fewer later.
func TestLookupMany(t *testing.T) {
	testutil.RequireKernel(t)
	qs := make([]Query, maxQueries+1)
	for i := range qs {
		qs[i] = Query{Name: "task_struct", Kind: btf.KindStruct}
	}
	ids, _, ok := Lookup(qs)
	if ok || slices.ContainsFunc(ids, func(id btf.TypeID) bool { return id != 0 }) {
		t.Fatalf("%d names: answered (%v)", len(qs), ok)
	}
	ids, _, ok = Lookup(qs[:maxQueries])
	if want := !features.SyscallProg.Missing(); ok != want || want && ids[maxQueries-1] == 0 {
		t.Fatalf("%d names: ok %v, want %v; ids %v", maxQueries, ok, want, ids)
	}
}

// BenchmarkLookup looks up the attach targets of a tp_btf tool (three
// typedefs and a function) with the kernel's lookup and, warm, in vmlinux
// BTF read once by this process (the second implementation): the kernel's
// costs a program load and run each time, which a fresh process pays
// instead of mapping and walking vmlinux BTF (bench/cold measures that);
// a process that has read vmlinux BTF looks there (target.BTFLoaded).
func BenchmarkLookup(b *testing.B) {
	testutil.RequireKernel(b)
	qs := []Query{
		{Name: "btf_trace_sched_switch", Kind: btf.KindTypedef},
		{Name: "btf_trace_sched_wakeup", Kind: btf.KindTypedef},
		{Name: "btf_trace_block_rq_issue", Kind: btf.KindTypedef},
		{Name: "tcp_v4_connect", Kind: btf.KindFunc},
	}
	b.Run("kernel", func(b *testing.B) {
		if features.SyscallProg.Missing() {
			b.Skip("no syscall programs")
		}
		for b.Loop() {
			if _, _, ok := Lookup(qs); !ok {
				b.Fatal("the kernel did not answer")
			}
		}
	})
	b.Run("vmlinux-btf-warm", func(b *testing.B) {
		spec, err := btf.LoadKernel()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			for _, q := range qs {
				spec.FindByNameKind(q.Name, q.Kind)
			}
		}
	})
}
