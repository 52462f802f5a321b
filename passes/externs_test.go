// This file tests the externs pass on hand-built objects against a fake
// target (kept here, with the object builder, for kconfig_test.go too):
// typed and typeless ksyms, kfuncs in vmlinux and modules, weak externs,
// type mismatches, and defer mode.

package passes

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/core"
)

// fakeTarget is a Target answering from memory.
type fakeTarget struct {
	vmlinux *btf.Spec
	btfErr  error
	mods    map[string]*btf.Spec
	kc      map[string]string
	kcErr   error
	version uint32
	syms    map[string]uint64
	symErr  error
}

func (f *fakeTarget) BTF() (*btf.Spec, error) {
	if f.vmlinux == nil && f.btfErr == nil {
		return nil, errors.New("fake: no BTF")
	}
	return f.vmlinux, f.btfErr
}
func (f *fakeTarget) ModuleBTFs() (map[string]*btf.Spec, error) { return f.mods, nil }
func (f *fakeTarget) Kconfig() (map[string]string, error)       { return f.kc, f.kcErr }
func (f *fakeTarget) KernelVersion() (uint32, error)            { return f.version, nil }
func (f *fakeTarget) Kallsyms(name string) (uint64, bool, error) {
	if f.symErr != nil {
		return 0, false, f.symErr
	}
	a, ok := f.syms[name]
	return a, ok, nil
}

// kernelSpec builds a small vmlinux BTF: the bpf_func_id enum (with or
// without the attach cookie helper), a syscall wrapper FUNC (optional),
// struct rq and task_struct, the VARs runqueues and bpf_prog_active, and
// the kfuncs bpf_task_acquire(struct task_struct *) and
// bpf_obj_drop_impl(void *, void *).
func kernelSpec(cookie, wrapper bool) *btf.Spec {
	s := btf.NewSpec()
	intID := s.Add(btf.Type{Kind: btf.KindInt, Name: "int", Size: 4, IntBits: 32, IntEncoding: btf.IntSigned})
	enums := []btf.EnumValue{{Name: "BPF_FUNC_unspec", Value: 0}, {Name: "BPF_FUNC_map_lookup_elem", Value: 1}}
	if cookie {
		enums = append(enums, btf.EnumValue{Name: "BPF_FUNC_get_attach_cookie", Value: 174})
	}
	s.Add(btf.Type{Kind: btf.KindEnum, Name: "bpf_func_id", Size: 4, Enums: enums})
	rq := s.Add(btf.Type{Kind: btf.KindStruct, Name: "rq", Size: 8, Members: []btf.Member{{Name: "cpu", Type: intID}}})
	s.Add(btf.Type{Kind: btf.KindVar, Name: "runqueues", Type: rq, Linkage: 1})
	s.Add(btf.Type{Kind: btf.KindVar, Name: "bpf_prog_active", Type: intID, Linkage: 1})
	task := s.Add(btf.Type{Kind: btf.KindStruct, Name: "task_struct", Size: 8, Members: []btf.Member{{Name: "pid", Type: intID}}})
	taskPtr := s.Add(btf.Type{Kind: btf.KindPtr, Type: task})
	acqProto := s.Add(btf.Type{Kind: btf.KindFuncProto, Type: taskPtr, Params: []btf.Param{{Name: "p", Type: taskPtr}}})
	s.Add(btf.Type{Kind: btf.KindFunc, Name: "bpf_task_acquire", Type: acqProto, Linkage: btf.LinkageGlobal})
	voidPtr := s.Add(btf.Type{Kind: btf.KindPtr})
	dropProto := s.Add(btf.Type{Kind: btf.KindFuncProto, Params: []btf.Param{{Name: "p", Type: voidPtr}, {Name: "meta", Type: voidPtr}}})
	s.Add(btf.Type{Kind: btf.KindFunc, Name: "bpf_obj_drop_impl", Type: dropProto, Linkage: btf.LinkageGlobal})
	if wrapper {
		sysProto := s.Add(btf.Type{Kind: btf.KindFuncProto, Type: intID})
		s.Add(btf.Type{Kind: btf.KindFunc, Name: "__x64_sys_bpf", Type: sysProto})
	}
	return s
}

