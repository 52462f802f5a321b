// This file decides whether two declarations of one global symbol agree,
// following the rules of libbpf's linker (glob_sym_btf_matches and
// map_defs_match), and describes BTF types in C-like words for the
// errors that say they do not.

package merge

import (
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// maxDepth bounds the walks below: BTF from a file may loop.
const maxDepth = 32

// compatible reports whether type a of sa and type b of sb may describe the
// same symbol, and if not why. exact asks for equal struct and union
// members; behind a pointer only the shape is compared (a forward
// declaration matches a struct or union of its name), as in libbpf.
// Modifiers and typedefs are skipped; int, float and enum sizes must
// agree but not their encodings or values; array lengths, index types and
// parameter names do not matter; static and non-static linkage do.
func compatible(sa *btf.Spec, a btf.TypeID, sb *btf.Spec, b btf.TypeID, exact bool) (bool, string) {
	return compatibleDepth(sa, a, sb, b, exact, 0)
}

func compatibleDepth(sa *btf.Spec, a btf.TypeID, sb *btf.Spec, b btf.TypeID, exact bool, depth int) (bool, string) {
	if depth > maxDepth {
		return false, "types nest too deeply"
	}
	var err error
	if a, err = sa.Skip(a); err != nil {
		return false, err.Error()
	}
	if b, err = sb.Skip(b); err != nil {
		return false, err.Error()
	}
	ta, err := sa.Type(a)
	if err != nil {
		return false, err.Error()
	}
	tb, err := sb.Type(b)
	if err != nil {
		return false, err.Error()
	}
	if !exact && (ta.Kind == btf.KindFwd) != (tb.Kind == btf.KindFwd) {
		fwd, full := ta, tb
		if tb.Kind == btf.KindFwd {
			fwd, full = tb, ta
		}
		if fwd.Name != full.Name {
			return false, fmt.Sprintf("forward declaration %s and %s %s", fwd.Name, full.Kind, full.Name)
		}
		if fwd.KindFlag && full.Kind == btf.KindUnion || !fwd.KindFlag && full.Kind == btf.KindStruct {
			return true, ""
		}
		return false, fmt.Sprintf("forward declaration of %s and %s %s", fwdKind(fwd), full.Kind, full.Name)
	}
	if ta.Kind != tb.Kind {
		return false, fmt.Sprintf("%s and %s", ta.Kind, tb.Kind)
	}
	switch ta.Kind {
	case btf.KindStruct, btf.KindUnion, btf.KindEnum, btf.KindEnum64, btf.KindFwd, btf.KindFunc, btf.KindVar:
		if ta.Name != tb.Name {
			return false, fmt.Sprintf("%s names %q and %q", ta.Kind, ta.Name, tb.Name)
		}
	}
	switch ta.Kind {
	case btf.KindUnknown, btf.KindFwd:
		return true, ""
	case btf.KindInt, btf.KindFloat, btf.KindEnum, btf.KindEnum64:
		if ta.Size != tb.Size {
			return false, fmt.Sprintf("%s sizes %d and %d", ta.Kind, ta.Size, tb.Size)
		}
		return true, ""
	case btf.KindPtr:
		return compatibleDepth(sa, ta.Type, sb, tb.Type, false, depth+1)
	case btf.KindArray:
		return compatibleDepth(sa, ta.Array.Type, sb, tb.Array.Type, exact, depth+1)
	case btf.KindFunc, btf.KindVar:
		if (ta.Linkage == btf.LinkageStatic) != (tb.Linkage == btf.LinkageStatic) {
			return false, fmt.Sprintf("static and non-static %s", ta.Kind)
		}
		return compatibleDepth(sa, ta.Type, sb, tb.Type, exact, depth+1)
	case btf.KindStruct, btf.KindUnion:
		if !exact {
			return true, ""
		}
		if len(ta.Members) != len(tb.Members) {
			return false, fmt.Sprintf("%s %s with %d and %d members", ta.Kind, ta.Name, len(ta.Members), len(tb.Members))
		}
		for i, ma := range ta.Members {
			mb := tb.Members[i]
			if ma.Name != mb.Name {
				return false, fmt.Sprintf("%s %s member %d named %q and %q", ta.Kind, ta.Name, i, ma.Name, mb.Name)
			}
			if ma.BitOffset != mb.BitOffset || ma.BitfieldSize != mb.BitfieldSize {
				return false, fmt.Sprintf("%s %s member %s at different offsets", ta.Kind, ta.Name, ma.Name)
			}
			if ok, why := compatibleDepth(sa, ma.Type, sb, mb.Type, exact, depth+1); !ok {
				return false, why
			}
		}
		return true, ""
	case btf.KindFuncProto:
		if len(ta.Params) != len(tb.Params) {
			return false, fmt.Sprintf("%d and %d parameters", len(ta.Params), len(tb.Params))
		}
		for i := range ta.Params {
			if ok, why := compatibleDepth(sa, ta.Params[i].Type, sb, tb.Params[i].Type, exact, depth+1); !ok {
				return false, fmt.Sprintf("parameter %d: %s", i+1, why)
			}
		}
		if ok, why := compatibleDepth(sa, ta.Type, sb, tb.Type, exact, depth+1); !ok {
			return false, "return type: " + why
		}
		return true, ""
	}
	return false, fmt.Sprintf("%s types cannot be compared", ta.Kind)
}

func fwdKind(t *btf.Type) string {
	if t.KindFlag {
		return "union " + t.Name
	}
	return "struct " + t.Name
}

// mapsAgree reports how two definitions of one BTF map differ, "" if they
// agree: every attribute, the key and value types exactly, and the inner
// map's definition.
func mapsAgree(a *ir.Map, sa *btf.Spec, b *ir.Map, sb *btf.Spec) string {
	type field struct {
		name string
		x, y uint64
	}
	for _, f := range []field{
		{"type", uint64(a.Type), uint64(b.Type)},
		{"key_size", uint64(a.KeySize), uint64(b.KeySize)},
		{"value_size", uint64(a.ValueSize), uint64(b.ValueSize)},
		{"max_entries", uint64(a.MaxEntries), uint64(b.MaxEntries)},
		{"map_flags", uint64(a.Flags), uint64(b.Flags)},
		{"numa_node", uint64(a.NumaNode), uint64(b.NumaNode)},
		{"map_extra", a.MapExtra, b.MapExtra},
		{"pinning", uint64(a.Pinning), uint64(b.Pinning)},
	} {
		if f.x != f.y {
			return fmt.Sprintf("%s %d and %d", f.name, f.x, f.y)
		}
	}
	for _, kv := range []struct {
		what string
		x, y btf.TypeID
	}{{"key", a.KeyType, b.KeyType}, {"value", a.ValueType, b.ValueType}} {
		if (kv.x == 0) != (kv.y == 0) {
			return fmt.Sprintf("%s type given in one definition only", kv.what)
		}
		if kv.x != 0 {
			if ok, why := compatible(sa, kv.x, sb, kv.y, true); !ok {
				return fmt.Sprintf("%s types %s and %s (%s)", kv.what, describe(sa, kv.x), describe(sb, kv.y), why)
			}
		}
	}
	if (a.Inner == nil) != (b.Inner == nil) {
		return "inner map given in one definition only"
	}
	if a.Inner != nil {
		if why := mapsAgree(a.Inner, sa, b.Inner, sb); why != "" {
			return "inner map: " + why
		}
	}
	return ""
}

// describe writes type id of spec as C would declare it, without a name:
// "unsigned int", "struct task *", "int[4]", "long (int, char *)".
func describe(spec *btf.Spec, id btf.TypeID) string {
	var b strings.Builder
	describeTo(&b, spec, id, 0)
	return b.String()
}

func describeTo(b *strings.Builder, spec *btf.Spec, id btf.TypeID, depth int) {
	if depth > maxDepth {
		b.WriteString("...")
		return
	}
	if id == 0 {
		b.WriteString("void")
		return
	}
	t, err := spec.Type(id)
	if err != nil {
		fmt.Fprintf(b, "type %d (%v)", id, err)
		return
	}
	name := t.Name
	if name == "" {
		name = "(anon)"
	}
	switch t.Kind {
	case btf.KindInt, btf.KindFloat, btf.KindTypedef:
		b.WriteString(t.Name)
	case btf.KindStruct, btf.KindUnion, btf.KindEnum:
		b.WriteString(t.Kind.String() + " " + name)
	case btf.KindEnum64:
		b.WriteString("enum " + name)
	case btf.KindFwd:
		b.WriteString(fwdKind(t))
	case btf.KindPtr:
		describeTo(b, spec, t.Type, depth+1)
		b.WriteString(" *")
	case btf.KindConst, btf.KindVolatile, btf.KindRestrict:
		b.WriteString(t.Kind.String() + " ")
		describeTo(b, spec, t.Type, depth+1)
	case btf.KindTypeTag:
		describeTo(b, spec, t.Type, depth+1)
	case btf.KindArray:
		describeTo(b, spec, t.Array.Type, depth+1)
		fmt.Fprintf(b, "[%d]", t.Array.Nelems)
	case btf.KindFunc, btf.KindVar:
		describeTo(b, spec, t.Type, depth+1)
	case btf.KindFuncProto:
		describeTo(b, spec, t.Type, depth+1)
		b.WriteString(" (")
		for i, p := range t.Params {
			if i > 0 {
				b.WriteString(", ")
			}
			if p.Type == 0 && i == len(t.Params)-1 {
				b.WriteString("...")
				continue
			}
			describeTo(b, spec, p.Type, depth+1)
		}
		b.WriteString(")")
	default:
		b.WriteString(t.Kind.String() + " " + name)
	}
}
