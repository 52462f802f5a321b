// This file tests the maps pass on hand-built objects.

package passes

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/ir"
)

// mapsObject has one program with one reference of each kind the maps
// pass patches, a subprogram with a map reference, and the externs those
// references need.
func mapsObject() *ir.Object {
	return &ir.Object{
		Name: "maps.o",
		// The externs pass gives module kfuncs their slots.
		ModuleSlots: []string{"bpf_testmod"},
		Maps: []*ir.Map{
			{Name: "counts", Kind: ir.MapBTF, Type: 1, KeySize: 4, ValueSize: 8, MaxEntries: 16},
			{Name: ".rodata", Kind: ir.MapData, Type: 2, KeySize: 4, ValueSize: 16, MaxEntries: 1},
		},
		Externs: []*ir.Extern{
			{Name: "typed", Kind: ir.ExternKsym, Typed: true, State: ir.Resolved, BTFID: 1234},
			{Name: "typeless", Kind: ir.ExternKsym, State: ir.Resolved, Addr: 0xffffffff81000010},
			{Name: "weakvar", Kind: ir.ExternKsym, Typed: true, Weak: true, State: ir.Resolved, Missing: true},
			{Name: "modvar", Kind: ir.ExternKsym, Typed: true, State: ir.Resolved, BTFID: 77, BTFModule: "nf_conntrack"},
			{Name: "later", Kind: ir.ExternKsym, State: ir.Deferred},
			{Name: "kf", Kind: ir.ExternKfunc, State: ir.Resolved, BTFID: 4321},
			{Name: "kfmod", Kind: ir.ExternKfunc, State: ir.Resolved, BTFID: 99, BTFModule: "bpf_testmod"},
			{Name: "kfweak", Kind: ir.ExternKfunc, Weak: true, State: ir.Resolved, Missing: true},
			{Name: "kflater", Kind: ir.ExternKfunc, State: ir.Deferred},
		},
		Programs: []*ir.Program{{Function: ir.Function{Name: "prog", Section: "xdp", Code: ir.Code{
			Insns: irtest.Insns(
				ir.LdImm64(1, 0), ir.LdImm64(2, 0), // 0, 2: map, map value
				ir.LdImm64(3, 0), ir.LdImm64(4, 0), ir.LdImm64(5, 0), ir.LdImm64(6, 0), ir.LdImm64(7, 0), // 4..12: ksyms
				ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall}, // 14
				ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall}, // 15
				ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall}, // 16
				ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall}, // 17
				ir.Exit(),
			),
			Relocs: []*ir.Reloc{
				reloc(0, ir.RelocMap, "counts"),
				{Insn: 2, Kind: ir.RelocMapValue, Symbol: ".rodata", Offset: 8},
				reloc(4, ir.RelocKsym, "typed"),
				reloc(6, ir.RelocKsym, "typeless"),
				reloc(8, ir.RelocKsym, "weakvar"),
				reloc(10, ir.RelocKsym, "modvar"),
				reloc(12, ir.RelocKsym, "later"),
				reloc(14, ir.RelocKfunc, "kf"),
				reloc(15, ir.RelocKfunc, "kfmod"),
				reloc(16, ir.RelocKfunc, "kfweak"),
				reloc(17, ir.RelocKfunc, "kflater"),
			},
		}}, Autoload: true}},
		Subprogs: []*ir.Function{{Name: "sub", Section: ".text", Code: ir.Code{
			Insns:  irtest.Insns(ir.LdImm64(1, 0), ir.Exit()),
			Relocs: []*ir.Reloc{{Insn: 0, Kind: ir.RelocMapValue, Symbol: ".rodata"}},
		}}},
	}
}

