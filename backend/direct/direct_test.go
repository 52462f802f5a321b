// This file tests the direct backend on hand-built IR objects: map
// creation and initial data, fd_array map references, a verifier
// rejection that leaves no fd behind, prog array and map-in-map slots,
// pinning by name and collection pins.

package direct

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// globalsObject is a socket filter that writes 5 to counts[2] and returns
// the first u32 of .rodata plus 1.
func globalsObject() *ir.Object {
	rodata := make([]byte, 8)
	binary.LittleEndian.PutUint32(rodata, 41)
	insns := irtest.Insns(
		ir.St(4, 10, -4, 2), // *(u32 *)(r10-4) = 2
		ir.Mov64Reg(2, 10), ir.Add64Imm(2, -4),
		ir.LdMapIdx(1, 0),
		ir.Call(1),         // map_lookup_elem
		ir.JEqImm(0, 0, 2), // if r0 == 0 goto +2
		ir.Mov64Imm(1, 5),
		ir.Stx(8, 0, 1, 0), // *(u64 *)(r0+0) = r1
		ir.LdMapIdxValue(1, 1, 0),
		ir.Ldx(4, 0, 1, 0), // r0 = *(u32 *)(r1+0)
		ir.Add64Imm(0, 1),
		ir.Exit(),
	)
	return &ir.Object{
		Name:      "hand_globals.o",
		License:   "GPL",
		ByteOrder: binary.LittleEndian,
		Maps: []*ir.Map{
			{Name: "counts", Kind: ir.MapBTF, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 4},
			{Name: ".rodata", Kind: ir.MapData, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1,
				Flags: uapi.MapFlagRdonlyProg, Data: rodata, ReadOnly: true},
		},
		Programs: []*ir.Program{irtest.Program("sock_globals", uapi.ProgTypeSocketFilter, insns)},
	}
}

// packet is the test packet of testdata/README.md.
var packet = testutil.Packet()

func mustLoad(t *testing.T, obj *ir.Object, opts *Options) *Collection {
	t.Helper()
	coll, err := Load(obj, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Cleanup(func() { coll.Close() })
	return coll
}

func TestLoadGlobals(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))

	coll := mustLoad(t, globalsObject(), nil)
	ro := coll.Maps[".rodata"]
	if ro.KernelName != "hand_glo.rodata" {
		t.Errorf(".rodata kernel name %q, want hand_glo.rodata", ro.KernelName)
	}
	info, err := ro.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "hand_glo.rodata" || info.ID != ro.ID {
		t.Errorf("kernel reports name %q id %d, want hand_glo.rodata id %d", info.Name, info.ID, ro.ID)
	}
	val, err := ro.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(val); got != 41 {
		t.Errorf(".rodata[0] = %d, want 41", got)
	}
	if err := ro.Update(make([]byte, 4), make([]byte, 8), UpdateAny); !errors.Is(err, unix.EPERM) {
		t.Errorf("update of frozen .rodata: %v, want EPERM", err)
	}

	p := coll.Programs["sock_globals"]
	if p.ID == 0 {
		t.Error("program has no id")
	}
	res, err := p.TestRun(TestRunOptions{DataIn: packet})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != 42 {
		t.Errorf("retval %d, want 42", res.Retval)
	}
	key := []byte{2, 0, 0, 0}
	val, err = coll.Maps["counts"].Lookup(key)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint64(val); got != 5 {
		t.Errorf("counts[2] = %d, want 5", got)
	}
	pinfo, err := p.Info()
	if err != nil {
		t.Fatal(err)
	}
	if len(pinfo.MapIDs) != 2 {
		t.Errorf("program uses maps %v, want 2 maps", pinfo.MapIDs)
	}
}

