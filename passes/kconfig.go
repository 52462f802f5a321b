// This file holds everything about .kconfig externs, libbpf's
// `extern int CONFIG_X __kconfig` variables, for the datasec and externs
// passes:
//
//   - layout (datasec pass): every .kconfig extern gets an offset in a
//     .kconfig map the pass creates, sorted by alignment, then size, then
//     name (libbpf's bpf_object__collect_externs), and the .kconfig
//     DATASEC is completed to match;
//   - values (externs pass): CONFIG_* values are parsed from the target's
//     kernel config as libbpf's bpf_object__process_kconfig_line does, the
//     virtual LINUX_* externs are computed, and each value is checked
//     against its C type (bool, tristate, char, integer, char array) and
//     written into the map.

package passes

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/ir"
)

// Virtual .kconfig externs computed by the pass (libbpf's names).
const (
	kconfigPrefix      = "CONFIG_"
	virtualPrefix      = "LINUX_"
	virtKernelVersion  = "LINUX_KERNEL_VERSION"
	virtHasBPFCookie   = "LINUX_HAS_BPF_COOKIE"
	virtSyscallWrapper = "LINUX_HAS_SYSCALL_WRAPPER"
	tristateEnumName   = "libbpf_tristate"
)

// maxKconfigAlign is the largest alignment of a .kconfig extern.
const maxKconfigAlign = 8

// enum libbpf_tristate values.
const (
	triNo     = 0
	triYes    = 1
	triModule = 2
)

// kernelVersion515 is KERNEL_VERSION(5, 15, 0), the first kernel with
// bpf_get_attach_cookie for every program type libbpf's probe uses.
const kernelVersion515 = 5<<16 | 15<<8

// kcfgType is libbpf's classification of a .kconfig extern's C type.
type kcfgType uint8

const (
	kcfgUnknown kcfgType = iota
	kcfgBool
	kcfgTristate
	kcfgChar
	kcfgInt
	kcfgCharArray
)

func (k kcfgType) String() string {
	return [...]string{"unsupported type", "bool", "tristate", "char", "integer", "char array"}[k]
}

// kcfgTypeOf classifies type id of the object's BTF (libbpf's
// find_kcfg_type) and reports whether an integer is signed.
func kcfgTypeOf(spec *btf.Spec, id btf.TypeID) (kcfgType, bool, error) {
	id, err := spec.Skip(id)
	if err != nil {
		return kcfgUnknown, false, err
	}
	t, err := spec.Type(id)
	if err != nil {
		return kcfgUnknown, false, err
	}
	switch t.Kind {
	case btf.KindInt:
		if t.IntEncoding&btf.IntBool != 0 {
			if t.Size == 1 {
				return kcfgBool, false, nil
			}
			return kcfgUnknown, false, nil
		}
		signed := t.IntEncoding&btf.IntSigned != 0
		switch t.Size {
		case 1:
			return kcfgChar, signed, nil
		case 2, 4, 8:
			return kcfgInt, signed, nil
		}
	case btf.KindEnum, btf.KindEnum64:
		if t.Name == tristateEnumName && (t.Kind == btf.KindEnum64 || t.Size == 4) {
			return kcfgTristate, false, nil
		}
	case btf.KindArray:
		if t.Array.Nelems == 0 {
			break
		}
		if et, _, err := kcfgTypeOf(spec, t.Array.Type); err != nil || et != kcfgChar {
			return kcfgUnknown, false, err
		}
		return kcfgCharArray, false, nil
	}
	return kcfgUnknown, false, nil
}

// kconfigEntry is a .kconfig extern with its size and alignment.
type kconfigEntry struct {
	ext         *ir.Extern
	size, align uint32
}

