// This file tests the lowering of the committed test objects against facts
// read off them with llvm-objdump-19 -dr, llvm-readelf-19 and bpftool btf
// dump: programs, maps, global data, externs, relocation records and
// .BTF.ext records, and that big-endian twins lower to the same IR.

package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
	"github.com/google/go-cmp/cmp"
)

// objDir holds the committed test objects.
const objDir = "../../testdata"

// objPath returns the path of a committed test object, failing the test
// when it is missing.
func objPath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(objDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test object %s missing (run make -C testdata): %v", name, err)
	}
	return p
}

// readObj returns the bytes of a committed test object.
func readObj(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(objPath(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// openObj lowers a committed test object and checks the IR's invariants.
func openObj(t testing.TB, name string) *ir.Object {
	t.Helper()
	obj, err := Open(objPath(t, name))
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	if err := ir.Check(obj, 0); err != nil {
		t.Fatalf("%s: IR check: %v", name, err)
	}
	return obj
}

// TestAllObjects lowers every committed object; each must pass the IR
// checker and name itself after its file.
func TestAllObjects(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(objDir, "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("found %d test objects in %s, want at least 8", len(files), objDir)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			obj := openObj(t, name)
			if obj.Name != name {
				t.Errorf("Name = %q, want %q", obj.Name, name)
			}
			wantLicense := "GPL"
			if name == "libbpf_idioms.o" {
				wantLicense = "Dual BSD/GPL"
			}
			if obj.License != wantLicense {
				t.Errorf("License = %q, want %q", obj.License, wantLicense)
			}
			if obj.ByteOrder != binary.LittleEndian {
				t.Errorf("ByteOrder = %v, want little endian", obj.ByteOrder)
			}
			if obj.BTF == nil {
				t.Errorf("no BTF")
			}
			for _, fn := range obj.Units() {
				if fn.BTFType == 0 {
					t.Errorf("%s: no BTF FUNC type", fn.Name)
				} else if k := obj.BTF.TypeKind(fn.BTFType); k != btf.KindFunc || obj.BTF.TypeName(fn.BTFType) != fn.Name {
					t.Errorf("%s: BTFType %d is %s %q", fn.Name, fn.BTFType, k, obj.BTF.TypeName(fn.BTFType))
				}
				if len(fn.FuncInfo) == 0 || fn.FuncInfo[0] != (ir.FuncInfo{Insn: 0, TypeID: fn.BTFType}) {
					t.Errorf("%s: func_info %v, want [{0 %d}]", fn.Name, fn.FuncInfo, fn.BTFType)
				}
				if len(fn.LineInfo) == 0 {
					t.Errorf("%s: no line_info", fn.Name)
				}
				for i, li := range fn.LineInfo {
					// Functions of a header (usdt.bpf.h) have its lines.
					if !strings.HasSuffix(li.FileName, ".c") && !strings.HasSuffix(li.FileName, ".h") || li.LineNum == 0 {
						t.Errorf("%s: line_info %d: %+v", fn.Name, i, li)
						break
					}
					if i > 0 && li.Insn < fn.LineInfo[i-1].Insn {
						t.Errorf("%s: line_info not sorted at %d", fn.Name, i)
					}
				}
				for i, r := range fn.Relocs {
					if i > 0 && r.Insn < fn.Relocs[i-1].Insn {
						t.Errorf("%s: relocations not sorted at %d", fn.Name, i)
					}
					if r.State != ir.Pending {
						t.Errorf("%s: relocation %d not pending", fn.Name, i)
					}
				}
			}
		})
	}
}

// progFacts is what a test expects of a program.
type progFacts struct {
	Name, Section string
	Type          uapi.ProgType
	Attach        uapi.AttachType
	AttachTo      string
	AttachKind    btf.Kind
	AttachBTFName string
	Flags         uapi.ProgFlags
	Autoload      bool
	Offset, Len   int
}

func TestPrograms(t *testing.T) {
	tests := []struct {
		obj   string
		progs []progFacts
		subs  []string // subprograms "name@section+offset"
	}{
		{"multi_prog.o", []progFacts{
			{"xdp_pass_prog", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 0, 6},
			{"xdp_drop_prog", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 6, 6},
			{"xdp_tx_prog", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 12, 6},
			{"xdp_optional", "?xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, false, 0, 6},
			{"xdp_frags_prog", "xdp.frags", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", uapi.ProgFlagXDPHasFrags, true, 0, 6},
			{"tc_prog", "tc", uapi.ProgTypeSchedCls, 0, "", 0, "", 0, true, 0, 8},
			{"cls_prog", "classifier", uapi.ProgTypeSchedCls, 0, "", 0, "", 0, true, 0, 6},
		}, nil},
		{"tracing.o", []progFacts{
			{"rawtp_sys_enter", "raw_tp/sys_enter", uapi.ProgTypeRawTracepoint, 0, "sys_enter", 0, "", 0, true, 0, 12},
			{"on_sched_switch", "tp_btf/sched_switch", uapi.ProgTypeTracing, uapi.AttachTraceRawTp, "sched_switch", btf.KindTypedef, "btf_trace_sched_switch", 0, true, 0, 12},
			{"dump_task", "iter/task", uapi.ProgTypeTracing, uapi.AttachTraceIter, "task", btf.KindFunc, "bpf_iter_task", 0, true, 0, 26},
			{"sys_prog", "syscall", uapi.ProgTypeSyscall, 0, "", 0, "", uapi.ProgFlagSleepable, true, 0, 21},
		}, nil},
		{"subprogs.o", []progFacts{
			{"sub_chain", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 0, 3},
			{"sub_shared", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 3, 8},
			{"sub_loop", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 11, 15},
			{"sub_foreach", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 26, 67},
		}, []string{"global_a@.text+0 global", "mid_b@.text+3", "global_pkt_len@.text+6 global", "loop_cb@.text+12", "leaf_c@.text+18", "fe_cb@.text+26"}},
		{"subprogs_insec.o", []progFacts{
			{"insec_prog", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 0, 7},
		}, []string{"text_add@.text+0", "insec_double@xdp+7"}},
		{"hidden_funcs.o", []progFacts{
			{"usdt_probe", "usdt", uapi.ProgTypeKprobe, 0, "", 0, "", 0, true, 0, 26},
			{"hidden_prog", "xdp", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 0, 12},
		}, []string{"bpf_usdt_arg_cnt@.text+0 global hidden", "bpf_usdt_arg@.text+31 global hidden", "bpf_usdt_cookie@.text+133 global hidden",
			"add_len@.text+162 global hidden", "scale@.text+175 global hidden", "plus_one@.text+179 global"}},
		// Static functions in sections of their own are programs unless
		// called.
		{"static_progs.o", []progFacts{
			{"static_sock", "socket/static", uapi.ProgTypeSocketFilter, 0, "", 0, "", 0, true, 0, 32},
			{"static_xdp", "xdp/static", uapi.ProgTypeXDP, uapi.AttachXDP, "", 0, "", 0, true, 0, 39},
			{"global_sock", "socket", uapi.ProgTypeSocketFilter, 0, "", 0, "", 0, true, 0, 12},
		}, []string{"helper_double@xdp/helper+0"}},
	}
	for _, tt := range tests {
		t.Run(tt.obj, func(t *testing.T) {
			obj := openObj(t, tt.obj)
			var got []progFacts
			for _, p := range obj.Programs {
				f := progFacts{p.Name, p.Section, p.Type, p.ExpectedAttachType,
					p.AttachTo, p.AttachBTFKind, p.AttachBTFName, p.Flags, p.Autoload, p.SectionOffset, len(p.Insns)}
				if p.Unsupported != "" {
					t.Errorf("%s: unexpectedly unsupported: %s", p.Name, p.Unsupported)
				}
				if !p.Global && tt.obj != "static_progs.o" {
					t.Errorf("%s: program not global", p.Name)
				}
				got = append(got, f)
			}
			if d := cmp.Diff(tt.progs, got); d != "" {
				t.Errorf("programs (-want +got):\n%s", d)
			}
			var subs []string
			for _, f := range obj.Subprogs {
				s := f.Name + "@" + f.Section + "+" + strconv.Itoa(f.SectionOffset)
				if f.Global {
					s += " global"
				}
				if f.Hidden {
					s += " hidden"
				}
				subs = append(subs, s)
			}
			if d := cmp.Diff(tt.subs, subs); d != "" {
				t.Errorf("subprograms (-want +got):\n%s", d)
			}
		})
	}
}

// mapFacts is what a test expects of a map.
type mapFacts struct {
	Name    string
	Kind    ir.MapKind
	Type    uapi.MapType
	Key     uint32
	Value   uint32
	Max     uint32
	Flags   uapi.MapFlags
	KeyT    string // BTF name of the key type
	ValueT  string
	Inner   *mapFacts
	Slots   []ir.MapSlot
	Data    []byte
	RO      bool
	Section string
}

func factsOf(obj *ir.Object, m *ir.Map) *mapFacts {
	if m == nil {
		return nil
	}
	f := &mapFacts{
		Name: m.Name, Kind: m.Kind, Type: m.Type, Key: m.KeySize, Value: m.ValueSize,
		Max: m.MaxEntries, Flags: m.Flags, Inner: factsOf(obj, m.Inner), Slots: m.Slots, Data: m.Data,
		RO: m.ReadOnly, Section: m.Section,
	}
	if obj.BTF != nil {
		f.KeyT, f.ValueT = obj.BTF.TypeName(m.KeyType), obj.BTF.TypeName(m.ValueType)
	}
	return f
}

func TestMaps(t *testing.T) {
	mm := uapi.MapFlagMmapable
	ro := mm | uapi.MapFlagRdonlyProg
	inner := &mapFacts{Kind: ir.MapBTF, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 4, KeyT: "__u32", ValueT: "__u32"}
	innerOf := func(name string) *mapFacts { c := *inner; c.Name = name + ".inner"; return &c }
	tests := []struct {
		obj  string
		maps []mapFacts
	}{
		{"maps_kinds.o", []mapFacts{
			{Name: "hash_map", Kind: ir.MapBTF, Type: uapi.MapTypeHash, Key: 4, Value: 8, Max: 16, KeyT: "__u32", ValueT: "__u64", Section: ".maps"},
			{Name: "array_map", Kind: ir.MapBTF, Type: uapi.MapTypeArray, Key: 4, Value: 8, Max: 4, KeyT: "__u32", ValueT: "__u64", Section: ".maps"},
			{Name: "percpu_array_map", Kind: ir.MapBTF, Type: uapi.MapTypePercpuArray, Key: 4, Value: 8, Max: 2, KeyT: "__u32", ValueT: "__u64", Section: ".maps"},
			{Name: "percpu_hash_map", Kind: ir.MapBTF, Type: uapi.MapTypePercpuHash, Key: 4, Value: 4, Max: 8, KeyT: "__u32", ValueT: "__u32", Section: ".maps"},
			{Name: "lru_map", Kind: ir.MapBTF, Type: uapi.MapTypeLRUHash, Key: 8, Value: 4, Max: 32, KeyT: "__u64", ValueT: "__u32", Section: ".maps"},
			{Name: "ring_map", Kind: ir.MapBTF, Type: uapi.MapTypeRingbuf, Max: 4096, Section: ".maps"},
			{Name: "sized_map", Kind: ir.MapBTF, Type: uapi.MapTypeHash, Key: 8, Value: 16, Max: 8, Flags: uapi.MapFlagNoPrealloc, Section: ".maps"},
			{Name: "user_sized_map", Kind: ir.MapBTF, Type: uapi.MapTypeHash, Key: 4, Value: 4, Max: 0, KeyT: "__u32", ValueT: "__u32", Section: ".maps"},
			// clang's constant pool for a 16-byte initialiser.
			{Name: ".rodata.cst16", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 16, Max: 1, Flags: ro, RO: true, Section: ".rodata.cst16",
				Data: []byte{8, 7, 6, 5, 4, 3, 2, 1, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11}},
		}},
		{"mapinmap.o", []mapFacts{
			{Name: "inner_a", Kind: ir.MapBTF, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 4, KeyT: "__u32", ValueT: "__u32", Section: ".maps"},
			{Name: "inner_b", Kind: ir.MapBTF, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 4, KeyT: "__u32", ValueT: "__u32", Section: ".maps"},
			{Name: "outer_array", Kind: ir.MapBTF, Type: uapi.MapTypeArrayOfMaps, Key: 4, Value: 4, Max: 2, KeyT: "__u32", Section: ".maps",
				Inner: innerOf("outer_array"), Slots: []ir.MapSlot{{Index: 0, Target: "inner_a"}, {Index: 1, Target: "inner_b"}}},
			{Name: "outer_hash", Kind: ir.MapBTF, Type: uapi.MapTypeHashOfMaps, Key: 4, Value: 4, Max: 4, KeyT: "__u32", Section: ".maps",
				Inner: innerOf("outer_hash"), Slots: []ir.MapSlot{{Index: 1, Target: "inner_b"}, {Index: 3, Target: "inner_a"}}},
			{Name: ".bss", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 8, Max: 1, Flags: mm, ValueT: ".bss", Section: ".bss"},
		}},
		{"tailcall.o", []mapFacts{
			{Name: "jump_table", Kind: ir.MapBTF, Type: uapi.MapTypeProgArray, Key: 4, Value: 4, Max: 4, Section: ".maps",
				Slots: []ir.MapSlot{{Index: 0, Target: "tail_a"}, {Index: 2, Target: "tail_b"}}},
			{Name: ".data", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 1, Flags: mm, ValueT: ".data", Section: ".data", Data: []byte{0, 0, 0, 0}},
			{Name: ".bss", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 12, Max: 1, Flags: mm, ValueT: ".bss", Section: ".bss"},
		}},
		{"legacy_maps.o", []mapFacts{
			{Name: "legacy_hash", Kind: ir.MapLegacy, Type: uapi.MapTypeHash, Key: 4, Value: 8, Max: 8, Section: "maps"},
			{Name: "legacy_array", Kind: ir.MapLegacy, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 2, Section: "maps"},
		}},
		{"sockfilter.o", []mapFacts{
			{Name: ".rodata", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 1, Flags: ro, RO: true, ValueT: ".rodata", Section: ".rodata", Data: []byte{0x60, 0, 0, 0}},
			{Name: ".data", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 1, Flags: mm, ValueT: ".data", Section: ".data", Data: []byte{0x0a, 0, 0, 0}},
			{Name: ".bss", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 12, Max: 1, Flags: mm, ValueT: ".bss", Section: ".bss"},
		}},
		{"xdp_globals.o", []mapFacts{
			{Name: ".rodata", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 28, Max: 1, Flags: ro, RO: true, ValueT: ".rodata", Section: ".rodata",
				Data: []byte{3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'b', 'p', 'f', 'c', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
			{Name: ".rodata.cfg", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 4, Max: 1, Flags: ro, RO: true, ValueT: ".rodata.cfg", Section: ".rodata.cfg", Data: []byte{5, 0, 0, 0}},
			{Name: ".data", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 16, Max: 1, Flags: mm, ValueT: ".data", Section: ".data",
				Data: []byte{100, 0, 0, 0, 0, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}},
			{Name: ".data.custom", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 8, Max: 1, Flags: mm, ValueT: ".data.custom", Section: ".data.custom", Data: []byte{7, 0, 0, 0, 0, 0, 0, 0}},
			{Name: ".bss", Kind: ir.MapData, Type: uapi.MapTypeArray, Key: 4, Value: 24, Max: 1, Flags: mm, ValueT: ".bss", Section: ".bss"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.obj, func(t *testing.T) {
			obj := openObj(t, tt.obj)
			var got []mapFacts
			for _, m := range obj.Maps {
				got = append(got, *factsOf(obj, m))
			}
			if d := cmp.Diff(tt.maps, got); d != "" {
				t.Errorf("maps (-want +got):\n%s", d)
			}
		})
	}
}

// relocFacts is a relocation record as a test expects it.
type relocFacts struct {
	Insn   int
	Kind   ir.RelocKind
	Symbol string
	Offset int64
}

func TestRelocs(t *testing.T) {
	tests := []struct {
		obj, fn string
		want    []relocFacts
	}{
		// tailcall.o: tail_entry at xdp+0x70 (slot 14); relocations at
		// 0x70 tail_index (.data), 0x88 jump_table, 0xa0 fallthrough_runs
		// (.bss+8).
		{"tailcall.o", "tail_entry", []relocFacts{
			{0, ir.RelocMapValue, ".data", 0},
			{3, ir.RelocMap, "jump_table", 0},
			{6, ir.RelocMapValue, ".bss", 8},
		}},
		{"tailcall.o", "tail_b", []relocFacts{{0, ir.RelocMapValue, ".bss", 4}}},
		// sockfilter.o: sock_len at socket+0: seen_packets, last_len,
		// last_proto (.bss+0,4,8), extra (.data+0).
		{"sockfilter.o", "sock_len", []relocFacts{
			{0, ir.RelocMapValue, ".bss", 0},
			{6, ir.RelocMapValue, ".bss", 4},
			{11, ir.RelocMapValue, ".bss", 8},
			{14, ir.RelocMapValue, ".data", 0},
		}},
		// subprogs.o: sub_loop at xdp slot 11: ld_imm64 of .text+0x60
		// (loop_cb, slot 12), loop_sum (.bss+0), call .text imm 17 from
		// slot 24 -> .text slot 18 (leaf_c).
		{"subprogs.o", "sub_loop", []relocFacts{
			{5, ir.RelocFunc, "loop_cb", 0},
			{9, ir.RelocMapValue, ".bss", 0},
			{13, ir.RelocCall, "leaf_c", 0},
		}},
		// sub_foreach at xdp slot 26.
		{"subprogs.o", "sub_foreach", []relocFacts{
			{11, ir.RelocMap, "fe_array", 0},
			{21, ir.RelocMap, "fe_array", 0},
			{31, ir.RelocMap, "fe_array", 0},
			{41, ir.RelocMap, "fe_array", 0},
			{49, ir.RelocMap, "fe_array", 0},
			{51, ir.RelocFunc, "fe_cb", 0},
			{55, ir.RelocMapValue, ".bss", 8},
			{59, ir.RelocMapValue, ".bss", 16},
			{64, ir.RelocCall, "global_a", 0},
		}},
		// Calls in .text resolved by the assembler, without relocations:
		// global_a "call 0x2" at slot 0 -> 3 (mid_b), mid_b "call 0xe"
		// at slot 3 -> 18 (leaf_c).
		{"subprogs.o", "global_a", []relocFacts{{0, ir.RelocCall, "mid_b", 0}}},
		{"subprogs.o", "mid_b", []relocFacts{{0, ir.RelocCall, "leaf_c", 0}}},
		{"subprogs.o", "leaf_c", []relocFacts{{1, ir.RelocMapValue, ".bss", 20}}},
		// subprogs_insec.o: a call with a relocation into .text and a
		// plain call "call 0x1" at slot 5 -> 7 (insec_double) in xdp.
		{"subprogs_insec.o", "insec_prog", []relocFacts{
			{3, ir.RelocCall, "text_add", 0},
			{5, ir.RelocCall, "insec_double", 0},
		}},
		{"subprogs_insec.o", "insec_double", []relocFacts{{1, ir.RelocMapValue, ".bss", 0}}},
		{"legacy_maps.o", "legacy_prog", []relocFacts{
			{11, ir.RelocMap, "legacy_hash", 0},
			{21, ir.RelocMap, "legacy_hash", 0},
			{32, ir.RelocMap, "legacy_array", 0},
		}},
		// externs.o: kfunc_task at xdp slot 134 (0x430).
		{"externs.o", "kfunc_task", []relocFacts{
			{1, ir.RelocExtern, "bpf_task_from_pid", 0},
			{6, ir.RelocMapValue, ".bss", 128},
			{10, ir.RelocExtern, "bpf_task_acquire", 0},
			{13, ir.RelocMapValue, ".bss", 132},
			{17, ir.RelocExtern, "bpf_task_release", 0},
			{19, ir.RelocExtern, "bpf_task_release", 0},
			{23, ir.RelocExtern, "bpf_obj_new_impl", 0},
			{28, ir.RelocMapValue, ".bss", 136},
			{33, ir.RelocExtern, "bpf_obj_drop_impl", 0},
			{35, ir.RelocExtern, "bpfc_no_such_kfunc", 0},
			{39, ir.RelocMapValue, ".bss", 140},
			{45, ir.RelocExtern, "bpfc_no_such_kfunc", 0},
			{46, ir.RelocMapValue, ".bss", 144},
		}},
	}
	for _, tt := range tests {
		if tt.want == nil {
			continue
		}
		t.Run(tt.obj+"/"+tt.fn, func(t *testing.T) {
			obj := openObj(t, tt.obj)
			var fn *ir.Function
			if p := obj.Program(tt.fn); p != nil {
				fn = &p.Function
			} else {
				fn = obj.Subprog(tt.fn)
			}
			if fn == nil {
				t.Fatalf("no function %s", tt.fn)
			}
			var got []relocFacts
			for _, r := range fn.Relocs {
				got = append(got, relocFacts{r.Insn, r.Kind, r.Symbol, r.Offset})
				// Addends move into the record: ld_imm64 imm is cleared
				// for everything but externs (whose imm is zero anyway).
				if in := fn.Insns[r.Insn]; in.IsLdImm64() && in.Imm != 0 {
					t.Errorf("insn %d: ld_imm64 imm %d not cleared", r.Insn, in.Imm)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("relocations (-want +got):\n%s", d)
			}
		})
	}
}

func TestExterns(t *testing.T) {
	obj := openObj(t, "externs.o")
	type ext struct {
		Name    string
		Kind    ir.ExternKind
		Section string
		Weak    bool
		Typed   bool
		BTFKind btf.Kind
	}
	var got []ext
	for _, e := range obj.Externs {
		got = append(got, ext{e.Name, e.Kind, e.Section, e.Weak, e.Typed, obj.BTF.TypeKind(e.TypeID)})
		if obj.BTF.TypeName(e.TypeID) != e.Name {
			t.Errorf("%s: TypeID %d names %q", e.Name, e.TypeID, obj.BTF.TypeName(e.TypeID))
		}
		if e.State != ir.Pending {
			t.Errorf("%s: not pending", e.Name)
		}
	}
	kc := func(name string, weak bool) ext {
		return ext{name, ir.ExternKconfig, ".kconfig", weak, true, btf.KindVar}
	}
	want := []ext{
		kc("CONFIG_BPF_SYSCALL", false),
		kc("CONFIG_NET_CLS_BPF", false),
		kc("CONFIG_NR_CPUS", false),
		kc("CONFIG_BPFC_NO_SUCH_BOOL", true),
		kc("CONFIG_DEFAULT_HOSTNAME", false),
		kc("CONFIG_HZ", false),
		kc("CONFIG_BPF_JIT", false),
		kc("CONFIG_BPFC_NO_SUCH_INT", true),
		{"_stext", ir.ExternKsym, ".ksyms", false, false, btf.KindVar},
		{"bpf_prog_fops", ir.ExternKsym, ".ksyms", true, false, btf.KindVar},
		{"bpfc_no_such_rq", ir.ExternKsym, ".ksyms", true, true, btf.KindVar},
		kc("CONFIG_BPFC_NO_SUCH_TRISTATE", true),
		kc("LINUX_KERNEL_VERSION", false),
		kc("LINUX_HAS_BPF_COOKIE", false),
		kc("LINUX_HAS_SYSCALL_WRAPPER", false),
		{"bpf_task_from_pid", ir.ExternKfunc, ".ksyms", false, true, btf.KindFunc},
		{"bpf_task_acquire", ir.ExternKfunc, ".ksyms", false, true, btf.KindFunc},
		{"bpf_task_release", ir.ExternKfunc, ".ksyms", false, true, btf.KindFunc},
		{"bpf_obj_new_impl", ir.ExternKfunc, ".ksyms", false, true, btf.KindFunc},
		{"bpf_obj_drop_impl", ir.ExternKfunc, ".ksyms", false, true, btf.KindFunc},
		{"bpfc_no_such_kfunc", ir.ExternKfunc, ".ksyms", true, true, btf.KindFunc},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("externs (-want +got):\n%s", d)
	}
}

func TestCORERecords(t *testing.T) {
	obj := openObj(t, "core_fields.o")
	p := obj.Program("core_fields")
	if p == nil {
		t.Fatal("no program core_fields")
	}
	if len(p.CORE) == 0 {
		t.Fatal("no CO-RE records")
	}
	// llvm-objdump: insn 2 is "r3 = 1" with field_byte_offset of
	// iphdr.tos ("0:2"); the first bpf_core_field_size(iphdr, tot_len)
	// is at insn 6.
	first := p.CORE[0]
	if first.Insn != 2 || first.Kind != btf.FieldByteOffset || first.Access != "0:2" ||
		obj.BTF.TypeName(first.TypeID) != "iphdr" || first.State != ir.Pending {
		t.Errorf("first CO-RE record = %+v", *first)
	}
	second := p.CORE[1]
	if second.Insn != 6 || second.Kind != btf.FieldByteSize || second.Access != "0:3" {
		t.Errorf("second CO-RE record = %+v", *second)
	}
	// Every record of the section landed in the program.
	raw := readObj(t, "core_fields.o")
	total := 0
	for _, sec := range parseExtForTest(t, raw).Sections {
		total += len(sec.CORERelos)
	}
	if len(p.CORE) != total {
		t.Errorf("%d CO-RE records in the program, %d in .BTF.ext", len(p.CORE), total)
	}
}

// TestBigEndian lowers the bpfeb twins of some objects: apart from the byte
// order and the bytes of global data, the IR (and so its text form) must be
// the same as for bpfel. (sockfilter_eb.o and core_fields_eb.o differ in
// code: bpf_ntohs is a no-op on a big-endian target and bitfields are laid
// out the other way; they are checked separately.)
func TestBigEndian(t *testing.T) {
	for _, name := range []string{"subprogs", "tailcall", "mapinmap", "legacy_maps", "externs"} {
		t.Run(name, func(t *testing.T) {
			le := openObj(t, name+".o")
			path := filepath.Join("testdata", name+"_eb.o")
			be, err := Open(path)
			if err != nil {
				t.Fatalf("Open(%s): %v", path, err)
			}
			if be.ByteOrder != binary.BigEndian {
				t.Fatalf("ByteOrder = %v, want big endian", be.ByteOrder)
			}
			be.Name = le.Name
			for _, o := range []*ir.Object{le, be} {
				for _, m := range o.Maps {
					for i := range m.Data {
						m.Data[i] = 0
					}
				}
			}
			if d := cmp.Diff(le.String(), be.String()); d != "" {
				t.Errorf("IR of bpfeb differs from bpfel (-le +be):\n%s", d)
			}
			// Instructions decode to the same fields.
			for i, p := range le.Programs {
				if d := cmp.Diff(p.Insns, be.Programs[i].Insns); d != "" {
					t.Errorf("%s: insns differ:\n%s", p.Name, d)
				}
			}
		})
	}
}

func TestBigEndianData(t *testing.T) {
	path := filepath.Join("testdata", "sockfilter_eb.o")
	be, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	// llvm-readelf -x: .rodata 00000060 (snap_len = 0x60), .data 0000000a.
	for name, want := range map[string][]byte{".rodata": {0, 0, 0, 0x60}, ".data": {0, 0, 0, 0x0a}} {
		m, _ := be.Map(name)
		if m == nil || !bytes.Equal(m.Data, want) {
			t.Errorf("map %s: %v, want data %x", name, m, want)
		}
	}
	if p := be.Program("sock_snap"); p == nil || len(p.Relocs) != 2 || p.Relocs[0].Symbol != ".rodata" {
		t.Errorf("sock_snap: %+v", p)
	}
	// Bitfield code differs (so do the CO-RE records that go with it):
	// every record of the big-endian .BTF.ext must land in a function.
	path = filepath.Join("testdata", "core_fields_eb.o")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cbe, err := Parse(bytes.NewReader(raw), "core_fields_eb.o")
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	want := 0
	for _, sec := range parseExtForTest(t, raw).Sections {
		want += len(sec.CORERelos)
	}
	got := 0
	for _, fn := range cbe.Units() {
		got += len(fn.CORE)
	}
	if want == 0 || got != want {
		t.Errorf("CO-RE records: %d in the IR, %d in .BTF.ext", got, want)
	}
}

func TestParseName(t *testing.T) {
	raw := readObj(t, "sockfilter.o")
	obj, err := Parse(bytes.NewReader(raw), "other.o")
	if err != nil {
		t.Fatal(err)
	}
	if obj.Name != "other.o" {
		t.Errorf("Name = %q", obj.Name)
	}
	if _, err := Open(filepath.Join(objDir, "no_such_object.o")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
}

// parseExtForTest parses the .BTF.ext of an object with the btf package.
func parseExtForTest(t *testing.T, raw []byte) *btf.Ext {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	btfRaw, err := f.Section(".BTF").Data()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := btf.Parse(btfRaw)
	if err != nil {
		t.Fatal(err)
	}
	extRaw, err := f.Section(".BTF.ext").Data()
	if err != nil {
		t.Fatal(err)
	}
	ext, err := btf.ParseExt(extRaw, f.ByteOrder, spec)
	if err != nil {
		t.Fatal(err)
	}
	return ext
}

// TestHiddenVisibility checks which functions are Hidden: global ones of
// STV_HIDDEN or STV_INTERNAL visibility (clang writes only the former for
// BPF, so the latter is patched into the symbol table), never programs'
// visibility as such nor protected or default ones.
func TestHiddenVisibility(t *testing.T) {
	raw, err := os.ReadFile(objPath(t, "hidden_funcs.o"))
	if err != nil {
		t.Fatal(err)
	}
	vis := map[string]elf.SymVis{"add_len": elf.STV_INTERNAL, "scale": elf.STV_PROTECTED, "plus_one": elf.STV_HIDDEN}
	for name, v := range vis {
		raw[symbolEntry(t, raw, name)+5] = byte(v)
	}
	obj, err := Parse(bytes.NewReader(raw), "hidden_funcs.o")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"bpf_usdt_arg_cnt": true, "bpf_usdt_arg": true, "bpf_usdt_cookie": true, "add_len": true, "scale": false, "plus_one": true}
	for _, f := range obj.Subprogs {
		if w, ok := want[f.Name]; !ok || f.Hidden != w {
			t.Errorf("subprog %s: Hidden %v, want %v", f.Name, f.Hidden, w)
		}
	}
}

// TestAsmConstants checks that symbols only inline assembly refers to are
// constant externs, and that a reference keeps the ld_imm64's addend.
func TestAsmConstants(t *testing.T) {
	raw := readObj(t, "asm_const.o")
	// "r0 = MY_CONST + 5 ll": asm_xdp's first instruction carries 5.
	off, _ := sectionAt(t, raw, "xdp")
	binary.LittleEndian.PutUint32(raw[off+4:], 5)
	obj, err := Parse(bytes.NewReader(raw), "asm_const.o")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"MY_CONST", "OTHER_CONST"} {
		e := obj.Extern(name)
		if e == nil || e.Kind != ir.ExternConst || e.TypeID != 0 || e.State != ir.Pending {
			t.Errorf("extern %s: %+v, want a pending const", name, e)
		}
	}
	var got []string
	for _, p := range obj.Programs {
		for _, r := range p.Relocs {
			if r.Kind == ir.RelocExtern {
				got = append(got, fmt.Sprintf("%s@%d %s%+d", p.Name, r.Insn, r.Symbol, r.Offset))
			}
		}
	}
	want := []string{"asm_xdp@0 MY_CONST+5", "asm_syscall@0 MY_CONST+0", "asm_syscall@2 OTHER_CONST+0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("extern references (-want +got):\n%s", d)
	}
}

// TestStaticInUnknownSection renames static_progs.o's section xdp/static
// into one naming no program type: its static function stays an unused
// subprogram instead of becoming a program bpfc could not load.
func TestStaticInUnknownSection(t *testing.T) {
	raw := bytes.ReplaceAll(readObj(t, "static_progs.o"), []byte("xdp/static"), []byte("xqp/static"))
	obj, err := Parse(bytes.NewReader(raw), "static_progs.o")
	if err != nil {
		t.Fatal(err)
	}
	if obj.Program("static_xdp") != nil || obj.Subprog("static_xdp") == nil {
		t.Errorf("static_xdp in section xqp/static: a program")
	}
	if obj.Program("static_sock") == nil {
		t.Errorf("static_sock is not a program")
	}
}
