// Tests of the kernel's lookup of attach targets (kbtf.go) against the
// user space lookup in vmlinux BTF (a second implementation): the same
// ids for names of every kind it is used for, nothing for a missing name,
// no descriptor left open; and, where the kernel cannot run syscall
// programs, nothing at all (the user space lookup answers).

package direct

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestLookupInKernel(t *testing.T) {
	testutil.RequireKernel(t)
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	// Names of every kind attach targets have, spread over vmlinux.
	var qs []kernelQuery
	per := map[btf.Kind]int{}
	for id := btf.TypeID(1); int(id) < spec.NumTypes() && len(qs) < 60; id += 509 {
		for next := id; next < id+509 && int(next) < spec.NumTypes(); next++ {
			kind, name := spec.TypeKind(next), spec.TypeName(next)
			if name == "" || per[kind] >= 20 || kind != btf.KindFunc && kind != btf.KindTypedef && kind != btf.KindStruct {
				continue
			}
			per[kind]++
			qs = append(qs, kernelQuery{name, kind})
			break
		}
	}
	if per[btf.KindFunc] == 0 || per[btf.KindStruct] == 0 {
		t.Fatalf("found too few names in vmlinux BTF: %v", per)
	}
	qs = append(qs,
		kernelQuery{"btf_trace_sched_switch", btf.KindTypedef},
		kernelQuery{"bpfc_no_such_function", btf.KindFunc},
		kernelQuery{"task_struct", btf.KindFunc}, // a struct, not a function
		kernelQuery{strings.Repeat("x", maxQueryName), btf.KindFunc},
	)
	fds := openFDs(t)
	got := lookupInKernel(qs)
	if after := openFDs(t); after != fds {
		t.Errorf("%d descriptors open before the lookup, %d after", fds, after)
	}
	if features.SyscallProg.Missing() {
		// The kernel cannot run the lookup: nothing is answered, and
		// later loads do not try again.
		for i, id := range got {
			if id != 0 {
				t.Errorf("%s %q: id %d from a kernel without syscall programs", qs[i].kind, qs[i].name, id)
			}
		}
		if !kernelLookupRefused.refused {
			t.Error("the refusal is not remembered")
		}
		return
	}
	found := 0
	defer func() { t.Logf("%d names, %d found in vmlinux", len(qs), found) }()
	for i, q := range qs {
		if got[i] != 0 {
			found++
		}
		var want []btf.TypeID
		for _, id := range spec.FindByNameKind(q.name, q.kind) {
			if spec.TypeKind(id) == q.kind {
				want = append(want, id)
			}
		}
		switch {
		case len(want) == 0 && got[i] != 0:
			t.Errorf("%s %q: the kernel found id %d, vmlinux BTF has none", q.kind, q.name, got[i])
		case len(want) > 0 && !slices.Contains(want, got[i]):
			t.Errorf("%s %q: the kernel found id %d, vmlinux BTF has %v", q.kind, q.name, got[i], want)
		}
	}
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
