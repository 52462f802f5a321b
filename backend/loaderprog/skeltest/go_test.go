// This file tests the Go light skeletons: every test object's skeleton
// compiling, and skeletons of several objects built into scratch programs
// that load, run, read and write global data, resize maps, attach, read an
// iterator and hand their descriptors to cilium/ebpf. (The generated text
// itself is reviewed in examples/xdpglobals/xdp_globals_skel.go, which
// that example's test keeps equal to the generator's output.)

package skeltest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/irtest"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// TestGoSkeletonsBuild generates the skeleton of every test object the
// loader backend takes and builds them all: layout assertions, names and
// the embedded loader must compile.
func TestGoSkeletonsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	testutil.Tool(t, "go") // first: a guest says host-only before any log
	root := repoRoot(t)
	objs, err := filepath.Glob(filepath.Join(root, "testdata", "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var imports []string
	for _, path := range objs {
		name := filepath.Base(path)
		opts := &bpfc.Options{Defer: true}
		if name == "maps_kinds.o" {
			opts.MaxEntries = map[string]uint32{"user_sized_map": 16}
		}
		obj, err := bpfc.Compile(path, opts)
		if err != nil {
			t.Logf("%s: not compiled: %v", name, err)
			continue
		}
		l, err := loaderprog.Generate(obj, nil)
		if err != nil {
			t.Logf("%s: no loader: %v", name, err)
			continue
		}
		pkg := skel.GoPackageName(name)
		files[pkg+"/"+pkg+".go"] = goSkeleton(t, l, obj, pkg)
		imports = append(imports, fmt.Sprintf("_ \"skeltest/%s\"", pkg))
	}
	if len(imports) < 8 {
		t.Fatalf("only %d objects gave a skeleton", len(imports))
	}
	files["main.go"] = []byte("package main\n\nimport (\n" + strings.Join(imports, "\n") + "\n)\n\nfunc main() { println(\"built\") }\n")
	out := goRun(t, files)
	if !strings.Contains(out, "built") {
		t.Errorf("output: %s", out)
	}
}

const packetHex = "02000000000202000000000108004510003212340000401100000a0000010a000002" +
	"22232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"

// mainPrelude is the start of every scratch main.go.
const mainPrelude = `package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
)

var (
	_ = binary.LittleEndian
	_ = bufio.NewReader
	_ = errors.Is
	_ = exec.Command
	_ = strings.Count
	_ = time.Now
	_ = unsafe.Sizeof(0)
	_ = ebpf.NewMapFromFD
	_ = unix.Getpid
)

var pkt, _ = hex.DecodeString("` + packetHex + `")

func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func run(p *rt.Program) uint32 {
	r, err := p.Run(&rt.RunOptions{Data: pkt})
	check(err)
	return r
}

func fds() int {
	ents, err := os.ReadDir("/proc/self/fd")
	check(err)
	return len(ents)
}
`

const xdpGlobalsMain = mainPrelude + `
func main() {
	s := NewXdpGlobals()
	check(s.Load(nil))
	fmt.Printf("compute1=%d\n", run(&s.Progs.XdpCompute))
	fmt.Printf("bss_runs=%d\nbss_result=%d\nbss_pkt_len=%d\nbss_name_len=%d\n", s.Bss.BssRuns, s.Bss.BssResult, s.Bss.BssPktLen, s.Bss.BssNameLen)
	fmt.Printf("compute2=%d\n", run(&s.Progs.XdpCompute))
	fmt.Printf("rodata_mode=%d\n", s.Rodata.RodataMode)

	// cilium/ebpf gets duplicates of the skeleton's descriptors.
	mfd, err := unix.Dup(s.Maps.Bss.FD)
	check(err)
	m, err := ebpf.NewMapFromFD(mfd)
	check(err)
	val := make([]byte, m.ValueSize())
	check(m.Lookup(uint32(0), &val))
	fmt.Printf("cilium_bss_result=%d\n", binary.NativeEndian.Uint32(val[unsafe.Offsetof(s.Bss.BssResult):]))
	m.Close()
	pfd, err := unix.Dup(s.Progs.XdpCompute.FD)
	check(err)
	p, err := ebpf.NewProgramFromFD(pfd)
	check(err)
	ret, err := p.Run(&ebpf.RunOptions{Data: pkt})
	check(err)
	fmt.Printf("cilium_compute3=%d\n", ret)
	p.Close()

	fmt.Printf("bump=%d\n", run(&s.Progs.XdpBump))
	fmt.Printf("data_base=%d\ncustom_bumps=%d\nbss_wide_copy=%#x\n", s.Data.DataBase, s.DataCustom.CustomBumps, s.Bss.BssWideCopy)
	// Written through the mmaped .data: 200+7 + 3*5 + 4 + 4 runs.
	s.Data.DataBase = 200
	fmt.Printf("compute_base200=%d\n", run(&s.Progs.XdpCompute))
	check(s.Close())

	// cilium/ebpf keeps a few descriptors of its own (feature probes):
	// count from here.
	before := fds()
	// .rodata set before Load.
	for _, c := range []struct {
		name string
		set  func(s *XdpGlobals)
	}{
		{"xor", func(s *XdpGlobals) { s.Rodata.RodataMode = ModeXor }},
		{"name", func(s *XdpGlobals) {
			s.Rodata.RodataName = [16]byte{}
			copy(s.Rodata.RodataName[:], "hello-world")
			s.Rodata.RodataEnabled = false
		}},
		{"sub", func(s *XdpGlobals) {
			s.Rodata.RodataMode = ModeSub
			s.Rodata.RodataMul = 10
			s.RodataCfg.CfgFactor = 2
		}},
	} {
		s := NewXdpGlobals()
		c.set(s)
		check(s.Load(nil))
		fmt.Printf("set_%s=%d\n", c.name, run(&s.Progs.XdpCompute))
		check(s.Close())
	}
	fmt.Printf("fds_leaked=%d\n", fds()-before)
}
`

func TestGoSkeletonXDPGlobals(t *testing.T) {
	testutil.RequireKernel(t)
	obj, l := object(t, "xdp_globals.o", nil, nil)
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(xdpGlobalsMain),
	})
	checkKV(t, out, map[string]string{
		"compute1": "127", "bss_runs": "1", "bss_result": "127", "bss_pkt_len": "64", "bss_name_len": "4",
		"compute2": "128", "rodata_mode": "1", "cilium_bss_result": "128", "cilium_compute3": "129",
		"bump": "101", "data_base": "101", "custom_bumps": "1", "bss_wide_copy": "0x1122334455667788",
		"compute_base200": "230",
		"set_xor":         "105", "set_name": "119", "set_sub": "92",
		"fds_leaked": "0",
	})
}

