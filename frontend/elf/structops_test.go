// This file tests the lowering of struct_ops maps against facts read off
// the test objects with llvm-readelf-19 -sr and bpftool btf dump: the
// maps, their members and programs, initial values, flags and autocreate.

package elf

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
	"github.com/google/go-cmp/cmp"
)

func TestStructOpsMaps(t *testing.T) {
	fn := func(name string, off uint32, prog string) ir.StructOpsMember {
		return ir.StructOpsMember{Name: name, Offset: off, Size: 8, Func: true, Program: prog}
	}
	data := func(name string, off, size uint32) ir.StructOpsMember {
		return ir.StructOpsMember{Name: name, Offset: off, Size: size}
	}
	tests := []struct {
		obj, name, section string
		size               uint32
		flags              uapi.MapFlags
		noAutocreate       bool
		typ                string
		members            []ir.StructOpsMember
		// nonZero holds the bytes of the initial value that are not zero.
		nonZero map[uint32]string
	}{
		{
			obj: "structops_cc.o", name: "bpfc_reno", section: ".struct_ops", size: 64,
			typ: "tcp_congestion_ops",
			members: []ir.StructOpsMember{
				fn("init", 0, "reno_init"), fn("ssthresh", 8, "reno_ssthresh"),
				fn("cong_avoid", 16, "reno_cong_avoid"), fn("undo_cwnd", 24, "reno_undo_cwnd"),
				fn("set_state", 32, "reno_set_state"),
				data("bpfc_spare", 40, 4), data("flags", 44, 4), data("name", 48, 16),
			},
			nonZero: map[uint32]string{48: "bpfc_reno"},
		},
		{
			obj: "structops_cc.o", name: "bpfc_optional", section: "?.struct_ops", size: 64, noAutocreate: true,
			typ: "tcp_congestion_ops",
			members: []ir.StructOpsMember{
				fn("init", 0, "reno_optional"), fn("ssthresh", 8, "reno_ssthresh"),
				fn("cong_avoid", 16, "reno_cong_avoid"), fn("undo_cwnd", 24, "reno_undo_cwnd"),
				fn("set_state", 32, ""),
				data("bpfc_spare", 40, 4), data("flags", 44, 4), data("name", 48, 16),
			},
			nonZero: map[uint32]string{48: "bpfc_optional"},
		},
		{
			obj: "structops_link.o", name: "cc_b", section: ".struct_ops.link", size: 56, flags: uapi.MapFlagLink,
			typ: "tcp_congestion_ops",
			members: []ir.StructOpsMember{
				fn("ssthresh", 0, "swap_ssthresh"), fn("cong_avoid", 8, "swap_cong_avoid"),
				fn("undo_cwnd", 16, "swap_undo_cwnd"), fn("init", 24, "init_b"),
				data("name", 32, 16), data("flags", 48, 4),
			},
			nonZero: map[uint32]string{32: "bpfc_swap"},
		},
		{
			obj: "structops_scx.o", name: "bpfc_fifo", section: ".struct_ops.link", size: 184, flags: uapi.MapFlagLink,
			typ: "sched_ext_ops",
			members: []ir.StructOpsMember{
				fn("enqueue", 0, "fifo_enqueue"), fn("dispatch", 8, "fifo_dispatch"),
				fn("init_task", 16, "fifo_init_task"), fn("init", 24, "fifo_init"),
				fn("exit", 32, "fifo_exit"),
				data("flags", 40, 8), data("timeout_ms", 48, 4), data("name", 52, 128),
			},
			nonZero: map[uint32]string{48: "\x10\x27", 52: "bpfc_fifo"}, // 10000
		},
	}
	for _, tt := range tests {
		t.Run(tt.obj+"/"+tt.name, func(t *testing.T) {
			obj := openObj(t, tt.obj)
			m, _ := obj.Map(tt.name)
			if m == nil {
				t.Fatalf("no map %s", tt.name)
			}
			if m.Kind != ir.MapStructOps || m.Section != tt.section || m.Type != uapi.MapTypeStructOps ||
				m.KeySize != 4 || m.ValueSize != tt.size || m.MaxEntries != 1 || m.Flags != tt.flags || m.NoAutocreate != tt.noAutocreate {
				t.Errorf("map %+v", m)
			}
			if got := obj.BTF.TypeName(m.ValueType); got != tt.typ {
				t.Errorf("value type %q, want %q", got, tt.typ)
			}
			so := m.StructOps
			if so.Type != tt.typ || so.State != ir.Pending {
				t.Errorf("struct_ops %s %s, want %s pending", so.Type, so.State, tt.typ)
			}
			if diff := cmp.Diff(tt.members, so.Members); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
			want := make([]byte, tt.size)
			for off, b := range tt.nonZero {
				copy(want[off:], b)
			}
			if !bytes.Equal(m.Data, want) {
				t.Errorf("data\n% x\nwant\n% x", m.Data, want)
			}
		})
	}
}

