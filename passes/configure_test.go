// This file tests SetVariable, SetMaxEntries and Disable.

package passes

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// globalsAfterDatasec opens xdp_globals.o and runs the datasec pass.
func globalsAfterDatasec(t *testing.T) *ir.Object {
	t.Helper()
	obj := openTestObject(t, "xdp_globals.o")
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestSetVariable(t *testing.T) {
	le := binary.LittleEndian
	tests := []struct {
		name, value string
		sec         string
		off         int
		want        []byte
	}{
		{"rodata_mul", "7", ".rodata", 0, le.AppendUint32(nil, 7)},
		{"rodata_mul", "0xffffffff", ".rodata", 0, le.AppendUint32(nil, 0xffffffff)},
		{"rodata_enabled", "false", ".rodata", 4, []byte{0}},
		{"rodata_enabled", "1", ".rodata", 4, []byte{1}},
		{"rodata_mode", "MODE_XOR", ".rodata", 8, le.AppendUint32(nil, 3)},
		{"rodata_mode", "2", ".rodata", 8, le.AppendUint32(nil, 2)},
		{"rodata_name", "hello", ".rodata", 12, append([]byte("hello"), make([]byte, 11)...)},
		{"rodata_name", "", ".rodata", 12, make([]byte, 16)},
		{"rodata_name", "fifteen chars!!", ".rodata", 12, append([]byte("fifteen chars!!"), 0)},
		{"cfg_factor", "9", ".rodata.cfg", 0, le.AppendUint32(nil, 9)},
		{"data_wide", "0x0102030405060708", ".data", 8, le.AppendUint64(nil, 0x0102030405060708)},
		{"custom_bumps", "42", ".data.custom", 4, le.AppendUint32(nil, 42)},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			obj := globalsAfterDatasec(t)
			m, _ := obj.Map(tt.sec)
			before := append([]byte(nil), m.Data...)
			if err := SetVariable(obj, tt.name, tt.value); err != nil {
				t.Fatal(err)
			}
			got := m.Data[tt.off : tt.off+len(tt.want)]
			if string(got) != string(tt.want) {
				t.Errorf("bytes % x, want % x", got, tt.want)
			}
			// Nothing else changed.
			copy(before[tt.off:], tt.want)
			if string(before) != string(m.Data) {
				t.Errorf("other bytes changed: % x, want % x", m.Data, before)
			}
		})
	}
}

func TestSetVariableErrors(t *testing.T) {
	tests := []struct {
		name, value string
		is          error
		substr      string
	}{
		{"nosuch", "1", ErrNotFound, "no such global variable"},
		{"bss_runs", "1", nil, "only .data and .rodata"},
		{"rodata_mul", "-1", nil, "not a 32-bit unsigned integer"},
		{"rodata_mul", "0x100000000", nil, "not a 32-bit unsigned integer"},
		{"rodata_mul", "seven", nil, "not a 32-bit unsigned integer"},
		{"rodata_enabled", "yes", nil, "bool"},
		{"rodata_mode", "MODE_DIV", nil, "MODE_ADD, MODE_SUB, MODE_XOR"},
		{"rodata_name", "sixteen chars!!!", nil, "does not fit char[16]"},
		{"LICENSE", "MIT", ErrNotFound, "no such global variable"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			obj := globalsAfterDatasec(t)
			err := SetVariable(obj, tt.name, tt.value)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.substr) || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q does not mention %q and %q", err, tt.name, tt.substr)
			}
		})
	}
	// Before the datasec pass every global sits at offset 0: refused.
	obj := openTestObject(t, "xdp_globals.o")
	if err := SetVariable(obj, "rodata_mode", "1"); err == nil || !strings.Contains(err.Error(), "datasec pass") {
		t.Errorf("SetVariable before datasec: %v, want an error naming the datasec pass", err)
	}
}