const mapsKindsMain = mainPrelude + `
func maxEntries(fd int) uint32 {
	dup, err := unix.Dup(fd)
	check(err)
	m, err := ebpf.NewMapFromFD(dup)
	check(err)
	defer m.Close()
	return m.MaxEntries()
}

func main() {
	s := NewMapsKinds()
	check(s.Load(nil))
	fmt.Printf("default_user_sized=%d\n", maxEntries(s.Maps.UserSizedMap.FD))
	check(s.Close())

	s = NewMapsKinds()
	s.Maps.UserSizedMap.MaxEntries = 32
	s.Maps.HashMap.MaxEntries = 64
	check(s.Load(nil))
	defer s.Close()
	fmt.Printf("user_sized=%d\nhash_map=%d\narray_map=%d\n", maxEntries(s.Maps.UserSizedMap.FD), maxEntries(s.Maps.HashMap.FD), maxEntries(s.Maps.ArrayMap.FD))
	fmt.Printf("fill=%#x\n", run(&s.Progs.FillMaps))
	dup, err := unix.Dup(s.Maps.UserSizedMap.FD)
	check(err)
	m, err := ebpf.NewMapFromFD(dup)
	check(err)
	var v uint32
	check(m.Lookup(uint32(9), &v))
	fmt.Printf("user_sized_9=%d\n", v)
	m.Close()
}
`

func TestGoSkeletonMapsKinds(t *testing.T) {
	testutil.RequireKernel(t)
	obj, l := object(t, "maps_kinds.o", &bpfc.Options{MaxEntries: map[string]uint32{"user_sized_map": 16}}, nil)
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(mapsKindsMain),
	})
	checkKV(t, out, map[string]string{
		"default_user_sized": "16", "user_sized": "32", "hash_map": "64", "array_map": "4",
		"fill": "0x600d", "user_sized_9": "99",
	})
}

