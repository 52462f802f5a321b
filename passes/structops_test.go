// Tests of the structops pass: layouts checked against the kernel's BTF
// read by a second implementation (cilium/ebpf's btf package), for kernel
// S (testdata/btf/kernel_st.btf, Linux 7.2's layouts) and the running
// kernel; data members and their user edits; which programs load; and
// every refusal, each naming the map, member and program concerned.

package passes

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	cbtf "github.com/cilium/ebpf/btf"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/target"
	"github.com/bpfc/bpfc/uapi"
)

// structOpsObjects are the test objects with struct_ops maps.
var structOpsObjects = []string{"structops_cc.o", "structops_link.o", "structops_scx.o", "structops_bad.o"}

// runStructOpsPasses runs the passes up to structops over a test object
// against target, with edit as the user's edits.
func runStructOpsPasses(t *testing.T, name string, tg Target, edit func(*ir.Object) error) (*ir.Object, error) {
	t.Helper()
	obj := openTestObject(t, name)
	ctx := &Context{Target: tg, CheckIR: true, Configure: edit}
	return obj, RunPasses(ctx, obj, "merge", "datasec", "configure", "structops")
}

// ciliumLayout is where cilium/ebpf's reading of a kernel's BTF puts the
// members of struct typ inside its struct_ops value.
type ciliumLayout struct {
	valueSize uint32
	dataOff   uint32
	index     map[string]int
	offset    map[string]uint32
}

func ciliumStructOps(t *testing.T, spec *cbtf.Spec, typ string) (ciliumLayout, bool) {
	t.Helper()
	var value *cbtf.Struct
	if err := spec.TypeByName("bpf_struct_ops_"+typ, &value); err != nil {
		return ciliumLayout{}, false
	}
	l := ciliumLayout{valueSize: value.Size, index: map[string]int{}, offset: map[string]uint32{}}
	var inner *cbtf.Struct
	for _, m := range value.Members {
		if st, ok := m.Type.(*cbtf.Struct); ok && st.Name == typ {
			inner, l.dataOff = st, m.Offset.Bytes()
		}
	}
	if inner == nil {
		t.Fatalf("cilium: bpf_struct_ops_%s has no member of struct %s", typ, typ)
	}
	for i, m := range inner.Members {
		l.index[m.Name] = i
		l.offset[m.Name] = l.dataOff + m.Offset.Bytes()
	}
	return l, true
}

// checkLayout compares the laid-out maps of obj (from the unlaid-out
// object orig) with cilium/ebpf's reading of the same kernel BTF.
func checkLayout(t *testing.T, orig, obj *ir.Object, spec *cbtf.Spec) {
	t.Helper()
	for i, m := range obj.Maps {
		so := m.StructOps
		if so == nil || m.NoAutocreate {
			continue
		}
		want, ok := ciliumStructOps(t, spec, so.Type)
		if !ok {
			t.Fatalf("map %s: cilium finds no bpf_struct_ops_%s", m.Name, so.Type)
		}
		if so.State != ir.Resolved || m.ValueSize != want.valueSize || so.DataOffset != want.dataOff || so.KernelType != so.Type {
			t.Errorf("map %s: %s, value %d bytes, data at +%d; cilium: %d bytes, data at +%d", m.Name, so.State, m.ValueSize, so.DataOffset, want.valueSize, want.dataOff)
		}
		local := orig.Maps[i].Data
		for _, mem := range so.Members {
			idx, inKernel := want.index[mem.Name]
			if mem.Missing == inKernel {
				t.Errorf("map %s: member %s: missing %v, cilium finds it %v", m.Name, mem.Name, mem.Missing, inKernel)
				continue
			}
			if mem.Missing {
				continue
			}
			if mem.KernelIndex != idx || mem.KernelOffset != want.offset[mem.Name] {
				t.Errorf("map %s: member %s: kernel member %d at +%d; cilium: %d at +%d", m.Name, mem.Name, mem.KernelIndex, mem.KernelOffset, idx, want.offset[mem.Name])
			}
			got := m.Data[mem.KernelOffset : mem.KernelOffset+mem.Size]
			wantBytes := local[mem.Offset : mem.Offset+mem.Size]
			if mem.Func {
				wantBytes = make([]byte, mem.Size) // the fd goes there at load time
			}
			if !bytes.Equal(got, wantBytes) {
				t.Errorf("map %s: member %s: kernel value % x, want % x", m.Name, mem.Name, got, wantBytes)
			}
			if mem.Program != "" {
				p := obj.Program(mem.Program)
				if p.AttachBTFKind != btf.KindStruct || p.AttachBTFName != so.Type || p.ExpectedAttachType != uapi.AttachType(idx) || !p.Autoload {
					t.Errorf("program %s: attach %s %s member %d, autoload %v; want struct %s member %d", p.Name, p.AttachBTFKind, p.AttachBTFName, p.ExpectedAttachType, p.Autoload, so.Type, idx)
				}
			}
		}
	}
}

