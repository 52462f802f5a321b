// This file is the differential test against cilium/ebpf's btf package
// (a test-only dependency): for every CO-RE record of every testdata
// object, the values bpfc computes and the instruction it patches must
// equal what cilium/ebpf computes and patches, for the committed target BTF
// files and for the running kernel. It also holds the side-by-side
// benchmark of the two.

package core

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/cilium/ebpf/asm"
	cbtf "github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
)

const testdataDir = "../../testdata"

// coreObjects returns every testdata object that has CO-RE records.
func coreObjects(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		obj, err := elf.Open(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, f := range obj.Units() {
			if len(f.CORE) > 0 {
				out = append(out, p)
				break
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no testdata object has CO-RE records")
	}
	return out
}

// ciliumFixup is one relocation as cilium/ebpf computes it.
type ciliumFixup struct {
	kind          string
	poison        bool
	local, target uint64
	fixup         cbtf.COREFixup
}

// slot names an instruction by ELF section and slot within it.
type slot struct {
	section string
	insn    int
}

var fixupRE = regexp.MustCompile(`^(\w+)=(?:(poison)|(\d+)->(\d+))$`)

// ciliumRelocate computes every CO-RE relocation of the object at path
// against targets (vmlinux, then modules) with cilium/ebpf's btf package,
// one CORERelocate call per ELF section, and returns the fixups by section
// slot.
func ciliumRelocate(t testing.TB, path string, targets []*cbtf.Spec, bo binary.ByteOrder) map[slot]ciliumFixup {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, ext, err := cbtf.LoadSpecAndExtInfosFromReader(f)
	if err != nil {
		t.Fatalf("cilium: %s: %v", path, err)
	}
	out := map[slot]ciliumFixup{}
	for sec, offs := range ext.CORERelos {
		relos := make([]*cbtf.CORERelocation, len(offs))
		for i, o := range offs {
			relos[i] = o.Relo
		}
		fixups, err := cbtf.CORERelocate(relos, targets, bo,
			func(cbtf.Type) (cbtf.TypeID, error) { return 0, nil })
		if err != nil {
			t.Fatalf("cilium: %s: section %s: CORERelocate: %v", path, sec, err)
		}
		for i, fx := range fixups {
			m := fixupRE.FindStringSubmatch(fx.String())
			if m == nil {
				t.Fatalf("cilium fixup %q: unexpected form", fx.String())
			}
			cf := ciliumFixup{kind: m[1], poison: m[2] != "", fixup: fx}
			if !cf.poison {
				cf.local, _ = strconv.ParseUint(m[3], 10, 64)
				cf.target, _ = strconv.ParseUint(m[4], 10, 64)
			}
			out[slot{sec, int(offs[i].Offset)}] = cf
		}
	}
	return out
}

// ciliumInsn returns insns[i] of bpfc's IR as a cilium/ebpf instruction.
func ciliumInsn(insns []ir.Insn, i int) asm.Instruction {
	b := insns[i]
	c := asm.Instruction{OpCode: asm.OpCode(b.Op), Dst: asm.Register(b.Dst), Src: asm.Register(b.Src), Offset: b.Off, Constant: int64(b.Imm)}
	if b.IsLdImm64() {
		c.Constant = int64(ir.Imm64(insns, i))
	}
	return c
}

// sameInsn compares a cilium instruction with a bpfc one (two slots for
// ld_imm64).
func sameInsn(c asm.Instruction, insns []ir.Insn, i int) bool {
	b := insns[i]
	if uint8(c.OpCode) != b.Op || uint8(c.Dst) != b.Dst || uint8(c.Src) != b.Src || c.Offset != b.Off {
		return false
	}
	if b.IsLdImm64() {
		return uint64(c.Constant) == ir.Imm64(insns, i)
	}
	return int32(c.Constant) == b.Imm
}

// differential compares bpfc and cilium/ebpf on every CO-RE record of
// every testdata object against one target: vmlinux BTF and module BTFs
// (mods for bpfc; for cilium/ebpf ctargets, vmlinux first).
func differential(t *testing.T, target *btf.Spec, mods map[string]*btf.Spec, ctargets ...*cbtf.Spec) {
	for _, path := range coreObjects(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			obj, err := elf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			theirs := ciliumRelocate(t, path, ctargets, obj.ByteOrder)
			var loader ModuleLoader
			if mods != nil {
				loader = func() (map[string]*btf.Spec, error) { return mods, nil }
			}
			cache := NewCandCache(loader)
			n, divergent := 0, 0
			for _, f := range obj.Units() {
				insns := append([]ir.Insn(nil), f.Insns...)
				orig := f.Insns
				for _, r := range f.CORE {
					where := fmt.Sprintf("%s insn %d %s %s %q", f.Name, r.Insn, r.Kind, typeString(obj.BTF, r.TypeID), r.Access)
					c, ok := theirs[slot{f.Section, f.SectionOffset + r.Insn}]
					if !ok {
						t.Errorf("%s: cilium/ebpf has no such relocation", where)
						continue
					}
					n++
					res, err := CalculateOrder(obj.BTF, target, r, cache, obj.ByteOrder)
					if err != nil {
						t.Errorf("%s: %v", where, err)
						continue
					}
					if err := Patch(insns, r.Insn, r.Kind, res); err != nil {
						t.Errorf("%s: patch: %v", where, err)
						continue
					}
					poisoned := res.Poison || IsPoisoned(insns[r.Insn])
					switch {
					case r.Kind == btf.TypeIDLocal:
						// cilium/ebpf renumbers local types into the BTF it
						// builds for the kernel: its ids are not comparable.
						if c.poison || res.Poison {
							t.Errorf("%s: local type id poisoned (bpfc %v, cilium %v)", where, res.Poison, c.poison)
						}
					case c.poison && !poisoned && res.Target == 0 && (r.Kind == btf.TypeSize || r.Kind == btf.TypeIDTarget):
						// libbpf (and so bpfc) gives 0 for type-based
						// relocations of types the target lacks;
						// cilium/ebpf poisons them.
						divergent++
						t.Logf("%s: known divergence: bpfc (like libbpf) 0, cilium/ebpf poison", where)
					case !poisoned && !c.poison && r.Kind == btf.EnumvalValue && res.Target != c.target && res.Target == uint64(int64(int32(uint32(c.target)))):
						// A 32-bit target enum value with the sign bit
						// set (5.10's BTF has no signed enums): libbpf
						// (and so bpfc) sign-extends btf_enum's __s32,
						// cilium/ebpf zero-extends it.
						divergent++
						t.Logf("%s: known divergence: bpfc (like libbpf) %#x, cilium/ebpf %#x", where, res.Target, c.target)
					case poisoned != c.poison:
						t.Errorf("%s: bpfc poisoned=%v (%s), cilium/ebpf %s", where, poisoned, res.Note, c.kind)
					case poisoned:
						// Both poisoned; the encodings of a poisoned
						// ld_imm64 differ (libbpf: two calls, cilium/ebpf:
						// a ld_imm64 into r10).
						if !IsPoisoned(insns[r.Insn]) {
							t.Errorf("%s: bpfc did not poison the instruction", where)
						}
					default:
						// cilium/ebpf does not compute the local value of
						// bitfield shifts (it reports 0); libbpf and bpfc do.
						shift := r.Kind == btf.FieldLShiftU64 || r.Kind == btf.FieldRShiftU64
						if (!shift && res.Local != c.local) || res.Target != c.target {
							t.Errorf("%s: bpfc %d -> %d, cilium/ebpf %d -> %d (%s)", where, res.Local, res.Target, c.local, c.target, res.Note)
						}
						// The instruction as cilium/ebpf patches it.
						ci := ciliumInsn(orig, r.Insn)
						if err := c.fixup.Apply(&ci); err != nil {
							t.Errorf("%s: cilium/ebpf cannot apply %s: %v", where, c.fixup.String(), err)
						} else if !sameInsn(ci, insns, r.Insn) {
							t.Errorf("%s: bpfc patched %s, cilium/ebpf %v", where, ir.Disasm(insns, r.Insn), ci)
						}
					}
				}
			}
			t.Logf("%d relocations compared, %d known divergences", n, divergent)
		})
	}
}