const tracingMain = mainPrelude + `
func main() {
	s := NewTracing()
	check(s.Load(nil))
	defer s.Close()

	ctx, _ := hex.DecodeString("06000000f9ffffff0000000000000000")
	r, err := s.Progs.SysProg.Run(&rt.RunOptions{Ctx: ctx})
	check(err)
	fmt.Printf("sys=%d\nproduct=%d\nsys_calls=%d\n", int32(r), int64(binary.NativeEndian.Uint64(ctx[8:])), s.Bss.SysCalls)

	rawCtx, _ := hex.DecodeString("00000000000000002700000000000000")
	r, err = s.Progs.RawtpSysEnter.Run(&rt.RunOptions{Ctx: rawCtx})
	check(err)
	fmt.Printf("rawtp=%d\nrawtp_calls=%d\nrawtp_last_id=%d\n", r, s.Bss.RawtpCalls, s.Bss.RawtpLastId)

	check(s.Attach())
	fmt.Printf("links=%v\n", s.Links.RawtpSysEnter != nil && s.Links.OnSchedSwitch != nil && s.Links.DumpTask != nil && s.Links.SysProg == nil)
	for i := 0; i < 20; i++ {
		unix.Getppid()
		time.Sleep(time.Millisecond)
	}
	fmt.Printf("rawtp_attached=%v\n", s.Bss.RawtpCalls > 1)
	fmt.Printf("sched_switch_attached=%v\n", s.Bss.SwitchCalls > 0)

	f, err := s.Links.DumpTask.Iter()
	check(err)
	lines := 0
	sc := bufio.NewScanner(f)
	self := fmt.Sprintf("%d %d", unix.Getpid(), unix.Getpid())
	found := false
	for sc.Scan() {
		lines++
		found = found || sc.Text() == self
	}
	check(sc.Err())
	f.Close()
	fmt.Printf("iter_lines_match=%v\niter_self=%v\n", lines > 0 && uint64(lines) == s.Bss.IterTasks, found)

	s.Detach()
	n := s.Bss.RawtpCalls
	for i := 0; i < 5; i++ {
		unix.Getppid()
	}
	fmt.Printf("detached=%v\n", s.Bss.RawtpCalls == n)
}
`

func TestGoSkeletonTracing(t *testing.T) {
	testutil.RequireKernel(t)
	obj, l := object(t, "tracing.o", nil, nil)
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(tracingMain),
	})
	checkKV(t, out, map[string]string{
		"sys": "-1", "product": "-42", "sys_calls": "1",
		"rawtp": "79", "rawtp_calls": "1", "rawtp_last_id": "39",
		"links": "true", "rawtp_attached": "true", "sched_switch_attached": "true",
		"iter_lines_match": "true", "iter_self": "true", "detached": "true",
	})
}

const tailcallMain = mainPrelude + `
func main() {
	s := NewTailcall()
	check(s.Load(nil))
	defer s.Close()
	for _, idx := range []uint32{0, 1, 2, 3, 7} {
		s.Data.TailIndex = idx
		fmt.Printf("tail_%d=%d\n", idx, run(&s.Progs.TailEntry))
	}
	fmt.Printf("tail_a_runs=%d\ntail_b_runs=%d\nfallthrough_runs=%d\n", s.Bss.TailARuns, s.Bss.TailBRuns, s.Bss.FallthroughRuns)
}
`

func TestGoSkeletonTailcall(t *testing.T) {
	testutil.RequireKernel(t)
	obj, l := object(t, "tailcall.o", nil, nil)
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(tailcallMain),
	})
	checkKV(t, out, map[string]string{
		"tail_0": "10", "tail_1": "99", "tail_2": "20", "tail_3": "99", "tail_7": "99",
		"tail_a_runs": "1", "tail_b_runs": "1", "fallthrough_runs": "3",
	})
}

// TestGoSkeletonBadNames checks the emitter's refusals.
func TestGoSkeletonBadNames(t *testing.T) {
	obj, l := object(t, "xdp_globals.o", nil, nil)
	for _, pkg := range []string{"func", "1abc", "a-b"} {
		if err := skel.WriteGo(&bytes.Buffer{}, l, obj, pkg); err == nil {
			t.Errorf("package %q accepted", pkg)
		}
	}
	if err := skel.WriteGo(&bytes.Buffer{}, nil, obj, "x"); err == nil {
		t.Error("nil loader accepted")
	}
}

