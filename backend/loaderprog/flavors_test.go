// This file checks, without a kernel, how loaders of objects with
// flavored kfuncs (testdata/src/kfunc_flavors.c, kfunc_flavor_protos.c)
// are generated: each kfunc is looked up at load time by its essential
// name, as the externs pass and the direct backend find it; a flavored
// ksym by its whole name; flavors of one kfunc with incompatible
// prototypes are refused. TestEquivalence loads and runs them.

package loaderprog

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
)

// compileDeferred runs a test object through every pass with everything
// deferred and no target.
func compileDeferred(t *testing.T, name string) *ir.Object {
	t.Helper()
	obj, err := elf.Open(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatalf("frontend: %v", err)
	}
	if err := passes.Run(&passes.Context{Defer: true, CheckIR: true}, obj); err != nil {
		t.Fatalf("passes: %v", err)
	}
	return obj
}

func TestGenerateFlavoredKfuncs(t *testing.T) {
	l, err := Generate(compileDeferred(t, "kfunc_flavors.o"), nil)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, want := range []string{
		"bpf_btf_find_by_name_kind func bpfc_no_such_kfunc (extern bpfc_no_such_kfunc___v2, program flavors)",
		"bpf_btf_find_by_name_kind var bpf_prog_active___v2 (program flavors)",
		"bpf_btf_find_by_name_kind func bpf_xdp_ct_lookup (extern bpf_xdp_ct_lookup___v2, program flavors)",
		"bpf_btf_find_by_name_kind func bpf_ct_release (extern bpf_ct_release___v2, program flavors)",
	} {
		if !slices.ContainsFunc(l.Steps, func(s string) bool { return strings.HasSuffix(s, want) }) {
			t.Errorf("no step %q in %q", want, l.Steps)
		}
	}
	for _, name := range []string{"bpf_xdp_ct_lookup", "bpf_ct_release", "bpfc_no_such_kfunc", "bpf_prog_active___v2"} {
		if !bytes.Contains(l.Blob, []byte("\x00"+name+"\x00")) {
			t.Errorf("the blob does not hold the name %q to look up", name)
		}
	}
	// (The flavored names are in the blob too: in the object's BTF.)
}

func TestGenerateRefusesIncompatibleFlavors(t *testing.T) {
	_, err := Generate(compileDeferred(t, "kfunc_flavor_protos.o"), nil)
	if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), loaderRefuses["kfunc_flavor_protos.o"]) {
		t.Fatalf("Generate: %v; want ErrNotSupported saying %q", err, loaderRefuses["kfunc_flavor_protos.o"])
	}
}