func TestDifferentialCilium(t *testing.T) {
	for _, name := range []string{"kernel_a.btf", "kernel_b.btf"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(testdataDir, "btf", name)
			target, err := btf.LoadTarget(path)
			if err != nil {
				t.Fatal(err)
			}
			ctarget, err := cbtf.LoadSpec(path)
			if err != nil {
				t.Fatal(err)
			}
			differential(t, target, nil, ctarget)
		})
	}
	// kernel_a with the module bpfc_mod (split BTF by pahole):
	// module_user.o's types are found only in the module.
	t.Run("kernel_a.btf+module_a.btf", func(t *testing.T) {
		path := filepath.Join(testdataDir, "btf", "kernel_a.btf")
		modPath := filepath.Join(testdataDir, "btf", "module_a.btf")
		target, err := btf.LoadTarget(path)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(modPath)
		if err != nil {
			t.Fatal(err)
		}
		mod, err := btf.ParseSplit(raw, target)
		if err != nil {
			t.Fatal(err)
		}
		ctarget, err := cbtf.LoadSpec(path)
		if err != nil {
			t.Fatal(err)
		}
		cmod, err := cbtf.LoadSplitSpec(modPath, ctarget)
		if err != nil {
			t.Fatal(err)
		}
		mods := map[string]*btf.Spec{"bpfc_mod": mod}
		differential(t, target, mods, ctarget, cmod)
		// Not agreement on poison: every record resolves in the module.
		obj, err := elf.Open(filepath.Join(testdataDir, "module_user.o"))
		if err != nil {
			t.Fatal(err)
		}
		cache := NewCandCache(func() (map[string]*btf.Spec, error) { return mods, nil })
		n := 0
		for _, f := range obj.Units() {
			for _, r := range f.CORE {
				n++
				res, err := CalculateOrder(obj.BTF, target, r, cache, obj.ByteOrder)
				if err != nil || res.Poison || res.Module != "bpfc_mod" {
					t.Errorf("module_user.o insn %d %s: %+v, %v; want resolved in bpfc_mod", r.Insn, r.Kind, res, err)
				}
			}
		}
		if n == 0 {
			t.Error("module_user.o has no CO-RE records")
		}
	})
	t.Run("vmlinux", func(t *testing.T) {
		testutil.RequireKernel(t)
		target, err := btf.LoadKernel()
		if err != nil {
			t.Fatal(err)
		}
		ctarget, err := cbtf.LoadKernelSpec()
		if err != nil {
			t.Fatal(err)
		}
		differential(t, target, nil, ctarget)
	})
}

