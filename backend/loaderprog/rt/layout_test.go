// Tests of the run-time's struct_ops layout: its small BTF reader against
// bpfc's btf package on kernel S (testdata/btf/kernel_st.btf) and on the
// running kernel, moving a value between layouts, and the refusals.

package rt

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/testutil"
)

// tcpCAMembers are members of tcp_congestion_ops a congestion control
// sets: function pointers and data.
var tcpCAMembers = []StructOpsMember{
	{Name: "ssthresh", Size: 8, Prog: 0}, {Name: "cong_avoid", Size: 8, Prog: 1},
	{Name: "undo_cwnd", Size: 8, Prog: 2}, {Name: "init", Size: 8, Prog: 3},
	{Name: "name", Size: 16, Prog: -1}, {Name: "flags", Size: 4, Prog: -1},
}

// wantLayout lays tcp_congestion_ops out with bpfc's btf package.
func wantLayout(t *testing.T, spec *btf.Spec) *StructOpsLayout {
	t.Helper()
	find := func(name string) *btf.Type {
		for _, id := range spec.FindByNameKind(name, btf.KindStruct) {
			if ty, err := spec.Type(id); err == nil && ty.Kind == btf.KindStruct {
				return ty
			}
		}
		t.Fatalf("no struct %s", name)
		return nil
	}
	value, ops := find("bpf_struct_ops_tcp_congestion_ops"), find("tcp_congestion_ops")
	data := value.Members[len(value.Members)-1].BitOffset / 8
	l := &StructOpsLayout{ValueSize: value.Size}
	for _, mem := range tcpCAMembers {
		for i, m := range ops.Members {
			if m.Name == mem.Name {
				l.Indices = append(l.Indices, i)
				l.Offsets = append(l.Offsets, data+m.BitOffset/8)
			}
		}
	}
	return l
}

func TestKernelLayout(t *testing.T) {
	so := &StructOpsSpec{Type: "tcp_congestion_ops", Members: tcpCAMembers}
	raw, err := os.ReadFile("../../../testdata/btf/kernel_st.btf")
	if err != nil {
		t.Fatal(err)
	}
	k := &kbtf{types: []ktype{{}}, names: map[string][]int{}}
	if err := k.parse(raw, nil); err != nil {
		t.Fatal(err)
	}
	spec, err := btf.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.structOpsLayout(so)
	if err != nil {
		t.Fatal(err)
	}
	want := wantLayout(t, spec)
	if got.ValueSize != 256 || !equalLayout(got, want) {
		t.Errorf("kernel S: %+v, want %+v", got, want)
	}

	testutil.RequireKernel(t)
	got, err = KernelStructOpsLayout(so)
	if err != nil {
		t.Fatal(err)
	}
	vmlinux, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	if want := wantLayout(t, vmlinux); !equalLayout(got, want) {
		t.Errorf("running kernel: %+v, want %+v", got, want)
	}
}

func equalLayout(a, b *StructOpsLayout) bool {
	if a.ValueSize != b.ValueSize || len(a.Indices) != len(b.Indices) {
		return false
	}
	for i := range a.Indices {
		if a.Indices[i] != b.Indices[i] || a.Offsets[i] != b.Offsets[i] {
			return false
		}
	}
	return true
}

// TestLayoutMove moves data members between layouts and leaves function
// pointers zero.
func TestLayoutMove(t *testing.T) {
	so := &StructOpsSpec{Type: "t", Value: make([]byte, 32), Members: []StructOpsMember{
		{Name: "fn", Index: 0, Offset: 8, Size: 8, Prog: 0},
		{Name: "flags", Index: 1, Offset: 16, Size: 4, Prog: -1},
		{Name: "name", Index: 2, Offset: 20, Size: 4, Prog: -1},
	}}
	value := bytes.Repeat([]byte{0xff}, 32)
	copy(value[16:], []byte{1, 2, 3, 4, 'a', 'b', 'c', 0})
	l := &StructOpsLayout{ValueSize: 32, Indices: []int{2, 0, 1}, Offsets: []uint32{24, 8, 12}}
	if l.same(so) {
		t.Error("same layout")
	}
	got, err := l.move(so, value)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 32)
	copy(want[8:], []byte{1, 2, 3, 4, 'a', 'b', 'c', 0})
	if !bytes.Equal(got, want) {
		t.Errorf("moved\n% x\nwant\n% x", got, want)
	}
	v, err := (&Spec{Maps: []MapSpec{{Name: "m", StructOps: so}}}).StructOpsValue(0, value, l, []int{7})
	if err != nil {
		t.Fatal(err)
	}
	copy(want[24:], []byte{7, 0, 0, 0, 0, 0, 0, 0})
	if !bytes.Equal(v, want) {
		t.Errorf("value\n% x\nwant\n% x", v, want)
	}
}

func TestLayoutRefusals(t *testing.T) {
	raw, err := os.ReadFile("../../../testdata/btf/kernel_st.btf")
	if err != nil {
		t.Fatal(err)
	}
	k := &kbtf{types: []ktype{{}}, names: map[string][]int{}}
	if err := k.parse(raw, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		so  *StructOpsSpec
		msg string
	}{
		{&StructOpsSpec{Type: "bpfc_no_such_ops"}, "the kernel has no struct bpf_struct_ops_bpfc_no_such_ops"},
		{&StructOpsSpec{Type: "tcp_congestion_ops", Members: []StructOpsMember{{Name: "bpfc_hook", Size: 8, Prog: 0}}}, "the kernel's struct tcp_congestion_ops has no member bpfc_hook"},
		{&StructOpsSpec{Type: "tcp_congestion_ops", Members: []StructOpsMember{{Name: "flags", Size: 8, Prog: -1}}}, "member flags of the kernel's struct tcp_congestion_ops is 4 bytes, the loader's 8"},
	} {
		_, err := k.structOpsLayout(tc.so)
		if !errors.Is(err, ErrStructOpsLayout) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %q", tc.so.Type, err, tc.msg)
		}
	}
	for _, bad := range [][]byte{nil, raw[:10], append([]byte{0, 0}, raw[2:]...)} {
		k := &kbtf{types: []ktype{{}}, names: map[string][]int{}}
		if err := k.parse(bad, nil); err == nil {
			t.Errorf("parse of %d bad bytes succeeded", len(bad))
		}
	}
}