// moduleSpec builds a module's BTF: a VAR nf_conntrack_count (int) and a
// kfunc bpf_testmod_kfunc(int) int.
func moduleSpec() *btf.Spec {
	s := btf.NewSpec()
	intID := s.Add(btf.Type{Kind: btf.KindInt, Name: "int", Size: 4, IntBits: 32, IntEncoding: btf.IntSigned})
	s.Add(btf.Type{Kind: btf.KindVar, Name: "nf_conntrack_count", Type: intID, Linkage: 1})
	proto := s.Add(btf.Type{Kind: btf.KindFuncProto, Type: intID, Params: []btf.Param{{Name: "x", Type: intID}}})
	s.Add(btf.Type{Kind: btf.KindFunc, Name: "bpf_testmod_kfunc", Type: proto, Linkage: btf.LinkageGlobal})
	return s
}

func testTarget() *fakeTarget {
	return &fakeTarget{
		vmlinux: kernelSpec(true, true),
		mods:    map[string]*btf.Spec{"bpf_testmod": moduleSpec()},
		kc: map[string]string{
			"CONFIG_BPF_SYSCALL":      "y",
			"CONFIG_NET_CLS_BPF":      "m",
			"CONFIG_HZ":               "250",
			"CONFIG_DEFAULT_HOSTNAME": `"(none)"`,
			"CONFIG_BPF_JIT":          "y",
		},
		version: 6<<16 | 18<<8 | 44,
		syms:    map[string]uint64{"_stext": 0xffffffff81000000, "hidden": 0},
	}
}

// objBuilder builds an object with externs and their BTF the way clang
// and the frontend describe them; finish runs the datasec pass.
type objBuilder struct {
	spec           *btf.Spec
	obj            *ir.Object
	kconfig, ksyms []btf.VarSecinfo
	types          map[string]btf.TypeID
}

func newObjBuilder() *objBuilder {
	s := btf.NewSpec()
	b := &objBuilder{spec: s, obj: &ir.Object{Name: "externs_test.o", ByteOrder: binary.LittleEndian, BTF: s}, types: map[string]btf.TypeID{}}
	add := func(name string, t btf.Type) { b.types[name] = s.Add(t) }
	add("int", btf.Type{Kind: btf.KindInt, Name: "int", Size: 4, IntBits: 32, IntEncoding: btf.IntSigned})
	add("unsigned int", btf.Type{Kind: btf.KindInt, Name: "unsigned int", Size: 4, IntBits: 32})
	add("short", btf.Type{Kind: btf.KindInt, Name: "short", Size: 2, IntBits: 16, IntEncoding: btf.IntSigned})
	add("u64", btf.Type{Kind: btf.KindInt, Name: "unsigned long long", Size: 8, IntBits: 64})
	add("s64", btf.Type{Kind: btf.KindInt, Name: "long long", Size: 8, IntBits: 64, IntEncoding: btf.IntSigned})
	add("bool", btf.Type{Kind: btf.KindInt, Name: "_Bool", Size: 1, IntBits: 8, IntEncoding: btf.IntBool})
	add("char", btf.Type{Kind: btf.KindInt, Name: "char", Size: 1, IntBits: 8, IntEncoding: btf.IntSigned})
	add("u8", btf.Type{Kind: btf.KindInt, Name: "unsigned char", Size: 1, IntBits: 8})
	add("tristate", btf.Type{Kind: btf.KindEnum, Name: "libbpf_tristate", Size: 4, Enums: []btf.EnumValue{{Name: "TRI_NO"}, {Name: "TRI_YES", Value: 1}, {Name: "TRI_MODULE", Value: 2}}})
	add("other_enum", btf.Type{Kind: btf.KindEnum, Name: "other", Size: 4, Enums: []btf.EnumValue{{Name: "A"}}})
	add("char16", btf.Type{Kind: btf.KindArray, Array: btf.Array{Type: b.types["char"], IndexType: b.types["int"], Nelems: 16}})
	add("char4", btf.Type{Kind: btf.KindArray, Array: btf.Array{Type: b.types["char"], IndexType: b.types["int"], Nelems: 4}})
	add("const int", btf.Type{Kind: btf.KindConst, Type: b.types["int"]})
	add("struct rq", btf.Type{Kind: btf.KindStruct, Name: "rq", Size: 4, Members: []btf.Member{{Name: "cpu", Type: b.types["int"]}}})
	add("const struct rq", btf.Type{Kind: btf.KindConst, Type: b.types["struct rq"]})
	add("struct task_struct", btf.Type{Kind: btf.KindStruct, Name: "task_struct", Size: 4, Members: []btf.Member{{Name: "pid", Type: b.types["int"]}}})
	add("task *", btf.Type{Kind: btf.KindPtr, Type: b.types["struct task_struct"]})
	add("void *", btf.Type{Kind: btf.KindPtr})
	add("proto acquire", btf.Type{Kind: btf.KindFuncProto, Type: b.types["task *"], Params: []btf.Param{{Type: b.types["task *"]}}})
	add("proto int(int)", btf.Type{Kind: btf.KindFuncProto, Type: b.types["int"], Params: []btf.Param{{Name: "x", Type: b.types["int"]}}})
	add("proto drop", btf.Type{Kind: btf.KindFuncProto, Params: []btf.Param{{Type: b.types["void *"]}, {Type: b.types["void *"]}}})
	add("proto drop1", btf.Type{Kind: btf.KindFuncProto, Params: []btf.Param{{Type: b.types["void *"]}}})
	return b
}

