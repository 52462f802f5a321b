// This file is the loader backend's proof of correctness on every test
// object: the object goes through the frontend and every pass (with
// externs and CO-RE deferred to load time), then is loaded both by the
// direct backend and through a generated loader program. Both must give
// the same maps (type, sizes, max entries, flags, BTF ids, contents) and
// programs with identical tags and translated instructions; the programs
// that BPF_PROG_TEST_RUN can run are run on both sides with the same input
// and must return the same values and leave the same map contents.

package loaderprog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
	"github.com/bpfc/bpfc/uapi"
)

const testdataDir = "../../testdata"

// objectEdits size the maps objects leave for the user to size, as a user
// would (bpfc -max-entries, -key-size, -value-size).
var objectEdits = map[string]func(*ir.Object) error{
	"maps_kinds.o": func(o *ir.Object) error { return passes.SetMaxEntries(o, "user_sized_map", 16) },
	"sized_maps.o": sizeSizedMaps,
}

// sizeSizedMaps sizes sized_maps.o's maps as its program needs: a stack
// trace map of 127 frames and 256 entries, a hash map of 8-byte keys and
// values.
func sizeSizedMaps(o *ir.Object) error {
	return errors.Join(passes.SetMaxEntries(o, "stackmap", 256), passes.SetValueSize(o, "stackmap", 127*8),
		passes.SetKeySize(o, "counts", 8), passes.SetValueSize(o, "counts", 8))
}

