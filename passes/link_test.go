// This file tests the link pass on hand-built objects.

package passes

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/ir"
)

// linkObject builds: program entry calls sub1 and sub2 and passes cb to
// bpf_loop; sub1 and sub2 both call sub3; unused calls sub3 and nobody
// calls it.
func linkObject() *ir.Object {
	sub := func(name string, code ir.Code) *ir.Function {
		return &ir.Function{Name: name, Section: ".text", Code: code}
	}
	entry := &ir.Program{
		Function: ir.Function{Name: "entry", Section: "xdp", Code: ir.Code{
			Insns: irtest.Insns(ir.CallLocal(-1), ir.CallLocal(-1), ir.LdImm64(2, 0), ir.Call(181), ir.Exit()),
			Relocs: []*ir.Reloc{
				reloc(0, ir.RelocCall, "sub1"),
				reloc(1, ir.RelocCall, "sub2"),
				reloc(2, ir.RelocFunc, "cb"),
			},
			FuncInfo: []ir.FuncInfo{{Insn: 0, TypeID: 10}},
			LineInfo: []ir.LineInfo{{Insn: 0, LineNum: 1}, {Insn: 4, LineNum: 2}},
		}},
		Autoload: true,
	}
	mapValue := reloc(0, ir.RelocMapValue, ".data")
	mapValue.Offset, mapValue.State, mapValue.Note = 4, ir.Resolved, ".data+4"
	return &ir.Object{
		Name:     "link.o",
		Programs: []*ir.Program{entry},
		Maps:     []*ir.Map{{Name: ".data", Kind: ir.MapData, Type: 2, KeySize: 4, ValueSize: 8, MaxEntries: 1}},
		Subprogs: []*ir.Function{
			sub("sub1", ir.Code{
				Insns:    irtest.Insns(ir.CallLocal(-1), ir.Exit()),
				Relocs:   []*ir.Reloc{reloc(0, ir.RelocCall, "sub3")},
				CORE:     []*ir.CORERelo{{Insn: 1, State: ir.Resolved, Note: "core"}},
				FuncInfo: []ir.FuncInfo{{Insn: 0, TypeID: 11}},
				LineInfo: []ir.LineInfo{{Insn: 0, LineNum: 10}},
			}),
			sub("sub2", ir.Code{
				Insns:    irtest.Insns(ir.LdMapIdxValue(1, 0, 0), ir.CallLocal(-1), ir.Exit()),
				Relocs:   []*ir.Reloc{mapValue, reloc(2, ir.RelocCall, "sub3")},
				FuncInfo: []ir.FuncInfo{{Insn: 0, TypeID: 12}},
			}),
			sub("sub3", ir.Code{
				Insns:    irtest.Insns(ir.Mov64Imm(0, 7), ir.Exit()),
				FuncInfo: []ir.FuncInfo{{Insn: 0, TypeID: 13}},
				LineInfo: []ir.LineInfo{{Insn: 1, LineNum: 30}},
			}),
			sub("cb", ir.Code{
				Insns:    irtest.Insns(ir.Mov64Imm(0, 0), ir.Exit()),
				FuncInfo: []ir.FuncInfo{{Insn: 0, TypeID: 14}},
			}),
			sub("unused", ir.Code{
				Insns:  irtest.Insns(ir.CallLocal(-1), ir.Exit()),
				Relocs: []*ir.Reloc{reloc(0, ir.RelocCall, "sub3")},
			}),
		},
	}
}