// kconfigVar declares `extern <typ> name __kconfig`.
func (b *objBuilder) kconfigVar(name, typ string, weak bool) *objBuilder {
	id := b.spec.Add(btf.Type{Kind: btf.KindVar, Name: name, Type: b.types[typ], Linkage: btf.LinkageExtern})
	b.kconfig = append(b.kconfig, btf.VarSecinfo{Type: id})
	b.obj.Externs = append(b.obj.Externs, &ir.Extern{Name: name, Kind: ir.ExternKconfig, Weak: weak, Section: kconfigSec, TypeID: id})
	return b
}

// ksym declares `extern <typ> name __ksym`; typ "" is void (typeless).
func (b *objBuilder) ksym(name, typ string, weak bool) *objBuilder {
	var tid btf.TypeID
	if typ != "" {
		tid = b.types[typ]
	}
	id := b.spec.Add(btf.Type{Kind: btf.KindVar, Name: name, Type: tid, Linkage: btf.LinkageExtern})
	b.ksyms = append(b.ksyms, btf.VarSecinfo{Type: id})
	b.obj.Externs = append(b.obj.Externs, &ir.Extern{Name: name, Kind: ir.ExternKsym, Weak: weak, Section: ksymsSec, TypeID: id, Typed: typ != ""})
	return b
}

// kfunc declares a kernel function with the given prototype.
func (b *objBuilder) kfunc(name, proto string, weak bool) *objBuilder {
	id := b.spec.Add(btf.Type{Kind: btf.KindFunc, Name: name, Type: b.types[proto], Linkage: btf.LinkageExtern})
	b.ksyms = append(b.ksyms, btf.VarSecinfo{Type: id})
	b.obj.Externs = append(b.obj.Externs, &ir.Extern{Name: name, Kind: ir.ExternKfunc, Weak: weak, Section: ksymsSec, TypeID: id, Typed: true})
	return b
}

// externFunc declares a function without __ksym (`int name(int)`) that
// the object calls: an extern FUNC in no DATASEC, as the frontend records
// it.
func (b *objBuilder) externFunc(name string) *objBuilder {
	id := b.spec.Add(btf.Type{Kind: btf.KindFunc, Name: name, Type: b.types["proto int(int)"], Linkage: btf.LinkageExtern})
	b.obj.Externs = append(b.obj.Externs, &ir.Extern{Name: name, Kind: ir.ExternKfunc, TypeID: id, Typed: true})
	return b
}