const skelEdgeMain = mainPrelude + `
func main() {
	s := NewSkelEdge()
	check(s.Load(nil))
	fmt.Printf("initial_load=%d\n", run(&s.Progs.Load))
	check(s.Close())

	// Every global its initial value + 100, written before Load through
	// the typed accessors; the program Load checks them at their offsets.
	s = NewSkelEdge()
	d := s.Data
	d.MyVar, d.MyVar2 = 101, 102
	d.Type, d.Func, d.Len, d.Map = 103, 104, 105, 106
	d.Under, d.Under2, d.Pad0 = 107, 108, 109
	d.OddByte = 110
	d.OddPacked[0] = 111
	binary.LittleEndian.PutUint32(d.OddPacked[1:], 112)
	d.Aligned64 = 113
	binary.LittleEndian.PutUint32(d.Either[:], 114)
	d.Outer.N = 115
	d.Outer.Items[0].Tag, d.Outer.Items[0].V = 116, 117
	d.Outer.Items[1].Tag, d.Outer.Items[1].V = 118, 119
	d.Outer.Name[0] = 'x'
	d.Outer.Ok = false
	d.E8, d.E16, d.E64, d.Ebig, d.Eneg = S8A, S16A, W64A, BiguA, NegB
	d.Flag = false
	copy(d.Text[:], "HEY")
	d.Flexible.N = 120
	d.Nothing.A = 125
	d.AfterNothing = 121
	s.DataAB.Dotted, s.DataAB2.Underscored = 122, 123
	s.Rodata.RoVal = 124
	check(s.Load(nil))
	fmt.Printf("set=%d\n", run(&s.Progs.Load))
	fmt.Printf("mmaped_after_nothing=%d\nmmaped_ro_val=%d\nmmaped_underscored=%d\n", s.Data.AfterNothing, s.Rodata.RoVal, s.DataAB2.Underscored)
	fmt.Printf("close=%d\nattach=%d\n", run(&s.Progs.Close), run(&s.Progs.Attach))
	fmt.Printf("not_loaded_fd=%d\nattach_all_err=%v\n", s.Progs.NotLoaded.FD, s.Attach())
	for _, m := range []*rt.Map{&s.Maps.Rodata, &s.Maps.Data, &s.Maps.Rodata2} {
		em, err := ebpf.NewMapFromFD(must(unix.Dup(m.FD)))
		check(err)
		info, err := em.Info()
		check(err)
		fmt.Printf("map_%s=%s/%d\n", m.Name, info.Name, info.ValueSize)
		em.Close()
	}
	check(s.Close())
}

func must(fd int, err error) int {
	check(err)
	return fd
}
`

// TestGoSkeletonEdge builds and runs the skeleton of skel_edge.o: names
// that collide or shadow (maps rodata and .rodata, programs Load, Close,
// Attach, sections .data.a.b and .data.a_b) and layouts with bitfields,
// unions, nested arrays of structs, packed enums, odd offsets and
// zero-size members. Values written before Load must reach the program at
// their BTF offsets.
func TestGoSkeletonEdge(t *testing.T) {
	testutil.RequireKernel(t)
	obj, l := object(t, "skel_edge.o", nil, nil)
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(skelEdgeMain),
	})
	checkKV(t, out, map[string]string{
		"initial_load": "1001", "set": "2",
		"mmaped_after_nothing": "121", "mmaped_ro_val": "124", "mmaped_underscored": "123",
		"close": "2", "attach": "2", "not_loaded_fd": "-1", "attach_all_err": "<nil>",
		"map_rodata": "rodata/8", "map_data": "data/8", "map_.rodata": "skel_edg.rodata/4",
	})
}

// emptyObjects are objects without maps: one program; one program that is
// not autoloaded; no program at all.
func emptyObjects() []*ir.Object {
	var objs []*ir.Object
	for _, c := range []struct {
		name           string
		prog, autoload bool
	}{{"nomaps.o", true, true}, {"noauto.o", true, false}, {"noprogs.o", false, false}} {
		o := &ir.Object{Name: c.name, License: "GPL", ByteOrder: binary.LittleEndian}
		if c.prog {
			p := irtest.Program("only", uapi.ProgTypeSocketFilter, irtest.Insns(ir.Mov64Imm(0, 1), ir.Exit()))
			p.Autoload = c.autoload
			o.Programs = append(o.Programs, p)
		}
		objs = append(objs, o)
	}
	return objs
}

