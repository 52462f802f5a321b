// This file runs the loader of conntrack.o, whose kfuncs and struct
// bpf_ct_opts are nf_conntrack's (a module in the kernel matrix's guests,
// built into vmlinux on the test machine): the loader program finds each
// kfunc by name at load time (bpf_btf_find_by_name_kind, which answers a
// module's BTF fd with the id) and puts the fd in the kfunc's fd_array
// slot; the kernel relocates the CO-RE records of bpf_ct_opts against the
// module's BTF (Linux 5.17+). The programs then run for real.

package loaderprog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

func TestConntrackLoader(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj, err := elf.Open(filepath.Join(testdataDir, "conntrack.o"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := &passes.Context{Target: target.Running(), Defer: true, CheckIR: true}
	if features.KernelCORE.Missing() {
		ctx.CORE = passes.COREUser
	}
	if err := passes.Run(ctx, obj); err != nil {
		t.Fatal(err)
	}
	l, err := Generate(obj, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every kfunc is looked up at load time by the programs calling it.
	for prog, kfuncs := range map[string][]string{
		"ct_xdp": {"bpf_xdp_ct_lookup", "bpf_ct_release", "bpf_xdp_ct_alloc", "bpf_ct_set_timeout", "bpf_ct_set_status", "bpf_ct_insert_entry"},
		"ct_tc":  {"bpf_skb_ct_lookup", "bpf_ct_release"},
	} {
		for _, k := range kfuncs {
			step := fmt.Sprintf("bpf_btf_find_by_name_kind func %s (program %s)", k, prog)
			if !slices.Contains(l.Steps, step) {
				t.Errorf("no loader step %q", step)
			}
		}
	}
	if !features.KernelCORE.Missing() {
		for _, p := range obj.Programs {
			for _, c := range p.CORE {
				if c.State != ir.Deferred {
					t.Errorf("program %s insn %d: CO-RE %s, want left to the kernel", p.Name, c.Insn, c.State)
				}
			}
		}
	}

	res, err := rt.Load(l.Spec(), nil)
	if unmet := testutil.Unmet("conntrack.o"); len(unmet) > 0 {
		// 5.10: no loader program runs at all (no syscall programs); a
		// kernel with them but without the kfuncs fails the lookup.
		if err == nil {
			res.Close()
			t.Fatalf("the loader loaded conntrack.o on %s, which lacks %s", testutil.KernelRelease(), unmet[0].What)
		}
		var se *rt.StepError
		if !errors.Is(err, rt.ErrNoSyscallPrograms) && !(errors.As(err, &se) && strings.Contains(se.Desc, "bpf_xdp_ct_lookup")) {
			t.Errorf("rt.Load: %v; want the refusal of loader programs or of the lookup of bpf_xdp_ct_lookup", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()

	progFD := func(name string) *sys.FD {
		for i, p := range obj.Programs {
			if p.Name == name {
				return borrow(t, res.ProgFDs[i])
			}
		}
		t.Fatalf("no program %s", name)
		return nil
	}
	for _, run := range []struct {
		prog string
		want uint32
	}{{"ct_xdp", 2}, {"ct_xdp", 2}, {"ct_tc", 0}} {
		fd := progFD(run.prog)
		out, err := sys.TestRun(fd, sys.TestRunOpts{DataIn: packet})
		fd.Close()
		if err != nil {
			t.Fatalf("%s: %v", run.prog, err)
		}
		if out.Retval != run.want {
			t.Errorf("%s returned %d, want %d (100 + the failed step)", run.prog, out.Retval, run.want)
		}
	}

	// The globals, read from the .bss map.
	bss := slices.IndexFunc(obj.Maps, func(m *ir.Map) bool { return m.Name == ".bss" })
	ds := obj.DataSection(".bss")
	if bss < 0 || ds == nil {
		t.Fatal("no .bss")
	}
	mfd := borrow(t, res.MapFDs[bss])
	defer mfd.Close()
	val := make([]byte, obj.Maps[bss].ValueSize)
	if err := sys.MapLookupElem(mfd, make([]byte, 4), val); err != nil {
		t.Fatal(err)
	}
	size, zone := testutil.ConntrackOpts(t)
	hasZone := uint32(0)
	if zone {
		hasZone = 1
	}
	enoent := ^uint32(unix.ENOENT) + 1
	want := map[string]uint32{
		"ct_opts_size": size, "ct_has_zone": hasZone, "ct_miss_null": 1, "ct_miss_err": enoent,
		"ct_set_status": 0, "ct_inserted": 1, "ct_found": 1, "ct_found_dir": 0, "ct_status": 8 | 2,
		"ct_saddr_ok": 1, "tc_miss_null": 1, "tc_miss_err": enoent,
	}
	for _, v := range ds.Vars {
		w, ok := want[v.Name]
		if !ok {
			continue
		}
		delete(want, v.Name)
		if got := binary.NativeEndian.Uint32(val[v.Offset:]); v.Size != 4 || got != w {
			t.Errorf("%s = %d (%#x, %d bytes), want %d", v.Name, got, got, v.Size, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("variables not in .bss: %v", want)
	}
}
