// This file tests the externs pass on hand-built objects against a fake
// target: kconfig values of every type, the virtual LINUX_* externs, typed
// and typeless ksyms, kfuncs in vmlinux and modules, weak externs, type
// mismatches, and defer mode.

package passes

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime"
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

func TestExternsKconfigValues(t *testing.T) {
	tests := []struct {
		name, typ, value string
		want             []byte
		err              error
	}{
		{"bool y", "bool", "y", []byte{1}, nil},
		{"bool n", "bool", "n", []byte{0}, nil},
		{"bool m", "bool", "m", nil, ErrExternIncompatible},
		{"bool number", "bool", "1", nil, ErrExternIncompatible},
		{"tristate y", "tristate", "y", le(4, 1), nil},
		{"tristate m", "tristate", "m", le(4, 2), nil},
		{"tristate n", "tristate", "n", le(4, 0), nil},
		{"tristate number", "tristate", "2", nil, ErrExternIncompatible},
		{"char y", "char", "y", []byte{'y'}, nil},
		{"char m", "char", "m", []byte{'m'}, nil},
		{"char number", "char", "65", []byte{65}, nil},
		{"char too big", "char", "200", nil, ErrExternIncompatible},
		{"char negative", "char", "-1", []byte{0xff}, nil},
		{"u8 200", "u8", "200", []byte{200}, nil},
		{"u8 256", "u8", "256", nil, ErrExternIncompatible},
		{"int decimal", "int", "250", le(4, 250), nil},
		{"int hex", "int", "0x10", le(4, 16), nil},
		{"int octal", "int", "010", le(4, 8), nil},
		{"int zero", "int", "0", le(4, 0), nil},
		{"int negative", "int", "-5", le(4, 0xfffffffb), nil},
		{"int min", "int", "-2147483648", le(4, 0x80000000), nil},
		{"int too small", "int", "-2147483649", nil, ErrExternIncompatible},
		{"int max", "int", "2147483647", le(4, 0x7fffffff), nil},
		{"int too big", "int", "2147483648", nil, ErrExternIncompatible},
		{"unsigned max", "unsigned int", "0xffffffff", le(4, 0xffffffff), nil},
		{"unsigned negative", "unsigned int", "-1", nil, ErrExternIncompatible},
		{"unsigned too big", "unsigned int", "0x100000000", nil, ErrExternIncompatible},
		{"short", "short", "-300", le(2, 0xfed4), nil},
		{"short too big", "short", "70000", nil, ErrExternIncompatible},
		{"u64 max", "u64", "0xffffffffffffffff", le(8, ^uint64(0)), nil},
		{"u64 overflow", "u64", "0x10000000000000000", nil, ErrExternIncompatible},
		{"s64 negative", "s64", "-1", le(8, ^uint64(0)), nil},
		{"int garbage", "int", "12abc", nil, ErrExternIncompatible},
		{"int underscore", "int", "1_000", nil, ErrExternIncompatible},
		{"int from y", "int", "y", nil, ErrExternIncompatible},
		{"int from string", "int", `"5"`, nil, ErrExternIncompatible},
		{"string", "char16", `"(none)"`, append([]byte("(none)"), make([]byte, 10)...), nil},
		{"string empty", "char16", `""`, make([]byte, 16), nil},
		{"string truncated", "char4", `"abcdef"`, []byte{'a', 'b', 'c', 0}, nil},
		{"string exact fit", "char4", `"abc"`, []byte{'a', 'b', 'c', 0}, nil},
		{"string unterminated", "char16", `"abc`, nil, ErrExternIncompatible},
		{"string into int", "int", `"abc"`, nil, ErrExternIncompatible},
		{"number into string", "char16", "5", nil, ErrExternIncompatible},
		{"enum not tristate", "other_enum", "y", nil, ErrNotSupported},
		{"const int", "const int", "7", le(4, 7), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := newObjBuilder().kconfigVar("CONFIG_X", tt.typ, false).finish(t)
			tg := testTarget()
			tg.kc = map[string]string{"CONFIG_X": tt.value}
			err := runExterns(&Context{Target: tg}, obj)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				if !strings.Contains(err.Error(), "extern CONFIG_X (.kconfig)") {
					t.Errorf("error %q does not name the extern", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			e := obj.Externs[0]
			if e.State != ir.Resolved || e.Missing || !bytes.Equal(e.Value, tt.want) {
				t.Fatalf("extern: state %s missing %v value % x, want resolved % x", e.State, e.Missing, e.Value, tt.want)
			}
			m, _ := obj.Map(kconfigSec)
			if got := m.Data[e.Offset : e.Offset+e.Size]; !bytes.Equal(got, tt.want) {
				t.Errorf(".kconfig data % x, want % x", got, tt.want)
			}
		})
	}
}

func TestExternsKconfigLayoutAndRelocs(t *testing.T) {
	b := newObjBuilder().
		kconfigVar("CONFIG_HZ", "int", false).
		kconfigVar("CONFIG_BPF_SYSCALL", "bool", false).
		kconfigVar("CONFIG_DEFAULT_HOSTNAME", "char16", false).
		kconfigVar("CONFIG_NET_CLS_BPF", "tristate", false).
		kconfigVar("CONFIG_MISSING", "u64", true).
		kconfigVar("LINUX_KERNEL_VERSION", "unsigned int", false)
	obj := b.finish(t)
	obj.Programs = []*ir.Program{{Function: ir.Function{Name: "prog", Section: "xdp", Code: ir.Code{
		Insns: irtest.Insns(ir.LdImm64(1, 0), ir.LdImm64(2, 0), ir.Exit()),
		Relocs: []*ir.Reloc{
			{Insn: 0, Kind: ir.RelocExtern, Symbol: "CONFIG_HZ"},
			{Insn: 2, Kind: ir.RelocExtern, Symbol: "CONFIG_DEFAULT_HOSTNAME", Offset: 3},
		},
	}}, Autoload: true}}
	if err := runExterns(&Context{Target: testTarget()}, obj); err != nil {
		t.Fatal(err)
	}
	if err := ir.Check(obj, ir.StageExterns); err != nil {
		t.Fatal(err)
	}
	m, _ := obj.Map(kconfigSec)
	want := map[string][]byte{
		"CONFIG_HZ":               le(4, 250),
		"CONFIG_BPF_SYSCALL":      {1},
		"CONFIG_DEFAULT_HOSTNAME": append([]byte("(none)"), make([]byte, 10)...),
		"CONFIG_NET_CLS_BPF":      le(4, 2),
		"CONFIG_MISSING":          le(8, 0),
		"LINUX_KERNEL_VERSION":    le(4, 6<<16|18<<8|44),
	}
	for name, w := range want {
		e := obj.Extern(name)
		if got := m.Data[e.Offset : e.Offset+e.Size]; !bytes.Equal(got, w) {
			t.Errorf("%s at %d: % x, want % x", name, e.Offset, got, w)
		}
		if e.State != ir.Resolved {
			t.Errorf("%s: state %s", name, e.State)
		}
	}
	if e := obj.Extern("CONFIG_MISSING"); !e.Missing || e.Value != nil {
		t.Errorf("weak missing CONFIG_MISSING: missing %v value %v", e.Missing, e.Value)
	}
	if e := obj.Extern("CONFIG_HZ"); e.Missing || e.Note != "kconfig" {
		t.Errorf("CONFIG_HZ: missing %v note %q", e.Missing, e.Note)
	}
	rel := obj.Programs[0].Relocs
	hz, host := obj.Extern("CONFIG_HZ"), obj.Extern("CONFIG_DEFAULT_HOSTNAME")
	if rel[0].Kind != ir.RelocMapValue || rel[0].Symbol != kconfigSec || rel[0].Offset != int64(hz.Offset) {
		t.Errorf("CONFIG_HZ reference: %+v, want map_value .kconfig+%d", rel[0], hz.Offset)
	}
	if rel[1].Kind != ir.RelocMapValue || rel[1].Symbol != kconfigSec || rel[1].Offset != int64(host.Offset)+3 {
		t.Errorf("CONFIG_DEFAULT_HOSTNAME reference: %+v, want map_value .kconfig+%d", rel[1], host.Offset+3)
	}
	if rel[0].State != ir.Pending {
		t.Errorf("map value reference state %s, want pending for the maps pass", rel[0].State)
	}
}

func TestExternsKconfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		ext    string
		weak   bool
		target func(*fakeTarget)
		ctx    Context
		err    error
		msg    string
	}{
		{name: "missing strong", ext: "CONFIG_NOPE", err: ErrExternNotFound, msg: "extern CONFIG_NOPE (.kconfig): not found in the kernel config"},
		{name: "no config weak", ext: "CONFIG_NOPE", weak: true, target: func(f *fakeTarget) { f.kcErr = errors.New("no config anywhere") }, msg: "reading the kernel config: no config anywhere"},
		{name: "unknown virtual", ext: "LINUX_NOPE", err: ErrExternNotFound, msg: "virtual extern"},
		{name: "no prefix weak", ext: "NOPE", weak: true, err: ErrExternNotFound},
		{name: "no target", ext: "CONFIG_HZ", ctx: Context{Defer: true}, msg: "no target kernel"},
		{name: "version zero", ext: "LINUX_KERNEL_VERSION", target: func(f *fakeTarget) { f.version = 0 }, err: ErrExternNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := newObjBuilder().kconfigVar(tt.ext, "int", tt.weak).finish(t)
			ctx := tt.ctx
			if ctx.Target == nil && tt.name != "no target" {
				tg := testTarget()
				if tt.target != nil {
					tt.target(tg)
				}
				ctx.Target = tg
			}
			err := runExterns(&ctx, obj)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v", err, tt.err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestExternsVirtual(t *testing.T) {
	tests := []struct {
		name           string
		target         *fakeTarget
		cookie, wrap   byte
		cookieNote     string
		missingUnknown bool
	}{
		{"btf has both", testTarget(), 1, 1, "target BTF has BPF_FUNC_get_attach_cookie", true},
		{"btf has neither", &fakeTarget{vmlinux: kernelSpec(false, false), version: 6 << 16}, 0, 0, "target BTF has no BPF_FUNC_get_attach_cookie", true},
		{"no btf new kernel", &fakeTarget{version: 5<<16 | 15<<8}, 1, 0, "kernel version >= 5.15", true},
		{"no btf old kernel", &fakeTarget{version: 5<<16 | 14<<8, syms: map[string]uint64{}}, 0, 0, "kernel version >= 5.15", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := newObjBuilder().
				kconfigVar("LINUX_HAS_BPF_COOKIE", "bool", false).
				kconfigVar("LINUX_HAS_SYSCALL_WRAPPER", "bool", false).
				kconfigVar("LINUX_BPFC_FUTURE", "int", true).
				finish(t)
			if err := runExterns(&Context{Target: tt.target}, obj); err != nil {
				t.Fatal(err)
			}
			c, w := obj.Extern("LINUX_HAS_BPF_COOKIE"), obj.Extern("LINUX_HAS_SYSCALL_WRAPPER")
			if !bytes.Equal(c.Value, []byte{tt.cookie}) || !strings.Contains(c.Note, tt.cookieNote) {
				t.Errorf("LINUX_HAS_BPF_COOKIE = % x (%s), want %d (%s)", c.Value, c.Note, tt.cookie, tt.cookieNote)
			}
			if !bytes.Equal(w.Value, []byte{tt.wrap}) {
				t.Errorf("LINUX_HAS_SYSCALL_WRAPPER = % x (%s), want %d", w.Value, w.Note, tt.wrap)
			}
			if f := obj.Extern("LINUX_BPFC_FUTURE"); !f.Missing || f.State != ir.Resolved {
				t.Errorf("weak unknown virtual extern: state %s missing %v", f.State, f.Missing)
			}
		})
	}
}