// compileObject runs a test object through the frontend and every pass,
// deferring what can be deferred to load time: CO-RE too, where the
// kernel relocates CO-RE (5.17+).
func compileObject(t *testing.T, name string) *ir.Object {
	t.Helper()
	obj, err := compileObjectErr(t, name)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// compileObjectErr is compileObject returning the passes' error.
func compileObjectErr(t *testing.T, name string) (*ir.Object, error) {
	t.Helper()
	obj, err := elf.Open(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatalf("frontend: %v", err)
	}
	if edit := objectEdits[name]; edit != nil {
		if err := edit(obj); err != nil {
			t.Fatal(err)
		}
	}
	ctx := &passes.Context{Target: target.Running(), Defer: true, CheckIR: true}
	if features.KernelCORE.Missing() {
		ctx.CORE = passes.COREUser
	}
	if err := passes.Run(ctx, obj); err != nil {
		return nil, fmt.Errorf("passes: %w", err)
	}
	return obj, nil
}

// testObjects lists the committed test objects.
func testObjects(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no test objects in %s: %v", testdataDir, err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// runInput returns the BPF_PROG_TEST_RUN input of a program (README.md),
// and false for programs that cannot be run.
func runInput(p *ir.Program) (sys.TestRunOpts, bool) {
	switch p.Type {
	case uapi.ProgTypeSocketFilter, uapi.ProgTypeSchedCls, uapi.ProgTypeXDP:
		return sys.TestRunOpts{DataIn: packet}, true
	case uapi.ProgTypeRawTracepoint:
		ctx := make([]byte, 16)
		binary.LittleEndian.PutUint64(ctx[8:], 39)
		return sys.TestRunOpts{CtxIn: ctx}, true
	case uapi.ProgTypeSyscall:
		switch p.Name {
		case "sys_prog":
			ctx := []byte{6, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}
			return sys.TestRunOpts{CtxIn: ctx}, true
		case "kfunc_task", "noksym":
			ctx := make([]byte, 4)
			binary.LittleEndian.PutUint32(ctx, uint32(os.Getpid()))
			return sys.TestRunOpts{CtxIn: ctx}, true
		}
		return sys.TestRunOpts{}, true
	}
	return sys.TestRunOpts{}, false
}

// side is one loaded copy of an object: fds by map and program index.
type side struct {
	name  string
	maps  []*sys.FD // nil for maps not created
	progs []*sys.FD // nil for programs not loaded
}

func directSide(t *testing.T, obj *ir.Object, coll *direct.Collection) *side {
	s := &side{name: "direct"}
	for _, m := range obj.Maps {
		if cm := coll.Maps[m.Name]; cm != nil {
			s.maps = append(s.maps, borrow(t, cm.FD()))
		} else {
			s.maps = append(s.maps, nil)
		}
	}
	for _, p := range obj.Programs {
		if cp := coll.Programs[p.Name]; cp != nil {
			s.progs = append(s.progs, borrow(t, cp.FD()))
		} else {
			s.progs = append(s.progs, nil)
		}
	}
	return s
}

func loaderSide(t *testing.T, res *rt.Result) *side {
	s := &side{name: "loader"}
	for _, fd := range res.MapFDs {
		if fd < 0 {
			s.maps = append(s.maps, nil)
		} else {
			s.maps = append(s.maps, borrow(t, fd))
		}
	}
	for _, fd := range res.ProgFDs {
		if fd < 0 {
			s.progs = append(s.progs, nil)
		} else {
			s.progs = append(s.progs, borrow(t, fd))
		}
	}
	return s
}

// ids maps the kernel ids of a side's maps and programs (two id spaces:
// keys mapID and progID) to their names.
type ids map[uint64]string

func mapID(id uint32) uint64  { return uint64(id) }
func progID(id uint32) uint64 { return 1<<32 | uint64(id) }

// names maps the kernel ids of a side's maps and programs to their names.
func (s *side) names(t *testing.T, obj *ir.Object) ids {
	ids := ids{}
	for i, fd := range s.maps {
		if fd == nil {
			continue
		}
		info, err := sys.MapInfoByFD(fd)
		if err != nil {
			t.Fatalf("%s: map %s: %v", s.name, obj.Maps[i].Name, err)
		}
		ids[mapID(info.ID)] = "map " + obj.Maps[i].Name
	}
	for j, fd := range s.progs {
		if fd == nil {
			continue
		}
		info, err := sys.ProgInfoByFD(fd)
		if err != nil {
			t.Fatalf("%s: program %s: %v", s.name, obj.Programs[j].Name, err)
		}
		ids[progID(info.ID)] = "prog " + obj.Programs[j].Name
	}
	return ids
}

// mapView is what is compared of a map.
type mapView struct {
	Type                       uapi.MapType
	KeySize, ValueSize, MaxEnt uint32
	Flags                      uapi.MapFlags
	HasBTF                     bool
	KeyType, ValueType         uint32
	MapExtra                   uint64
	Contents                   map[string]string
	DumpErr                    string
}

// viewMap reads a map's definition and contents. Values that are ids
// (prog arrays, maps of maps) become names; per-CPU values are summed
// word by word (the CPU a test run lands on may differ).
func viewMap(t *testing.T, fd *sys.FD, ids ids) mapView {
	info, err := sys.MapInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	v := mapView{
		Type: info.Type, KeySize: info.KeySize, ValueSize: info.ValueSize, MaxEnt: info.MaxEntries,
		Flags: info.MapFlags, HasBTF: info.BTFID != 0, KeyType: info.BTFKeyTypeID, ValueType: info.BTFValueTypeID,
		MapExtra: info.MapExtra, Contents: map[string]string{},
	}
	valSize := int(info.ValueSize)
	ncpu := 1
	if mapdef.IsPerCPU(info.Type) {
		n, err := mapdef.PossibleCPUs()
		if err != nil {
			t.Fatal(err)
		}
		ncpu = n
		valSize = int((info.ValueSize+7)&^7) * n
	}
	var key []byte
	next := make([]byte, info.KeySize)
	for n := 0; n < 100000; n++ {
		if err := sys.MapGetNextKey(fd, key, next); err != nil {
			if !errors.Is(err, unix.ENOENT) {
				v.DumpErr = err.Error()
			}
			break
		}
		key = append(key[:0], next...)
		val := make([]byte, valSize)
		if err := sys.MapLookupElem(fd, key, val); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // empty prog array / map-in-map slot
			}
			v.Contents[fmt.Sprintf("%x", key)] = "lookup: " + err.Error()
			continue
		}
		var s string
		switch {
		case info.Type == uapi.MapTypeProgArray:
			s = ids[progID(binary.LittleEndian.Uint32(val))]
			if s == "" {
				s = fmt.Sprintf("unknown id %d", binary.LittleEndian.Uint32(val))
			}
		case info.Type == uapi.MapTypeArrayOfMaps || info.Type == uapi.MapTypeHashOfMaps:
			s = ids[mapID(binary.LittleEndian.Uint32(val))]
			if s == "" {
				s = fmt.Sprintf("unknown id %d", binary.LittleEndian.Uint32(val))
			}
		case ncpu > 1:
			stride := len(val) / ncpu
			sum := make([]uint64, (stride+7)/8)
			for c := range ncpu {
				for w := range sum {
					sum[w] += binary.LittleEndian.Uint64(val[c*stride+8*w:])
				}
			}
			s = fmt.Sprint(sum)
		default:
			s = fmt.Sprintf("%x", val)
		}
		v.Contents[fmt.Sprintf("%x", key)] = s
	}
	return v
}

