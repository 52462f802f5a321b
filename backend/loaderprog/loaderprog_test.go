// This file tests the loader backend on hand-built IR objects: loading
// through rt, running programs, run-time overrides, and the failure paths
// (verifier rejection, missing kfunc, tampered blob, leaks).

package loaderprog

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// globalsObject is a socket filter that writes 5 to counts[2] and returns
// the first u32 of .rodata plus the first u32 of .data.
func globalsObject() *ir.Object {
	rodata := make([]byte, 8)
	binary.LittleEndian.PutUint32(rodata, 41)
	data := make([]byte, 4)
	binary.LittleEndian.PutUint32(data, 1)
	insns := irtest.Insns(
		ir.St(4, 10, -4, 2), // *(u32 *)(r10-4) = 2
		ir.Mov64Reg(2, 10), ir.Add64Imm(2, -4),
		ir.LdMapIdx(1, 0),
		callHelper(uapi.HelperMapLookupElem),
		ir.JEqImm(0, 0, 2), // if r0 == 0 goto +2
		ir.Mov64Imm(1, 5),
		ir.Stx(8, 0, 1, 0),
		ir.LdMapIdxValue(1, 1, 0),
		ir.Ldx(4, 0, 1, 0),
		ir.LdMapIdxValue(1, 2, 0),
		ir.Ldx(4, 1, 1, 0),
		ir.Add64Reg(0, 1), // r0 += r1
		ir.Exit(),
	)
	return &ir.Object{
		Name:      "hand_globals.o",
		License:   "GPL",
		ByteOrder: binary.LittleEndian,
		Maps: []*ir.Map{
			{Name: "counts", Kind: ir.MapBTF, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 4},
			{Name: ".rodata", Kind: ir.MapData, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1,
				Flags: uapi.MapFlagRdonlyProg | uapi.MapFlagMmapable, Data: rodata, ReadOnly: true},
			{Name: ".data", Kind: ir.MapData, Type: uapi.MapTypeArray, KeySize: 4, ValueSize: 4, MaxEntries: 1,
				Flags: uapi.MapFlagMmapable, Data: data},
		},
		Programs: []*ir.Program{irtest.Program("sock_globals", uapi.ProgTypeSocketFilter, insns)},
	}
}

// packet is the test packet of testdata/README.md.
var packet = testutil.Packet()