func TestExternsSyscallWrapperKallsyms(t *testing.T) {
	pfx, ok := syscallPrefixes[runtime.GOARCH]
	if !ok {
		t.Skip("no syscall wrapper prefix for this architecture")
	}
	obj := newObjBuilder().kconfigVar("LINUX_HAS_SYSCALL_WRAPPER", "bool", false).finish(t)
	tg := &fakeTarget{version: 6 << 16, syms: map[string]uint64{"__" + pfx + "_sys_bpf": 0xffffffff81234560}}
	if err := runExterns(&Context{Target: tg}, obj); err != nil {
		t.Fatal(err)
	}
	if e := obj.Externs[0]; !bytes.Equal(e.Value, []byte{1}) || !strings.Contains(e.Note, "kallsyms") {
		t.Errorf("LINUX_HAS_SYSCALL_WRAPPER = % x (%s), want 1 from kallsyms", e.Value, e.Note)
	}
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
			"extern bpfc_nope (.ksyms): no VAR bpfc_nope in kernel BTF"},
		{"typed incompatible", func(b *objBuilder) { b.ksym("runqueues", "int", false) }, ErrExternIncompatible,
			"declared as [1] int, but vmlinux has"},
		{"typed incompatible weak", func(b *objBuilder) { b.ksym("bpf_prog_active", "struct rq", true) }, ErrExternIncompatible,
			"struct rq, but vmlinux has"},
		{"typeless missing", func(b *objBuilder) { b.ksym("bpfc_nope", "", false) }, ErrExternNotFound,
			"extern bpfc_nope (.ksyms): not in kallsyms"},
		{"typeless hidden", func(b *objBuilder) { b.ksym("hidden", "", false) }, ErrExternNotFound, "address 0"},
		{"kfunc missing", func(b *objBuilder) { b.kfunc("bpfc_nope", "proto int(int)", false) }, ErrExternNotFound,
			"no FUNC bpfc_nope in kernel or module BTF"},
		{"function without __ksym missing", func(b *objBuilder) { b.externFunc("helper_elsewhere") }, ErrExternNotFound,
			"extern helper_elsewhere (a function declared without __ksym): no FUNC helper_elsewhere in kernel or module BTF, and bpfc does not link BPF objects together"},
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

func TestExternsWeakKconfigZeroesData(t *testing.T) {
	obj := newObjBuilder().kconfigVar("CONFIG_NOPE", "u64", true).kconfigVar("CONFIG_HZ", "int", false).finish(t)
	m, _ := obj.Map(kconfigSec)
	m.Data = bytes.Repeat([]byte{0xaa}, int(m.ValueSize))
	if err := runExterns(&Context{Target: testTarget()}, obj); err != nil {
		t.Fatal(err)
	}
	e := obj.Extern("CONFIG_NOPE")
	if got := m.Data[e.Offset : e.Offset+e.Size]; !bytes.Equal(got, make([]byte, 8)) || !e.Missing {
		t.Errorf("weak missing CONFIG_NOPE: data % x missing %v, want zeroes", got, e.Missing)
	}
}