// TestStructOpsPrograms checks the programs of struct_ops sections: their
// type, the sleepable flag of struct_ops.s, and that a "?" section's
// program is not autoloaded.
func TestStructOpsPrograms(t *testing.T) {
	scx := openObj(t, "structops_scx.o")
	for _, p := range scx.Programs {
		if p.Type != uapi.ProgTypeStructOps || p.Unsupported != "" || !p.Autoload {
			t.Errorf("program %s: type %v, unsupported %q, autoload %v", p.Name, p.Type, p.Unsupported, p.Autoload)
		}
		if sleepable := p.Flags&uapi.ProgFlagSleepable != 0; sleepable != (p.Name == "fifo_init") {
			t.Errorf("program %s: flags %#x", p.Name, p.Flags)
		}
	}
	bad := openObj(t, "structops_bad.o")
	if p := bad.Program("orphan"); p == nil || p.Autoload || p.AttachTo != "" {
		t.Errorf("orphan: %+v, want a program not autoloaded, without target", p)
	}
	// The attach target is the member a program is set in (the section's
	// suffix is ignored), "struct:member" as cilium/ebpf writes it.
	cc := openObj(t, "structops_cc.o")
	for prog, want := range map[string]string{
		"reno_init": "tcp_congestion_ops:init", "reno_set_state": "tcp_congestion_ops:set_state",
		"reno_optional": "tcp_congestion_ops:init", "reno_ssthresh": "tcp_congestion_ops:ssthresh",
	} {
		if got := cc.Program(prog).AttachTo; got != want {
			t.Errorf("program %s: attach target %q, want %q", prog, got, want)
		}
	}
}

// TestStructOpsExternPrograms reads a part of the structops link set:
// a.c's maps are set to b.c's programs, undefined symbols with extern
// FUNCs in BTF. Members name them as extern, and they are no externs of
// the object's code.
func TestStructOpsExternPrograms(t *testing.T) {
	obj := openObj(t, "link/structops/a.o")
	m, _ := obj.Map("bpfc_link_a2")
	if m == nil || m.StructOps == nil {
		t.Fatalf("no struct_ops map bpfc_link_a2: %+v", m)
	}
	var got []string
	for _, mem := range m.StructOps.Funcs() {
		got = append(got, fmt.Sprintf("%s=%s extern=%v", mem.Name, mem.Program, mem.Extern))
	}
	want := []string{"init=init_a2 extern=false", "ssthresh=link_ssthresh extern=true",
		"cong_avoid=link_cong_avoid extern=true", "undo_cwnd=link_undo_cwnd extern=true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if !bytes.Equal(m.Data[:32], make([]byte, 32)) {
		t.Errorf("function pointers not zero: % x", m.Data[:32])
	}
	if len(obj.Externs) != 0 {
		t.Errorf("externs %v, want none", obj.Externs)
	}
}
