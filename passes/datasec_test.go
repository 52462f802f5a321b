// This file tests the datasec pass: on hand-built BTF for ordinary
// datasecs, and on the committed objects for global data, .kconfig and
// .ksyms.

package passes

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/ir"
)

// dataObject has a .data DATASEC as clang leaves it: size 0, global VARs
// at 0 (a, hidden h), a static VAR s placed by clang at 8.
func dataObject(hiddenOnly bool) *ir.Object {
	spec := btf.NewSpec()
	i32 := spec.Add(btf.Type{Kind: btf.KindInt, Name: "int", Size: 4, IntBits: 32, IntEncoding: btf.IntSigned})
	a := spec.Add(btf.Type{Kind: btf.KindVar, Name: "a", Type: i32, Linkage: btf.LinkageGlobal})
	h := spec.Add(btf.Type{Kind: btf.KindVar, Name: "h", Type: i32, Linkage: btf.LinkageGlobal})
	s := spec.Add(btf.Type{Kind: btf.KindVar, Name: "s", Type: i32, Linkage: btf.LinkageStatic})
	vars := []btf.VarSecinfo{{Type: a, Size: 4}, {Type: h, Size: 4}, {Type: s, Offset: 8, Size: 4}}
	if hiddenOnly {
		vars = vars[1:]
	}
	sec := spec.Add(btf.Type{Kind: btf.KindDatasec, Name: ".data", Vars: vars})
	return &ir.Object{
		Name: "data.o",
		BTF:  spec,
		Maps: []*ir.Map{{Name: ".data", Kind: ir.MapData, Type: 2, KeySize: 4, ValueSize: 12, MaxEntries: 1,
			Flags: mapFMmapable, ValueType: sec, Data: make([]byte, 12)}},
		DataSections: []*ir.DataSection{{Name: ".data", Size: 12, Vars: []ir.DataVar{
			{Name: "h", Offset: 0, Size: 4, Hidden: true},
			{Name: "a", Offset: 4, Size: 4},
		}}},
	}
}

// secVars lists a DATASEC's entries as "name@offset/size".
func secVars(t *testing.T, spec *btf.Spec, name string) (uint32, []string) {
	t.Helper()
	for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
		if spec.TypeKind(id) != btf.KindDatasec || spec.TypeName(id) != name {
			continue
		}
		sec, err := spec.Type(id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range sec.Vars {
			out = append(out, spec.TypeName(v.Type)+"@"+itoa(v.Offset)+"/"+itoa(v.Size))
		}
		return sec.Size, out
	}
	t.Fatalf("no DATASEC %s", name)
	return 0, nil
}

func itoa(v uint32) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}

func varLinkage(t *testing.T, spec *btf.Spec, name string) uint32 {
	t.Helper()
	for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
		if spec.TypeKind(id) == btf.KindVar && spec.TypeName(id) == name {
			v, err := spec.Type(id)
			if err != nil {
				t.Fatal(err)
			}
			return v.Linkage
		}
	}
	t.Fatalf("no VAR %s", name)
	return 0
}

func TestDatasecData(t *testing.T) {
	obj := dataObject(false)
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	size, vars := secVars(t, obj.BTF, ".data")
	if size != 12 {
		t.Errorf("size %d, want 12", size)
	}
	if diff := cmp.Diff([]string{"h@0/4", "a@4/4", "s@8/4"}, vars); diff != "" {
		t.Errorf("vars (-want +got):\n%s", diff)
	}
	if l := varLinkage(t, obj.BTF, "h"); l != btf.LinkageStatic {
		t.Errorf("hidden VAR h has linkage %d, want static", l)
	}
	if l := varLinkage(t, obj.BTF, "a"); l != btf.LinkageGlobal {
		t.Errorf("VAR a has linkage %d, want global", l)
	}
	if obj.Maps[0].Flags&mapFMmapable == 0 {
		t.Error(".data with a global VAR lost BPF_F_MMAPABLE")
	}

	// Only hidden and static variables: libbpf does not mmap the map.
	obj = dataObject(true)
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	if obj.Maps[0].Flags&mapFMmapable != 0 {
		t.Error(".data with only static VARs is still BPF_F_MMAPABLE")
	}
}

func TestDatasecErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*ir.Object)
		substr string
	}{
		{"no symbol", func(o *ir.Object) { o.DataSections[0].Vars = o.DataSections[0].Vars[:1] }, "VAR a: no ELF symbol"},
		{"no size", func(o *ir.Object) { o.DataSections = nil; o.Maps = nil }, "cannot determine the section size"},
		{"var outside", func(o *ir.Object) { o.DataSections[0].Vars[1].Offset = 10 }, "does not fit the 12-byte section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := dataObject(false)
			tt.edit(obj)
			err := runDatasec(&Context{}, obj)
			if err == nil || !strings.Contains(err.Error(), tt.substr) || !strings.Contains(err.Error(), "datasec .data") {
				t.Errorf("error %v, want one about datasec .data with %q", err, tt.substr)
			}
		})
	}
}

// TestDatasecSizeFromMap: without section information the size comes from
// the data map, and already sized DATASECs (bpftool-linked objects) keep
// their offsets.
func TestDatasecSized(t *testing.T) {
	obj := dataObject(false)
	obj.DataSections[0].Size = 0
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	if size, _ := secVars(t, obj.BTF, ".data"); size != 12 {
		t.Errorf("size %d, want 12 from the map", size)
	}
	obj = dataObject(false)
	sec, _ := obj.BTF.Type(obj.Maps[0].ValueType)
	c := sec.Copy()
	c.Size = 12
	c.Vars[0].Offset = 8 // linker-placed, trusted
	c.Vars[2].Offset = 0
	if err := obj.BTF.Set(obj.Maps[0].ValueType, c); err != nil {
		t.Fatal(err)
	}
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	if _, vars := secVars(t, obj.BTF, ".data"); !cmp.Equal(vars, []string{"h@0/4", "s@0/4", "a@8/4"}) {
		t.Errorf("vars %v: offsets of a sized DATASEC were changed", vars)
	}
}

func openTestObject(t *testing.T, name string) *ir.Object {
	t.Helper()
	obj, err := elf.Open("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func TestDatasecGlobals(t *testing.T) {
	obj := openTestObject(t, "xdp_globals.o")
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sec  string
		size uint32
		vars []string
	}{
		{".rodata", 28, []string{"rodata_mul@0/4", "rodata_enabled@4/1", "rodata_mode@8/4", "rodata_name@12/16"}},
		{".rodata.cfg", 4, []string{"cfg_factor@0/4"}},
		{".data", 16, []string{"data_base@0/4", "data_wide@8/8"}},
		{".bss", 24, []string{"bss_runs@0/4", "bss_result@4/4", "bss_pkt_len@8/4", "bss_name_len@12/4", "bss_wide_copy@16/8"}},
		{"license", 4, []string{"LICENSE@0/4"}},
	}
	for _, tt := range tests {
		size, vars := secVars(t, obj.BTF, tt.sec)
		if size != tt.size {
			t.Errorf("%s: size %d, want %d", tt.sec, size, tt.size)
		}
		if diff := cmp.Diff(tt.vars, vars); diff != "" {
			t.Errorf("%s vars (-want +got):\n%s", tt.sec, diff)
		}
	}
}