func TestLink(t *testing.T) {
	obj := linkObject()
	if err := runLink(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	p := obj.Programs[0]
	// Depth first like libbpf: sub1 (6), sub3 (8, called by sub1), sub2 (10), cb (14).
	if diff := cmp.Diff([]string{"sub1", "sub3", "sub2", "cb"}, p.Linked); diff != "" {
		t.Errorf("Linked (-want +got):\n%s", diff)
	}
	if len(p.Insns) != 16 {
		t.Fatalf("program has %d insns, want 16", len(p.Insns))
	}
	calls := []struct {
		insn int
		imm  int32
		src  uint8
	}{
		{0, 5, ir.PseudoCall},   // sub1 at 6
		{1, 8, ir.PseudoCall},   // sub2 at 10
		{2, 11, ir.PseudoFunc},  // cb at 14
		{6, 1, ir.PseudoCall},   // sub1 -> sub3 at 8
		{12, -5, ir.PseudoCall}, // sub2 -> sub3 at 8
	}
	for _, c := range calls {
		in := p.Insns[c.insn]
		if in.Imm != c.imm || in.Src != c.src {
			t.Errorf("insn %d: src %d imm %d, want src %d imm %d", c.insn, in.Src, in.Imm, c.src, c.imm)
		}
	}
	var funcs [][2]int
	for _, fi := range p.FuncInfo {
		funcs = append(funcs, [2]int{fi.Insn, int(fi.TypeID)})
	}
	if diff := cmp.Diff([][2]int{{0, 10}, {6, 11}, {8, 13}, {10, 12}, {14, 14}}, funcs); diff != "" {
		t.Errorf("func_info (-want +got):\n%s", diff)
	}
	var lines [][2]int
	for _, li := range p.LineInfo {
		lines = append(lines, [2]int{li.Insn, int(li.LineNum)})
	}
	if diff := cmp.Diff([][2]int{{0, 1}, {4, 2}, {6, 10}, {9, 30}}, lines); diff != "" {
		t.Errorf("line_info (-want +got):\n%s", diff)
	}
	if len(p.CORE) != 1 || p.CORE[0].Insn != 7 || p.CORE[0].State != ir.Resolved || p.CORE[0].Note != "core" {
		t.Errorf("CO-RE records: %+v, want one resolved at insn 7", p.CORE)
	}
	var got []string
	for _, r := range p.Relocs {
		got = append(got, strings.Join([]string{r.Kind.String(), r.Symbol, r.State.String()}, " ")+"@"+strconv.Itoa(r.Insn))
	}
	want := []string{
		"call sub1 resolved@0", "call sub2 resolved@1", "func cb resolved@2",
		"call sub3 resolved@6", "map_value .data resolved@10", "call sub3 resolved@12",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("relocs (-want +got):\n%s", diff)
	}
	// The subprograms keep their own records, untouched.
	sub1 := obj.Subprog("sub1")
	if sub1.Relocs[0].State != ir.Pending || sub1.Relocs[0].Insn != 0 || sub1.Insns[0].Imm != -1 {
		t.Errorf("sub1's own call record changed: %+v imm %d", sub1.Relocs[0], sub1.Insns[0].Imm)
	}
	if p.Relocs[3] == sub1.Relocs[0] || p.CORE[0] == sub1.CORE[0] {
		t.Error("linked records are shared with the subprogram, not copied")
	}
	if obj.Subprog("unused").Relocs[0].State != ir.Pending {
		t.Error("unused subprogram was relocated")
	}
	if err := ir.Check(obj, ir.StageExterns|ir.StageCORE|ir.StageMaps|ir.StageLink); err != nil {
		t.Error(err)
	}
}

// TestLinkTwoPrograms checks that each program gets its own copy.
func TestLinkTwoPrograms(t *testing.T) {
	obj := linkObject()
	second := &ir.Program{
		Function: ir.Function{Name: "second", Section: "xdp", Code: ir.Code{
			Insns:    irtest.Insns(ir.Mov64Imm(1, 0), ir.CallLocal(-1), ir.Exit()),
			Relocs:   []*ir.Reloc{reloc(1, ir.RelocCall, "sub3")},
			FuncInfo: []ir.FuncInfo{{Insn: 0, TypeID: 15}},
		}},
		Autoload: false, // linked all the same
	}
	obj.Programs = append(obj.Programs, second)
	if err := runAlone(t, "link", obj); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"sub3"}, second.Linked); diff != "" {
		t.Errorf("second.Linked (-want +got):\n%s", diff)
	}
	if second.Insns[1].Imm != 1 || len(second.Insns) != 5 {
		t.Errorf("second: call imm %d, %d insns; want 1 and 5", second.Insns[1].Imm, len(second.Insns))
	}
	second.Insns[3].Imm = 99
	if obj.Programs[0].Insns[8].Imm != 7 {
		t.Error("programs share the instructions of sub3")
	}
}

// TestLinkRecursion checks a subprogram calling itself and an offset into
// the callee.
func TestLinkRecursion(t *testing.T) {
	obj := &ir.Object{
		Programs: []*ir.Program{{Function: ir.Function{Name: "p", Section: "xdp", Code: ir.Code{
			Insns:  irtest.Insns(ir.CallLocal(-1), ir.Exit()),
			Relocs: []*ir.Reloc{reloc(0, ir.RelocCall, "rec")},
		}}}},
		Subprogs: []*ir.Function{{Name: "rec", Section: ".text", Code: ir.Code{
			Insns:  irtest.Insns(ir.Mov64Imm(0, 1), ir.CallLocal(-1), ir.Exit()),
			Relocs: []*ir.Reloc{{Insn: 1, Kind: ir.RelocCall, Symbol: "rec", Offset: 8}},
		}}},
	}
	if err := runAlone(t, "link", obj); err != nil {
		t.Fatal(err)
	}
	p := obj.Programs[0]
	// rec at 2; its call (insn 3) targets rec+1 = 3: imm -1.
	if p.Insns[0].Imm != 1 || p.Insns[3].Imm != -1 {
		t.Errorf("call imms %d, %d; want 1, -1", p.Insns[0].Imm, p.Insns[3].Imm)
	}
}

func TestLinkErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*ir.Object)
		is     error
		substr []string
	}{
		{"unknown function", func(o *ir.Object) { o.Programs[0].Relocs[1].Symbol = "nosuch" },
			ErrNotFound, []string{"program entry", "insn 1", "nosuch"}},
		{"unknown nested function", func(o *ir.Object) { o.Subprog("sub1").Relocs[0].Symbol = "gone" },
			ErrNotFound, []string{"program entry", "insn 6", "gone"}},
		{"program entry", func(o *ir.Object) { o.Programs[0].Relocs[0].Symbol = "entry" },
			ErrNotSupported, []string{"insn 0", "entry function of program entry"}},
		{"not a call", func(o *ir.Object) { o.Programs[0].Insns[1] = ir.Mov64Imm(0, 0) },
			nil, []string{"insn 1", "not a bpf2bpf call"}},
		{"offset outside", func(o *ir.Object) { o.Programs[0].Relocs[0].Offset = 16 },
			nil, []string{"insn 0", "outside"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := linkObject()
			tt.edit(obj)
			wantError(t, runLink(&Context{}, obj), tt.is, tt.substr...)
		})
	}
}