// layoutKconfig places every .kconfig extern in the .kconfig map, like
// libbpf: descending alignment, then ascending size, then name; each at
// the next offset aligned for it. It completes the .kconfig DATASEC and
// creates (or updates) the .kconfig map.
func layoutKconfig(obj *ir.Object, secID btf.TypeID) error {
	spec := obj.BTF
	var ents []kconfigEntry
	for _, e := range obj.Externs {
		if e.Kind != ir.ExternKconfig {
			continue
		}
		if e.TypeID == 0 || spec.TypeKind(e.TypeID) != btf.KindVar {
			return fmt.Errorf("extern %s: no BTF VAR for the extern (type %d): %w", e.Name, e.TypeID, btf.ErrInvalid)
		}
		vt, err := spec.Type(e.TypeID)
		if err != nil {
			return fmt.Errorf("extern %s: %w", e.Name, err)
		}
		size, err := spec.Sizeof(vt.Type)
		if err != nil {
			return fmt.Errorf("extern %s: %w", e.Name, err)
		}
		align, err := alignof(spec, vt.Type)
		if err != nil {
			return fmt.Errorf("extern %s: %w", e.Name, err)
		}
		ents = append(ents, kconfigEntry{e, size, align})
	}
	if len(ents) == 0 {
		return nil
	}
	if secID == 0 {
		return fmt.Errorf("extern %s: the object's BTF has no %s DATASEC: %w", ents[0].ext.Name, kconfigSec, btf.ErrInvalid)
	}
	slices.SortStableFunc(ents, func(a, b kconfigEntry) int {
		if a.align != b.align {
			return cmp.Compare(b.align, a.align)
		}
		if a.size != b.size {
			return cmp.Compare(a.size, b.size)
		}
		return strings.Compare(a.ext.Name, b.ext.Name)
	})
	var off uint32
	for _, k := range ents {
		off = (off + k.align - 1) / k.align * k.align
		k.ext.Offset, k.ext.Size = off, k.size
		off += k.size
	}

	orig, err := spec.Type(secID)
	if err != nil {
		return err
	}
	t := orig.Copy()
	t.Size = off
	for i, vs := range t.Vars {
		vt, err := spec.Type(vs.Type)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		e := obj.Extern(vt.Name)
		if vt.Kind != btf.KindVar || e == nil || e.Kind != ir.ExternKconfig {
			return fmt.Errorf("%s %s: no extern definition for it: %w", vt.Kind, vt.Name, ErrNotFound)
		}
		c := vt.Copy()
		c.Linkage = varGlobalAlloc
		if err := spec.Set(vs.Type, c); err != nil {
			return fmt.Errorf("VAR %s: %w", vt.Name, err)
		}
		t.Vars[i].Offset = e.Offset
		t.Vars[i].Size = e.Size
	}
	sortVars(t.Vars)
	if err := spec.Set(secID, t); err != nil {
		return err
	}

	m, _ := obj.Map(kconfigSec)
	if m == nil {
		m = &ir.Map{Name: kconfigSec}
		obj.Maps = append(obj.Maps, m)
	}
	m.Kind = ir.MapKconfig
	m.Section = kconfigSec
	m.Type = mapTypeArray
	m.KeySize = 4
	m.ValueSize = off
	m.MaxEntries = 1
	m.Flags = mapFRdonlyProg | mapFMmapable // every .kconfig VAR is now global
	m.ReadOnly = true
	m.ValueType = secID
	if m.Data != nil && uint32(len(m.Data)) != off {
		m.Data = nil
	}
	return nil
}

// alignof returns the alignment of type id as libbpf's btf__align_of
// computes it for 64-bit BPF.
func alignof(spec *btf.Spec, id btf.TypeID) (uint32, error) {
	for depth := 0; depth < 32; depth++ {
		t, err := spec.Type(id)
		if err != nil {
			return 0, err
		}
		switch t.Kind {
		case btf.KindInt, btf.KindEnum, btf.KindEnum64, btf.KindFloat:
			return max(1, min(t.Size, maxKconfigAlign)), nil
		case btf.KindPtr:
			return btf.PointerSize, nil
		case btf.KindTypedef, btf.KindVolatile, btf.KindConst, btf.KindRestrict, btf.KindTypeTag, btf.KindVar:
			id = t.Type
		case btf.KindArray:
			id = t.Array.Type
		case btf.KindStruct, btf.KindUnion:
			a := uint32(1)
			for _, m := range t.Members {
				ma, err := alignof(spec, m.Type)
				if err != nil {
					return 0, err
				}
				a = max(a, ma)
			}
			return a, nil
		default:
			return 0, fmt.Errorf("type %d: %s has no alignment: %w", id, t.Kind, btf.ErrInvalid)
		}
	}
	return 0, fmt.Errorf("type %d: reference chain too long: %w", id, btf.ErrInvalid)
}

// kconfigValuer is implemented by targets that answer one config name
// without building the map of them all (target.Target).
type kconfigValuer interface {
	KconfigValue(name string) (string, bool, error)
}

