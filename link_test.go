// Tests of static linking in the running kernel: the link sets of
// testdata/link loaded with LoadFiles and through a loader program, their
// programs run, and what the kernel holds compared with libbpf's linker
// (bpftool gen object, Debian's libbpf 1.1): its output loaded by bpfc and
// by libbpf itself (bpftool prog loadall) must give the same translated
// instructions as bpfc linking the parts. Bad link sets must fail with the
// errors their sources describe.

package bpfc_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/elfobj"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/merge"
	"github.com/bpfc/bpfc/uapi"
)

// linkSet returns the parts of testdata/link/<set>, in name order.
func linkSet(tb testing.TB, set string) []string {
	tb.Helper()
	parts, err := filepath.Glob(filepath.Join("testdata", "link", set, "*.o"))
	if err != nil || len(parts) < 2 {
		tb.Fatalf("link set %s: %d parts (%v)", set, len(parts), err)
	}
	slices.Sort(parts)
	return parts
}

// refusedHere reports whether the running kernel lacks what object (a
// testdata object, or "link/<set>") needs, and then checks that err is
// the refusal naming it: a kernel of the matrix too old for the object.
func refusedHere(t *testing.T, object string, err error) bool {
	t.Helper()
	needs := testutil.Unmet(object)
	if len(needs) == 0 {
		return false
	}
	testutil.CheckRefused(t, object, needs, err)
	return true
}

// unmetHere is refusedHere for a load of paths that has not been tried:
// it loads them and checks the refusal.
func unmetHere(t *testing.T, object string, paths ...string) bool {
	t.Helper()
	if len(testutil.Unmet(object)) == 0 {
		return false
	}
	coll, err := bpfc.LoadFiles(paths, nil, nil)
	if err == nil {
		coll.Close()
	}
	return refusedHere(t, object, err)
}

// linkRun is one program run of a link set and what it must return.
type linkRun struct {
	prog string
	ctx  func() []byte // nil: the test packet as data
	want uint32
	// vars are global variables ("section:name") and their values after
	// the run.
	vars map[string]uint64
}

func pidCtx() []byte { return binary.LittleEndian.AppendUint32(nil, uint32(os.Getpid())) }

// linkRuns are the link sets' runs, in order, on one load (state carries
// over): see the comments of testdata/src/link/<set>/*.c.
var linkRuns = map[string][]linkRun{
	// link_entry: helper(64)=66, lib_add: b's helper(66)+3 = 135,
	// +hidden_mul(2) 14, +pick(0) 100 (b's), +first(0) 1000 (a's), +tunable
	// 20 (b's strong) + hidden_var 5.
	"basic": {
		{prog: "link_entry", want: 1274, vars: map[string]uint64{".bss:a_result": 1275, ".data.link:a_tag": 0xb, ".data:tunable": 20}},
		// lib_add(1, 2) = 4, + 20 + 1000 + loop sum 6 + b's calls (2).
		{prog: "link_lib", want: 1032, vars: map[string]uint64{".data.link:b_tag": 0xc}},
		// first(5) 1005 (a's) + lib_add(0, 20) 20 + 1.
		{prog: "link_third", want: 1026},
	},
	// weak_main: only_weak 1 (a's, first) *100 + ww_var 1 (a's) *10;
	// weak_prog is b's: 22 + 1 + 1.
	"weak": {
		{prog: "weak_main", want: 110, vars: map[string]uint64{".data:ww_var": 1}},
		{prog: "weak_prog", want: 24},
	},
	"legacy": {{prog: "legacy_main", want: 42}},
	"ksyms": {
		{prog: "ksyms_a", ctx: pidCtx, want: 0},
		{prog: "ksyms_b", ctx: pidCtx, want: 3},
	},
}