// finish adds the extern DATASECs and runs the datasec pass.
func (b *objBuilder) finish(t *testing.T) *ir.Object {
	t.Helper()
	if len(b.kconfig) > 0 {
		b.spec.Add(btf.Type{Kind: btf.KindDatasec, Name: kconfigSec, Vars: b.kconfig})
	}
	if len(b.ksyms) > 0 {
		b.spec.Add(btf.Type{Kind: btf.KindDatasec, Name: ksymsSec, Vars: b.ksyms})
	}
	if err := runDatasec(&Context{}, b.obj); err != nil {
		t.Fatalf("datasec: %v", err)
	}
	return b.obj
}

func le(size int, v uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, v)
	return b[:size]
}

// ksymObject declares one extern of every ksym kind and a program that
// references each.
func ksymObject(t *testing.T) *ir.Object {
	obj := newObjBuilder().
		ksym("runqueues", "const struct rq", false).
		ksym("nf_conntrack_count", "int", false).
		ksym("_stext", "", false).
		ksym("bpf_prog_fops", "", true).
		ksym("bpfc_no_such_rq", "struct rq", true).
		kfunc("bpf_task_acquire", "proto acquire", false).
		kfunc("bpf_obj_drop_impl___v2", "proto drop", false).
		kfunc("bpf_testmod_kfunc", "proto int(int)", false).
		kfunc("bpfc_no_such_kfunc", "proto int(int)", true).
		finish(t)
	kcall := ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall}
	obj.Programs = []*ir.Program{{Function: ir.Function{Name: "prog", Section: "syscall", Code: ir.Code{
		Insns: irtest.Insns(ir.LdImm64(1, 0), ir.LdImm64(2, 0), ir.LdImm64(3, 0), ir.LdImm64(4, 0), ir.LdImm64(5, 0), // 0..8
			kcall, kcall, kcall, kcall, ir.LdImm64(6, 0), ir.Exit()), // 10..13, 14
		Relocs: []*ir.Reloc{
			reloc(0, ir.RelocExtern, "runqueues"),
			reloc(2, ir.RelocExtern, "nf_conntrack_count"),
			reloc(4, ir.RelocExtern, "_stext"),
			reloc(6, ir.RelocExtern, "bpf_prog_fops"),
			reloc(8, ir.RelocExtern, "bpfc_no_such_rq"),
			reloc(10, ir.RelocExtern, "bpf_task_acquire"),
			reloc(11, ir.RelocExtern, "bpf_obj_drop_impl___v2"),
			reloc(12, ir.RelocExtern, "bpf_testmod_kfunc"),
			reloc(13, ir.RelocExtern, "bpfc_no_such_kfunc"),
			reloc(14, ir.RelocExtern, "bpfc_no_such_kfunc"),
		},
	}}, Autoload: true}}
	return obj
}