func TestSetMaxEntries(t *testing.T) {
	obj := openTestObject(t, "tailcall.o")
	var user *ir.Map
	for _, m := range obj.Maps {
		if m.Kind == ir.MapBTF || m.Kind == ir.MapLegacy {
			user = m
			break
		}
	}
	if user == nil {
		t.Fatal("tailcall.o has no BTF or legacy map")
	}
	if err := SetMaxEntries(obj, user.Name, 64); err != nil {
		t.Fatal(err)
	}
	if user.MaxEntries != 64 {
		t.Errorf("max_entries %d, want 64", user.MaxEntries)
	}
	tests := []struct {
		name string
		n    uint32
		want string
	}{
		{"nosuch", 4, "not found"},
		{user.Name, 0, "at least 1"},
	}
	for _, m := range obj.Maps {
		if m.Kind == ir.MapData {
			tests = append(tests, struct {
				name string
				n    uint32
				want string
			}{m.Name, 4, "exactly one entry"})
		}
	}
	for _, s := range user.Slots {
		if s.Index > 0 {
			tests = append(tests, struct {
				name string
				n    uint32
				want string
			}{user.Name, s.Index, "too small for the initial value"})
		}
	}
	for _, tt := range tests {
		err := SetMaxEntries(obj, tt.name, tt.n)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) {
			t.Errorf("SetMaxEntries(%s, %d): %v, want an error with %q", tt.name, tt.n, err, tt.want)
		}
	}
}

func TestDisable(t *testing.T) {
	newObj := func() *ir.Object {
		prog := func(name, sec string) *ir.Program {
			return &ir.Program{Function: ir.Function{Name: name, Section: sec}, Autoload: true}
		}
		return &ir.Object{Programs: []*ir.Program{
			prog("on_open", "fentry/do_sys_open"),
			prog("on_close", "fexit/do_sys_close"),
			prog("xdp_pass", "xdp"),
			prog("xdp_drop", "xdp"),
		}}
	}
	tests := []struct {
		glob string
		n    int
		off  []string
	}{
		{"fentry/*", 1, []string{"on_open"}},
		{"f*/*", 2, []string{"on_open", "on_close"}},
		{"xdp", 2, []string{"xdp_pass", "xdp_drop"}},
		{"xdp_d*", 1, []string{"xdp_drop"}},
		{"on_close", 1, []string{"on_close"}},
		{"kprobe/*", 0, nil},
	}
	for _, tt := range tests {
		obj := newObj()
		n, err := Disable(obj, tt.glob)
		if err != nil {
			t.Fatalf("%s: %v", tt.glob, err)
		}
		if n != tt.n {
			t.Errorf("%s: %d matched, want %d", tt.glob, n, tt.n)
		}
		for _, p := range obj.Programs {
			wantOff := false
			for _, o := range tt.off {
				wantOff = wantOff || o == p.Name
			}
			if p.Autoload == wantOff {
				t.Errorf("%s: program %s autoload %v", tt.glob, p.Name, p.Autoload)
			}
		}
	}
	if _, err := Disable(newObj(), "[x"); err == nil {
		t.Error("bad pattern accepted")
	}
}

