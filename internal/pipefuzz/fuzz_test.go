// This file checks that the whole pipeline survives bad input: mutated
// test objects go through the frontend, every pass (user-space CO-RE
// against testdata/btf/kernel_a.btf, and deferred for a loader) and loader
// generation with the Go and C emitters. Each may fail with an error,
// none may panic. FuzzPipeline is a go test -fuzz target (its seeds, the
// committed objects, run in every go test); TestMutate flips bytes inside
// the objects' sections, which reaches the passes far more often than
// byte-level fuzzing of a whole file: MUTATE_N=5000 go test -run
// TestMutate ./internal/pipefuzz (MUTATE_SEED picks another sequence).

package pipefuzz

import (
	"bytes"
	stdelf "debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/passes"
)

const (
	testdataDir = "../../testdata"
	targetBTF   = "../../testdata/btf/kernel_a.btf"
)

// fixedTarget is a kernel made of kernel_a.btf, a small Kconfig and
// kallsyms that know every symbol.
type fixedTarget struct{ spec *btf.Spec }

func (t *fixedTarget) BTF() (*btf.Spec, error)                   { return t.spec, nil }
func (t *fixedTarget) ModuleBTFs() (map[string]*btf.Spec, error) { return nil, nil }
func (t *fixedTarget) KernelVersion() (uint32, error)            { return 6<<16 | 18<<8, nil }
func (t *fixedTarget) Kconfig() (map[string]string, error) {
	return map[string]string{"CONFIG_BPF": "y", "CONFIG_HZ": "250", "CONFIG_DEFAULT_HOSTNAME": `"x"`}, nil
}
func (t *fixedTarget) Kallsyms(name string) (uint64, bool, error) {
	return 0xffffffff81000000, true, nil
}

// pipeline runs everything over data; deferred selects the loader's pass
// context (kernel-side CO-RE, deferred externs).
func pipeline(data []byte, deferred bool, spec *btf.Spec) {
	obj, err := elf.Parse(bytes.NewReader(data), "fuzz.o")
	if err != nil {
		return
	}
	ctx := &passes.Context{Target: &fixedTarget{spec}, CORE: passes.COREUser}
	if deferred {
		ctx.Defer, ctx.CORE = true, passes.COREKernel
	}
	if err := passes.Run(ctx, obj); err != nil {
		return
	}
	_ = obj.String()
	l, err := loaderprog.Generate(obj, &loaderprog.Options{})
	if err != nil {
		return
	}
	_ = skel.WriteGo(io.Discard, l, obj, "fuzz")
	_ = skel.WriteC(io.Discard, l, obj, "fuzz")
}

func loadTarget(tb testing.TB) *btf.Spec {
	tb.Helper()
	spec, err := btf.LoadTarget(targetBTF)
	if err != nil {
		tb.Fatal(err)
	}
	return spec
}

func testObjects(tb testing.TB) []string {
	tb.Helper()
	objs, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil || len(objs) == 0 {
		tb.Fatalf("no test objects in %s (%v)", testdataDir, err)
	}
	return objs
}

func FuzzPipeline(f *testing.F) {
	for _, o := range testObjects(f) {
		b, err := os.ReadFile(o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
	}
	spec := loadTarget(f)
	f.Fuzz(func(t *testing.T, data []byte, deferred bool) {
		pipeline(data, deferred, spec)
	})
}

// mutate changes one to four bytes or words inside section s of data.
func mutate(rng *rand.Rand, data []byte, s *stdelf.Section) {
	for range 1 + rng.IntN(4) {
		off := int(s.Offset) + rng.IntN(int(s.Size))
		switch rng.IntN(7) {
		case 0:
			data[off] = byte(rng.IntN(256))
		case 1:
			data[off] ^= 1 << rng.IntN(8)
		case 2:
			data[off] = 0xff
		case 3:
			data[off] = 0
		case 4, 5: // counts, offsets, type ids, sizes
			off &^= 3
			if off+4 <= len(data) {
				vals := []uint32{rng.Uint32(), uint32(rng.IntN(200)), 0xffffffff, 0x80000000, uint32(rng.IntN(8)), 1 << rng.IntN(32)}
				binary.LittleEndian.PutUint32(data[off:], vals[rng.IntN(len(vals))])
			}
		case 6:
			data[off] = byte(rng.IntN(20))
		}
	}
}

// TestMutate runs the pipeline over MUTATE_N mutations of every test
// object and reports each distinct panic once, with its stack and the
// mutated object written to the temporary directory.
func TestMutate(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MUTATE_N"))
	if n <= 0 {
		t.Skip("set MUTATE_N to run")
	}
	seed, _ := strconv.ParseUint(os.Getenv("MUTATE_SEED"), 0, 64)
	spec := loadTarget(t)
	rng := rand.New(rand.NewPCG(1, seed))
	seen := map[string]bool{}
	for _, o := range testObjects(t) {
		orig, err := os.ReadFile(o)
		if err != nil {
			t.Fatal(err)
		}
		ef, err := stdelf.NewFile(bytes.NewReader(orig))
		if err != nil {
			t.Fatal(err)
		}
		var secs []*stdelf.Section
		for _, s := range ef.Sections {
			if s.Type != stdelf.SHT_NOBITS && s.Size > 0 && s.Offset+s.Size <= uint64(len(orig)) {
				secs = append(secs, s)
			}
		}
		for i := range n {
			data := bytes.Clone(orig)
			s := secs[rng.IntN(len(secs))]
			mutate(rng, data, s)
			for _, deferred := range []bool{false, true} {
				func() {
					defer func() {
						p := recover()
						if p == nil || seen[fmt.Sprint(p)] {
							return
						}
						seen[fmt.Sprint(p)] = true
						path := filepath.Join(os.TempDir(), fmt.Sprintf("pipefuzz-%s-%d.o", filepath.Base(o), i))
						os.WriteFile(path, data, 0o644)
						t.Errorf("%s (mutated section %s, deferred %v): panic: %v\n%s", path, s.Name, deferred, p, debug.Stack())
					}()
					pipeline(data, deferred, spec)
				}()
			}
		}
	}
}