// varValue reads the global variable sec:name of a loaded collection
// (little-endian, its symbol's size, at most 8 bytes).
func varValue(t *testing.T, obj *ir.Object, coll *direct.Collection, ref string) uint64 {
	t.Helper()
	sec, name, _ := strings.Cut(ref, ":")
	ds := obj.DataSection(sec)
	m := coll.Maps[sec]
	if ds == nil || m == nil {
		t.Fatalf("%s: no section or map %s", ref, sec)
	}
	i := slices.IndexFunc(ds.Vars, func(v ir.DataVar) bool { return v.Name == name })
	if i < 0 {
		t.Fatalf("%s: no variable %s in %s", ref, name, sec)
	}
	val, err := m.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	v := ds.Vars[i]
	var b [8]byte
	copy(b[:], val[v.Offset:v.Offset+min(v.Size, 8)])
	return binary.LittleEndian.Uint64(b[:])
}

func TestLinkedRun(t *testing.T) {
	testutil.RequireKernel(t)
	for set, runs := range linkRuns {
		t.Run(set, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			parts := linkSet(t, set)
			obj, err := bpfc.CompileFiles(parts, &bpfc.Options{CheckIR: true})
			var coll *direct.Collection
			if err == nil {
				coll, err = direct.Load(obj, nil)
			}
			if refusedHere(t, "link/"+set, err) {
				if coll != nil {
					coll.Close()
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer coll.Close()
			for _, r := range runs {
				p := coll.Programs[r.prog]
				if p == nil {
					t.Fatalf("no program %s (have %v)", r.prog, coll.ProgramOrder)
				}
				opts := direct.TestRunOptions{DataIn: testutil.Packet()}
				if r.ctx != nil {
					opts = direct.TestRunOptions{CtxIn: r.ctx()}
				}
				res, err := p.TestRun(opts)
				if err != nil {
					t.Fatal(err)
				}
				if res.Retval != r.want {
					t.Errorf("%s returned %d, want %d", r.prog, res.Retval, r.want)
				}
				for ref, want := range r.vars {
					if got := varValue(t, obj, coll, ref); got != want {
						t.Errorf("after %s: %s = %d, want %d", r.prog, ref, got, want)
					}
				}
			}
			if set == "ksyms" {
				a, b := varValue(t, obj, coll, ".bss:a_stext"), varValue(t, obj, coll, ".bss:b_stext")
				if a == 0 || a != b {
					t.Errorf("_stext: %#x in a.c, %#x in b.c; want one nonzero address", a, b)
				}
				if got := varValue(t, obj, coll, ".bss:a_tgid"); got != uint64(os.Getpid()) {
					t.Errorf("a_tgid = %d, want %d", got, os.Getpid())
				}
			}
		})
	}
}

// TestLinkedLoader runs the link sets through one loader program each: the
// same return values as the direct load.
func TestLinkedLoader(t *testing.T) {
	testutil.RequireKernel(t)
	for set, runs := range linkRuns {
		t.Run(set, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			_, l, err := bpfc.GenerateLoaderFiles(linkSet(t, set), nil, nil)
			var res *rt.Result
			if err == nil {
				res, err = rt.Load(l.Spec(), nil)
			}
			if features.SyscallProg.Missing() {
				// No loader program runs before 5.14.
				if err == nil {
					res.Close()
				}
				if !errors.Is(err, rt.ErrNoSyscallPrograms) {
					t.Errorf("rt.Load on %s: %v; want the refusal naming syscall programs", features.Release(), err)
				}
				return
			}
			if refusedHere(t, "link/"+set, err) {
				if res != nil {
					res.Close()
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer res.Close()
			for _, r := range runs {
				i := slices.IndexFunc(l.Progs, func(p loaderprog.ProgDesc) bool { return p.Name == r.prog })
				if i < 0 {
					t.Fatalf("no program %s in the loader", r.prog)
				}
				p := &rt.Program{Name: r.prog, FD: res.ProgFDs[i]}
				opts := &rt.RunOptions{Data: testutil.Packet()}
				if r.ctx != nil {
					opts = &rt.RunOptions{Ctx: r.ctx()}
				}
				got, err := p.Run(opts)
				if err != nil {
					t.Fatal(err)
				}
				if got != r.want {
					t.Errorf("%s returned %d, want %d", r.prog, got, r.want)
				}
			}
		})
	}
}

func TestLinkedBad(t *testing.T) {
	for _, tc := range []struct {
		set    string
		target error
		want   []string
	}{
		{"bad_strong", merge.ErrConflict, []string{"function dup", "a.o", "b.o"}},
		{"bad_vartype", merge.ErrMismatch, []string{"variable shared_val", `"__u64" in a.o`, `"__u32" in b.o`}},
		{"bad_functype", merge.ErrMismatch, []string{"function twice", `"int (int)" in a.o`, `"int (struct pair *)" in b.o`}},
		{"bad_map", merge.ErrMismatch, []string{"map counts", "max_entries 4 and 8"}},
		{"bad_unresolved", merge.ErrUnresolved, []string{"extern variable nowhere", "a.o"}},
		{"bad_section", merge.ErrMismatch, []string{"variable moved", ".data in a.o", ".bss in b.o"}},
		{"bad_kconfig", merge.ErrMismatch, []string{"extern CONFIG_HZ", `"int" in a.o`, `"__u64" in b.o`}},
		{"bad_staticmap", merge.ErrConflict, []string{"map counts", "a.o and in b.o", "static"}},
	} {
		t.Run(tc.set, func(t *testing.T) {
			_, err := bpfc.CompileFiles(linkSet(t, tc.set), nil)
			if !errors.Is(err, tc.target) {
				t.Fatalf("CompileFiles: %v, want %v", err, tc.target)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// One part alone: its extern variable has no definition.
	_, err := bpfc.Compile(filepath.Join("testdata", "link", "basic", "a.o"), nil)
	if !errors.Is(err, merge.ErrUnresolved) || !strings.Contains(err.Error(), "a.o") {
		t.Errorf("one part of a link set alone: %v, want ErrUnresolved naming a.o", err)
	}
}

// progView is what is compared of a loaded program: its translated
// instructions with each map reference replaced by the map's shape and
// its rank among the maps the program references, and its BTF records.
// Graph is the same instructions split into functions, each call written
// as the callee's own form: equal for loaders that append subprograms in
// different orders (cilium/ebpf and libbpf do).
type progView struct {
	Type                  uapi.ProgType
	Xlated                []ir.Insn
	Maps                  []string
	NrFuncInfo, NrLineInf uint32
	GPL                   bool
	Graph                 string
}

// graphOnly is the part of a view that does not depend on the order of
// subprograms.
func graphOnly(vs map[string]progView) map[string]progView {
	out := map[string]progView{}
	for n, v := range vs {
		maps := slices.Clone(v.Maps)
		slices.Sort(maps)
		out[n] = progView{Type: v.Type, Maps: maps, NrFuncInfo: v.NrFuncInfo, NrLineInf: v.NrLineInf, GPL: v.GPL, Graph: v.Graph}
	}
	return out
}

// funcStarts returns the first instruction of each function of a loaded
// program, from its func_info.
func funcStarts(t *testing.T, fd *sys.FD, n uint32) []int {
	t.Helper()
	if n == 0 {
		return []int{0}
	}
	recs := make([]uint32, 2*n)
	info := sys.ProgInfoRaw{NrFuncInfo: n, FuncInfoRecSize: 8, FuncInfo: sys.NewPointer(unsafe.Pointer(&recs[0]))}
	if _, err := sys.ObjGetInfoByFD(fd, unsafe.Pointer(&info), uint32(unsafe.Sizeof(info))); err != nil {
		t.Fatal(err)
	}
	var starts []int
	for i := 0; i < int(n); i++ {
		starts = append(starts, int(recs[2*i]))
	}
	return starts
}

// callGraph writes the function starting at starts[0] with each bpf2bpf
// call and function address replaced by the callee's form, recursively
// (the verifier refuses recursion, so this ends).
func callGraph(insns []ir.Insn, starts []int, mapRef func(int32) string) string {
	memo := map[int]string{}
	var form func(k int) string
	form = func(k int) string {
		if s, ok := memo[k]; ok {
			return s
		}
		end := len(insns)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		var b strings.Builder
		for i := starts[k]; i < end; i++ {
			in := insns[i]
			switch {
			case in.IsPseudoCall() || in.IsLdImm64() && in.Src == ir.PseudoFunc:
				// The translated form of a call keeps its pc-relative
				// offset in off (imm is the subprogram's index); that of
				// a function address in imm (the second slot holds the
				// index).
				rel := int(in.Off)
				if in.IsLdImm64() {
					rel = int(in.Imm)
				}
				target := i + rel + 1
				j := slices.Index(starts, target)
				if j < 0 {
					fmt.Fprintf(&b, "call ?%d;", target)
				} else {
					fmt.Fprintf(&b, "%x/%d{%s};", in.Op, in.Src, form(j))
				}
			case in.IsLdImm64() && (in.Src == ir.PseudoMapFD || in.Src == ir.PseudoMapValue):
				fmt.Fprintf(&b, "ld %s+%d;", mapRef(in.Imm), insns[i+1].Imm)
			default:
				fmt.Fprintf(&b, "%x %d %d %d %d;", in.Op, in.Dst, in.Src, in.Off, in.Imm)
			}
			if in.IsLdImm64() {
				i++
			}
		}
		memo[k] = b.String()
		return memo[k]
	}
	return form(0)
}

func viewProg(t *testing.T, fd *sys.FD) progView {
	t.Helper()
	info, err := sys.ProgInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	insns, err := ir.Unmarshal(info.XlatedInsns, binary.LittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	v := progView{Type: info.Type, NrFuncInfo: info.NrFuncInfo, NrLineInf: info.NrLineInfo, GPL: info.GPLCompatible}
	shapes := map[int32]string{}
	v.Graph = callGraph(insns, funcStarts(t, fd, info.NrFuncInfo), func(id int32) string {
		if shapes[id] == "" {
			shapes[id] = mapShape(t, uint32(id))
		}
		return shapes[id]
	})
	rank := map[int32]int{}
	for i := 0; i < len(insns); i++ {
		in := &insns[i]
		if !in.IsLdImm64() {
			continue
		}
		if in.Src == ir.PseudoMapFD || in.Src == ir.PseudoMapValue {
			r, ok := rank[in.Imm]
			if !ok {
				r = len(rank)
				rank[in.Imm] = r
				v.Maps = append(v.Maps, mapShape(t, uint32(in.Imm)))
			}
			in.Imm = int32(r)
		}
		i++
	}
	v.Xlated = insns
	return v
}

// mapShape describes the map with the given id without its name, which
// each loader prefixes its own way.
func mapShape(t *testing.T, id uint32) string {
	t.Helper()
	fd, err := sys.MapGetFDByID(id)
	if err != nil {
		t.Fatalf("map id %d: %v", id, err)
	}
	defer fd.Close()
	info, err := sys.MapInfoByFD(fd)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s key %d value %d max %d", info.Type, info.KeySize, info.ValueSize, info.MaxEntries)
}

// directViews loads obj with the direct backend and views its programs.
func directViews(t *testing.T, paths ...string) map[string]progView {
	t.Helper()
	coll, err := bpfc.LoadFiles(paths, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	views := map[string]progView{}
	for name, p := range coll.Programs {
		dup, err := p.DupFD()
		if err != nil {
			t.Fatal(err)
		}
		fd, err := sys.NewFD(dup)
		if err != nil {
			t.Fatal(err)
		}
		views[name] = viewProg(t, fd)
		fd.Close()
	}
	return views
}

// bpftool returns the path of bpftool (testutil.Tool: missing, it fails
// under BPFC_REQUIRE_KERNEL and is host-only in the kernel matrix).
func bpftool(t *testing.T) string {
	t.Helper()
	return testutil.Tool(t, "bpftool")
}

// libbpfViews loads the object at path with libbpf (bpftool prog loadall)
// and views its programs, pinned under a private bpffs.
func libbpfViews(t *testing.T, path string) map[string]progView {
	t.Helper()
	dir := testutil.BPFFS(t)
	out, err := exec.Command(bpftool(t), "prog", "loadall", path, filepath.Join(dir, "progs")).CombinedOutput()
	if err != nil {
		t.Fatalf("bpftool prog loadall %s: %v\n%s", path, err, out)
	}
	ents, err := os.ReadDir(filepath.Join(dir, "progs"))
	if err != nil {
		t.Fatal(err)
	}
	views := map[string]progView{}
	for _, e := range ents {
		fd, err := sys.ObjGet(filepath.Join(dir, "progs", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		views[e.Name()] = viewProg(t, fd)
		fd.Close()
	}
	return views
}

// TestLinkedAgainstBpftool links each set with libbpf's linker (bpftool
// gen object) and compares, program by program, bpfc linking the parts
// with bpfc loading libbpf's output and with libbpf loading it.
func TestLinkedAgainstBpftool(t *testing.T) {
	testutil.RequireKernel(t)
	tool := bpftool(t)
	for _, set := range []string{"basic", "weak", "legacy", "structops"} {
		t.Run(set, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			parts := linkSet(t, set)
			linked := filepath.Join(t.TempDir(), set+".o")
			if out, err := exec.Command(tool, append([]string{"gen", "object", linked}, parts...)...).CombinedOutput(); err != nil {
				t.Fatalf("bpftool gen object: %v\n%s", err, out)
			}
			if unmetHere(t, "link/"+set, parts...) {
				return
			}
			want := directViews(t, parts...)
			got := directViews(t, linked)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("bpfc linking the parts (-) and bpfc loading bpftool's link (+) differ:\n%s", diff)
			}
			switch set {
			case "legacy":
				return // libbpf >= 1.0 does not load legacy maps
			case "weak":
				// libbpf 1.1 cannot load its linker's output here: the
				// .maps DATASEC entry of ws_map keeps the offset of a.o's
				// weak definition while its symbol moved to b.o's strong
				// one ("map relo failed to find map for section '.maps',
				// off 64").
				return
			}
			lib := libbpfViews(t, linked)
			if diff := cmp.Diff(want, lib); diff != "" {
				t.Errorf("bpfc linking the parts (-) and libbpf loading bpftool's link (+) differ:\n%s", diff)
			}
		})
	}
}

// ciliumTestdata returns cilium/ebpf's testdata directory in the module
// cache (cilium/ebpf is a test dependency; its files are not copied here).
func ciliumTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(testutil.Tool(t, "go"), "list", "-m", "-f", "{{.Dir}}", "github.com/cilium/ebpf").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/cilium/ebpf: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "testdata")
}

// TestCiliumLinked loads cilium/ebpf's linker test objects as its own
// TestLinkedELF checks them: linked1 and linked2 given together (bpfc
// links them), and linked, which libbpf's linker made of them (with the
// code of overridden weak functions left in, without symbols). Every map
// that won has max_entries 1 and every program that won returns 0.
func TestCiliumLinked(t *testing.T) {
	testutil.RequireKernel(t)
	dir := ciliumTestdata(t)
	for name, paths := range map[string][]string{
		"linked1+linked2": {filepath.Join(dir, "linked1-el.elf"), filepath.Join(dir, "linked2-el.elf")},
		"linked":          {filepath.Join(dir, "linked-el.elf")},
	} {
		t.Run(name, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			coll, err := bpfc.LoadFiles(paths, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer coll.Close()
			progs := slices.Sorted(maps.Keys(coll.Programs))
			if want := []string{"entry_l1", "entry_l1_s", "entry_l1_w", "entry_l2", "entry_ww"}; !slices.Equal(progs, want) {
				t.Errorf("programs %v, want %v", progs, want)
			}
			for n, m := range coll.Maps {
				if m.MaxEntries != 1 {
					t.Errorf("map %s: max_entries %d, want 1", n, m.MaxEntries)
				}
			}
			for n, p := range coll.Programs {
				res, err := p.TestRun(direct.TestRunOptions{DataIn: testutil.Packet()})
				if err != nil {
					t.Fatal(err)
				}
				if res.Retval != 0 {
					t.Errorf("program %s returned %d, want 0", n, res.Retval)
				}
			}
		})
	}
}

// writeLinked links paths (the merge pass alone) and writes the result
// with the ELF writer into a temporary file.
func writeLinked(t *testing.T, paths ...string) string {
	t.Helper()
	obj, err := bpfc.CompileFiles(paths, &bpfc.Options{StopAfter: "merge", CheckIR: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := elfobj.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), obj.Name)
	if !strings.HasSuffix(out, ".o") {
		out += ".o"
	}
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLinkedELF writes each link set as one ELF object (-emit=elf) and
// loads it with bpfc, libbpf (bpftool prog loadall) and cilium/ebpf: the
// same translated instructions as bpfc linking the parts.
func TestLinkedELF(t *testing.T) {
	testutil.RequireKernel(t)
	for _, tc := range []struct {
		set            string
		libbpf, cilium bool
	}{
		// libbpf >= 1.0 refuses legacy maps; cilium/ebpf 0.22 refuses
		// typeless ksyms (basic, ksyms: "expected _stext to be *Void")
		// and references to weak maps (weak: "unsupported binding:
		// STB_WEAK"; ww_map stays weak, as libbpf's linker leaves it)
		// and .struct_ops sections (structops: "got '.struct_ops'
		// section: not supported"; it reads .struct_ops.link only).
		{"basic", true, false},
		{"weak", true, false},
		{"ksyms", true, false},
		{"legacy", false, true},
		{"structops", true, false},
	} {
		t.Run(tc.set, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			parts := linkSet(t, tc.set)
			if unmetHere(t, "link/"+tc.set, parts...) {
				return
			}
			want := directViews(t, parts...)
			written := writeLinked(t, parts...)
			if diff := cmp.Diff(want, directViews(t, written)); diff != "" {
				t.Errorf("bpfc linking the parts (-) and bpfc loading the written object (+) differ:\n%s", diff)
			}
			if tc.libbpf {
				if diff := cmp.Diff(want, libbpfViews(t, written)); diff != "" {
					t.Errorf("bpfc linking the parts (-) and libbpf loading the written object (+) differ:\n%s", diff)
				}
			}
			if tc.cilium {
				if diff := cmp.Diff(graphOnly(want), graphOnly(ciliumViews(t, written))); diff != "" {
					t.Errorf("bpfc linking the parts (-) and cilium/ebpf loading the written object (+) differ:\n%s", diff)
				}
			}
		})
	}
}

// TestWrittenObjects writes single objects through the ELF writer and
// loads the result with libbpf and cilium/ebpf: the same instructions as
// bpfc loading the original.
func TestWrittenObjects(t *testing.T) {
	testutil.RequireKernel(t)
	for _, name := range []string{"xdp_globals.o", "subprogs.o", "tailcall.o", "mapinmap.o", "sockfilter.o"} {
		t.Run(name, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			path := filepath.Join("testdata", name)
			if unmetHere(t, name, path) {
				return
			}
			want := directViews(t, path)
			written := writeLinked(t, path)
			if diff := cmp.Diff(want, libbpfViews(t, written)); diff != "" {
				t.Errorf("bpfc loading %s (-) and libbpf loading it written by bpfc (+) differ:\n%s", name, diff)
			}
			if diff := cmp.Diff(graphOnly(want), graphOnly(ciliumViews(t, written))); diff != "" {
				t.Errorf("bpfc loading %s (-) and cilium/ebpf loading it written by bpfc (+) differ:\n%s", name, diff)
			}
		})
	}
}

// ciliumViews loads the object at path with cilium/ebpf and views its
// programs.
func ciliumViews(t *testing.T, path string) map[string]progView {
	t.Helper()
	spec, err := ebpf.LoadCollectionSpec(path)
	if err != nil {
		t.Fatalf("cilium/ebpf: %v", err)
	}
	coll, err := ebpf.NewCollection(spec)
	if err != nil {
		t.Fatalf("cilium/ebpf: %v", err)
	}
	defer coll.Close()
	views := map[string]progView{}
	for name, p := range coll.Programs {
		dup, err := unix.Dup(p.FD())
		if err != nil {
			t.Fatal(err)
		}
		fd, err := sys.NewFD(dup)
		if err != nil {
			t.Fatal(err)
		}
		views[name] = viewProg(t, fd)
		fd.Close()
	}
	return views
}

// TestLinkedFromZip links the parts of the basic set read from a zip
// archive (one stored, the others deflated) and runs link_entry.
func TestLinkedFromZip(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	archive := filepath.Join(t.TempDir(), "sets.zip")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	var paths []string
	for i, p := range linkSet(t, "basic") {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		method := zip.Deflate
		if i == 0 {
			method = zip.Store
		}
		name := "basic/" + filepath.Base(p)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw)
		paths = append(paths, archive+"!/"+name)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(archive, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if unmetHere(t, "link/basic", paths...) {
		return
	}
	coll, err := bpfc.LoadFiles(paths, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	if coll.Object != "sets.zip!/basic/a.o" {
		t.Errorf("object name %q", coll.Object)
	}
	res, err := coll.Programs["link_entry"].TestRun(direct.TestRunOptions{DataIn: testutil.Packet()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Retval != 1274 {
		t.Errorf("link_entry returned %d, want 1274", res.Retval)
	}
	if _, err := bpfc.LoadFiles([]string{archive + "!/basic/nosuch.o"}, nil, nil); err == nil || !strings.Contains(err.Error(), "sets.zip!/basic/nosuch.o") {
		t.Errorf("missing member: %v", err)
	}
}

// writePartial links paths with externs left (PartialLink, as bpftool gen
// object does) and writes the result with the ELF writer.
func writePartial(t *testing.T, name string, paths ...string) string {
	t.Helper()
	obj, err := bpfc.CompileFiles(paths, &bpfc.Options{StopAfter: "merge", CheckIR: true, PartialLink: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := elfobj.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPartialLink writes one part of a set alone (its externs left for a
// later link, as libbpf's linker allows) and links the result with the
// other parts, with bpfc and with libbpf's linker: the same translated
// instructions as linking the parts at once. A partial link of a.o and
// c.o of the basic set makes tunable strong (c.c's extern of it is not
// weak), so that b.o's strong tunable then conflicts: libbpf's linker
// does the same.
func TestPartialLink(t *testing.T) {
	testutil.RequireKernel(t)
	for _, set := range []string{"basic", "structops"} {
		t.Run(set, func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			parts := linkSet(t, set)
			partial := writePartial(t, "a_partial.o", parts[0])
			if _, err := bpfc.CompileFiles([]string{partial}, &bpfc.Options{StopAfter: "merge"}); !errors.Is(err, merge.ErrUnresolved) {
				t.Errorf("the partial link alone: %v, want ErrUnresolved", err)
			}
			rest := append([]string{partial}, parts[1:]...)
			if unmetHere(t, "link/"+set, parts...) {
				return
			}
			want := directViews(t, parts...)
			if diff := cmp.Diff(want, directViews(t, rest...)); diff != "" {
				t.Errorf("bpfc linking the parts (-) and the partial link with the others (+) differ:\n%s", diff)
			}
			t.Run("libbpf", func(t *testing.T) {
				linked := filepath.Join(t.TempDir(), set+".o")
				if out, err := exec.Command(bpftool(t), append([]string{"gen", "object", linked}, rest...)...).CombinedOutput(); err != nil {
					t.Fatalf("bpftool gen object of the partial link and the others: %v\n%s", err, out)
				}
				if diff := cmp.Diff(want, libbpfViews(t, linked)); diff != "" {
					t.Errorf("bpfc linking the parts (-) and libbpf loading its link of the partial one with the others (+) differ:\n%s", diff)
				}
			})
		})
	}
	t.Run("tunable", func(t *testing.T) {
		parts := linkSet(t, "basic")
		ac := writePartial(t, "ac.o", parts[0], parts[2])
		_, err := bpfc.CompileFiles([]string{ac, parts[1]}, &bpfc.Options{StopAfter: "merge"})
		if !errors.Is(err, merge.ErrConflict) || !strings.Contains(err.Error(), "variable tunable: strong definitions in ac.o and b.o") {
			t.Errorf("linking a.o+c.o with b.o: %v, want the conflict of tunable", err)
		}
		t.Run("libbpf", func(t *testing.T) {
			out, err := exec.Command(bpftool(t), "gen", "object", filepath.Join(t.TempDir(), "x.o"), ac, parts[1]).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "conflicting non-weak symbol") || !strings.Contains(string(out), "(tunable)") {
				t.Errorf("bpftool gen object of a.o+c.o with b.o: %v\n%s\nwant the conflict of tunable", err, out)
			}
		})
	})
}