func TestStructOpsLayout(t *testing.T) {
	path := filepath.Join("..", "testdata", "btf", "kernel_st.btf")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cspec, err := cbtf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	tg := &fakeTarget{vmlinux: loadTargetBTF(t, "kernel_st.btf")}
	for _, name := range structOpsObjects {
		t.Run(name, func(t *testing.T) {
			obj, err := runStructOpsPasses(t, name, tg, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, openTestObject(t, name), obj, cspec)
		})
	}
}

// TestStructOpsRunningKernel lays the TCP congestion controls out for the
// running kernel, whose tcp_congestion_ops differs from kernel S's (and
// between 5.10, 6.x and 7.x), and checks them against cilium/ebpf.
func TestStructOpsRunningKernel(t *testing.T) {
	testutil.RequireKernel(t)
	cspec, err := cbtf.LoadKernelSpec()
	if err != nil {
		t.Fatalf("cilium/ebpf reading the kernel's BTF: %v", err)
	}
	for _, name := range []string{"structops_cc.o", "structops_link.o"} {
		t.Run(name, func(t *testing.T) {
			obj, err := runStructOpsPasses(t, name, target.Running(), nil)
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, openTestObject(t, name), obj, cspec)
		})
	}
	var ops *cbtf.Struct
	if cspec.TypeByName("bpf_struct_ops_sched_ext_ops", &ops) == nil {
		return
	}
	// No sched_ext here: the scheduler's map is refused, naming its type.
	_, err = runStructOpsPasses(t, "structops_scx.o", target.Running(), nil)
	wantError(t, err, ErrNotFound, "struct_ops map bpfc_fifo", "the kernel implements no struct_ops for struct sched_ext_ops")
}