// TestAsmConstants sets asm_const.o's inline-assembly constants and checks
// the ld_imm64s the passes leave: value plus addend, 0 when not set.
func TestAsmConstants(t *testing.T) {
	for _, c := range []struct {
		set        map[string]string
		xdp, other uint64
	}{
		{nil, 0 + 5, 0},
		{map[string]string{"MY_CONST": "41", "OTHER_CONST": "-1"}, 41 + 5, 0xffffffffffffffff},
		{map[string]string{"MY_CONST": "0xffffffffffffffff"}, 4, 0},
	} {
		obj := openTestObject(t, "asm_const.o")
		// "r0 = MY_CONST + 5 ll" in asm_xdp.
		obj.Program("asm_xdp").Relocs[0].Offset = 5
		ctx := &Context{CheckIR: true, Configure: func(obj *ir.Object) error {
			for k, v := range c.set {
				if err := SetVariable(obj, k, v); err != nil {
					return err
				}
			}
			return nil
		}}
		if err := Run(ctx, obj); err != nil {
			t.Fatal(err)
		}
		imm64 := func(p string, i int) uint64 {
			insns := obj.Program(p).Insns
			return uint64(uint32(insns[i].Imm)) | uint64(uint32(insns[i+1].Imm))<<32
		}
		if got := imm64("asm_xdp", 0); got != c.xdp {
			t.Errorf("%v: asm_xdp MY_CONST+5 = %#x, want %#x", c.set, got, c.xdp)
		}
		if got := imm64("asm_syscall", 2); got != c.other {
			t.Errorf("%v: asm_syscall OTHER_CONST = %#x, want %#x", c.set, got, c.other)
		}
		for _, e := range obj.Externs {
			if e.State != ir.Resolved {
				t.Errorf("extern %s: %s", e.Name, e.State)
			}
		}
	}
	obj := openTestObject(t, "asm_const.o")
	err := SetVariable(obj, "MY_CONST", "forty-two")
	wantError(t, err, nil, `constant MY_CONST (of inline assembly): "forty-two" is not a 64-bit integer`)
}

// TestSetSizes checks SetKeySize and SetValueSize on maps_kinds.o's
// hash_map (u32 -> u64 with BTF types): an equal size keeps the BTF types,
// another size drops both; global data, 0 and unknown maps are refused.
func TestSetSizes(t *testing.T) {
	obj := openTestObject(t, "maps_kinds.o")
	m, _ := obj.Map("hash_map")
	if m == nil || m.KeySize != 4 || m.ValueSize != 8 || m.KeyType == 0 || m.ValueType == 0 {
		t.Fatalf("maps_kinds.o hash_map: %+v", m)
	}
	if err := SetKeySize(obj, "hash_map", 4); err != nil {
		t.Fatal(err)
	}
	if err := SetValueSize(obj, "hash_map", 8); err != nil {
		t.Fatal(err)
	}
	if m.KeyType == 0 || m.ValueType == 0 {
		t.Errorf("sizes unchanged: BTF types dropped")
	}
	if err := SetValueSize(obj, "hash_map", 16); err != nil {
		t.Fatal(err)
	}
	if m.ValueSize != 16 || m.KeyType != 0 || m.ValueType != 0 {
		t.Errorf("value_size 16: %d, BTF types %d/%d, want 16 without BTF types", m.ValueSize, m.KeyType, m.ValueType)
	}
	if err := SetKeySize(obj, "hash_map", 8); err != nil || m.KeySize != 8 {
		t.Errorf("key_size 8: %v, %d", err, m.KeySize)
	}
	for _, c := range []struct {
		set      func(*ir.Object, string, uint32) error
		name     string
		n        uint32
		want     string
		notFound bool
	}{
		{SetKeySize, "nosuch", 4, "map nosuch: not found", true},
		{SetValueSize, "hash_map", 0, "map hash_map: value_size must be at least 1", false},
		{SetKeySize, ".rodata.cst16", 8, "map .rodata.cst16: global data maps take their sizes from their section; key_size cannot be changed", false},
		{SetValueSize, ".rodata.cst16", 8, "map .rodata.cst16: global data maps take their sizes from their section; value_size cannot be changed", false},
	} {
		err := c.set(obj, c.name, c.n)
		if err == nil || err.Error() != c.want || errors.Is(err, ErrNotFound) != c.notFound {
			t.Errorf("%s %d: %v, want %q", c.name, c.n, err, c.want)
		}
	}
}