// largestCOREObject returns the testdata object with the most CO-RE
// records, opened by bpfc.
func largestCOREObject(b *testing.B) (string, *ir.Object, int) {
	b.Helper()
	var (
		best    string
		bestObj *ir.Object
		bestN   int
	)
	for _, path := range coreObjects(b) {
		obj, err := elf.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, f := range obj.Units() {
			n += len(f.CORE)
		}
		if n > bestN {
			best, bestObj, bestN = path, obj, n
		}
	}
	return best, bestObj, bestN
}

// mapVmlinux maps the kernel's BTF read-only, as btf.LoadKernel does; the
// caller unmaps it.
func mapVmlinux(b *testing.B) []byte {
	b.Helper()
	f, err := os.Open("/sys/kernel/btf/vmlinux")
	if err != nil {
		b.Skipf("no kernel BTF: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	raw, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_PRIVATE)
	if err != nil {
		// Older kernels cannot map the file.
		if raw, err = os.ReadFile("/sys/kernel/btf/vmlinux"); err != nil {
			b.Fatal(err)
		}
		return raw
	}
	return raw
}

// relocateAll runs every CO-RE relocation of obj against target on a copy
// of the instructions, as the core pass does.
func relocateAll(b *testing.B, obj *ir.Object, target *btf.Spec) {
	cache := NewCandCache(nil)
	for _, f := range obj.Units() {
		if len(f.CORE) == 0 {
			continue
		}
		insns := append([]ir.Insn(nil), f.Insns...)
		for _, r := range f.CORE {
			res, err := CalculateOrder(obj.BTF, target, r, cache, obj.ByteOrder)
			if err != nil {
				b.Fatal(err)
			}
			if err := Patch(insns, r.Insn, r.Kind, res); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCOREPass relocates the largest CO-RE test object against the
// running kernel's BTF: "cold" includes reading and indexing vmlinux BTF
// (what the first CO-RE load of a process pays), "warm" reuses the
// process-wide vmlinux Spec that btf.LoadKernel keeps.
func BenchmarkCOREPass(b *testing.B) {
	path, obj, n := largestCOREObject(b)
	b.Logf("%s: %d CO-RE relocations", filepath.Base(path), n)
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw := mapVmlinux(b)
			target, err := btf.Parse(raw)
			if err != nil {
				b.Fatal(err)
			}
			relocateAll(b, obj, target)
			_ = unix.Munmap(raw)
		}
	})
	b.Run("warm", func(b *testing.B) {
		target, err := btf.LoadKernel()
		if err != nil {
			b.Skipf("kernel BTF: %v", err)
		}
		relocateAll(b, obj, target)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			relocateAll(b, obj, target)
		}
	})
}

// ciliumRelos extracts cilium/ebpf's CO-RE relocations of the object at
// path, by section, with the instructions they apply to.
func ciliumRelos(b *testing.B, path string, obj *ir.Object) (map[string][]*cbtf.CORERelocation, map[string][]asm.Instruction) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	_, ext, err := cbtf.LoadSpecAndExtInfosFromReader(f)
	if err != nil {
		b.Fatal(err)
	}
	bySlot := map[slot]asm.Instruction{}
	for _, fn := range obj.Units() {
		for _, r := range fn.CORE {
			bySlot[slot{fn.Section, fn.SectionOffset + r.Insn}] = ciliumInsn(fn.Insns, r.Insn)
		}
	}
	relos := map[string][]*cbtf.CORERelocation{}
	insns := map[string][]asm.Instruction{}
	for sec, offs := range ext.CORERelos {
		for _, o := range offs {
			relos[sec] = append(relos[sec], o.Relo)
			insns[sec] = append(insns[sec], bySlot[slot{sec, int(o.Offset)}])
		}
	}
	return relos, insns
}