func TestVerifierRejection(t *testing.T) {
	testutil.RequireKernel(t)
	check := testutil.CheckNoFDLeak(t)
	defer check()

	obj := globalsObject()
	// A second program reading r2, which is uninitialised.
	obj.Programs = append(obj.Programs, irtest.Program("bad_prog_with_a_long_name", uapi.ProgTypeSocketFilter, []ir.Insn{ir.Mov64Reg(0, 2), ir.Exit()}))
	coll, err := Load(obj, &Options{})
	if err == nil {
		coll.Close()
		t.Fatal("Load succeeded, want a verifier rejection")
	}
	if !errors.Is(err, ErrVerifier) {
		t.Errorf("error does not match ErrVerifier: %v", err)
	}
	if !errors.Is(err, unix.EACCES) {
		t.Errorf("error does not match EACCES: %v", err)
	}
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("error is %T, want *LoadError", err)
	}
	if le.Program != "bad_prog_with_a_long_name" || le.Section != "test/bad_prog_with_a_long_name" || le.Object != "hand_globals.o" {
		t.Errorf("error names object %q program %q section %q", le.Object, le.Program, le.Section)
	}
	msg := err.Error()
	for _, want := range []string{"hand_globals.o", "bad_prog_with_a_long_name", "R2 !read_ok", "verifier log"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
}