func TestSetAttachTarget(t *testing.T) {
	prog := func(name, sec string, pt uapi.ProgType, at uapi.AttachType, kind btf.Kind, to, btfName string) *ir.Program {
		return &ir.Program{Function: ir.Function{Name: name, Section: sec}, Type: pt, ExpectedAttachType: at,
			AttachBTFKind: kind, AttachTo: to, AttachBTFName: btfName, Autoload: true}
	}
	newObj := func() *ir.Object {
		o := &ir.Object{Programs: []*ir.Program{
			prog("fe", "fentry/dummy_fentry", uapi.ProgTypeTracing, uapi.AttachTraceFentry, btf.KindFunc, "dummy_fentry", "dummy_fentry"),
			prog("bare", "fexit", uapi.ProgTypeTracing, uapi.AttachTraceFexit, btf.KindFunc, "", ""),
			prog("tp", "tp_btf/sys_enter", uapi.ProgTypeTracing, uapi.AttachTraceRawTp, btf.KindTypedef, "sys_enter", "btf_trace_sys_enter"),
			prog("hook", "lsm/file_open", uapi.ProgTypeLSM, uapi.AttachLSMMac, btf.KindFunc, "file_open", "bpf_lsm_file_open"),
			prog("it", "iter/task", uapi.ProgTypeTracing, uapi.AttachTraceIter, btf.KindFunc, "task", "bpf_iter_task"),
			prog("kp", "kprobe/do_sys_openat2", uapi.ProgTypeKprobe, 0, 0, "do_sys_openat2", ""),
			prog("tpo", "tracepoint/syscalls/sys_enter_getpid", uapi.ProgTypeTracepoint, 0, 0, "syscalls/sys_enter_getpid", ""),
			prog("rtp", "raw_tp/sys_enter", uapi.ProgTypeRawTracepoint, 0, 0, "sys_enter", ""),
			prog("xdp", "xdp", uapi.ProgTypeXDP, 0, 0, "", ""),
			prog("ext", "freplace/subprog", uapi.ProgTypeExt, 0, btf.KindFunc, "subprog", "subprog"),
		}}
		o.Programs[len(o.Programs)-1].Unsupported = "a freplace program replaces a function of another loaded BPF program"
		return o
	}
	for _, tt := range []struct {
		prog, target      string
		attachTo, btfName string
		err               string
	}{
		{prog: "fe", target: "vfs_read", attachTo: "vfs_read", btfName: "vfs_read"},
		{prog: "bare", target: "vfs_write", attachTo: "vfs_write", btfName: "vfs_write"},
		{prog: "tp", target: "sys_exit", attachTo: "sys_exit", btfName: "btf_trace_sys_exit"},
		{prog: "hook", target: "bprm_check_security", attachTo: "bprm_check_security", btfName: "bpf_lsm_bprm_check_security"},
		{prog: "it", target: "task_file", attachTo: "task_file", btfName: "bpf_iter_task_file"},
		{prog: "kp", target: "do_sys_open", attachTo: "do_sys_open"},
		{prog: "tpo", target: "sched/sched_switch", attachTo: "sched/sched_switch"},
		{prog: "rtp", target: "sys_exit", attachTo: "sys_exit"},
		{prog: "xdp", target: "eth0", err: `program xdp (section "xdp", xdp) has no attach target to set`},
		{prog: "ext", target: "other", err: `program ext (section "freplace/subprog"): a freplace program replaces a function of another loaded BPF program`},
		{prog: "nosuch", target: "x", err: "program nosuch: not found"},
		{prog: "fe", target: "", err: "program fe: empty attach target"},
	} {
		obj := newObj()
		err := SetAttachTarget(obj, tt.prog, tt.target)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s=%s: %v, want an error with %q", tt.prog, tt.target, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s=%s: %v", tt.prog, tt.target, err)
			continue
		}
		p := obj.Program(tt.prog)
		if p.AttachTo != tt.attachTo || p.AttachBTFName != tt.btfName {
			t.Errorf("%s=%s: attach to %q (BTF name %q), want %q (%q)", tt.prog, tt.target, p.AttachTo, p.AttachBTFName, tt.attachTo, tt.btfName)
		}
	}
}
