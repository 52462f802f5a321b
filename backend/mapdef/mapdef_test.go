// This file tests the map definition fix-ups: kernel names, CPU lists,
// ring buffer sizes and Fixup.

package mapdef

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

func TestKernelName(t *testing.T) {
	for _, tc := range []struct {
		obj  string
		m    ir.Map
		want string
	}{
		{"xdp_globals.o", ir.Map{Name: ".rodata", Kind: ir.MapData}, "xdp_glob.rodata"},
		{"xdp_globals.o", ir.Map{Name: ".data", Kind: ir.MapData}, "xdp_glob.data"},
		{"xdp_globals.o", ir.Map{Name: ".bss", Kind: ir.MapData}, "xdp_glob.bss"},
		{"xdp_globals.o", ir.Map{Name: ".kconfig", Kind: ir.MapKconfig}, "xdp_glo.kconfig"},
		{"xdp_globals.o", ir.Map{Name: ".rodata.cfg", Kind: ir.MapData}, ".rodata.cfg"},
		{"xdp_globals.o", ir.Map{Name: ".data.custom", Kind: ir.MapData}, ".data.custom"},
		{"x.o", ir.Map{Name: ".rodata.str1.1", Kind: ir.MapData}, ".rodata.str1.1"},
		{"x.o", ir.Map{Name: ".data.a_very_long_section", Kind: ir.MapData}, ".data.a_very_lo"},
		{"/tmp/my-obj.bpf.o", ir.Map{Name: ".bss", Kind: ir.MapData}, "my_obj.bss"},
		{"a.o", ir.Map{Name: "a_rather_long_map_name", Kind: ir.MapBTF}, "a_rather_long_m"},
		{"a.o", ir.Map{Name: "outer.inner", Kind: ir.MapBTF}, "outer.inner"},
	} {
		if got := KernelName(tc.obj, &tc.m); got != tc.want {
			t.Errorf("KernelName(%q, %q) = %q, want %q", tc.obj, tc.m.Name, got, tc.want)
		}
	}
}

func TestRingbufSize(t *testing.T) {
	page := uint32(os.Getpagesize())
	for in, want := range map[uint32]uint32{
		0: 0, 1: page, page: page, page + 1: 2 * page, 3 * page: 4 * page,
		256 * 1024: max(256*1024, page), 1<<31 + 1: 1<<31 + 1,
	} {
		if got := RingbufSize(in); got != want {
			t.Errorf("RingbufSize(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestFixup(t *testing.T) {
	cpus, err := PossibleCPUs()
	if err != nil {
		t.Fatal(err)
	}
	page := uint32(os.Getpagesize())
	for _, tc := range []struct {
		name string
		m    ir.Map
		want Def
	}{
		{"hash keeps BTF ids", ir.Map{Name: "h", Kind: ir.MapBTF, Type: uapi.MapTypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 16, KeyType: 3, ValueType: 5},
			Def{Name: "h", KernelName: "h", Type: uapi.MapTypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 16, KeyType: 3, ValueType: 5}},
		{"perf event array: one entry per CPU, no BTF ids", ir.Map{Name: "events", Kind: ir.MapBTF, Type: uapi.MapTypePerfEventArray, KeySize: 4, ValueSize: 4, KeyType: 3, ValueType: 3},
			Def{Name: "events", KernelName: "events", Type: uapi.MapTypePerfEventArray, KeySize: 4, ValueSize: 4, MaxEntries: uint32(cpus)}},
		{"ring buffer rounded up", ir.Map{Name: "rb", Kind: ir.MapBTF, Type: uapi.MapTypeRingbuf, MaxEntries: page + 1},
			Def{Name: "rb", KernelName: "rb", Type: uapi.MapTypeRingbuf, MaxEntries: 2 * page}},
		{"storage without entries", ir.Map{Name: "st", Kind: ir.MapBTF, Type: uapi.MapTypeTaskStorage, KeySize: 4, ValueSize: 8, Flags: uapi.MapFlagNoPrealloc},
			Def{Name: "st", KernelName: "st", Type: uapi.MapTypeTaskStorage, KeySize: 4, ValueSize: 8, Flags: uapi.MapFlagNoPrealloc}},
		{"global data named after the object", ir.Map{Name: ".rodata", Kind: ir.MapData, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1, MapExtra: 7, NumaNode: 1},
			Def{Name: ".rodata", KernelName: "xdp_glob.rodata", Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1, MapExtra: 7, NumaNode: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Fixup("xdp_globals.o", &tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Fixup = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestCheckSizes checks which zero sizes are refused, in which order, and
// what the errors say.
func TestCheckSizes(t *testing.T) {
	for _, c := range []struct {
		m    ir.Map
		is   error
		msg  string
		want Unset
	}{
		{ir.Map{Name: "h", Type: uapi.MapTypeHash, KeySize: 4, ValueSize: 8, MaxEntries: 1}, nil, "", Unset{}},
		{ir.Map{Name: "sized", Type: uapi.MapTypeHash}, ErrMaxEntries, `max_entries is 0 (set it with Options.MaxEntries["sized"] or passes.SetMaxEntries)`,
			Unset{MaxEntries: true, KeySize: true, ValueSize: true}},
		{ir.Map{Name: "counts", Type: uapi.MapTypeHash, MaxEntries: 16, ValueSize: 8}, ErrKeySize, `key_size is 0 (set it with Options.KeySize["counts"] or passes.SetKeySize)`,
			Unset{KeySize: true}},
		{ir.Map{Name: "stackmap", Type: uapi.MapTypeStackTrace, KeySize: 4, MaxEntries: 16}, ErrValueSize, `value_size is 0 (set it with Options.ValueSize["stackmap"] or passes.SetValueSize)`,
			Unset{ValueSize: true}},
		{ir.Map{Name: "q", Type: uapi.MapTypeQueue, ValueSize: 8, MaxEntries: 4}, nil, "", Unset{}},
		{ir.Map{Name: "bloom", Type: uapi.MapTypeBloomFilter, MaxEntries: 4}, ErrValueSize, "value_size is 0", Unset{ValueSize: true}},
		{ir.Map{Name: "rb", Type: uapi.MapTypeRingbuf, MaxEntries: 4096}, nil, "", Unset{}},
		{ir.Map{Name: "st", Type: uapi.MapTypeTaskStorage, ValueSize: 8}, ErrKeySize, "key_size is 0", Unset{KeySize: true}},
		{ir.Map{Name: "arena", Type: uapi.MapTypeArena, MaxEntries: 1}, nil, "", Unset{}},
	} {
		d, err := Fixup("x.o", &c.m)
		if err != nil {
			t.Fatal(err)
		}
		if u := d.Unset(); u != c.want {
			t.Errorf("%s: Unset %+v, want %+v", c.m.Name, u, c.want)
		}
		err = d.CheckSizes()
		if c.is == nil {
			if err != nil {
				t.Errorf("%s: %v", c.m.Name, err)
			}
			continue
		}
		var se *SizeError
		if !errors.Is(err, c.is) || !errors.As(err, &se) || se.Map != c.m.Name || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %v: %q", c.m.Name, err, c.is, c.msg)
		}
	}
}