func TestExternsKsyms(t *testing.T) {
	tg := testTarget()
	obj := ksymObject(t)
	if err := runExterns(&Context{Target: tg}, obj); err != nil {
		t.Fatal(err)
	}
	if err := ir.Check(obj, ir.StageExterns); err != nil {
		t.Fatal(err)
	}
	vm, mod := tg.vmlinux, tg.mods["bpf_testmod"]
	id := func(s *btf.Spec, name string) uint32 { return uint32(s.FindByName(name)[0]) }
	tests := []struct {
		name    string
		btfID   uint32
		module  string
		addr    uint64
		missing bool
	}{
		{"runqueues", id(vm, "runqueues"), "", 0, false},
		{"nf_conntrack_count", id(mod, "nf_conntrack_count"), "bpf_testmod", 0, false},
		{"_stext", 0, "", 0xffffffff81000000, false},
		{"bpf_prog_fops", 0, "", 0, true},
		{"bpfc_no_such_rq", 0, "", 0, true},
		{"bpf_task_acquire", id(vm, "bpf_task_acquire"), "", 0, false},
		{"bpf_obj_drop_impl___v2", id(vm, "bpf_obj_drop_impl"), "", 0, false},
		{"bpf_testmod_kfunc", id(mod, "bpf_testmod_kfunc"), "bpf_testmod", 0, false},
		{"bpfc_no_such_kfunc", 0, "", 0, true},
	}
	for _, tt := range tests {
		e := obj.Extern(tt.name)
		if e.State != ir.Resolved || e.BTFID != tt.btfID || e.BTFModule != tt.module || e.Addr != tt.addr || e.Missing != tt.missing {
			t.Errorf("%s: state %s btf_id %d module %q addr %#x missing %v (%s); want resolved btf_id %d module %q addr %#x missing %v",
				tt.name, e.State, e.BTFID, e.BTFModule, e.Addr, e.Missing, e.Note, tt.btfID, tt.module, tt.addr, tt.missing)
		}
	}
	if e := obj.Extern("_stext"); !bytes.Equal(e.Value, le(8, 0xffffffff81000000)) {
		t.Errorf("_stext value % x", e.Value)
	}
	// Only the module kfunc takes a module slot.
	if len(obj.ModuleSlots) != 1 || obj.ModuleSlots[0] != "bpf_testmod" {
		t.Errorf("module slots %v, want [bpf_testmod]", obj.ModuleSlots)
	}
	wantKinds := []ir.RelocKind{ir.RelocKsym, ir.RelocKsym, ir.RelocKsym, ir.RelocKsym, ir.RelocKsym,
		ir.RelocKfunc, ir.RelocKfunc, ir.RelocKfunc, ir.RelocKfunc, ir.RelocKsym}
	for i, r := range obj.Programs[0].Relocs {
		if r.Kind != wantKinds[i] || r.State != ir.Pending || r.Symbol == kconfigSec {
			t.Errorf("reloc %d (%s): kind %s state %s, want pending %s", i, r.Symbol, r.Kind, r.State, wantKinds[i])
		}
	}
}

func TestExternsKsymErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(*objBuilder)
		err   error
		msg   string
	}{
		{"typed missing", func(b *objBuilder) { b.ksym("bpfc_nope", "int", false) }, ErrExternNotFound,
			"extern bpfc_nope (.ksyms): no VAR bpfc_nope in kernel BTF (searched vmlinux and module bpf_testmod)"},
		{"typed incompatible", func(b *objBuilder) { b.ksym("runqueues", "int", false) }, ErrExternIncompatible,
			"declared as [1] int, but vmlinux has"},
		{"typed incompatible weak", func(b *objBuilder) { b.ksym("bpf_prog_active", "struct rq", true) }, ErrExternIncompatible,
			"struct rq, but vmlinux has"},
		{"typeless missing", func(b *objBuilder) { b.ksym("bpfc_nope", "", false) }, ErrExternNotFound,
			"extern bpfc_nope (.ksyms): not in kallsyms"},
		{"typeless hidden", func(b *objBuilder) { b.ksym("hidden", "", false) }, ErrExternNotFound, "address 0"},
		{"kfunc missing", func(b *objBuilder) { b.kfunc("bpfc_nope", "proto int(int)", false) }, ErrExternNotFound,
			"no FUNC bpfc_nope in kernel or module BTF (searched vmlinux and module bpf_testmod)"},
		{"function without __ksym missing", func(b *objBuilder) { b.externFunc("helper_elsewhere") }, ErrExternNotFound,
			"extern helper_elsewhere (a function declared without __ksym): no FUNC helper_elsewhere in kernel or module BTF (searched vmlinux and module bpf_testmod), and no object linked with this one defines it"},
		{"kfunc param count", func(b *objBuilder) { b.kfunc("bpf_obj_drop_impl", "proto drop1", false) }, ErrExternIncompatible,
			"func_proto"},
		{"kfunc param type", func(b *objBuilder) { b.kfunc("bpf_task_acquire", "proto int(int)", false) }, ErrExternIncompatible,
			"incompatible with vmlinux"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newObjBuilder()
			tt.build(b)
			err := runExterns(&Context{Target: testTarget()}, b.finish(t))
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// An extern not found says which BTF was searched: vmlinux and the
// target's modules (six named), or that the target has none.
func TestExternsNotFoundSearched(t *testing.T) {
	many := map[string]*btf.Spec{}
	for _, m := range []string{"veth", "nf_conntrack", "cls_bpf", "sch_ingress", "nf_defrag_ipv4", "nf_defrag_ipv6", "libcrc32c", "bpf_testmod"} {
		many[m] = moduleSpec()
	}
	for _, tt := range []struct {
		name string
		mods map[string]*btf.Spec
		msg  string
	}{
		{"no modules", nil, "no FUNC bpfc_nope in kernel or module BTF (searched vmlinux only: the target has no module BTF)"},
		{"eight modules", many, "no FUNC bpfc_nope in kernel or module BTF (searched vmlinux and 8 modules: bpf_testmod, cls_bpf, libcrc32c, nf_conntrack, nf_defrag_ipv4, nf_defrag_ipv6 and 2 more)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tg := testTarget()
			tg.mods = tt.mods
			err := runExterns(&Context{Target: tg}, newObjBuilder().kfunc("bpfc_nope", "proto int(int)", false).finish(t))
			if !errors.Is(err, ErrExternNotFound) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v, want ErrExternNotFound containing %q", err, tt.msg)
			}
		})
	}
}