func TestDatasecExterns(t *testing.T) {
	obj := openTestObject(t, "externs.o")
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	spec := obj.BTF
	// .kconfig: libbpf's order (alignment desc, size asc, name), as
	// bpftool's skeleton of this object lays it out.
	size, vars := secVars(t, spec, kconfigSec)
	want := []string{
		"CONFIG_BPFC_NO_SUCH_INT@0/4", "CONFIG_BPFC_NO_SUCH_TRISTATE@4/4", "CONFIG_HZ@8/4",
		"CONFIG_NET_CLS_BPF@12/4", "CONFIG_NR_CPUS@16/4", "LINUX_KERNEL_VERSION@20/4",
		"CONFIG_BPFC_NO_SUCH_BOOL@24/1", "CONFIG_BPF_JIT@25/1", "CONFIG_BPF_SYSCALL@26/1",
		"LINUX_HAS_BPF_COOKIE@27/1", "LINUX_HAS_SYSCALL_WRAPPER@28/1", "CONFIG_DEFAULT_HOSTNAME@29/16",
	}
	if size != 45 {
		t.Errorf(".kconfig size %d, want 45", size)
	}
	if diff := cmp.Diff(want, vars); diff != "" {
		t.Errorf(".kconfig vars (-want +got):\n%s", diff)
	}
	if e := obj.Extern("CONFIG_DEFAULT_HOSTNAME"); e.Offset != 29 || e.Size != 16 {
		t.Errorf("CONFIG_DEFAULT_HOSTNAME at %d size %d, want 29 and 16", e.Offset, e.Size)
	}
	m, idx := obj.Map(kconfigSec)
	if m == nil || idx != len(obj.Maps)-1 {
		t.Fatalf(".kconfig map %v at %d, want the last map", m, idx)
	}
	if m.Kind != ir.MapKconfig || m.Type != mapTypeArray || m.KeySize != 4 || m.ValueSize != 45 || m.MaxEntries != 1 ||
		m.Flags != mapFRdonlyProg|mapFMmapable || !m.ReadOnly || spec.TypeName(m.ValueType) != kconfigSec {
		t.Errorf(".kconfig map: %+v", m)
	}
	if l := varLinkage(t, spec, "CONFIG_HZ"); l != varGlobalAlloc {
		t.Errorf("kconfig VAR linkage %d, want global allocated", l)
	}

	// .ksyms: 4-byte int slots; FUNCs replaced by dummy_ksym in the datasec.
	size, vars = secVars(t, spec, ksymsSec)
	if size != uint32(4*len(vars)) {
		t.Errorf(".ksyms size %d for %d entries", size, len(vars))
	}
	for i, v := range vars {
		if !strings.HasSuffix(v, "@"+itoa(uint32(4*i))+"/4") {
			t.Errorf(".ksyms entry %d is %s, want offset %d size 4", i, v, 4*i)
		}
	}
	for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
		ty, err := spec.Type(id)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case ty.Kind == btf.KindVar && ty.Linkage == btf.LinkageExtern:
			t.Errorf("VAR %s still has extern linkage", ty.Name)
		case ty.Kind == btf.KindFunc && ty.Linkage == btf.LinkageExtern:
			t.Errorf("FUNC %s still has extern linkage", ty.Name)
		}
	}
	for _, name := range []string{"_stext", "bpfc_no_such_rq"} {
		v, _ := spec.Type(obj.Extern(name).TypeID)
		if spec.TypeName(v.Type) != "int" || v.Linkage != varGlobalAlloc {
			t.Errorf("ksym VAR %s: type %s linkage %d, want int, global allocated", name, spec.TypeName(v.Type), v.Linkage)
		}
	}
	// The declared types survive in LocalType.
	if e := obj.Extern("bpfc_no_such_rq"); spec.TypeKind(e.LocalType) != btf.KindStruct || spec.TypeName(e.LocalType) != "rq" {
		t.Errorf("bpfc_no_such_rq LocalType %d (%s %s), want struct rq", e.LocalType, spec.TypeKind(e.LocalType), spec.TypeName(e.LocalType))
	}
	if e := obj.Extern("_stext"); e.LocalType != 0 {
		t.Errorf("typeless _stext LocalType %d, want 0 (void)", e.LocalType)
	}
	e := obj.Extern("bpf_obj_drop_impl")
	if spec.TypeKind(e.LocalType) != btf.KindFuncProto {
		t.Fatalf("kfunc LocalType %d is a %s, want func_proto", e.LocalType, spec.TypeKind(e.LocalType))
	}
	proto, _ := spec.Type(e.LocalType)
	for i, p := range proto.Params {
		if p.Name == "" {
			t.Errorf("kfunc bpf_obj_drop_impl parameter %d has no name", i)
		}
	}
}