// progView is what is compared of a program.
type progView struct {
	Type        uapi.ProgType
	Tag         string
	Xlated      []ir.Insn
	Maps        []string
	AttachBTFID uint32
	GPL         bool
}

// viewProg reads a program's info; map ids in its translated instructions
// and map list become map names.
func viewProg(t *testing.T, fd *sys.FD, ids ids) progView {
	info, err := sys.ProgInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	insns, err := ir.Unmarshal(info.XlatedInsns, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	if len(insns) == 0 {
		t.Fatalf("program id %d: no translated instructions", info.ID)
	}
	// Map references show the map id; kernel addresses (ksyms, subprog
	// calls) are the same kernel for both sides.
	for i := 0; i < len(insns); i++ {
		if !insns[i].IsLdImm64() {
			continue
		}
		if insns[i].Src == 0 && i+2 < len(insns) && insns[i+2].IsKfuncCall() {
			// A kfunc's implicit argument the verifier adds (its
			// program's bpf_prog_aux, sched_ext's kfuncs in 7.x): an
			// address of each side's own program.
			ir.SetImm64(insns, i, 0)
		}
		if src := insns[i].Src; src == ir.PseudoMapFD || src == ir.PseudoMapValue {
			name := ids[mapID(uint32(insns[i].Imm))]
			if name == "" {
				t.Errorf("xlated insn %d: unknown map id %d", i, insns[i].Imm)
			}
			insns[i].Imm = int32(mapNameCode(name))
		}
		i++
	}
	v := progView{Type: info.Type, Tag: fmt.Sprintf("%x", info.Tag), Xlated: insns, AttachBTFID: info.AttachBTFID, GPL: info.GPLCompatible}
	for _, id := range info.MapIDs {
		v.Maps = append(v.Maps, ids[mapID(id)])
	}
	slices.Sort(v.Maps)
	return v
}

// mapNameCode turns a map name into a stable number for instruction diffs.
func mapNameCode(name string) uint32 {
	var h uint32 = 2166136261
	for i := 0; i < len(name); i++ {
		h = (h ^ uint32(name[i])) * 16777619
	}
	return h & 0x7fffffff
}

// wantRetval are first-run return values from testdata/README.md, checked
// on the loader's side (the direct side must agree anyway).
var wantRetval = map[string]uint32{
	"xdp_globals.o/xdp_compute":  127,
	"sockfilter.o/sock_len":      60,
	"tailcall.o/tail_entry":      10,
	"mapinmap.o/mim_rw":          333,
	"subprogs.o/sub_chain":       18,
	"legacy_maps.o/legacy_prog":  50,
	"tracing.o/rawtp_sys_enter":  79,
	"tracing.o/sys_prog":         0xffffffff,
	"externs.o/read_externs":     0,
	"externs.o/kfunc_task":       0,
	"core_types.o/core_types":    0,
	"core_task.o/read_task":      0,
	"maps_kinds.o/fill_maps":     0x600d,
	"libbpf_idioms.o/idioms":     71,
	"kfunc_noksym.o/noksym":      0,
	"hidden_funcs.o/hidden_prog": 329,
	"sections.o/sec_socket":      51,
	"sections.o/sec_xdp_slash":   66,
	"sections.o/sec_xdp_suffix":  3,
	"sections.o/sec_tc":          4,
	"sections.o/sec_classifier":  5,
	"sections.o/sec_syscall":     6,
	// Run in program order: static_sock counts the packet first.
	"static_progs.o/static_sock": 150,
	"static_progs.o/static_xdp":  128,
	"static_progs.o/global_sock": 1,
	// Constants not set: 0.
	"asm_const.o/asm_xdp":          1,
	"asm_const.o/asm_syscall":      0,
	"sized_maps.o/count_stack":     0x5e,
	"conntrack.o/ct_xdp":           2,
	"conntrack.o/ct_tc":            0,
	"kfunc_flavors.o/flavors":      2,
	"kfunc_flavor_exists.o/exists": 2,
}

// loaderRefuses are the objects the loader backend refuses to generate a
// loader for (externs deferred) while the direct backend loads them, with
// what the refusal says.
var loaderRefuses = map[string]string{
	// Flavors of one kfunc with different prototypes: a loader program
	// cannot tell which one the kernel's matches.
	"kfunc_flavor_protos.o": "kfuncs bpf_xdp_ct_lookup___old and bpf_xdp_ct_lookup___new, flavors of bpf_xdp_ct_lookup, are declared with incompatible prototypes",
}

// loaderLoadRefused are the objects whose loader the kernel refuses from
// a release on (since) while the direct backend loads them, with the step
// that fails: a __weak kfunc declared with a prototype the kernel's does
// not match is left out by the direct backend's check, as libbpf's load
// leaves it out, but a loader program finds kfuncs by name only, as
// libbpf's gen_loader does, and the verifier refuses the call.
var loaderLoadRefused = map[string]struct{ since, step string }{
	"kfunc_weak.o": {"6.2", "BPF_PROG_LOAD weak"},
}

// notSupported are the objects whose struct_ops types the running kernel
// may lack (sched_ext): the passes then refuse them for both backends.
var notSupported = map[string]bool{"structops_scx.o": true}

// bothRefuse are the objects that neither backend loads on any kernel
// (testdata/README.md), with what each side's error must contain; both
// must fail with ENOENT. Objects that only some kernels refuse are in
// testutil.Unmet. Any other object must load.
var bothRefuse = map[string]struct{ direct, loader string }{
	// IR-only: its ksym and kfunc live in the pretend module bpfc_mod;
	// this kernel has no modules, so the deferred lookups find nothing.
	"module_user.o": {
		direct: `program use_module (section syscall): ksym bpfc_mod_stats (insn 0): kernel BTF has no var "bpfc_mod_stats"`,
		loader: "bpf_btf_find_by_name_kind var bpfc_mod_stats (program use_module)",
	},
}

func TestEquivalence(t *testing.T) {
	testutil.RequireKernel(t)
	runtime.LockOSThread() // core_task.o reads the current thread
	defer runtime.UnlockOSThread()
	checked := maps.Clone(wantRetval)
	defer func() {
		if !t.Failed() && len(checked) > 0 {
			t.Errorf("programs never run: %v", slices.Sorted(maps.Keys(checked)))
		}
	}()
	for _, name := range testObjects(t) {
		t.Run(name, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			obj, err := compileObjectErr(t, name)
			if err != nil && notSupported[name] && errors.Is(err, passes.ErrNotFound) {
				t.Logf("this kernel does not have the object's struct_ops types: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}

			coll, errD := direct.Load(obj, &direct.Options{PinPath: testutil.BPFFS(t)})
			if errD == nil {
				t.Cleanup(func() { coll.Close() })
			}
			l, err := Generate(obj, nil)
			if want, ok := loaderRefuses[name]; ok {
				if err == nil || !errors.Is(err, ErrNotSupported) || !strings.Contains(err.Error(), want) {
					t.Fatalf("Generate: %v; want ErrNotSupported saying %q", err, want)
				}
				if unmet := testutil.Unmet(name); len(unmet) > 0 {
					testutil.CheckRefused(t, name, unmet, errD)
				} else if errD != nil {
					t.Fatalf("direct.Load: %v", errD)
				}
				return
			}
			if err != nil && errors.Is(err, ErrNotSupported) && notSupported[name] {
				t.Logf("the loader backend does not support it yet: %v (direct: %v)", err, errD)
				return
			}
			if err != nil {
				if errD != nil && os.Getenv(testutil.EnvRequireKernel) != "1" {
					t.Skipf("neither backend loads it on this kernel: direct: %v; loader: %v", errD, err)
				}
				t.Fatalf("Generate: %v", err)
			}
			res, errL := rt.Load(l.Spec(), nil)
			if errL == nil {
				t.Cleanup(func() { res.Close() })
			}
			forget := func() {
				for k := range checked {
					if strings.HasPrefix(k, name+"/") {
						delete(checked, k)
					}
				}
			}
			if unmet := testutil.Unmet(name); len(unmet) > 0 {
				// This kernel cannot load the object: the direct
				// backend names what it lacks, the loader fails too.
				forget()
				testutil.CheckRefused(t, name, unmet, errD)
				if errL == nil {
					t.Errorf("the loader loaded %s, which this kernel cannot load", name)
				}
				var de *direct.LoadError
				var se *rt.StepError
				if errors.As(errD, &de) && errors.As(errL, &se) && de.Program != "" && !strings.Contains(se.Desc, de.Program) {
					t.Errorf("direct fails on program %s, the loader on step %q", de.Program, se.Desc)
				}
				return
			}
			if features.SyscallProg.Missing() {
				// No loader program runs before 5.14; the direct backend
				// loads the object (but those no kernel loads).
				forget()
				if want, ok := bothRefuse[name]; ok {
					if errD == nil || !strings.Contains(errD.Error(), want.direct) {
						t.Errorf("direct.Load: %v, want an error containing %q", errD, want.direct)
					}
				} else if errD != nil {
					t.Fatalf("direct.Load: %v", errD)
				}
				if !errors.Is(errL, rt.ErrNoSyscallPrograms) || !strings.Contains(errL.Error(), "Linux 5.14") {
					t.Fatalf("rt.Load on %s: %v; want the refusal naming syscall programs and 5.14", features.Release(), errL)
				}
				return
			}
			if lr, ok := loaderLoadRefused[name]; ok && !testutil.KernelOlderThan(lr.since) {
				forget()
				var se *rt.StepError
				if errD != nil || !errors.As(errL, &se) || !strings.Contains(se.Desc, lr.step) {
					t.Fatalf("direct.Load: %v; rt.Load: %v; want the loader refused at %q, the direct backend loading", errD, errL, lr.step)
				}
				return
			}
			want, refused := bothRefuse[name]
			switch {
			case errD != nil && errL != nil:
				t.Logf("both backends refuse the object:\ndirect: %v\nloader: %v", errD, firstLine(errL))
				if !refused {
					t.Fatalf("both backends refuse an object that must load (not in bothRefuse)")
				}
				if !strings.Contains(errD.Error(), want.direct) || !strings.Contains(errL.Error(), want.loader) || !errors.Is(errL, unix.ENOENT) {
					t.Errorf("errors differ from bothRefuse: want direct error containing %q, loader ENOENT containing %q", want.direct, want.loader)
				}
				var de *direct.LoadError
				var se *rt.StepError
				if errors.As(errD, &de) && errors.As(errL, &se) && de.Program != "" && !strings.Contains(se.Desc, de.Program) {
					t.Errorf("direct fails on program %s, the loader on step %q", de.Program, se.Desc)
				}
				return
			case refused:
				t.Fatalf("an object of bothRefuse loaded: direct: %v, loader: %v", errD, errL)
			case errD != nil:
				t.Fatalf("direct.Load failed but the loader succeeded: %v", errD)
			case errL != nil:
				t.Fatalf("rt.Load failed but the direct backend succeeded: %v", errL)
			}
			d, lo := directSide(t, obj, coll), loaderSide(t, res)
			compareSides(t, obj, d, lo, "after load")

			// Run what can be run, on both sides, in the same order.
			ran := false
			for j, p := range obj.Programs {
				opts, ok := runInput(p)
				if !ok || d.progs[j] == nil {
					continue
				}
				rd, err1 := sys.TestRun(d.progs[j], opts)
				rl, err2 := sys.TestRun(lo.progs[j], opts)
				if (err1 == nil) != (err2 == nil) {
					t.Errorf("program %s: test run: direct %v, loader %v", p.Name, err1, err2)
					continue
				}
				if err1 != nil {
					continue
				}
				ran = true
				if rd.Retval != rl.Retval {
					t.Errorf("program %s: retval direct %d, loader %d", p.Name, rd.Retval, rl.Retval)
				}
				if want, ok := wantRetval[name+"/"+p.Name]; ok && rl.Retval != want {
					t.Errorf("program %s: retval %d, want %d (README)", p.Name, rl.Retval, want)
				}
				delete(checked, name+"/"+p.Name)
				if !slices.Equal(rd.DataOut, rl.DataOut) {
					t.Errorf("program %s: data out differs", p.Name)
				}
			}
			if ran {
				compareSides(t, obj, d, lo, "after the test runs")
			}
		})
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// compareSides compares every map and program of two loads of obj.
func compareSides(t *testing.T, obj *ir.Object, d, l *side, when string) {
	t.Helper()
	idsD, idsL := d.names(t, obj), l.names(t, obj)
	for i, m := range obj.Maps {
		if (d.maps[i] == nil) != (l.maps[i] == nil) {
			t.Errorf("map %s: created by direct %v, by the loader %v", m.Name, d.maps[i] != nil, l.maps[i] != nil)
			continue
		}
		if d.maps[i] == nil {
			continue
		}
		vd, vl := viewMap(t, d.maps[i], idsD), viewMap(t, l.maps[i], idsL)
		if m.StructOps != nil {
			vd.Contents, vl.Contents = structOpsView(t, m, d.maps[i], idsD), structOpsView(t, m, l.maps[i], idsL)
		}
		if m.Pinning != 0 {
			// Pinned maps are shared through the pin by direct loads.
			vd.Contents, vl.Contents = nil, nil
		}
		if diff := cmp.Diff(vd, vl); diff != "" {
			t.Errorf("%s: map %s differs (-direct +loader):\n%s", when, m.Name, diff)
		}
	}
	for j, p := range obj.Programs {
		if (d.progs[j] == nil) != (l.progs[j] == nil) {
			t.Errorf("program %s: loaded by direct %v, by the loader %v", p.Name, d.progs[j] != nil, l.progs[j] != nil)
			continue
		}
		if d.progs[j] == nil {
			continue
		}
		vd, vl := viewProg(t, d.progs[j], idsD), viewProg(t, l.progs[j], idsL)
		if mod := moduleLdImm64(t, obj, p); mod != "" && vd.Tag != vl.Tag {
			// The tag hashes the instructions as loaded, and a
			// ld_imm64 of a module's variable or kfunc carries the
			// module's BTF fd, which each side opened under its own
			// number: compare the translated instructions only.
			t.Logf("program %s: tags differ (%s, %s) by the fd of module %s's BTF in a ld_imm64", p.Name, vd.Tag, vl.Tag, mod)
			vd.Tag, vl.Tag = "", ""
		}
		if diff := cmp.Diff(vd, vl); diff != "" {
			t.Errorf("%s: program %s differs (-direct +loader):\n%s", when, p.Name, diff)
		}
	}
}

// structOpsView reads the value of a struct_ops map: its state and its
// bytes, where the kernel shows the programs of the function pointers (by
// id, or by fd on older kernels) as program names.
func structOpsView(t *testing.T, m *ir.Map, fd *sys.FD, ids ids) map[string]string {
	t.Helper()
	val := make([]byte, m.ValueSize)
	if err := sys.MapLookupElem(fd, make([]byte, 4), val); err != nil {
		return map[string]string{"lookup": err.Error()}
	}
	out := map[string]string{"state": fmt.Sprint(binary.LittleEndian.Uint32(val[4:]))}
	for _, mem := range m.StructOps.Funcs() {
		if mem.Missing {
			continue
		}
		v := binary.LittleEndian.Uint64(val[mem.KernelOffset:])
		name := ids[progID(uint32(v))]
		if name == "" && v != 0 {
			name = "fd" // the kernel keeps the fd the value was written with
		}
		out["member "+mem.Name] = name
		clear(val[mem.KernelOffset : mem.KernelOffset+8])
	}
	clear(val[:4]) // refcnt
	out["value"] = fmt.Sprintf("%x", val)
	return out
}

// moduleLdImm64 returns the module whose BTF holds the target of one of
// p's ld_imm64 references to a typed ksym or a kfunc left to load time,
// on this kernel, or "".
func moduleLdImm64(t *testing.T, obj *ir.Object, p *ir.Program) string {
	t.Helper()
	for _, r := range p.Relocs {
		e := obj.Extern(r.Symbol)
		if r.Kind != ir.RelocKsym || r.State != ir.Deferred || e == nil || e.Kind == ir.ExternKsym && !e.Typed {
			continue
		}
		kind := btf.KindVar
		if e.Kind == ir.ExternKfunc {
			kind = btf.KindFunc
		}
		vmlinux, err := target.Running().BTF()
		if err != nil {
			t.Fatal(err)
		}
		if len(vmlinux.FindByNameKind(e.KernelName(), kind)) > 0 {
			continue
		}
		mods, err := target.Running().ModuleBTFs()
		if err != nil {
			continue // no module BTF: no module fds either
		}
		for name, spec := range mods {
			for _, id := range spec.FindByNameKind(e.KernelName(), kind) {
				if id >= spec.FirstID() {
					return name
				}
			}
		}
	}
	return ""
}