func TestExternsWeakIncompatibleKfunc(t *testing.T) {
	obj := newObjBuilder().kfunc("bpf_task_acquire", "proto int(int)", true).finish(t)
	if err := runExterns(&Context{Target: testTarget()}, obj); err != nil {
		t.Fatal(err)
	}
	if e := obj.Externs[0]; !e.Missing || e.State != ir.Resolved || !strings.Contains(e.Note, "incompatible") {
		t.Errorf("weak kfunc with another prototype: state %s missing %v note %q, want missing (libbpf leaves it unresolved)", e.State, e.Missing, e.Note)
	}
}

func TestExternsDefer(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  Context
	}{{"defer", Context{Defer: true, Target: testTarget()}}, {"no target", Context{}}} {
		t.Run(tc.name, func(t *testing.T) {
			obj := ksymObject(t)
			if err := runExterns(&tc.ctx, obj); err != nil {
				t.Fatal(err)
			}
			if err := ir.Check(obj, ir.StageExterns); err != nil {
				t.Fatal(err)
			}
			for _, e := range obj.Externs {
				want := noteDeferBTF
				if e.Kind == ir.ExternKsym && !e.Typed {
					want = noteDeferKallsyms
				}
				if e.State != ir.Deferred || e.Note != want || e.Missing || e.BTFID != 0 {
					t.Errorf("%s: state %s note %q missing %v btf_id %d, want deferred %q", e.Name, e.State, e.Note, e.Missing, e.BTFID, want)
				}
			}
			if len(obj.ModuleSlots) != 0 {
				t.Errorf("module slots %v in defer mode", obj.ModuleSlots)
			}
		})
	}
	// kconfig values are resolved even when deferring.
	obj := newObjBuilder().kconfigVar("CONFIG_HZ", "int", false).ksym("runqueues", "struct rq", false).finish(t)
	if err := runExterns(&Context{Defer: true, Target: testTarget()}, obj); err != nil {
		t.Fatal(err)
	}
	if e := obj.Extern("CONFIG_HZ"); e.State != ir.Resolved || !bytes.Equal(e.Value, le(4, 250)) {
		t.Errorf("CONFIG_HZ in defer mode: state %s value % x", e.State, e.Value)
	}
	if e := obj.Extern("runqueues"); e.State != ir.Deferred {
		t.Errorf("runqueues in defer mode: state %s", e.State)
	}
}