func TestDatasecNoBTF(t *testing.T) {
	obj := &ir.Object{Externs: []*ir.Extern{{Name: "CONFIG_HZ", Kind: ir.ExternKconfig}}}
	if err := runDatasec(&Context{}, obj); !errors.Is(err, ErrNotSupported) {
		t.Errorf("externs without BTF: %v, want ErrNotSupported", err)
	}
	if err := runDatasec(&Context{}, &ir.Object{}); err != nil {
		t.Errorf("object without BTF nor externs: %v", err)
	}
}

// TestDatasecKfuncWithoutKsym: a kfunc declared without __ksym has an
// extern FUNC in BTF and no .ksyms DATASEC; the kernel refuses extern
// linkage and unnamed parameters, so the pass fixes both.
func TestDatasecKfuncWithoutKsym(t *testing.T) {
	spec := btf.NewSpec()
	i32 := spec.Add(btf.Type{Kind: btf.KindInt, Name: "int", Size: 4, IntBits: 32, IntEncoding: btf.IntSigned})
	proto := spec.Add(btf.Type{Kind: btf.KindFuncProto, Type: i32, Params: []btf.Param{{Type: i32}}})
	fn := spec.Add(btf.Type{Kind: btf.KindFunc, Name: "bpf_kfunc", Type: proto, Linkage: btf.LinkageExtern})
	obj := &ir.Object{
		Name:    "kfunc.o",
		BTF:     spec,
		Externs: []*ir.Extern{{Name: "bpf_kfunc", Kind: ir.ExternKfunc, Section: ksymsSec, TypeID: fn, Typed: true, State: ir.Pending}},
	}
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	if ft, _ := spec.Type(fn); ft.Linkage != btf.LinkageGlobal {
		t.Errorf("FUNC linkage %d, want global", ft.Linkage)
	}
	if pt, _ := spec.Type(proto); pt.Params[0].Name != dummyKsymName {
		t.Errorf("parameter name %q, want %q", pt.Params[0].Name, dummyKsymName)
	}
	if e := obj.Externs[0]; e.LocalType != proto {
		t.Errorf("LocalType %d, want the prototype %d", e.LocalType, proto)
	}
}

// TestDatasecHiddenFuncs checks that hidden_funcs.o's hidden global
// subprograms (its own and usdt.bpf.h's) get static FUNCs, and that the
// plain global subprogram and the programs keep global linkage.
func TestDatasecHiddenFuncs(t *testing.T) {
	obj, err := elf.Open("../testdata/hidden_funcs.o")
	if err != nil {
		t.Fatal(err)
	}
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	want := map[string]uint32{
		"bpf_usdt_arg_cnt": btf.LinkageStatic, "bpf_usdt_arg": btf.LinkageStatic, "bpf_usdt_cookie": btf.LinkageStatic,
		"add_len": btf.LinkageStatic, "scale": btf.LinkageStatic,
		"plus_one": btf.LinkageGlobal, "usdt_probe": btf.LinkageGlobal, "hidden_prog": btf.LinkageGlobal,
	}
	for name, l := range want {
		ids := obj.BTF.FindByNameKind(name, btf.KindFunc)
		if len(ids) != 1 {
			t.Fatalf("FUNC %s: ids %v", name, ids)
		}
		f, err := obj.BTF.Type(ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if f.Linkage != l {
			t.Errorf("FUNC %s: linkage %d, want %d", name, f.Linkage, l)
		}
	}
}

// TestDatasecQuestionMark: a DATASEC named after a "?" section (libbpf's
// not-created-by-default struct_ops maps) is laid out like any other; its
// name stays (the backends write it with '_' for kernels before 6.9,
// which refuse it).
func TestDatasecQuestionMark(t *testing.T) {
	obj := openTestObject(t, "structops_cc.o")
	if err := runDatasec(&Context{}, obj); err != nil {
		t.Fatal(err)
	}
	ids := obj.BTF.FindByNameKind("?.struct_ops", btf.KindDatasec)
	if len(ids) != 1 {
		t.Fatalf("DATASEC ?.struct_ops: %v", ids)
	}
	if ds, err := obj.BTF.Type(ids[0]); err != nil || ds.Size != 64 || len(ds.Vars) != 1 {
		t.Errorf("?.struct_ops: %+v, %v", ds, err)
	}
}