// TestSkeletonsOfEmptyObjects builds and runs the Go and C skeletons of
// objects without maps, without autoloaded programs, without programs.
func TestSkeletonsOfEmptyObjects(t *testing.T) {
	testutil.RequireKernel(t)
	files := map[string][]byte{}
	var main strings.Builder
	main.WriteString("package main\n\nimport (\n\t\"fmt\"\n")
	var body, cIncludes, cBody strings.Builder
	for _, obj := range emptyObjects() {
		l, err := loaderprog.Generate(obj, &loaderprog.Options{NoIntegrity: true})
		if err != nil {
			t.Fatalf("%s: %v", obj.Name, err)
		}
		pkg, typ, cname := skel.GoPackageName(obj.Name), skel.GoTypeName(obj.Name), skel.CName(obj.Name)
		files[pkg+"/"+pkg+".go"] = goSkeleton(t, l, obj, pkg)
		fmt.Fprintf(&main, "\t%q\n", "skeltest/"+pkg)
		fmt.Fprintf(&body, "\t{\n\t\ts := %s.New%s()\n\t\terr := s.Load(nil)\n\t\tif err == nil {\n\t\t\terr = s.Attach()\n\t\t}\n\t\ts.Close()\n\t\tfmt.Printf(\"%s=%%v\\n\", err)\n\t}\n", pkg, typ, pkg)
		var h bytes.Buffer
		if err := skel.WriteC(&h, l, obj, ""); err != nil {
			t.Fatalf("%s: WriteC: %v", obj.Name, err)
		}
		// One header only per translation unit of buildC: chain them.
		cIncludes.Write(h.Bytes())
		fmt.Fprintf(&cBody, "\t{\n\t\tstruct %[1]s *s = %[1]s__open_and_load();\n\n\t\tprintf(\"%[1]s=%%d\\n\", s ? %[1]s__attach(s) : -1);\n\t\t%[1]s__destroy(s);\n\t}\n", cname)
	}
	main.WriteString(")\n\nfunc main() {\n" + body.String() + "}\n")
	files["main.go"] = []byte(main.String())
	checkKV(t, goRun(t, files), map[string]string{"nomaps": "<nil>", "noauto": "<nil>", "noprogs": "<nil>"})

	bin := buildC(t, []byte(cIncludes.String()), cPrelude+"#include \"skel.h\"\n\nint main(void)\n{\n"+cBody.String()+"\treturn 0;\n}\n", true)
	checkKV(t, runBin(t, bin), map[string]string{"nomaps": "0", "noauto": "0", "noprogs": "0"})
}

const linkedMain = mainPrelude + `
func main() {
	s := NewLinkBasic()
	check(s.Load(nil))
	fmt.Printf("entry=%d\na_result=%d\nlib_counter=%d\ntunable=%d\n", run(&s.Progs.LinkEntry), s.Bss.AResult, s.Bss.LibCounter, s.Data.Tunable)
	fmt.Printf("lib=%d\nb_tag=%#x\n", run(&s.Progs.LinkLib), s.DataLink.BTag)
	fmt.Printf("third=%d\n", run(&s.Progs.LinkThird))
	check(s.Close())

	// b.c's strong tunable, set before Load: link_entry adds 10 more.
	s = NewLinkBasic()
	s.Data.Tunable = 30
	check(s.Load(nil))
	fmt.Printf("entry_tunable30=%d\n", run(&s.Progs.LinkEntry))
	check(s.Close())
}
`

// TestGoSkeletonLinked builds one skeleton of the three objects of the
// basic link set (linked by the merge pass) and runs it: the programs of
// every part, the variables that won, and -set through the skeleton.
func TestGoSkeletonLinked(t *testing.T) {
	testutil.RequireKernel(t)
	root := repoRoot(t)
	parts, err := filepath.Glob(filepath.Join(root, "testdata", "link", "basic", "*.o"))
	if err != nil || len(parts) != 3 {
		t.Fatalf("basic link set: %v %v", parts, err)
	}
	obj, l, err := bpfc.GenerateLoaderFiles(parts, &bpfc.Options{Name: "link_basic"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := goRun(t, map[string][]byte{
		"skel.go": goSkeleton(t, l, obj, "main"),
		"main.go": []byte(linkedMain),
	})
	checkKV(t, out, map[string]string{
		"entry": "1274", "a_result": "1275", "lib_counter": "1", "tunable": "20",
		"lib": "1032", "b_tag": "0xc", "third": "1026", "entry_tunable30": "1284",
	})
}