// TestStructOpsAutoload: programs only maps that are not created use do
// not load; creating the map loads them.
func TestStructOpsAutoload(t *testing.T) {
	tg := &fakeTarget{vmlinux: loadTargetBTF(t, "kernel_st.btf")}
	obj, err := runStructOpsPasses(t, "structops_cc.o", tg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := obj.Program("reno_optional"); p.Autoload || p.AttachBTFName != "" {
		t.Errorf("reno_optional: autoload %v, attach %q; want neither (only bpfc_optional, not created, uses it)", p.Autoload, p.AttachBTFName)
	}
	if m, _ := obj.Map("bpfc_optional"); m.StructOps.State != ir.Pending || m.ValueSize != 64 {
		t.Errorf("bpfc_optional: %s, %d bytes; want it left as the object has it", m.StructOps.State, m.ValueSize)
	}
	obj, err = runStructOpsPasses(t, "structops_cc.o", tg, func(o *ir.Object) error {
		return SetAutocreate(o, "bpfc_optional", true)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := obj.Program("reno_optional"); !p.Autoload || p.AttachBTFName != "tcp_congestion_ops" || p.ExpectedAttachType != 17 {
		t.Errorf("reno_optional: autoload %v, attach %q member %d; want struct tcp_congestion_ops member 17 (init)", p.Autoload, p.AttachBTFName, p.ExpectedAttachType)
	}
	// The programs bpfc_reno shares with it load whatever it does.
	if p := obj.Program("reno_ssthresh"); !p.Autoload || p.ExpectedAttachType != 2 {
		t.Errorf("reno_ssthresh: autoload %v, member %d", p.Autoload, p.ExpectedAttachType)
	}

	// Turning bpfc_reno off leaves the programs only it uses unloaded;
	// a program the user disabled stays off although a created map uses
	// it (the backends then refuse the map, naming the program).
	obj, err = runStructOpsPasses(t, "structops_cc.o", tg, func(o *ir.Object) error {
		if err := SetAutocreate(o, "bpfc_reno", false); err != nil {
			return err
		}
		if err := SetAutocreate(o, "bpfc_optional", true); err != nil {
			return err
		}
		_, err := Disable(o, "reno_optional")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"reno_optional": false, "reno_init": false, "reno_ssthresh": true, "reno_cong_avoid": true, "reno_undo_cwnd": true, "reno_set_state": false} {
		if p := obj.Program(name); p.Autoload != want {
			t.Errorf("%s: autoload %v, want %v", name, p.Autoload, want)
		}
	}

	if err := SetAutocreate(obj, "cc_calls", false); err == nil || err.Error() != "map cc_calls: only struct_ops maps can be left uncreated (programs may refer to any other map)" {
		t.Errorf("SetAutocreate of an array: %v", err)
	}
	if err := SetAutocreate(obj, "nosuch", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetAutocreate of no map: %v", err)
	}
}

// TestStructOpsDataMembers: a data member the user sets before the pass
// lands at its place in the kernel value.
func TestStructOpsDataMembers(t *testing.T) {
	tg := &fakeTarget{vmlinux: loadTargetBTF(t, "kernel_st.btf")}
	obj, err := runStructOpsPasses(t, "structops_link.o", tg, func(o *ir.Object) error {
		m, _ := o.Map("cc_b")
		binary32(m.Data[48:], 0x1) // flags: TCP_CONG_NON_RESTRICTED
		copy(m.Data[32:48], "bpfc_other\x00")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := obj.Map("cc_b")
	// kernel S: tcp_congestion_ops at +64, name at +96, flags at +140.
	if got := m.Data[64+96 : 64+96+11]; string(got) != "bpfc_other\x00" {
		t.Errorf("name: %q", got)
	}
	if got := m.Data[64+140 : 64+144]; !bytes.Equal(got, []byte{1, 0, 0, 0}) {
		t.Errorf("flags: % x", got)
	}
	a, _ := obj.Map("cc_a")
	if got := a.Data[64+140 : 64+144]; !bytes.Equal(got, []byte{0, 0, 0, 0}) {
		t.Errorf("cc_a flags: % x", got)
	}
}

func binary32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// enable returns an edit that creates the named maps and loads the named
// programs.
func enable(names ...string) func(*ir.Object) error {
	return func(o *ir.Object) error {
		for _, n := range names {
			if m, _ := o.Map(n); m != nil {
				m.NoAutocreate = false
			} else if p := o.Program(n); p != nil {
				p.Autoload = true
			} else {
				return errors.New("no map or program " + n)
			}
		}
		return nil
	}
}

func TestStructOpsErrors(t *testing.T) {
	kernelS := &fakeTarget{vmlinux: loadTargetBTF(t, "kernel_st.btf")}
	tests := []struct {
		name   string
		obj    string
		target Target
		edit   func(*ir.Object) error
		is     error
		msg    []string
	}{
		{"unknown struct", "structops_bad.o", kernelS, enable("bad_unknown"), ErrNotFound, []string{
			`struct_ops map bad_unknown (section "?.struct_ops", struct bpfc_no_such_ops)`,
			"the kernel implements no struct_ops for struct bpfc_no_such_ops (no struct bpf_struct_ops_bpfc_no_such_ops in vmlinux or module BTF)",
		}},
		{"data member the kernel lacks", "structops_bad.o", kernelS, enable("bad_member"), ErrStructOpsMismatch, []string{
			"struct_ops map bad_member", "member bpfc_extra is set (07 00 00 00), but the kernel's struct tcp_congestion_ops has no member bpfc_extra",
		}},
		{"function pointer the kernel lacks", "structops_bad.o", kernelS, enable("bad_func"), ErrStructOpsMismatch, []string{
			"struct_ops map bad_func", "member bpfc_hook is set to program bad_op, but the kernel's struct tcp_congestion_ops has no member bpfc_hook",
		}},
		{"program of another type", "structops_bad.o", kernelS, enable("bad_progtype"), ErrStructOpsMismatch, []string{
			"struct_ops map bad_progtype", `member init is set to program not_struct_ops (section "xdp"), a xdp program, not a struct_ops program`,
		}},
		{"program used by no map", "structops_bad.o", kernelS, enable("orphan"), ErrStructOpsMismatch, []string{
			`program orphan (section "?struct_ops/orphan"): a struct_ops program that no struct_ops map uses cannot be loaded`,
		}},
		{"kernel without struct_ops", "structops_cc.o", &fakeTarget{vmlinux: loadTargetBTF(t, "kernel_a.btf")}, nil, ErrNotSupported, []string{
			"struct_ops map bpfc_reno", "the kernel has no struct_ops support (no struct bpf_struct_ops_map in its BTF",
		}},
		{"no target", "structops_cc.o", nil, nil, ErrNotSupported, []string{
			"struct_ops map bpfc_reno", "needs the target kernel's BTF, and there is no target",
		}},
		{"program in two members", "structops_link.o", kernelS, func(o *ir.Object) error {
			m, _ := o.Map("cc_b")
			m.StructOps.Members[3].Program = "swap_ssthresh" // init
			o.Program("init_b").Autoload = false
			return nil
		}, ErrStructOpsMismatch, []string{
			`program swap_ssthresh (section "struct_ops/swap_ssthresh"): used by cc_a.ssthresh (struct tcp_congestion_ops member 2) and cc_b.init (struct tcp_congestion_ops member 17)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runStructOpsPasses(t, tt.obj, tt.target, tt.edit)
			wantError(t, err, tt.is, tt.msg...)
		})
	}
}

// TestStructOpsKernelMismatch lays a map out for kernels whose struct
// differs in a member's kind or size, or where a function pointer of the
// object is data in the kernel.
func TestStructOpsKernelMismatch(t *testing.T) {
	// A kernel with tcp_congestion_ops { ssthresh; cong_avoid; undo_cwnd;
	// init; NAME; FLAGS } where NAME and FLAGS vary.
	kernel := func(name, flags btf.Type, ssthreshData bool) *btf.Spec {
		s := btf.NewSpec()
		u32 := s.Add(btf.Type{Kind: btf.KindInt, Name: "unsigned int", Size: 4, IntBits: 32})
		proto := s.Add(btf.Type{Kind: btf.KindFuncProto})
		fptr := s.Add(btf.Type{Kind: btf.KindPtr, Type: proto})
		if name.Kind == btf.KindArray {
			ch := s.Add(btf.Type{Kind: btf.KindInt, Name: "char", Size: 1, IntBits: 8})
			name.Array.Type, name.Array.IndexType = ch, u32
		}
		nameID := s.Add(name)
		flagsID := u32
		if flags.Kind != 0 {
			flagsID = s.Add(flags)
		}
		ss := fptr
		if ssthreshData {
			ss = s.Add(btf.Type{Kind: btf.KindInt, Name: "long", Size: 8, IntBits: 64})
		}
		ops := s.Add(btf.Type{Kind: btf.KindStruct, Name: "tcp_congestion_ops", Size: 64, Members: []btf.Member{
			{Name: "ssthresh", Type: ss}, {Name: "cong_avoid", Type: fptr, BitOffset: 64},
			{Name: "undo_cwnd", Type: fptr, BitOffset: 128}, {Name: "init", Type: fptr, BitOffset: 192},
			{Name: "name", Type: nameID, BitOffset: 256}, {Name: "flags", Type: flagsID, BitOffset: 384},
		}})
		s.Add(btf.Type{Kind: btf.KindStruct, Name: "bpf_struct_ops_map", Size: 8})
		s.Add(btf.Type{Kind: btf.KindStruct, Name: "bpf_struct_ops_tcp_congestion_ops", Size: 72, Members: []btf.Member{
			{Name: "refcnt", Type: u32}, {Name: "data", Type: ops, BitOffset: 64},
		}})
		return s
	}
	name16 := btf.Type{Kind: btf.KindArray, Array: btf.Array{Nelems: 16}}
	for _, tc := range []struct {
		name string
		spec *btf.Spec
		msg  string
	}{
		{"fits", kernel(name16, btf.Type{}, false), ""},
		{"size", kernel(btf.Type{Kind: btf.KindArray, Array: btf.Array{Nelems: 32}}, btf.Type{}, false),
			"member name is 16 bytes, but 32 in the kernel's struct tcp_congestion_ops"},
		{"kind", kernel(name16, btf.Type{Kind: btf.KindEnum, Name: "flags_enum", Size: 4}, false),
			"member flags is a int, but a enum in the kernel's struct tcp_congestion_ops"},
		{"function pointer is data", kernel(name16, btf.Type{}, true),
			"member ssthresh is a ptr, but a int in the kernel's struct tcp_congestion_ops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := runStructOpsPasses(t, "structops_link.o", &fakeTarget{vmlinux: tc.spec}, nil)
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				m, _ := obj.Map("cc_a")
				if m.ValueSize != 72 || m.StructOps.DataOffset != 8 || string(m.Data[8+32:8+41]) != "bpfc_swap" {
					t.Errorf("cc_a: %d bytes, data at +%d, value % x", m.ValueSize, m.StructOps.DataOffset, m.Data)
				}
				return
			}
			wantError(t, err, ErrStructOpsMismatch, "struct_ops map cc_a", tc.msg)
		})
	}
}

// TestStructOpsDump checks the IR dump of a laid-out map names where each
// member goes.
func TestStructOpsDump(t *testing.T) {
	obj, err := runStructOpsPasses(t, "structops_cc.o", &fakeTarget{vmlinux: loadTargetBTF(t, "kernel_st.btf")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := obj.String()
	for _, want := range []string{
		"struct_ops tcp_congestion_ops resolved: value bpf_struct_ops_tcp_congestion_ops [17] in vmlinux, struct tcp_congestion_ops [24] at +64",
		"member init offset 0 size 8 func = reno_init -> kernel member 17 at +208",
		"member bpfc_spare offset 40 size 4 -> not in the kernel, zero: left out",
		`program reno_init section "struct_ops/reno_init" type struct_ops member 17 attach_to "tcp_congestion_ops:init" (struct tcp_congestion_ops)`,
	} {
		if !bytes.Contains([]byte(text), []byte(want)) {
			t.Errorf("dump lacks %q", want)
		}
	}
	if obj.Program("reno_init").Type != uapi.ProgTypeStructOps {
		t.Error("program type")
	}
}