func TestExternsRelocErrors(t *testing.T) {
	tests := []struct {
		name string
		in   ir.Insn
		sym  string
		msg  string
	}{
		{"call to var", ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall}, "runqueues", "not a function"},
		{"call to kconfig", ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall}, "CONFIG_HZ", "not a function"},
		{"unknown extern", ir.Insn{Op: ir.OpLdImm64}, "nope", "unknown extern nope"},
		{"not ld_imm64", ir.Mov64Imm(1, 0), "runqueues", "neither ld_imm64 nor call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := newObjBuilder().kconfigVar("CONFIG_HZ", "int", false).ksym("runqueues", "const struct rq", false).finish(t)
			obj.Subprogs = []*ir.Function{{Name: "sub", Section: ".text", Code: ir.Code{
				Insns:  []ir.Insn{tt.in, {}, ir.Exit()},
				Relocs: []*ir.Reloc{reloc(0, ir.RelocExtern, tt.sym)},
			}}}
			err := runExterns(&Context{Target: testTarget()}, obj)
			if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "sub: insn 0") {
				t.Fatalf("error %v, want one about sub insn 0 containing %q", err, tt.msg)
			}
		})
	}
}

func TestTypesCompat(t *testing.T) {
	b := newObjBuilder()
	l := b.spec
	k := kernelSpec(true, true)
	tests := []struct {
		local  string
		target string
		want   bool
	}{
		{"struct rq", "runqueues", true},
		{"const struct rq", "runqueues", true},
		{"struct task_struct", "runqueues", true}, // names are not compared
		{"int", "runqueues", false},
		{"int", "bpf_prog_active", true},
		{"u64", "bpf_prog_active", true}, // any ints are compatible
		{"proto acquire", "bpf_task_acquire", true},
		{"proto int(int)", "bpf_task_acquire", false},
		{"proto drop", "bpf_obj_drop_impl", true},
		{"proto drop1", "bpf_obj_drop_impl", false},
	}
	for _, tt := range tests {
		tid := k.FindByName(tt.target)[0]
		tv, _ := k.Type(tid)
		target, _ := k.Skip(tv.Type)
		local, _ := l.Skip(b.types[tt.local])
		got, err := core.TypesAreCompat(l, local, k, target)
		if err != nil || got != tt.want {
			t.Errorf("%s vs %s: %v, %v; want %v", tt.local, tt.target, got, err, tt.want)
		}
	}
}

// announcingTarget is a fakeTarget that records WantKallsyms and Kallsyms
// calls in order.
type announcingTarget struct {
	*fakeTarget
	calls []string
}

func (a *announcingTarget) WantKallsyms(names ...string) {
	a.calls = append(a.calls, "want "+strings.Join(names, ","))
}

func (a *announcingTarget) Kallsyms(name string) (uint64, bool, error) {
	a.calls = append(a.calls, "ask "+name)
	return a.fakeTarget.Kallsyms(name)
}

// TestExternsAnnounceKallsyms checks that the pass announces every
// typeless ksym before it asks for the first (so that package target
// reads /proc/kallsyms once), and announces nothing when deferring.
func TestExternsAnnounceKallsyms(t *testing.T) {
	tg := &announcingTarget{fakeTarget: testTarget()}
	if err := runExterns(&Context{Target: tg}, ksymObject(t)); err != nil {
		t.Fatal(err)
	}
	want := []string{"want _stext,bpf_prog_fops", "ask _stext", "ask bpf_prog_fops"}
	if !slices.Equal(tg.calls, want) {
		t.Errorf("calls %q, want %q", tg.calls, want)
	}
	tg = &announcingTarget{fakeTarget: testTarget()}
	if err := runExterns(&Context{Target: tg, Defer: true}, ksymObject(t)); err != nil {
		t.Fatal(err)
	}
	if len(tg.calls) != 0 {
		t.Errorf("deferring: calls %q, want none", tg.calls)
	}
}
