// This file tests the rewrites on a hand-built BTF holding every kind the
// package rewrites (each checked with the btf package's parser), and on
// the kernel: every test object's BTF, sanitized for the running kernel and
// for a pretend 5.6 kernel, must load. Uses is checked against Sanitize on
// the same BTF: a loader probes the kernel for what Uses reports only.

package sanitize_test

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/btf/sanitize"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/passes"
)

var le = binary.LittleEndian

// builder assembles raw BTF by hand.
type builder struct {
	types []uint32
	strs  []byte
}

func (b *builder) str(s string) uint32 {
	if len(b.strs) == 0 {
		b.strs = []byte{0}
	}
	off := uint32(len(b.strs))
	b.strs = append(append(b.strs, s...), 0)
	return off
}

func (b *builder) typ(name string, kind, vlen int, kflag bool, size uint32, extra ...uint32) {
	info := uint32(kind)<<24 | uint32(vlen)
	if kflag {
		info |= 1 << 31
	}
	n := uint32(0)
	if name != "" {
		n = b.str(name)
	}
	b.types = append(append(b.types, n, info, size), extra...)
}

func (b *builder) bytes() []byte {
	if len(b.strs) == 0 {
		b.strs = []byte{0}
	}
	tl := uint32(4 * len(b.types))
	out := []byte{0x9f, 0xeb, 1, 0}
	for _, w := range []uint32{24, 0, tl, tl, uint32(len(b.strs))} {
		out = le.AppendUint32(out, w)
	}
	for _, w := range b.types {
		out = le.AppendUint32(out, w)
	}
	return append(out, b.strs...)
}

// everyKind builds BTF with one type of each kind Sanitize rewrites.
func everyKind() []byte {
	var b builder
	b.typ("int", 1, 0, false, 4, 1<<24|32)                            // [1] int
	b.typ("", 13, 1, false, 1, b.str("a"), 1)                         // [2] int (int a)
	b.typ("f", 12, 1, false, 2)                                       // [3] global FUNC f
	b.typ("x", 14, 0, false, 1, 1)                                    // [4] global VAR x
	b.typ(".data", 15, 1, false, 4, 4, 0, 4)                          // [5] DATASEC .data {x}
	b.typ("double", 16, 0, false, 8)                                  // [6] FLOAT double
	b.typ("tag", 17, 0, false, 4, 0xffffffff)                         // [7] DECL_TAG on x
	b.typ("user", 18, 0, false, 1)                                    // [8] TYPE_TAG -> int
	b.typ("e64", 19, 2, false, 8, b.str("A"), 1, 0, b.str("B"), 0, 1) // [9] ENUM64
	b.typ("se", 6, 1, true, 4, b.str("M"), 0xffffffff)                // [10] signed ENUM
	b.typ("?.maps/x", 15, 0, false, 0)                                // [11] DATASEC ?.maps/x
	return b.bytes()
}

// kinds returns the kind names of every type of raw, as the btf package
// reads them, and checks that it parses.
func kinds(t *testing.T, raw []byte) []string {
	t.Helper()
	spec, err := btf.Parse(raw)
	if err != nil {
		t.Fatalf("sanitized BTF does not parse: %v", err)
	}
	var out []string
	for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
		out = append(out, spec.TypeKind(id).String())
	}
	return out
}

func TestSanitizeEveryKind(t *testing.T) {
	raw := everyKind()
	orig := append([]byte(nil), raw...)
	before := kinds(t, raw)

	same, changes, err := sanitize.Sanitize(raw, sanitize.All)
	if err != nil || len(changes) != 0 || &same[0] != &raw[0] {
		t.Errorf("Sanitize(All) = %d changes %q, %v; want raw unchanged", len(changes), changes, err)
	}

	out, changes, err := sanitize.Sanitize(raw, sanitize.Kernel{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(raw, orig) {
		t.Error("Sanitize modified its input")
	}
	after := kinds(t, out)
	want := []string{"int", "enum", "typedef", "int", "struct", "struct", "int", "const", "union", "enum", "struct", "int"}
	if !reflect.DeepEqual(after, want) {
		t.Errorf("kinds\n before %v\n after  %v\n want   %v", before, after, want)
	}
	wantChanges := []string{"1 FUNC_PROTO as ENUM", "1 FUNC as TYPEDEF", "1 VAR as INT", "2 DATASEC as STRUCT", "1 FLOAT as STRUCT",
		"1 DECL_TAG as INT", "1 TYPE_TAG as CONST", "1 ENUM64 as UNION", "1 signed ENUM as unsigned"}
	if !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("changes %q\nwant %q", changes, wantChanges)
	}

	spec, err := btf.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	// The DATASEC became a struct named _data with member x at bit 0.
	if name := spec.TypeName(5); name != "_data" {
		t.Errorf("DATASEC renamed %q, want _data", name)
	}
	if name := spec.TypeName(11); name != "__maps_x" {
		t.Errorf("?.maps/x renamed %q, want __maps_x", name)
	}
	// The float is an anonymous 8-byte struct, the type tag anonymous.
	if sz, err := spec.Sizeof(6); err != nil || sz != 8 || spec.TypeName(6) != "" {
		t.Errorf("FLOAT: size %d (%v), name %q; want an anonymous 8-byte struct", sz, err, spec.TypeName(6))
	}
	// ENUM64 members point at the appended placeholder int.
	if name := spec.TypeName(12); name != "enum64_placeholder" {
		t.Errorf("type 12 %q, want enum64_placeholder", name)
	}
	if sz, err := spec.Sizeof(9); err != nil || sz != 8 {
		t.Errorf("ENUM64 as UNION: size %d, %v; want 8", sz, err)
	}
}

func TestSanitizeOnlyWhatIsMissing(t *testing.T) {
	k := sanitize.All
	k.Float, k.QmarkDatasec = false, false
	out, changes, err := sanitize.Sanitize(everyKind(), k)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 FLOAT as STRUCT", "1 DATASEC name with '?' or '/' as '_'"}; !reflect.DeepEqual(changes, want) {
		t.Errorf("changes %q, want %q", changes, want)
	}
	got := kinds(t, out)
	if got[5] != "struct" || got[4] != "datasec" || got[8] != "enum64" {
		t.Errorf("kinds %v", got)
	}
	k = sanitize.All
	k.GlobalFunc = false
	if _, changes, _ := sanitize.Sanitize(everyKind(), k); !reflect.DeepEqual(changes, []string{"1 global FUNC as static"}) {
		t.Errorf("global func only: %q", changes)
	}
}