func TestMaps(t *testing.T) {
	obj := mapsObject()
	if err := runAlone(t, "maps", obj); err != nil {
		t.Fatal(err)
	}
	p := obj.Programs[0]
	tests := []struct {
		insn  int
		src   uint8
		imm   int32
		imm2  int32 // second slot of a ld_imm64
		off   int16 // call offset
		state ir.State
		note  string
	}{
		{0, ir.PseudoMapIdx, 0, 0, 0, ir.Resolved, ""},
		{2, ir.PseudoMapIdxValue, 1, 8, 0, ir.Resolved, ""},
		{4, ir.PseudoBTFID, 1234, 0, 0, ir.Resolved, "btf_id 1234 in vmlinux"},
		{6, 0, -0x7efffff0, -1, 0, ir.Resolved, "address 0xffffffff81000010"},
		{8, 0, 0, 0, 0, ir.Resolved, "weak ksym not found: 0"},
		{10, ir.PseudoBTFID, 77, 0, 0, ir.Deferred, "module nf_conntrack"},
		{12, 0, 0, 0, 0, ir.Deferred, "load time"},
		{14, ir.PseudoKfuncCall, 4321, 0, 0, ir.Resolved, "vmlinux"},
		{15, ir.PseudoKfuncCall, 99, 0, 2, ir.Resolved, "module bpf_testmod, fd_array[2]"},
		{16, 0, ir.PoisonKfuncBase + 7, 0, 0, ir.Resolved, "poisoned"},
		{17, ir.PseudoKfuncCall, 0, 0, 0, ir.Deferred, "load time"},
	}
	for i, tt := range tests {
		r := p.Relocs[i]
		in := p.Insns[tt.insn]
		if r.Insn != tt.insn {
			t.Fatalf("reloc %d is at insn %d, want %d", i, r.Insn, tt.insn)
		}
		if in.Src != tt.src || in.Imm != tt.imm || in.Off != tt.off {
			t.Errorf("insn %d (%s): src %d imm %d off %d, want src %d imm %d off %d", tt.insn, r.Symbol, in.Src, in.Imm, in.Off, tt.src, tt.imm, tt.off)
		}
		if in.IsLdImm64() && p.Insns[tt.insn+1].Imm != tt.imm2 {
			t.Errorf("insn %d (%s): second imm %d, want %d", tt.insn, r.Symbol, p.Insns[tt.insn+1].Imm, tt.imm2)
		}
		if r.State != tt.state || !strings.Contains(r.Note, tt.note) {
			t.Errorf("insn %d (%s): %s %q, want %s and a note with %q", tt.insn, r.Symbol, r.State, r.Note, tt.state, tt.note)
		}
	}
	if p.Relocs[1].MapIndex != 1 {
		t.Errorf("map value MapIndex %d, want 1", p.Relocs[1].MapIndex)
	}
	if len(obj.ModuleSlots) != 1 || obj.ModuleSlots[0] != "bpf_testmod" {
		t.Errorf("ModuleSlots %v, want [bpf_testmod]", obj.ModuleSlots)
	}
	sub := obj.Subprogs[0]
	if sub.Insns[0].Src != ir.PseudoMapIdxValue || sub.Insns[0].Imm != 1 || sub.Relocs[0].State != ir.Resolved {
		t.Errorf("subprogram reference not patched: %+v %+v", sub.Insns[0], sub.Relocs[0])
	}
	// Running again changes nothing.
	before := obj.String()
	if err := runMaps(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	if after := obj.String(); after != before {
		t.Errorf("second run changed the IR")
	}
}

func TestMapsErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*ir.Object)
		is     error
		substr []string
	}{
		{"unknown map", func(o *ir.Object) { o.Programs[0].Relocs[0].Symbol = "nomap" },
			ErrNotFound, []string{"program prog", "insn 0", "nomap"}},
		{"unknown map in subprog", func(o *ir.Object) { o.Subprogs[0].Relocs[0].Symbol = ".bss" },
			ErrNotFound, []string{"subprog sub", "insn 0", ".bss"}},
		{"offset past value", func(o *ir.Object) { o.Programs[0].Relocs[1].Offset = 16 },
			nil, []string{"insn 2", "offset 16 outside the 16-byte value"}},
		{"negative offset", func(o *ir.Object) { o.Programs[0].Relocs[1].Offset = -1 },
			nil, []string{"insn 2", "offset -1"}},
		{"not ld_imm64", func(o *ir.Object) { o.Programs[0].Insns[0] = ir.Mov64Imm(1, 0) },
			nil, []string{"insn 0", "not a ld_imm64"}},
		{"pending extern", func(o *ir.Object) { o.Externs[0].State = ir.Pending },
			ErrNotSupported, []string{"insn 4", "typed", "externs pass"}},
		{"unknown extern", func(o *ir.Object) { o.Programs[0].Relocs[7].Symbol = "nokf" },
			ErrNotFound, []string{"insn 14", "nokf"}},
		{"module kfunc without a slot", func(o *ir.Object) { o.ModuleSlots = nil },
			ErrNotFound, []string{"insn 15", "kfmod", "bpf_testmod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := mapsObject()
			tt.edit(obj)
			wantError(t, runMaps(&Context{}, obj), tt.is, tt.substr...)
		})
	}
}