// ciliumRelocateAll is relocateAll done by cilium/ebpf: CORERelocate per
// section and Apply to a copy of each instruction.
func ciliumRelocateAll(b *testing.B, relos map[string][]*cbtf.CORERelocation, insns map[string][]asm.Instruction, target *cbtf.Spec, bo binary.ByteOrder) {
	for sec, rs := range relos {
		fixups, err := cbtf.CORERelocate(rs, []*cbtf.Spec{target}, bo, func(cbtf.Type) (cbtf.TypeID, error) { return 1, nil })
		if err != nil {
			b.Fatal(err)
		}
		for i, fx := range fixups {
			ins := insns[sec][i]
			if err := fx.Apply(&ins); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkCiliumCORE is BenchmarkCOREPass done by cilium/ebpf 0.22:
// "cold" is btf.LoadKernelSpec plus CORERelocate, "warm" CORERelocate
// against a kernel Spec loaded (and name-indexed) once.
func BenchmarkCiliumCORE(b *testing.B) {
	path, obj, n := largestCOREObject(b)
	b.Logf("%s: %d CO-RE relocations", filepath.Base(path), n)
	relos, insns := ciliumRelos(b, path, obj)
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			target, err := cbtf.LoadKernelSpec()
			if err != nil {
				b.Skipf("kernel BTF: %v", err)
			}
			ciliumRelocateAll(b, relos, insns, target, obj.ByteOrder)
		}
	})
	b.Run("warm", func(b *testing.B) {
		target, err := cbtf.LoadKernelSpec()
		if err != nil {
			b.Skipf("kernel BTF: %v", err)
		}
		ciliumRelocateAll(b, relos, insns, target, obj.ByteOrder)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			ciliumRelocateAll(b, relos, insns, target, obj.ByteOrder)
		}
	})
}
