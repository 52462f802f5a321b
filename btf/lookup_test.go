// Tests and benchmarks of the name lookups: the scan that answers the
// first lookups of a blob (string search, then a walk of the type
// offsets) must agree with the name index on every name and kind, in the
// testdata BTF and in the running kernel's vmlinux BTF.

package btf

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/testutil"
)

// lookupNames returns every distinct type name of s (base included), their
// essential names, and names that must find nothing or test the edges of
// the string search: flavors, prefixes and suffixes of names, a name with
// a NUL.
func lookupNames(s *Spec) []string {
	seen := map[string]bool{}
	var names []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for id := 1; id < s.NumTypes(); id++ {
		n := s.TypeName(TypeID(id))
		if n == "" {
			continue
		}
		add(n)
		add(EssentialName(n))
		add(n + "___flavor")
		add(n[1:])
		add(n[:len(n)-1])
	}
	for _, n := range []string{"no_such_name", "___", "a___b", "x\x00y", "int\x00"} {
		add(n)
	}
	slices.Sort(names)
	return names
}

// compareLookups checks that scanning (each way of modes) and the index
// agree on name for every kind of kinds, exactly and by essential name.
func compareLookups(t *testing.T, what string, s *Spec, name string, kinds []Kind, modes ...lookupMode) {
	t.Helper()
	for _, kind := range kinds {
		for _, exact := range []bool{true, false} {
			if name == "" {
				continue
			}
			q := query{name: name, exact: exact, kind: kind}
			want := s.findMode(q, lookupIndex)
			for _, mode := range modes {
				if got := s.findMode(q, mode); !slices.Equal(got, want) {
					t.Errorf("%s: %+v: scan (mode %d) = %v, index = %v", what, q, mode, got, want)
				}
			}
			// The public entry points answer the same.
			var got []TypeID
			if exact {
				got = s.FindByNameKind(name, kind)
			} else {
				got = s.FindByEssentialName(name, kind)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %+v: Find = %v, index = %v", what, q, got, want)
			}
		}
	}
}

// allKinds are KindUnknown and every kind.
func allKinds() []Kind {
	var ks []Kind
	for k := KindUnknown; k <= maxKind; k++ {
		ks = append(ks, k)
	}
	return ks
}

// testdataSpecs returns the BTF of the test objects and target files.
func testdataSpecs(t *testing.T) map[string]*Spec {
	t.Helper()
	specs := map[string]*Spec{}
	for _, order := range orders {
		specs[fmt.Sprintf("sample/%v", order)] = sampleSpec(t, order)
	}
	objs, err := filepath.Glob("../testdata/*.o")
	if err != nil || len(objs) == 0 {
		t.Fatalf("no test objects: %v", err)
	}
	for _, path := range append(objs, "testdata/minimal.o") {
		s, err := LoadSpecFromELF(path)
		if err != nil {
			t.Fatal(err)
		}
		specs[filepath.Base(path)] = s
	}
	kernelA, err := LoadTarget("../testdata/btf/kernel_a.btf")
	if err != nil {
		t.Fatal(err)
	}
	specs["kernel_a.btf"] = kernelA
	if specs["kernel_b.btf"], err = LoadTarget("../testdata/btf/kernel_b.btf"); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../testdata/btf/module_a.btf")
	if err != nil {
		t.Fatal(err)
	}
	if specs["module_a.btf"], err = ParseSplit(raw, kernelA); err != nil {
		t.Fatal(err)
	}
	return specs
}

// TestLookupScanAgrees compares scan and index on every name (and
// near-miss) of every testdata BTF blob, for every kind.
func TestLookupScanAgrees(t *testing.T) {
	for what, s := range testdataSpecs(t) {
		for _, name := range lookupNames(s) {
			compareLookups(t, what, s, name, allKinds(), lookupScan, lookupScanStrings, lookupScanWalk)
		}
	}
}

// envExhaustive makes TestLookupScanAgreesVmlinux check the string search
// on every name of vmlinux (70,000 names: minutes on 2 cores) instead of
// every 32nd.
const envExhaustive = "BPFC_LOOKUP_EXHAUSTIVE"

