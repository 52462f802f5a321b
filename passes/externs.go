// This file is the externs pass. It gives every extern symbol of the object
// a value, the way libbpf's bpf_object__resolve_externs does:
//
//   - .kconfig externs take their values from the target's kernel config
//     (CONFIG_*) or are computed (LINUX_KERNEL_VERSION,
//     LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER); the values are
//     written into the .kconfig map the datasec pass laid out. They are
//     always resolved now, also for the loader backend, as libbpf's loader
//     generator does.
//   - typed ksyms (kernel variables with a BTF type) get the BTF id of the
//     VAR of that name in vmlinux or module BTF, after a type
//     compatibility check; typeless ksyms get their address from kallsyms.
//   - kfuncs get the BTF id of the FUNC of that name (flavor suffix
//     ignored) in vmlinux or module BTF, after a prototype compatibility
//     check; a module kfunc takes a module slot in fd_array.
//   - with Context.Defer (or no target), ksyms and kfuncs are left for the
//     loader to look up at load time.
//
// __weak externs that cannot be found read as zero (Missing). Finally every
// untyped extern reference (RelocExtern) becomes a reference to the
// .kconfig map value, a ksym load or a kfunc call.

package passes

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes/core"
)

// Errors of the externs pass, for errors.Is.
var (
	// ErrExternNotFound is wrapped when a non-weak extern does not exist
	// in the target (kernel config, BTF or kallsyms).
	ErrExternNotFound = errors.New("extern not found in the target")
	// ErrExternIncompatible is wrapped when an extern's declared type does
	// not match the kernel's, or a kconfig value does not fit its type.
	ErrExternIncompatible = errors.New("extern incompatible with the target")
)