// kconfigValue returns the value the target's kernel config sets name
// to; ok is false if it does not set it.
func (r *externResolver) kconfigValue(name string) (value string, ok bool, err error) {
	if r.ctx.Target == nil {
		return "", false, errors.New("no target kernel to read the kernel config of")
	}
	if kv, isKV := r.ctx.Target.(kconfigValuer); isKV {
		return kv.KconfigValue(name)
	}
	kc, err := r.ctx.Target.Kconfig()
	if err != nil {
		return "", false, err
	}
	value, ok = kc[name]
	return value, ok, nil
}

// kconfig resolves one .kconfig extern and stores its value into the
// .kconfig map.
func (r *externResolver) kconfig(e *ir.Extern) error {
	obj := r.obj
	m, _ := obj.Map(kconfigSec)
	if m == nil || m.Kind != ir.MapKconfig {
		return fmt.Errorf("no %s map (the datasec pass lays it out): %w", kconfigSec, ErrNotFound)
	}
	if uint64(e.Offset)+uint64(e.Size) > uint64(m.ValueSize) || e.Size == 0 {
		return fmt.Errorf("offset %d size %d outside the %d-byte %s map: %w", e.Offset, e.Size, m.ValueSize, kconfigSec, btf.ErrInvalid)
	}
	if obj.BTF == nil || obj.BTF.TypeKind(e.TypeID) != btf.KindVar {
		return fmt.Errorf("no BTF VAR for the extern (type %d): %w", e.TypeID, btf.ErrInvalid)
	}
	vt, err := obj.BTF.Type(e.TypeID)
	if err != nil {
		return err
	}
	kt, signed, err := kcfgTypeOf(obj.BTF, vt.Type)
	if err != nil {
		return err
	}
	if kt == kcfgUnknown {
		return fmt.Errorf("%s %s is not a bool, tristate, char, integer or char array: %w",
			obj.BTF.TypeKind(vt.Type), obj.BTF.TypeName(vt.Type), ErrNotSupported)
	}
	v := kcfgValue{typ: kt, signed: signed, size: e.Size, order: byteOrder(obj)}

	var val []byte
	var note string
	switch {
	case strings.HasPrefix(e.Name, kconfigPrefix):
		s, ok, err := r.kconfigValue(e.Name)
		if err != nil {
			return fmt.Errorf("reading the kernel config: %w", err)
		}
		if !ok {
			if !e.Weak {
				return fmt.Errorf("not found in the kernel config: %w", ErrExternNotFound)
			}
			zeroKconfig(m, e)
			r.missing(e, "kconfig: not set, __weak: zero")
			return nil
		}
		if val, err = v.parse(s); err != nil {
			return fmt.Errorf("kernel config value %s=%s: %w", e.Name, s, err)
		}
		note = "kconfig"
	case e.Name == virtKernelVersion:
		if r.ctx.Target == nil {
			return errors.New("no target kernel to take the version of")
		}
		ver, err := r.ctx.Target.KernelVersion()
		if err != nil {
			return err
		}
		if ver == 0 {
			return fmt.Errorf("the target's kernel version is unknown: %w", ErrExternNotFound)
		}
		if val, err = v.number(uint64(ver)); err != nil {
			return err
		}
		note = fmt.Sprintf("kconfig: kernel version %d.%d.%d", ver>>16, ver>>8&0xff, ver&0xff)
	case e.Name == virtHasBPFCookie:
		has, why, err := r.hasBPFCookie()
		if err != nil {
			return err
		}
		if val, err = v.number(b2u(has)); err != nil {
			return err
		}
		note = "kconfig: " + why
	case e.Name == virtSyscallWrapper:
		has, why, err := r.hasSyscallWrapper()
		if err != nil {
			return err
		}
		if val, err = v.number(b2u(has)); err != nil {
			return err
		}
		note = "kconfig: " + why
	case strings.HasPrefix(e.Name, virtualPrefix) && e.Weak:
		zeroKconfig(m, e)
		r.missing(e, "kconfig: unknown virtual extern, __weak: zero")
		return nil
	default:
		return fmt.Errorf("not a CONFIG_ value nor a virtual extern bpfc knows: %w", ErrExternNotFound)
	}
	if m.Data == nil {
		m.Data = make([]byte, m.ValueSize)
	}
	if len(m.Data) < int(e.Offset+e.Size) {
		return fmt.Errorf("%s map data is %d bytes, value needs %d: %w", kconfigSec, len(m.Data), e.Offset+e.Size, btf.ErrInvalid)
	}
	copy(m.Data[e.Offset:e.Offset+e.Size], val)
	e.Value = val
	e.State = ir.Resolved
	e.Missing = false
	e.Note = note
	return nil
}