// TestLookupScanAgreesVmlinux checks the scan on the running kernel's
// vmlinux BTF in two parts (TestLookupScanAgrees covers every name and
// kind of the testdata BTF, both ways of scanning). A scan keeps the same types as the index (the
// same name and kind checks) among those whose name offset its string
// search found; so it agrees with the index on a name exactly when the
// search finds the name offset of every type so named. That is checked
// for every 32nd type name in vmlinux, and every name several types share
// or that carries a flavor (every name with BPFC_LOOKUP_EXHAUSTIVE=1; a
// sparser sample in the emulated guests of make vmtest), by
// exact and, for the kinds CO-RE looks up, by essential name. Then whole
// lookups, by the kinds a name has, KindUnknown and a kind it lacks,
// exactly and by essential name, are compared on every 512th name (and a
// flavored and a cut variant of it) and again the shared and flavored
// names.
func TestLookupScanAgreesVmlinux(t *testing.T) {
	s, err := Parse(readVmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	type named struct {
		offs  []uint32 // name offsets of the types so named
		kinds []Kind
	}
	byName := map[string]*named{}
	var names []string
	for id := 1; id < s.NumTypes(); id++ {
		n := s.TypeName(TypeID(id))
		if n == "" {
			continue
		}
		e := byName[n]
		if e == nil {
			e = &named{}
			byName[n] = e
			names = append(names, n)
		}
		off := s.u32(s.types[s.typeOffset(uint32(id-1)):])
		if !slices.Contains(e.offs, off) {
			e.offs = append(e.offs, off)
		}
		if k := s.TypeKind(TypeID(id)); !slices.Contains(e.kinds, k) {
			e.kinds = append(e.kinds, k)
		}
	}
	slices.Sort(names)
	special := func(n string) bool {
		return len(byName[n].offs) > 1 || len(byName[n].kinds) > 1 || strings.Contains(n, "___")
	}
	// A guest of the kernel matrix (make vmtest) emulates its CPU: there
	// the samples are 32 times sparser and leave out the special names.
	searchStride, lookupStride, specials := 32, 512, true
	if testutil.VMTest() != "" {
		searchStride, lookupStride, specials = 512, 16384, false
	}
	exhaustive := os.Getenv(envExhaustive) == "1"
	var searched []string
	for i, n := range names {
		if exhaustive || i%searchStride == 0 || specials && special(n) {
			searched = append(searched, n)
		}
	}
	start := time.Now()
	parallel(len(searched), func(i int) {
		n := searched[i]
		e := byName[n]
		q := query{name: n, exact: true}
		found := s.nameOffsets(&q, nil)
		for _, off := range e.offs {
			if !slices.Contains(found, off) {
				t.Errorf("nameOffsets(%q) = %v lacks the name offset %d", n, found, off)
			}
		}
		if !slices.ContainsFunc(e.kinds, coreKind) {
			return
		}
		q = query{name: EssentialName(n)}
		found = s.nameOffsets(&q, nil)
		for _, off := range e.offs {
			if !slices.Contains(found, off) {
				t.Errorf("nameOffsets(essential %q) = %v lacks the name offset %d of %q", q.name, found, off, n)
			}
		}
	})
	t.Logf("string search checked on %d of %d names in %v", len(searched), len(names), time.Since(start))

	var sample []string
	for i, n := range names {
		switch {
		case i%lookupStride == 0:
			sample = append(sample, n, n+"___flavor", n[:len(n)-1])
		case specials && special(n):
			sample = append(sample, n)
		}
	}
	start = time.Now()
	parallel(len(sample), func(i int) {
		n := sample[i]
		kinds := []Kind{KindUnknown, KindDatasec}
		if e := byName[n]; e != nil {
			kinds = append(kinds, e.kinds...)
		}
		compareLookups(t, "vmlinux", s, n, kinds, lookupScan, lookupScanWalk) // vmlinux scans by strings
	})
	t.Logf("%d whole lookups compared in %v", len(sample), time.Since(start))
}

// parallel calls fn(0..n-1) on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// TestTypeOffsets checks that the offsets found from the marks (what a
// large blob uses until it builds its offsets) are the offsets built, for
// every type of vmlinux and of the testdata BTF, in both byte orders, and
// that a large blob builds them only when asked to.
func TestTypeOffsets(t *testing.T) {
	specs := testdataSpecs(t)
	vm, err := Parse(readVmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	if vm.offs.Load() != nil {
		t.Error("vmlinux offsets built by Parse")
	}
	if _, err := vm.Type(TypeID(vm.NumTypes() - 1)); err != nil || vm.offs.Load() != nil {
		t.Errorf("vmlinux offsets built by one Type call (err %v)", err)
	}
	specs["vmlinux"] = vm
	be, err := vm.Marshal(binary.BigEndian)
	if err != nil {
		t.Fatal(err)
	}
	if specs["vmlinux/big-endian"], err = Parse(be); err != nil {
		t.Fatal(err)
	}
	for what, s := range specs {
		if s.numOwn() <= chunkSize && s.offs.Load() == nil {
			t.Errorf("%s: %d types and no offsets after Parse", what, s.numOwn())
		}
		dense := s.dense()
		for i := range uint32(s.numOwn()) {
			want := int(dense[i>>chunkBits][i&(chunkSize-1)] &^ coreFlag)
			if got := s.markOffset(i); got != want {
				t.Fatalf("%s: type %d: offset from marks %d, built %d", what, uint32(s.firstID)+i, got, want)
			}
		}
	}
}

// TestLookupSwitchesToIndex checks that lookups scan until their class's
// limit and then build the index of the kinds asked for only.
func TestLookupSwitchesToIndex(t *testing.T) {
	s := sampleSpec(t, binary.LittleEndian)
	for i := range otherScanLimit {
		// Distinct names: a repeated query is answered from the memo.
		if got := s.FindByNameKind(fmt.Sprintf("absent%d", i), KindFunc); got != nil {
			t.Fatalf("lookup %d: %v", i, got)
		}
		if s.otherIdx.built.Load() {
			t.Fatalf("index built after %d lookups", i+1)
		}
	}
	if got := s.FindByNameKind("f", KindFunc); !slices.Equal(got, []TypeID{13}) {
		t.Fatalf("lookup past the limit: %v", got)
	}
	if !s.otherIdx.built.Load() || s.coreIdx.built.Load() {
		t.Errorf("after %d func lookups: other index built %v, CO-RE index built %v (want true, false)",
			otherScanLimit+1, s.otherIdx.built.Load(), s.coreIdx.built.Load())
	}
	for i := range coreScanLimit {
		if got := s.FindByNameKind(fmt.Sprintf("absent%d", i), KindInt); got != nil || s.coreIdx.built.Load() {
			t.Fatalf("CO-RE lookup %d: %v, index built %v", i, got, s.coreIdx.built.Load())
		}
	}
	if got := s.FindByNameKind("int", KindInt); !slices.Equal(got, []TypeID{1}) || !s.coreIdx.built.Load() {
		t.Fatalf("CO-RE lookup past the limit: %v, index built %v", got, s.coreIdx.built.Load())
	}
}

// TestScanWalksFirst checks that a large blob's first scans walk its
// types, and that it builds its offsets only after walkLimit of them.
func TestScanWalksFirst(t *testing.T) {
	s, err := Parse(readVmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	// Distinct names: a repeated query is answered from the memo.
	funcs := []string{"bpf_map_lookup_elem", "bpf_map_update_elem", "bpf_map_delete_elem", "bpf_map_push_elem", "bpf_map_pop_elem"}
	for i, name := range funcs[:walkLimit] {
		if ids := s.FindByNameKind(name, KindFunc); len(ids) != 1 {
			t.Fatalf("lookup %d (%s): %v", i, name, ids)
		}
		if s.offs.Load() != nil {
			t.Fatalf("offsets built after %d scans", i+1)
		}
	}
	if ids := s.FindByNameKind(funcs[walkLimit], KindFunc); len(ids) != 1 || s.offs.Load() == nil {
		t.Fatalf("scan past the walk limit: %v, offsets built %v", ids, s.offs.Load() != nil)
	}
}

// TestLookupMemo checks that a large blob answers a repeated query from
// its memo (it does not count towards the scan limit, so no index is
// built), that the memo's answers still follow a view's edits, and that a
// small blob keeps no memo.
func TestLookupMemo(t *testing.T) {
	s, err := Parse(readVmlinux(t))
	if err != nil {
		t.Fatal(err)
	}
	task := s.FindByNameKind("task_struct", KindStruct)
	fn := s.FindByNameKind("bpf_map_lookup_elem", KindFunc)
	if len(task) != 1 || len(fn) != 1 {
		t.Fatalf("vmlinux: task_struct %v, bpf_map_lookup_elem %v", task, fn)
	}
	for i := range 4 * (coreScanLimit + otherScanLimit) {
		if got := s.FindByNameKind("bpf_map_lookup_elem", KindFunc); !slices.Equal(got, fn) {
			t.Fatalf("func lookup %d: %v, want %v", i, got, fn)
		}
		if got := s.FindByNameKind("task_struct", KindStruct); !slices.Equal(got, task) {
			t.Fatalf("struct lookup %d: %v, want %v", i, got, task)
		}
	}
	if s.coreIdx.built.Load() || s.otherIdx.built.Load() {
		t.Fatalf("repeated lookups built an index: CO-RE %v, other %v", s.coreIdx.built.Load(), s.otherIdx.built.Load())
	}
	if n := len(s.memo.answers); n != 2 {
		t.Errorf("memo holds %d answers, want 2", n)
	}
	// Another view of the same data renames task_struct: it answers from
	// the memo without it, and finds it under its new name; the first view
	// is unchanged.
	v := s.Copy()
	ty, err := v.TypeCopy(task[0])
	if err != nil {
		t.Fatal(err)
	}
	ty.Name = "bpfc_renamed_task"
	if err := v.Set(task[0], ty); err != nil {
		t.Fatal(err)
	}
	if got := v.FindByNameKind("task_struct", KindStruct); got != nil {
		t.Errorf("renamed view: task_struct found at %v", got)
	}
	if got := v.FindByNameKind("bpfc_renamed_task", KindStruct); !slices.Equal(got, task) {
		t.Errorf("renamed view: bpfc_renamed_task found at %v, want %v", got, task)
	}
	if got := s.FindByNameKind("task_struct", KindStruct); !slices.Equal(got, task) {
		t.Errorf("first view after the other's edit: task_struct found at %v, want %v", got, task)
	}

	small := sampleSpec(t, binary.LittleEndian)
	for range 2 {
		if got := small.FindByNameKind("f", KindFunc); !slices.Equal(got, []TypeID{13}) {
			t.Fatalf("small blob: f found at %v", got)
		}
	}
	if small.memo.answers != nil {
		t.Errorf("a small blob kept a memo: %v", small.memo.answers)
	}
}

// TestNameOffsets checks the string search on a hand-made table: whole
// strings, tails of longer strings, repeats, flavors and the table's ends.
func TestNameOffsets(t *testing.T) {
	table := "\x00ab\x00xab\x00ab___v1\x00ab___\x00abc\x00ab\x00zz\x00"
	d := &data{strs: []byte(table), strBase: 100}
	for _, tc := range []struct {
		name  string
		exact bool
		want  []uint32
	}{
		{"ab", true, []uint32{101, 105, 126}},
		// "ab___" is a candidate: the caller applies the essential rule.
		{"ab", false, []uint32{101, 105, 108, 116, 126}},
		{"xab", true, []uint32{104}},
		{"ab___v1", true, []uint32{108}},
		{"zz", true, []uint32{129}},
		{"abc", false, []uint32{122}},
		{"q", true, nil},
	} {
		q := query{name: tc.name, exact: tc.exact}
		if got := d.nameOffsets(&q, nil); !slices.Equal(got, tc.want) {
			t.Errorf("nameOffsets(%q, exact %v) = %v, want %v", tc.name, tc.exact, got, tc.want)
		}
	}
}

// cpuNow returns this process's user + system CPU time.
func cpuNow(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLookupVmlinux measures one lookup in vmlinux by scan (what the
// first scanLimit lookups of each index class cost: scan-walk is the
// first, which walks the types instead of reading their offsets) against
// building the index of its class and looking up in it (what the next one
// costs), for
// a FUNC (the larger class: functions and variables), a struct, a typedef
// and a miss. cpu-ns/op is this process's CPU time per op (the index
// build runs on several goroutines).
func BenchmarkLookupVmlinux(b *testing.B) {
	raw := readVmlinux(b)
	s, err := Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuNow(b)
		for b.Loop() {
			if _, err := parse(raw, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuNow(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	b.Run("offsets", func(b *testing.B) {
		b.ReportAllocs()
		cpu0 := cpuNow(b)
		for b.Loop() {
			d, err := parse(raw, nil)
			if err != nil {
				b.Fatal(err)
			}
			d.dense()
		}
		b.ReportMetric(float64((cpuNow(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	})
	for _, tc := range []struct {
		name string
		kind Kind
	}{{"bpf_task_from_pid", KindFunc}, {"task_struct", KindStruct}, {"u32", KindTypedef}, {"__arm64_sys_bpf", KindFunc}} {
		for _, m := range []struct {
			name string
			mode lookupMode
		}{{"scan", lookupScan}, {"scan-walk", lookupScanWalk}} {
			b.Run(fmt.Sprintf("%s/%s_%s", m.name, tc.kind, tc.name), func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := cpuNow(b)
				for b.Loop() {
					s.findMode(query{name: tc.name, exact: true, kind: tc.kind}, m.mode)
				}
				b.ReportMetric(float64((cpuNow(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		}
		b.Run(fmt.Sprintf("index/%s_%s", tc.kind, tc.name), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuNow(b)
			keep := func(id TypeID) bool { return s.rawKind(id) == tc.kind && s.TypeName(id) == tc.name }
			for b.Loop() {
				idx := &nameIndex{}
				s.buildIndex(idx, coreKind(tc.kind))
				s.lookup(nil, idx, tc.name, keep)
			}
			b.ReportMetric(float64((cpuNow(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