func TestLoadErrorsCloseEverything(t *testing.T) {
	testutil.RequireKernel(t)
	for _, tc := range []struct {
		name   string
		edit   func(*ir.Object)
		target error
		want   string
	}{
		{"max entries 0", func(o *ir.Object) {
			o.Maps = append(o.Maps, &ir.Map{Name: "events", Kind: ir.MapBTF, Type: uapi.MapTypeHash, KeySize: 4, ValueSize: 4})
		}, ErrMaxEntries, `map events: max_entries is 0 (set it with Options.MaxEntries["events"] or passes.SetMaxEntries)`},
		{"unsupported program", func(o *ir.Object) {
			o.Programs[0].Unsupported = "struct_ops programs"
		}, ErrNotSupported, "struct_ops"},
		{"pending relocation", func(o *ir.Object) {
			o.Programs[0].Relocs = []*ir.Reloc{{Insn: 4, Kind: ir.RelocMap, Symbol: "counts", State: ir.Pending}}
		}, ErrInvalidObject, "still pending"},
		{"kernel refuses map", func(o *ir.Object) {
			o.Maps[0].Flags = 1 << 30
		}, unix.EINVAL, "map counts"},
		{"big endian", func(o *ir.Object) { o.ByteOrder = binary.BigEndian }, ErrNotSupported, "big-endian"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			obj := globalsObject()
			tc.edit(obj)
			coll, err := Load(obj, nil)
			if err == nil {
				coll.Close()
				t.Fatal("Load succeeded")
			}
			if !errors.Is(err, tc.target) {
				t.Errorf("error %v does not match %v", err, tc.target)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// tailcallObject has an XDP entry tail-calling, through a prog array
// initialised with a slot, a target returning 42; without the tail call
// the entry returns 1.
func tailcallObject() *ir.Object {
	entry := irtest.Insns(ir.LdMapIdx(2, 0), ir.Mov64Imm(3, 0), ir.Call(12), ir.Mov64Imm(0, 1), ir.Exit()) // bpf_tail_call(ctx, &jmp, 0)
	target := []ir.Insn{ir.Mov64Imm(0, 42), ir.Exit()}
	return &ir.Object{
		Name:      "hand_tail.o",
		License:   "GPL",
		ByteOrder: binary.LittleEndian,
		Maps: []*ir.Map{
			{Name: "jmp", Kind: ir.MapBTF, Type: uapi.MapTypeProgArray, KeySize: 4, ValueSize: 4, MaxEntries: 2,
				Slots: []ir.MapSlot{{Index: 0, Target: "target"}}},
			{Name: "inner_a", Kind: ir.MapBTF, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1},
			{Name: "outer", Kind: ir.MapBTF, Type: uapi.MapTypeArrayOfMaps, KeySize: 4, ValueSize: 4, MaxEntries: 2,
				Inner: &ir.Map{Name: "outer.inner", Kind: ir.MapBTF, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1},
				Slots: []ir.MapSlot{{Index: 1, Target: "inner_a"}}},
		},
		Programs: []*ir.Program{
			irtest.Program("entry", uapi.ProgTypeXDP, entry),
			irtest.Program("target", uapi.ProgTypeXDP, target),
		},
	}
}

func TestSlots(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))

	coll := mustLoad(t, tailcallObject(), nil)
	res, err := coll.Programs["entry"].TestRun(TestRunOptions{DataIn: packet})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != 42 {
		t.Errorf("entry returned %d, want 42 from the tail call", res.Retval)
	}
	val, err := coll.Maps["outer"].Lookup([]byte{1, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := binary.LittleEndian.Uint32(val), coll.Maps["inner_a"].ID; got != want {
		t.Errorf("outer[1] holds map id %d, want inner_a's id %d", got, want)
	}
	if _, err := coll.Maps["outer"].Lookup([]byte{0, 0, 0, 0}); !errors.Is(err, unix.ENOENT) {
		t.Errorf("outer[0]: %v, want ENOENT", err)
	}
}

func TestSlotOfDisabledProgram(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))

	obj := tailcallObject()
	obj.Program("target").Autoload = false
	coll := mustLoad(t, obj, nil)
	if _, ok := coll.Programs["target"]; ok {
		t.Error("disabled program was loaded")
	}
	res, err := coll.Programs["entry"].TestRun(TestRunOptions{DataIn: packet})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != 1 {
		t.Errorf("entry returned %d, want 1 (empty slot)", res.Retval)
	}
}

func TestPinByName(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	dir := testutil.BPFFS(t)

	obj := globalsObject()
	obj.Maps[0].Pinning = PinByName
	first := mustLoad(t, obj, &Options{PinPath: dir})
	m := first.Maps["counts"]
	if m.Reused || m.PinPath != filepath.Join(dir, "counts") {
		t.Fatalf("first load: reused %v pin %q", m.Reused, m.PinPath)
	}
	if _, err := first.Programs["sock_globals"].TestRun(TestRunOptions{DataIn: packet}); err != nil {
		t.Fatal(err)
	}

	// A second load reuses the pinned map and sees what the first wrote.
	second := mustLoad(t, globalsObjectPinned(), &Options{PinPath: dir})
	m2 := second.Maps["counts"]
	if !m2.Reused || m2.ID != m.ID {
		t.Errorf("second load: reused %v id %d, want reuse of id %d", m2.Reused, m2.ID, m.ID)
	}
	val, err := m2.Lookup([]byte{2, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint64(val); got != 5 {
		t.Errorf("reused counts[2] = %d, want 5", got)
	}

	// An incompatible definition is refused and leaves the pin alone.
	bad := globalsObjectPinned()
	bad.Maps[0].MaxEntries = 8
	if coll, err := Load(bad, &Options{PinPath: dir}); !errors.Is(err, ErrPinMismatch) {
		coll.Close()
		t.Errorf("incompatible pin: %v, want ErrPinMismatch", err)
	}
	if _, err := os.Stat(m.PinPath); err != nil {
		t.Errorf("pin gone after failed load: %v", err)
	}

	// A failed load removes the pins it created, not the reused ones.
	fail := globalsObjectPinned()
	fail.Maps = append(fail.Maps, &ir.Map{Name: "fresh", Kind: ir.MapBTF, Type: uapi.MapTypeHash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Pinning: PinByName})
	fail.Programs = append(fail.Programs, irtest.Program("bad", uapi.ProgTypeSocketFilter, []ir.Insn{ir.Mov64Reg(0, 2), ir.Exit()}))
	if coll, err := Load(fail, &Options{PinPath: dir}); err == nil {
		coll.Close()
		t.Fatal("load with a bad program succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "fresh")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pin of map fresh left behind by a failed load: %v", err)
	}
	if _, err := os.Stat(m.PinPath); err != nil {
		t.Errorf("reused pin removed by a failed load: %v", err)
	}
	if err := first.Maps["counts"].Unpin(); err != nil {
		t.Error(err)
	}
}

// TestPinByNameNotBPFFS checks the error for a map pinned by name when
// the pin directory is not a bpffs (as /sys/fs/bpf is on a machine that
// never mounted one) or does not exist: it says so and how to fix it, and
// nothing is left open.
func TestPinByNameNotBPFFS(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	plain := t.TempDir()
	for _, c := range []struct{ dir, msg string }{
		{plain, "hand_globals.o: map counts: pinned by name (LIBBPF_PIN_BY_NAME): pin directory " + plain +
			" is not on a bpffs (mount one there: mount -t bpf bpf " + plain + "; or pin under a directory of a mounted bpffs with Options.PinPath)"},
		{filepath.Join(plain, "missing"), "pin directory " + filepath.Join(plain, "missing") + " does not exist"},
	} {
		coll, err := Load(globalsObjectPinned(), &Options{PinPath: c.dir})
		if err == nil {
			coll.Close()
			t.Fatalf("pin under %s: load succeeded", c.dir)
		}
		if !errors.Is(err, ErrNotBPFFS) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("pin under %s: %v; want ErrNotBPFFS containing %q", c.dir, err, c.msg)
		}
	}
	if ents, err := os.ReadDir(plain); err != nil || len(ents) != 0 {
		t.Errorf("pin directory: %v, entries %v", err, ents)
	}
}

func globalsObjectPinned() *ir.Object {
	obj := globalsObject()
	obj.Maps[0].Pinning = PinByName
	return obj
}

func TestCollectionPin(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	dir := filepath.Join(testutil.BPFFS(t), "coll")

	obj := tailcallObject()
	obj.Maps = append(obj.Maps, &ir.Map{Name: ".rodata", Kind: ir.MapData, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1})
	coll := mustLoad(t, obj, nil)
	if err := coll.Pin(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"jmp", "inner_a", "outer", "hand_tai_rodata", "entry", "target"} {
		fd, err := sys.ObjGet(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("pin %s: %v", name, err)
			continue
		}
		fd.Close()
	}
	if err := coll.Unpin(false); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("pins left after Unpin: %v", ents)
	}
}

func TestVerifierLogOnSuccess(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	coll := mustLoad(t, globalsObject(), &Options{LogLevel: 2})
	if log := coll.Programs["sock_globals"].VerifierLog; !strings.Contains(log, "processed") {
		t.Errorf("verifier log of a successful load: %q", log)
	}
}

func TestLoadErrorLogTail(t *testing.T) {
	long := strings.Repeat("line\n", 100) + "last line"
	for _, full := range []bool{false, true} {
		e := &LoadError{Object: "o.o", Program: "p", Section: "xdp", Err: errors.New("boom"), Log: long, FullLog: full}
		msg := e.Error()
		if !strings.HasPrefix(msg, "o.o: program p (section xdp): boom\n") || !strings.HasSuffix(msg, "last line") {
			t.Errorf("full=%v: %q", full, msg)
		}
		if n := strings.Count(msg, "line\n"); full && n != 100 || !full && n != logTailLines-1 {
			t.Errorf("full=%v: %d log lines shown", full, n)
		}
	}
}

// TestCollectionPinFailure: when a pin cannot be made, the pins made
// before it are removed and no map or program still claims one.
func TestCollectionPinFailure(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	dir := filepath.Join(testutil.BPFFS(t), "coll")
	coll := mustLoad(t, tailcallObject(), nil)
	// The last program's pin name is taken: every map pin is made first.
	last := coll.ProgramOrder[len(coll.ProgramOrder)-1]
	if err := os.MkdirAll(filepath.Join(dir, last), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := coll.Pin(dir); err == nil {
		t.Fatal("Pin over an existing name succeeded")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != last {
		t.Errorf("directory holds %v after the failed Pin, want only %s", ents, last)
	}
	for name, m := range coll.Maps {
		if m.PinPath != "" {
			t.Errorf("map %s: PinPath %q after the failed Pin", name, m.PinPath)
		}
	}
	for name, p := range coll.Programs {
		if p.PinPath != "" {
			t.Errorf("program %s: PinPath %q after the failed Pin", name, p.PinPath)
		}
	}
}

// TestUnsupportedProgram checks that a program the frontend marked
// unsupported (a freplace program: its target is another program's
// function) is refused with the reason, leaving nothing open, and that
// the object loads without it when it is disabled.
func TestUnsupportedProgram(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	obj := globalsObject()
	ext := irtest.Program("replacement", uapi.ProgTypeExt, []ir.Insn{ir.Mov64Imm(0, 0), ir.Exit()})
	ext.Unsupported = "a freplace program replaces a function of another loaded BPF program"
	obj.Programs = append(obj.Programs, ext)
	coll, err := Load(obj, &Options{})
	if err == nil {
		coll.Close()
		t.Fatal("Load succeeded, want the program refused")
	}
	if !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), "replacement") || !strings.Contains(err.Error(), ext.Unsupported) {
		t.Errorf("error %v: want ErrNotSupported naming the program and the reason", err)
	}
	ext.Autoload = false
	coll = mustLoad(t, obj, &Options{})
	defer coll.Close()
	if _, ok := coll.Programs["replacement"]; ok {
		t.Error("the disabled program was loaded")
	}
}