// generate runs Generate and checks the loader with the IR checker.
func generate(t *testing.T, obj *ir.Object, opts *Options) *Loader {
	t.Helper()
	l, err := Generate(obj, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	chk := &ir.Object{Name: "loader", Programs: []*ir.Program{irtest.Program("loader", uapi.ProgTypeSyscall, l.Insns)}}
	if err := ir.Check(chk, 0); err != nil {
		t.Fatalf("loader program: %v", err)
	}
	return l
}

// loaderRuns reports whether loader programs run on this kernel. Where
// they cannot (no syscall programs before 5.14) it checks that l is
// refused with rt.ErrNoSyscallPrograms naming 5.14, leaving nothing
// behind, and the caller's test ends there.
func loaderRuns(t *testing.T, l *Loader) bool {
	t.Helper()
	if !features.SyscallProg.Missing() {
		return true
	}
	err := expectFailure(t, l, nil)
	if !errors.Is(err, rt.ErrNoSyscallPrograms) || !strings.Contains(err.Error(), "Linux 5.14") {
		t.Errorf("rt.Load on %s: %v; want the refusal naming syscall programs and 5.14", features.Release(), err)
	}
	return false
}

// runLoader runs a loader and returns its result, closed at cleanup.
func runLoader(t *testing.T, l *Loader, opts *rt.Options) *rt.Result {
	t.Helper()
	res, err := rt.Load(l.Spec(), opts)
	if err != nil {
		t.Fatalf("rt.Load: %v", err)
	}
	t.Cleanup(func() { res.Close() })
	return res
}

// borrow wraps a raw fd for the sys package without taking ownership.
func borrow(t *testing.T, raw int) *sys.FD {
	t.Helper()
	fd, err := sys.NewFD(raw)
	if err != nil {
		t.Fatal(err)
	}
	dup, err := fd.Dup()
	if err != nil {
		t.Fatal(err)
	}
	fd.Disown()
	t.Cleanup(func() { dup.Close() })
	return dup
}

func testRunRetval(t *testing.T, raw int, opts sys.TestRunOpts) uint32 {
	t.Helper()
	res, err := sys.TestRun(borrow(t, raw), opts)
	if err != nil {
		t.Fatalf("test run: %v", err)
	}
	return res.Retval
}

func lookupU32(t *testing.T, raw int, key uint32, size int) []byte {
	t.Helper()
	k := make([]byte, 4)
	binary.LittleEndian.PutUint32(k, key)
	v := make([]byte, size)
	if err := sys.MapLookupElem(borrow(t, raw), k, v); err != nil {
		t.Fatalf("lookup %d: %v", key, err)
	}
	return v
}

func TestGlobals(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	for _, trace := range []bool{false, true} {
		l := generate(t, globalsObject(), &Options{Trace: trace})
		if !loaderRuns(t, l) {
			return
		}
		res := runLoader(t, l, nil)
		if got := testRunRetval(t, res.ProgFDs[0], sys.TestRunOpts{DataIn: packet}); got != 42 {
			t.Errorf("trace=%v: retval %d, want 42", trace, got)
		}
		if v := binary.LittleEndian.Uint64(lookupU32(t, res.MapFDs[0], 2, 8)); v != 5 {
			t.Errorf("counts[2] = %d, want 5", v)
		}
		// Exclusive blob maps and blob hashes exist since 6.18.
		if res.ExclusiveBlob != features.ExclusiveMap.Has() {
			t.Errorf("blob map exclusive: %v, want %v on %s", res.ExclusiveBlob, features.ExclusiveMap.Has(), features.Release())
		}
		if res.IntegrityVerified != features.MapHash.Has() {
			t.Errorf("blob integrity verified: %v, want %v on %s", res.IntegrityVerified, features.MapHash.Has(), features.Release())
		}
		// .rodata is frozen: user-space updates fail.
		err := sys.MapUpdateElem(borrow(t, res.MapFDs[1]), make([]byte, 4), make([]byte, 8), 0)
		if !errors.Is(err, unix.EPERM) {
			t.Errorf(".rodata update: %v, want EPERM", err)
		}
		res.Close()
	}
}

func TestOverrides(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	l := generate(t, globalsObject(), nil)
	if !loaderRuns(t, l) {
		return
	}
	ro := make([]byte, 8)
	binary.LittleEndian.PutUint32(ro, 100)
	res := runLoader(t, l, &rt.Options{
		MaxEntries:    []uint32{16},
		InitialValues: [][]byte{nil, ro},
	})
	if got := testRunRetval(t, res.ProgFDs[0], sys.TestRunOpts{DataIn: packet}); got != 101 {
		t.Errorf("retval %d, want 101", got)
	}
	info, err := sys.MapInfoByFD(borrow(t, res.MapFDs[0]))
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxEntries != 16 {
		t.Errorf("counts max_entries %d, want 16", info.MaxEntries)
	}
	// Global data through mmap.
	mem, err := rt.Mmap(res.MapFDs[2], 4, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Munmap(mem)
	binary.LittleEndian.PutUint32(mem, 7)
	if got := testRunRetval(t, res.ProgFDs[0], sys.TestRunOpts{DataIn: packet}); got != 107 {
		t.Errorf("after writing .data: retval %d, want 107", got)
	}
	rom, err := rt.Mmap(res.MapFDs[1], 8, true)
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Munmap(rom)
	if v := binary.LittleEndian.Uint32(rom); v != 100 {
		t.Errorf(".rodata through mmap: %d, want 100", v)
	}
}

// countIDs returns the number of maps and programs in the kernel.
func countIDs(t *testing.T) (maps, progs int) {
	t.Helper()
	for id := uint32(0); ; maps++ {
		next, err := sys.MapGetNextID(id)
		if err != nil {
			break
		}
		id = next
	}
	for id := uint32(0); ; progs++ {
		next, err := sys.ProgGetNextID(id)
		if err != nil {
			break
		}
		id = next
	}
	return maps, progs
}

// expectFailure runs a loader that must fail and checks that nothing is
// left behind. Other tests of other packages may create objects
// concurrently, so the id count is retried a few times.
func expectFailure(t *testing.T, l *Loader, spec *rt.Spec) error {
	t.Helper()
	t.Cleanup(testutil.CheckNoFDLeak(t))
	maps0, progs0 := countIDs(t)
	if spec == nil {
		spec = l.Spec()
	}
	res, err := rt.Load(spec, nil)
	if err == nil {
		res.Close()
		t.Fatal("rt.Load succeeded, want an error")
	}
	// Objects are freed asynchronously (RCU): wait for the counts to drop.
	for range 200 {
		maps1, progs1 := countIDs(t)
		if maps1 <= maps0 && progs1 <= progs0 {
			return err
		}
		sleepMs(10)
	}
	maps1, progs1 := countIDs(t)
	t.Errorf("objects left behind: maps %d -> %d, programs %d -> %d", maps0, maps1, progs0, progs1)
	return err
}

func TestVerifierRejection(t *testing.T) {
	testutil.RequireKernel(t)
	obj := globalsObject()
	bad := irtest.Program("bad_prog", uapi.ProgTypeSocketFilter, []ir.Insn{ir.Exit()}) // r0 not initialised
	obj.Programs = append(obj.Programs, bad)
	l := generate(t, obj, nil)
	if !loaderRuns(t, l) {
		return
	}
	err := expectFailure(t, l, nil)
	var se *rt.StepError
	if !errors.As(err, &se) || !errors.Is(err, unix.EACCES) {
		t.Fatalf("error %v, want a step error with EACCES", err)
	}
	if !strings.Contains(se.Desc, "BPF_PROG_LOAD bad_prog") {
		t.Errorf("step %q, want the load of bad_prog", se.Desc)
	}
	if !strings.Contains(se.Log, "R0 !read_ok") {
		t.Errorf("verifier log does not say why:\n%s", se.Log)
	}
	if !strings.HasPrefix(err.Error(), "loader step failed: EACCES") {
		t.Errorf("error text %q", err)
	}
}

// kfuncObject calls a kfunc by name, deferred to load time.
func kfuncObject(name string, weak bool) *ir.Object {
	obj := globalsObject()
	insns := irtest.Insns(
		ir.Mov64Imm(1, 1),
		ir.Insn{Op: ir.OpCall, Src: ir.PseudoKfuncCall},
		ir.Mov64Imm(0, 0),
		ir.Exit(),
	)
	p := irtest.Program("kfunc_prog", uapi.ProgTypeSyscall, insns)
	p.Flags = uapi.ProgFlagSleepable
	p.Relocs = []*ir.Reloc{{Insn: 1, Kind: ir.RelocKfunc, Symbol: name, State: ir.Deferred}}
	obj.Programs = append(obj.Programs, p)
	obj.Externs = append(obj.Externs, &ir.Extern{Name: name, Kind: ir.ExternKfunc, Weak: weak, State: ir.Deferred})
	return obj
}

func TestMissingKfunc(t *testing.T) {
	testutil.RequireKernel(t)
	l := generate(t, kfuncObject("bpfc_no_such_kfunc", false), nil)
	if !loaderRuns(t, l) {
		return
	}
	err := expectFailure(t, l, nil)
	var se *rt.StepError
	if !errors.As(err, &se) || !errors.Is(err, unix.ENOENT) {
		t.Fatalf("error %v, want a step error with ENOENT", err)
	}
	if !strings.Contains(se.Desc, "bpfc_no_such_kfunc") {
		t.Errorf("step %q does not name the kfunc", se.Desc)
	}
}

func TestTamperedBlob(t *testing.T) {
	testutil.RequireKernel(t)
	l := generate(t, globalsObject(), nil)
	if !loaderRuns(t, l) {
		return
	}
	spec := l.Spec()
	blob := append([]byte(nil), spec.Blob...)
	blob[len(blob)-9] ^= 0x40 // inside the last attr
	spec.Blob = blob
	if features.MapHash.Missing() {
		// Before 6.18 the blob check cannot run: required, the load is
		// refused; otherwise the loader runs without it.
		if _, err := rt.Load(spec, &rt.Options{RequireIntegrity: true}); !errors.Is(err, rt.ErrIntegrityUnsupported) {
			t.Errorf("RequireIntegrity on %s: %v, want ErrIntegrityUnsupported", features.Release(), err)
		}
		res, err := rt.Load(spec, nil)
		var se *rt.StepError
		switch {
		case err == nil:
			if res.IntegrityVerified {
				t.Error("integrity verified on a kernel without map hashes")
			}
			res.Close()
		case errors.As(err, &se) && se.Step == -1:
			t.Errorf("the blob check ran on a kernel without map hashes: %v", err)
		}
		return
	}
	err := expectFailure(t, l, spec)
	if !errors.Is(err, unix.EINVAL) {
		t.Fatalf("error %v, want EINVAL from the integrity check", err)
	}
	var se *rt.StepError
	if !errors.As(err, &se) || se.Step != -1 {
		t.Errorf("error %v: want the refusal before step 0", err)
	}
	if !errors.Is(err, rt.ErrBlobIntegrity) || !strings.Contains(err.Error(), "differs from the one in the loader's instructions") {
		t.Errorf("error %q does not say the blob was refused", err)
	}
}

func sleepMs(ms int) { time.Sleep(time.Duration(ms) * time.Millisecond) }

func TestNoIntegrity(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	l := generate(t, globalsObject(), &Options{NoIntegrity: true})
	if l.CheckHash {
		t.Fatal("CheckHash set with NoIntegrity")
	}
	if !loaderRuns(t, l) {
		return
	}
	res := runLoader(t, l, nil)
	if got := testRunRetval(t, res.ProgFDs[0], sys.TestRunOpts{DataIn: packet}); got != 42 {
		t.Errorf("retval %d, want 42", got)
	}
	// Without the check, a changed blob is not refused.
	spec := l.Spec()
	spec.Blob = append([]byte(nil), spec.Blob...)
	data := spec.Blob
	// The initial value 41 of .rodata is in the blob: change it to 50.
	for i := 0; i+8 <= len(data); i += 8 {
		if binary.LittleEndian.Uint64(data[i:]) == 41 {
			binary.LittleEndian.PutUint64(data[i:], 50)
			break
		}
	}
	res2, err := rt.Load(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res2.Close()
	if got := testRunRetval(t, res2.ProgFDs[0], sys.TestRunOpts{DataIn: packet}); got != 51 {
		t.Errorf("retval %d, want 51 from the changed blob", got)
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*ir.Object)
		want error
	}{
		{"struct_ops", func(o *ir.Object) { o.Programs[0].Unsupported = "struct_ops programs" }, ErrNotSupported},
		{"pending reloc", func(o *ir.Object) {
			o.Programs[0].Relocs = []*ir.Reloc{{Insn: 3, Kind: ir.RelocMap, Symbol: "counts", State: ir.Pending}}
		}, ErrInvalidObject},
		{"map by fd", func(o *ir.Object) {
			o.Programs[0].Insns[3].Src = ir.PseudoMapFD
			o.Programs[0].Relocs = []*ir.Reloc{{Insn: 3, Kind: ir.RelocMap, Symbol: "counts", State: ir.Resolved}}
		}, ErrNotSupported},
		{"big endian", func(o *ir.Object) { o.ByteOrder = binary.BigEndian }, ErrNotSupported},
		{"module kfunc", func(o *ir.Object) { o.ModuleSlots = []string{"mod"} }, ErrNotSupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := globalsObject()
			tt.edit(obj)
			if _, err := Generate(obj, nil); !errors.Is(err, tt.want) {
				t.Errorf("Generate: %v, want %v", err, tt.want)
			}
		})
	}
	// A program that is not autoloaded is neither checked nor loaded.
	obj := globalsObject()
	obj.Programs[0].Unsupported = "struct_ops programs"
	obj.Programs[0].Autoload = false
	if _, err := Generate(obj, nil); err != nil {
		t.Errorf("Generate with the unsupported program disabled: %v", err)
	}
}