// checkUses checks Uses(raw) against Sanitize: each field is true exactly
// when a kernel lacking that one kind or flag gets raw rewritten.
func checkUses(t *testing.T, name string, raw []byte) {
	t.Helper()
	uses, err := sanitize.Uses(raw)
	if err != nil {
		t.Fatalf("%s: Uses: %v", name, err)
	}
	u := reflect.ValueOf(uses)
	for i := range u.NumField() {
		k := sanitize.All
		reflect.ValueOf(&k).Elem().Field(i).SetBool(false)
		_, changes, err := sanitize.Sanitize(raw, k)
		if err != nil {
			t.Fatalf("%s: Sanitize: %v", name, err)
		}
		if field := u.Type().Field(i).Name; u.Field(i).Bool() != (len(changes) > 0) {
			t.Errorf("%s: Uses says %s %v, but a kernel without it rewrites %q", name, field, u.Field(i).Bool(), changes)
		}
	}
}

func TestUses(t *testing.T) {
	checkUses(t, "every kind", everyKind())
	var b builder
	b.typ("int", 1, 0, false, 4, 1<<24|32)    // [1] int
	b.typ("", 13, 0, false, 1)                // [2] int (void)
	b.typ("f", 12, 0, false, 2)               // [3] static FUNC f
	b.typ("e", 6, 1, false, 4, b.str("A"), 1) // [4] unsigned ENUM
	b.typ(".data.x", 15, 0, false, 0)         // [5] DATASEC .data.x
	checkUses(t, "static func, unsigned enum, plain datasec", b.bytes())
	var empty builder
	checkUses(t, "no types", empty.bytes())
	if _, err := sanitize.Uses([]byte("BTF")); !errors.Is(err, sanitize.ErrBadBTF) {
		t.Errorf("Uses of 3 bytes: %v, want ErrBadBTF", err)
	}
	objs, err := filepath.Glob("../../testdata/*.o")
	if err != nil || len(objs) == 0 {
		t.Fatalf("no test objects: %v", err)
	}
	for _, path := range objs {
		obj, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if obj.BTF == nil {
			continue
		}
		if err := passes.RunPasses(&passes.Context{CheckIR: true}, obj, "merge", "datasec"); err != nil {
			t.Fatal(err)
		}
		raw, err := obj.BTF.Marshal(binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		checkUses(t, filepath.Base(path), raw)
	}
}

func TestSanitizeBadInput(t *testing.T) {
	raw := everyKind()
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte{1, 2}, raw[2:]...),
		"truncated": raw[:40],
		"bad kind":  func() []byte { b := append([]byte(nil), raw...); b[24+7] = 31; return b }(),
	} {
		if _, _, err := sanitize.Sanitize(bad, sanitize.Kernel{}); !errors.Is(err, sanitize.ErrBadBTF) {
			t.Errorf("%s: %v, want ErrBadBTF", name, err)
		}
	}
}

// TestSanitizedObjectsLoad loads every test object's BTF (after the
// datasec pass, as the direct backend would) into the running kernel,
// sanitized for it and for a pretend 5.6 kernel (no FLOAT, DECL_TAG,
// TYPE_TAG, ENUM64): on 5.10 the first is what makes the BTF load at all,
// and on every kernel the second shows the rewritten forms are valid.
func TestSanitizedObjectsLoad(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	objs, err := filepath.Glob("../../testdata/*.o")
	if err != nil || len(objs) == 0 {
		t.Fatalf("no test objects: %v", err)
	}
	running := sanitize.Running()
	old := sanitize.Kernel{Func: true, GlobalFunc: true, Datasec: true}
	for _, path := range objs {
		t.Run(filepath.Base(path), func(t *testing.T) {
			obj, err := elf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if obj.BTF == nil {
				return // hand-written objects without BTF
			}
			if err := passes.RunPasses(&passes.Context{CheckIR: true}, obj, "merge", "datasec"); err != nil {
				t.Fatal(err)
			}
			raw, err := obj.BTF.Marshal(binary.LittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []struct {
				name string
				k    sanitize.Kernel
			}{{"running", running}, {"5.6", old}} {
				out, changes, err := sanitize.Sanitize(raw, k.k)
				if err != nil {
					t.Fatalf("%s: %v", k.name, err)
				}
				fd, err := sys.BtfLoad(out)
				if err != nil {
					var ve *sys.VerifierError
					if errors.As(err, &ve) {
						err = errors.New(err.Error() + "\n" + lastLines(ve.Log, 8))
					}
					t.Fatalf("BTF sanitized for %s (%s) refused: %v", k.name, strings.Join(changes, ", "), err)
				}
				fd.Close()
			}
		})
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
