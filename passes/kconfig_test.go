// This file tests the .kconfig externs (kconfig.go) through the externs
// pass on hand-built objects against the fake target of externs_test.go:
// values of every type and their range checks, the layout in the .kconfig
// map, the virtual LINUX_* externs and weak misses.

package passes

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/ir"
)

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
	pfx, ok := features.SyscallPrefix()
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