// zeroKconfig clears a weak extern's bytes in the .kconfig map (nil data
// is all zeroes already).
func zeroKconfig(m *ir.Map, e *ir.Extern) {
	if end := int(e.Offset + e.Size); end <= len(m.Data) {
		clear(m.Data[e.Offset:end])
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// kcfgValue encodes a kconfig value for one extern.
type kcfgValue struct {
	typ    kcfgType
	signed bool
	size   uint32
	order  binary.ByteOrder
}

// parse encodes s, a value as written in a kernel config file, following
// libbpf's bpf_object__process_kconfig_line: y/n/m for bool, tristate and
// char; a quoted string for char arrays; an integer (decimal, 0x hex or 0
// octal, possibly negative) for integers and chars.
func (v kcfgValue) parse(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("no value: %w", ErrExternIncompatible)
	}
	switch s[0] {
	case 'y', 'n', 'm':
		return v.tristate(s[0])
	case '"':
		return v.str(s)
	}
	n, err := parseKconfigInt(s)
	if err != nil {
		return nil, err
	}
	if v.typ != kcfgInt && v.typ != kcfgChar {
		return nil, fmt.Errorf("an integer does not fit a %s extern: %w", v.typ, ErrExternIncompatible)
	}
	return v.number(n)
}

func (v kcfgValue) tristate(c byte) ([]byte, error) {
	b := make([]byte, v.size)
	switch v.typ {
	case kcfgBool:
		if c == 'm' {
			return nil, fmt.Errorf("value 'm' implies a tristate or char extern, not bool: %w", ErrExternIncompatible)
		}
		b[0] = byte(b2u(c == 'y'))
	case kcfgTristate:
		n := uint32(triNo)
		switch c {
		case 'y':
			n = triYes
		case 'm':
			n = triModule
		}
		return v.number(uint64(n))
	case kcfgChar:
		b[0] = c
	default:
		return nil, fmt.Errorf("value '%c' implies a bool, tristate or char extern, not %s: %w", c, v.typ, ErrExternIncompatible)
	}
	return b, nil
}

// str encodes a quoted string into a char array, NUL-terminated and
// padded. Like libbpf, a string too long for the array is truncated to
// leave room for the NUL.
func (v kcfgValue) str(s string) ([]byte, error) {
	if v.typ != kcfgCharArray {
		return nil, fmt.Errorf("a string implies a char array extern, not %s: %w", v.typ, ErrExternIncompatible)
	}
	if len(s) < 2 || s[len(s)-1] != '"' {
		return nil, fmt.Errorf("unterminated string %s: %w", s, ErrExternIncompatible)
	}
	body := s[1 : len(s)-1]
	b := make([]byte, v.size)
	copy(b[:v.size-1], body)
	return b, nil
}

// number encodes n into an integer, char or bool extern after checking
// that it fits (libbpf's set_kcfg_value_num and is_kcfg_value_in_range).
func (v kcfgValue) number(n uint64) ([]byte, error) {
	switch v.typ {
	case kcfgInt, kcfgChar, kcfgBool, kcfgTristate:
	default:
		return nil, fmt.Errorf("value %d implies an integer, char or bool extern, not %s: %w", n, v.typ, ErrExternIncompatible)
	}
	if v.typ == kcfgBool && n > 1 {
		return nil, fmt.Errorf("value %d is not a bool: %w", n, ErrExternIncompatible)
	}
	if bits := v.size * 8; v.size < 8 {
		fits := n>>bits == 0
		if v.signed {
			fits = n+1<<(bits-1) < 1<<bits
		}
		if !fits {
			return nil, fmt.Errorf("value %d does not fit in %d bytes: %w", int64(n), v.size, ErrExternIncompatible)
		}
	}
	b := make([]byte, v.size)
	if !putUint(v.order, b, n) {
		return nil, fmt.Errorf("%d-byte integer: %w", v.size, ErrExternIncompatible)
	}
	return b, nil
}

// parseKconfigInt parses an integer the way C's strtoull(s, NULL, 0) does
// for a whole string: optional sign, then 0x/0X hex, 0 octal or decimal.
// A negative number gives its two's complement, as strtoull does.
func parseKconfigInt(s string) (uint64, error) {
	digits, neg := s, false
	switch {
	case strings.HasPrefix(digits, "-"):
		digits, neg = digits[1:], true
	case strings.HasPrefix(digits, "+"):
		digits = digits[1:]
	}
	base := 10
	switch {
	case len(digits) > 2 && (digits[:2] == "0x" || digits[:2] == "0X"):
		digits, base = digits[2:], 16
	case len(digits) > 1 && digits[0] == '0':
		digits, base = digits[1:], 8
	}
	if digits == "" || strings.ContainsAny(digits, "_+-") {
		return 0, fmt.Errorf("%q is not an integer: %w", s, ErrExternIncompatible)
	}
	n, err := strconv.ParseUint(digits, base, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer: %w", s, ErrExternIncompatible)
	}
	if neg {
		n = -n
	}
	return n, nil
}

// hasBPFCookie answers LINUX_HAS_BPF_COOKIE. For the running kernel bpfc
// probes as libbpf does, loading a program that calls
// bpf_get_attach_cookie (features.BPFCookie, once per process): parsing
// vmlinux BTF for one enum would be most of the load of an object without
// CO-RE (usdt.bpf.h asks). For another target, or when the probe cannot
// tell (no privileges), it asks the target's BTF whether enum bpf_func_id
// has BPF_FUNC_get_attach_cookie, and without BTF compares the kernel
// version with 5.15.
func (r *externResolver) hasBPFCookie() (bool, string, error) {
	const helper = "BPF_FUNC_get_attach_cookie"
	if rk, ok := r.ctx.Target.(RunningKernel); ok && rk.RunningKernel() {
		switch err := features.BPFCookie.Check(); {
		case err == nil:
			return true, "the running kernel has bpf_get_attach_cookie (probed)", nil
		case errors.Is(err, features.ErrNotSupported):
			return false, "the running kernel has no bpf_get_attach_cookie (probed)", nil
		}
	}
	if spec, err := r.targetBTF(); err == nil {
		for _, id := range spec.FindByNameKind("bpf_func_id", btf.KindEnum) {
			t, err := spec.Type(id)
			if err != nil {
				return false, "", err
			}
			if t.Kind != btf.KindEnum && t.Kind != btf.KindEnum64 {
				continue
			}
			has := slices.ContainsFunc(t.Enums, func(v btf.EnumValue) bool { return v.Name == helper })
			if has {
				return true, "target BTF has " + helper, nil
			}
			return false, "target BTF has no " + helper, nil
		}
	}
	if r.ctx.Target == nil {
		return false, "", errors.New("no target kernel to probe for bpf_get_attach_cookie")
	}
	ver, err := r.ctx.Target.KernelVersion()
	if err != nil {
		return false, "", fmt.Errorf("no BTF enum bpf_func_id and no kernel version: %w", err)
	}
	return ver >= kernelVersion515, "kernel version >= 5.15", nil
}

// hasSyscallWrapper answers LINUX_HAS_SYSCALL_WRAPPER from the target: for
// the running kernel by its version where features.SyscallWrapperAlways
// knows one (as attach does where it puts ksyscall programs); otherwise
// features.HasSyscallWrapper decides, looking in the target's BTF (or
// asking the running kernel), then its kallsyms.
func (r *externResolver) hasSyscallWrapper() (bool, string, error) {
	if rk, ok := r.ctx.Target.(RunningKernel); ok && rk.RunningKernel() {
		// The running kernel's architecture is this process's: from some
		// version on it always has the wrappers, with nothing to look up.
		if since, ok := features.SyscallWrapperByVersion(); ok {
			return true, "Linux " + since.String() + " and later on " + runtime.GOARCH + " always have syscall wrappers", nil
		}
	}
	var src features.SymbolSource
	if found, ok := r.kernelHasFuncs(features.SyscallWrapperNames()[:1]); ok {
		// The running kernel looked this architecture's wrapper up
		// itself (no vmlinux BTF read here); it has no other's.
		src.BTFFunc = func(name string) bool { return found[name] }
	} else if spec, err := r.targetBTF(); err == nil {
		src.BTFFunc = func(name string) bool {
			for _, id := range spec.FindByNameKind(name, btf.KindFunc) {
				if spec.TypeKind(id) == btf.KindFunc {
					return true
				}
			}
			return false
		}
	} else {
		src.BTFErr = err
	}
	if t := r.ctx.Target; t != nil {
		src.Kallsyms = func(name string) (bool, error) {
			_, found, err := t.Kallsyms(name)
			return found, err
		}
	}
	return features.HasSyscallWrapper(src)
}