// Notes recorded on deferred externs: what the loader calls to find them.
const (
	noteDeferBTF      = "at load time (bpf_btf_find_by_name_kind)"
	noteDeferKallsyms = "at load time (bpf_kallsyms_lookup_name)"
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

// enum libbpf_tristate values.
const (
	triNo     = 0
	triYes    = 1
	triModule = 2
)

// kernelVersion515 is KERNEL_VERSION(5, 15, 0), the first kernel with
// bpf_get_attach_cookie for every program type libbpf's probe uses.
const kernelVersion515 = 5<<16 | 15<<8

func runExterns(ctx *Context, obj *ir.Object) error {
	r := &externResolver{ctx: ctx, obj: obj}
	for _, e := range obj.Externs {
		var err error
		switch e.Kind {
		case ir.ExternKconfig:
			err = r.kconfig(e)
		case ir.ExternKsym:
			if e.Typed {
				err = r.typedKsym(e)
			} else {
				err = r.typelessKsym(e)
			}
		case ir.ExternKfunc:
			err = r.kfunc(e)
		default:
			err = fmt.Errorf("unknown extern kind %d: %w", e.Kind, ErrNotSupported)
		}
		if err != nil {
			if e.Section == "" {
				return fmt.Errorf("extern %s (a function declared without __ksym): %w", e.Name, err)
			}
			return fmt.Errorf("extern %s (%s): %w", e.Name, e.Section, err)
		}
	}
	for _, f := range obj.Units() {
		if err := retypeExternRelocs(obj, f); err != nil {
			return err
		}
	}
	return nil
}

// externResolver resolves the externs of one object. Targets remember
// their facts (see Target); the resolver only keeps the module list it
// sorts.
type externResolver struct {
	ctx *Context
	obj *ir.Object

	mods    []namedSpec
	modErr  error
	modDone bool
}

// namedSpec is a module's BTF with the module's name.
type namedSpec struct {
	name string
	spec *btf.Spec
}

// deferred reports whether target lookups of ksyms and kfuncs are left to
// load time: asked for, or no target to ask.
func (r *externResolver) deferred() bool { return r.ctx.Defer || r.ctx.Target == nil }

func (r *externResolver) kconfigMap() (map[string]string, error) {
	if r.ctx.Target == nil {
		return nil, errors.New("no target kernel to read the kernel config of")
	}
	return r.ctx.Target.Kconfig()
}

func (r *externResolver) targetBTF() (*btf.Spec, error) {
	if r.ctx.Target == nil {
		return nil, errors.New("no target kernel BTF")
	}
	return r.ctx.Target.BTF()
}

// modules returns the target's module BTFs sorted by module name, so that
// lookups are deterministic.
func (r *externResolver) modules() ([]namedSpec, error) {
	if !r.modDone {
		r.modDone = true
		if r.ctx.Target != nil {
			ms, err := r.ctx.Target.ModuleBTFs()
			r.modErr = err
			for _, name := range slices.Sorted(maps.Keys(ms)) {
				r.mods = append(r.mods, namedSpec{name, ms[name]})
			}
		}
	}
	return r.mods, r.modErr
}

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
		kc, err := r.kconfigMap()
		if err != nil {
			return fmt.Errorf("reading the kernel config: %w", err)
		}
		s, ok := kc[e.Name]
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

// missing records a weak extern that was not found: it reads as zero.
func (r *externResolver) missing(e *ir.Extern, note string) {
	e.State = ir.Resolved
	e.Missing = true
	e.Value = nil
	e.Addr, e.BTFID, e.BTFModule = 0, 0, ""
	e.Note = note
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

// hasBPFCookie answers LINUX_HAS_BPF_COOKIE. libbpf probes by loading a
// program that calls bpf_get_attach_cookie; bpfc asks the target's BTF
// whether enum bpf_func_id has BPF_FUNC_get_attach_cookie, and without BTF
// compares the kernel version with 5.15.
func (r *externResolver) hasBPFCookie() (bool, string, error) {
	const helper = "BPF_FUNC_get_attach_cookie"
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

// syscallPrefixes are the architecture prefixes of syscall wrappers
// ("__x64_sys_bpf"), as libbpf's arch_specific_syscall_pfx knows them.
var syscallPrefixes = map[string]string{
	"amd64":   "x64",
	"386":     "ia32",
	"s390x":   "s390x",
	"arm":     "arm",
	"arm64":   "arm64",
	"mips":    "mips",
	"mipsle":  "mips",
	"mips64":  "mips",
	"riscv64": "riscv",
	"ppc64":   "powerpc",
	"ppc64le": "powerpc",
}

// hasSyscallWrapper answers LINUX_HAS_SYSCALL_WRAPPER: whether the kernel
// enters syscalls through arch-specific wrappers (__x64_sys_bpf). libbpf
// probes by creating a kprobe on the wrapper; bpfc looks for the wrapper's
// FUNC in the target BTF (any architecture's prefix, so a BTF file of
// another architecture answers for itself), then in kallsyms.
func (r *externResolver) hasSyscallWrapper() (bool, string, error) {
	pfxs := make([]string, 0, len(syscallPrefixes))
	for _, p := range syscallPrefixes {
		if !slices.Contains(pfxs, p) {
			pfxs = append(pfxs, p)
		}
	}
	slices.Sort(pfxs)
	spec, btfErr := r.targetBTF()
	if btfErr == nil {
		for _, p := range pfxs {
			name := "__" + p + "_sys_bpf"
			for _, id := range spec.FindByNameKind(name, btf.KindFunc) {
				if spec.TypeKind(id) == btf.KindFunc {
					return true, "target BTF has FUNC " + name, nil
				}
			}
		}
	}
	if r.ctx.Target == nil {
		return false, "", errors.New("no target kernel to look for syscall wrappers in")
	}
	if p, ok := syscallPrefixes[runtime.GOARCH]; ok {
		name := "__" + p + "_sys_bpf"
		_, found, err := r.ctx.Target.Kallsyms(name)
		if err == nil && found {
			return true, "kallsyms has " + name, nil
		}
		if err != nil && btfErr != nil {
			return false, "", fmt.Errorf("no target BTF (%w) and no kallsyms (%w)", btfErr, err)
		}
	}
	if btfErr != nil {
		return false, "no target BTF; kallsyms has no __<arch>_sys_bpf", nil
	}
	return false, "target BTF has no __<arch>_sys_bpf", nil
}

// findKernelType finds a named type of kind in the target: vmlinux first,
// then each module's own types (libbpf's find_ksym_btf_id). It returns the
// spec holding it and the module name ("" for vmlinux); id 0 if absent.
func (r *externResolver) findKernelType(name string, kind btf.Kind) (*btf.Spec, string, btf.TypeID, error) {
	vmlinux, err := r.targetBTF()
	if err != nil {
		return nil, "", 0, err
	}
	if id := firstOfKind(vmlinux, name, kind, 0); id != 0 {
		return vmlinux, "", id, nil
	}
	mods, err := r.modules()
	if err != nil {
		return nil, "", 0, fmt.Errorf("module BTF: %w", err)
	}
	for _, m := range mods {
		if id := firstOfKind(m.spec, name, kind, m.spec.FirstID()); id != 0 {
			return m.spec, m.name, id, nil
		}
	}
	return nil, "", 0, nil
}

// firstOfKind returns the first type of spec named name of kind, with an
// id of at least min (to skip the base types of split BTF), or 0.
func firstOfKind(spec *btf.Spec, name string, kind btf.Kind, min btf.TypeID) btf.TypeID {
	for _, id := range spec.FindByNameKind(name, kind) {
		if id >= min && spec.TypeKind(id) == kind {
			return id
		}
	}
	return 0
}

// where names the BTF a type was found in.
func where(module string) string {
	if module == "" {
		return "vmlinux"
	}
	return "module " + module
}

// typedKsym resolves a kernel variable with a BTF type to the BTF id of
// its VAR (libbpf's bpf_object__resolve_ksym_var_btf_id).
func (r *externResolver) typedKsym(e *ir.Extern) error {
	if r.deferred() {
		e.State, e.Note = ir.Deferred, noteDeferBTF
		return nil
	}
	if r.obj.BTF == nil {
		return fmt.Errorf("a typed ksym needs the object's BTF: %w", btf.ErrInvalid)
	}
	spec, mod, id, err := r.findKernelType(e.Name, btf.KindVar)
	if err != nil {
		return err
	}
	if id == 0 {
		if e.Weak {
			r.missing(e, "ksym: no VAR in kernel BTF, __weak: zero")
			return nil
		}
		return fmt.Errorf("no VAR %s in kernel BTF: %w", e.Name, ErrExternNotFound)
	}
	vt, err := spec.Type(id)
	if err != nil {
		return err
	}
	targType, err := spec.Skip(vt.Type)
	if err != nil {
		return err
	}
	ok, err := core.TypesAreCompat(r.obj.BTF, e.LocalType, spec, targType)
	if err != nil {
		return fmt.Errorf("comparing with %s [%d]: %w", where(mod), id, err)
	}
	if !ok {
		return fmt.Errorf("declared as [%d] %s, but %s has [%d] %s: %w",
			e.LocalType, describeType(r.obj.BTF, e.LocalType), where(mod), targType, describeType(spec, targType), ErrExternIncompatible)
	}
	e.State = ir.Resolved
	e.Missing = false
	e.BTFID = uint32(id)
	e.BTFModule = mod
	e.Note = fmt.Sprintf("ksym: VAR %s [%d] in %s", e.Name, id, where(mod))
	return nil
}

// typelessKsym resolves a kernel symbol declared without a type (extern
// const void x __ksym) to its address in kallsyms.
func (r *externResolver) typelessKsym(e *ir.Extern) error {
	if r.deferred() {
		e.State, e.Note = ir.Deferred, noteDeferKallsyms
		return nil
	}
	addr, ok, err := r.ctx.Target.Kallsyms(e.Name)
	if err != nil {
		return fmt.Errorf("kallsyms: %w", err)
	}
	switch {
	case ok && addr != 0:
	case e.Weak:
		why := "ksym: not in kallsyms, __weak: zero"
		if ok {
			why = "ksym: kallsyms hides its address (kptr_restrict?), __weak: zero"
		}
		r.missing(e, why)
		return nil
	case ok:
		return fmt.Errorf("kallsyms shows address 0 (kptr_restrict, or not privileged to read kernel addresses): %w", ErrExternNotFound)
	default:
		return fmt.Errorf("not in kallsyms: %w", ErrExternNotFound)
	}
	e.State = ir.Resolved
	e.Missing = false
	e.Addr = addr
	e.Value = make([]byte, 8)
	byteOrder(r.obj).PutUint64(e.Value, addr)
	e.Note = "ksym: kallsyms"
	return nil
}

// kfunc resolves a kernel function to the BTF id of its FUNC (libbpf's
// bpf_object__resolve_ksym_func_btf_id). The name's ___flavor suffix is
// ignored. A kfunc of a module takes a module slot.
func (r *externResolver) kfunc(e *ir.Extern) error {
	if r.deferred() {
		e.State, e.Note = ir.Deferred, noteDeferBTF
		return nil
	}
	name := btf.EssentialName(e.Name)
	spec, mod, id, err := r.findKernelType(name, btf.KindFunc)
	if err != nil {
		return err
	}
	if id == 0 {
		if e.Weak {
			r.missing(e, "kfunc: no FUNC in kernel BTF, __weak: zero")
			return nil
		}
		if e.Section == "" {
			// Most likely a function of another object: bpfc does not
			// link objects, and a kfunc would be declared __ksym.
			return fmt.Errorf("no FUNC %s in kernel or module BTF, and bpfc does not link BPF objects together: %w", name, ErrExternNotFound)
		}
		return fmt.Errorf("no FUNC %s in kernel or module BTF: %w", name, ErrExternNotFound)
	}
	ft, err := spec.Type(id)
	if err != nil {
		return err
	}
	ok, checked := true, "checked"
	if e.TypeID == 0 || r.obj.BTF == nil {
		// Called as a kfunc without a FUNC in the object's BTF: there is
		// no declared prototype to compare.
		checked = "prototype not checked: no local BTF"
	} else if ok, err = core.TypesAreCompat(r.obj.BTF, e.LocalType, spec, ft.Type); err != nil {
		return fmt.Errorf("comparing with %s [%d]: %w", where(mod), id, err)
	}
	if !ok {
		if e.Weak {
			r.missing(e, fmt.Sprintf("kfunc: prototype incompatible with %s [%d], __weak: zero", where(mod), ft.Type))
			return nil
		}
		return fmt.Errorf("func_proto [%d] %s incompatible with %s func_proto [%d] %s: %w",
			e.LocalType, describeType(r.obj.BTF, e.LocalType), where(mod), ft.Type, describeType(spec, ft.Type), ErrExternIncompatible)
	}
	if mod != "" && !slices.Contains(r.obj.ModuleSlots, mod) {
		r.obj.ModuleSlots = append(r.obj.ModuleSlots, mod)
	}
	e.State = ir.Resolved
	e.Missing = false
	e.BTFID = uint32(id)
	e.BTFModule = mod
	e.Note = fmt.Sprintf("kfunc: FUNC %s [%d] in %s", name, id, where(mod))
	if checked != "checked" {
		e.Note += " (" + checked + ")"
	}
	return nil
}

// describeType names a type for error messages: "struct rq", "int",
// "func_proto (2 params)".
func describeType(spec *btf.Spec, id btf.TypeID) string {
	t, err := spec.Type(id)
	if err != nil {
		return fmt.Sprintf("type %d (%v)", id, err)
	}
	switch {
	case id == 0:
		return "void"
	case t.Kind == btf.KindFuncProto:
		return fmt.Sprintf("func_proto (%d params)", len(t.Params))
	case t.Name == "":
		return "anonymous " + t.Kind.String()
	case t.Kind == btf.KindInt || t.Kind == btf.KindFloat || t.Kind == btf.KindTypedef:
		return t.Name
	}
	return t.Kind.String() + " " + t.Name
}

// retypeExternRelocs turns the untyped extern references of one function
// into .kconfig map value references, ksym loads or kfunc calls.
func retypeExternRelocs(obj *ir.Object, f *ir.Function) error {
	for _, rel := range f.Relocs {
		if rel.Kind != ir.RelocExtern {
			continue
		}
		e := obj.Extern(rel.Symbol)
		if e == nil {
			return fmt.Errorf("%s: insn %d: reference to unknown extern %s: %w", f.Name, rel.Insn, rel.Symbol, ErrNotFound)
		}
		if rel.Insn < 0 || rel.Insn >= len(f.Insns) {
			return fmt.Errorf("%s: insn %d: reference to extern %s outside the code: %w", f.Name, rel.Insn, rel.Symbol, btf.ErrInvalid)
		}
		in := f.Insns[rel.Insn]
		switch {
		case in.IsCall() && e.Kind == ir.ExternKfunc:
			rel.Kind = ir.RelocKfunc
		case in.IsCall():
			return fmt.Errorf("%s: insn %d: call to %s extern %s, which is not a function: %w", f.Name, rel.Insn, e.Kind, e.Name, btf.ErrInvalid)
		case !in.IsLdImm64():
			return fmt.Errorf("%s: insn %d: reference to extern %s is neither ld_imm64 nor call: %w", f.Name, rel.Insn, e.Name, btf.ErrInvalid)
		case e.Kind == ir.ExternKconfig:
			rel.Kind = ir.RelocMapValue
			rel.Symbol = kconfigSec
			rel.Offset += int64(e.Offset)
		default:
			rel.Kind = ir.RelocKsym
		}
	}
	return nil
}
