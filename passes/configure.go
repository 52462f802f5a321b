// This file holds the edits user code makes between opening an object and
// loading it (libbpf's bpf_map__set_max_entries, set_key_size,
// set_value_size, bpf_program__set_autoload and skeleton writes to
// .rodata), for bpfc.Options (the CLI's -set, -max-entries, -key-size,
// -value-size and -disable flags) through the configure pass.
// SetVariable needs the datasec pass to have run: it finds variables
// through the completed DATASECs.

package passes

import (
	"encoding/binary"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// ErrNotFound is wrapped by errors about a map, program, variable or
// function that the object does not have. It is btf.ErrNotFound.
var ErrNotFound error = &errs.NotFound

// SetVariable writes value into the initial contents of the global
// variable called name, found through the object's BTF in a .data* or
// .rodata* DATASEC. The variable's type decides how value is read: an
// integer of any size and signedness (decimal, 0x hex, 0 octal, 0b binary),
// a bool (true/false/1/0), an enum (enumerator name or number), or a char
// array (a string, NUL-padded; it must leave room for the terminating NUL).
// Variables in .bss have no initial contents to write and are refused.
//
// A constant of inline assembly (an ExternConst: "r0 = MY_CONST ll") is
// set too: value is a 64-bit integer, signed or not.
func SetVariable(obj *ir.Object, name, value string) error {
	if e := obj.Extern(name); e != nil && e.Kind == ir.ExternConst {
		return setConst(e, value)
	}
	if obj.BTF == nil {
		return fmt.Errorf("variable %s: the object has no BTF: %w", name, ErrNotFound)
	}
	spec := obj.BTF
	var bssSec string
	for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
		if spec.TypeKind(id) != btf.KindDatasec {
			continue
		}
		sec, err := spec.Type(id)
		if err != nil {
			return fmt.Errorf("variable %s: %w", name, err)
		}
		for _, vs := range sec.Vars {
			if spec.TypeKind(vs.Type) != btf.KindVar || spec.TypeName(vs.Type) != name {
				continue
			}
			if !isDataSection(sec.Name) {
				if strings.HasPrefix(sec.Name, ".bss") {
					bssSec = sec.Name
				}
				continue
			}
			if sec.Size == 0 {
				return fmt.Errorf("variable %s: DATASEC %s is not sized yet (run the datasec pass first)", name, sec.Name)
			}
			m, _ := obj.Map(sec.Name)
			if m == nil || m.Data == nil {
				return fmt.Errorf("variable %s: section %s has no initial contents to write: %w", name, sec.Name, ErrNotFound)
			}
			if uint64(vs.Offset)+uint64(vs.Size) > uint64(len(m.Data)) {
				return fmt.Errorf("variable %s: offset %d size %d outside the %d bytes of %s: %w", name, vs.Offset, vs.Size, len(m.Data), sec.Name, btf.ErrInvalid)
			}
			vt, err := spec.Type(vs.Type)
			if err != nil {
				return fmt.Errorf("variable %s: %w", name, err)
			}
			if err := encodeValue(obj, vt.Type, value, m.Data[vs.Offset:vs.Offset+vs.Size]); err != nil {
				return fmt.Errorf("variable %s in %s: %w", name, sec.Name, err)
			}
			return nil
		}
	}
	if bssSec != "" {
		return fmt.Errorf("variable %s is in %s, which has no initial values: only .data and .rodata variables can be set", name, bssSec)
	}
	return fmt.Errorf("variable %s: no such global variable in .data or .rodata: %w", name, ErrNotFound)
}

// setConst sets the value of an inline-assembly constant.
func setConst(e *ir.Extern, value string) error {
	v, err := strconv.ParseUint(value, 0, 64)
	if err != nil {
		s, serr := strconv.ParseInt(value, 0, 64)
		if serr != nil {
			return fmt.Errorf("constant %s (of inline assembly): %q is not a 64-bit integer", e.Name, value)
		}
		v = uint64(s)
	}
	e.Const, e.ConstSet = v, true
	return nil
}

// isDataSection reports whether a section holds initialised global data.
func isDataSection(name string) bool {
	return name == ".data" || name == ".rodata" || strings.HasPrefix(name, ".data.") || strings.HasPrefix(name, ".rodata.")
}

// encodeValue writes value, parsed according to type id, into dst.
func encodeValue(obj *ir.Object, id btf.TypeID, value string, dst []byte) error {
	spec := obj.BTF
	id, err := spec.Skip(id)
	if err != nil {
		return err
	}
	t, err := spec.Type(id)
	if err != nil {
		return err
	}
	put := func(v uint64, size uint32) error {
		if int(size) > len(dst) {
			return fmt.Errorf("%d-byte value in a %d-byte variable: %w", size, len(dst), btf.ErrInvalid)
		}
		if !putUint(byteOrder(obj), dst[:size], v) {
			return fmt.Errorf("unsupported %d-byte integer", size)
		}
		return nil
	}
	switch t.Kind {
	case btf.KindInt:
		if t.IntEncoding&btf.IntBool != 0 {
			b, err := strconv.ParseBool(value)
			if err != nil {
				return fmt.Errorf("bool: %q is not true, false, 1 or 0", value)
			}
			v := uint64(0)
			if b {
				v = 1
			}
			return put(v, t.Size)
		}
		v, err := parseInt(value, t.Size, t.IntEncoding&btf.IntSigned != 0)
		if err != nil {
			return err
		}
		return put(v, t.Size)
	case btf.KindEnum, btf.KindEnum64:
		for _, e := range t.Enums {
			if e.Name == value {
				return put(uint64(e.Value), t.Size)
			}
		}
		v, err := parseInt(value, t.Size, t.KindFlag)
		if err != nil {
			names := make([]string, len(t.Enums))
			for i, e := range t.Enums {
				names[i] = e.Name
			}
			return fmt.Errorf("enum %s: %q is neither an enumerator (%s) nor a number", t.Name, value, strings.Join(names, ", "))
		}
		return put(v, t.Size)
	case btf.KindArray:
		elem, err := spec.Skip(t.Array.Type)
		if err != nil {
			return err
		}
		et, err := spec.Type(elem)
		if err != nil {
			return err
		}
		if et.Kind != btf.KindInt || et.Size != 1 {
			return fmt.Errorf("array of %s %s: only char arrays (strings) can be set: %w", et.Kind, et.Name, ErrNotSupported)
		}
		n := int(t.Array.Nelems)
		if n > len(dst) {
			n = len(dst)
		}
		if len(value) >= n {
			return fmt.Errorf("string of %d bytes does not fit char[%d] with its terminating NUL", len(value), t.Array.Nelems)
		}
		copy(dst, value)
		clear(dst[len(value):n])
		return nil
	}
	return fmt.Errorf("type %s %s cannot be set (ints, bools, enums and char arrays can): %w", t.Kind, t.Name, ErrNotSupported)
}

// byteOrder is the byte order values are encoded in: the object's, else
// the machine's (BPF objects are built for the machine they run on).
func byteOrder(obj *ir.Object) binary.ByteOrder {
	if obj.ByteOrder != nil {
		return obj.ByteOrder
	}
	return binary.NativeEndian
}

// putUint writes v, truncated to len(b) bytes, into b in order. It
// reports false, writing nothing, unless b is 1, 2, 4 or 8 bytes long.
func putUint(order binary.ByteOrder, b []byte, v uint64) bool {
	switch len(b) {
	case 1:
		b[0] = byte(v)
	case 2:
		order.PutUint16(b, uint16(v))
	case 4:
		order.PutUint32(b, uint32(v))
	case 8:
		order.PutUint64(b, v)
	default:
		return false
	}
	return true
}

// parseInt parses an integer literal that must fit size bytes, signed or
// not. Negative values are accepted for signed types only.
func parseInt(s string, size uint32, signed bool) (uint64, error) {
	bits := int(size) * 8
	if bits == 0 || bits > 64 {
		return 0, fmt.Errorf("unsupported %d-byte integer", size)
	}
	if signed {
		v, err := strconv.ParseInt(s, 0, bits)
		if err != nil {
			return 0, fmt.Errorf("%q is not a %d-bit signed integer", s, bits)
		}
		return uint64(v), nil
	}
	v, err := strconv.ParseUint(s, 0, bits)
	if err != nil {
		return 0, fmt.Errorf("%q is not a %d-bit unsigned integer", s, bits)
	}
	return v, nil
}

// SetMaxEntries overrides the max_entries of the map called mapName, as
// libbpf's bpf_map__set_max_entries does before load. Global data and
// .kconfig maps have exactly one entry and are refused.
func SetMaxEntries(obj *ir.Object, mapName string, n uint32) error {
	m, _ := obj.Map(mapName)
	if m == nil {
		return fmt.Errorf("map %s: %w", mapName, ErrNotFound)
	}
	if m.Kind.IsGlobalData() {
		return fmt.Errorf("map %s: global data maps have exactly one entry; max_entries cannot be changed", mapName)
	}
	if n == 0 {
		return fmt.Errorf("map %s: max_entries must be at least 1", mapName)
	}
	for _, s := range m.Slots {
		if s.Index >= n {
			return fmt.Errorf("map %s: max_entries %d is too small for the initial value at index %d", mapName, n, s.Index)
		}
	}
	m.MaxEntries = n
	return nil
}

// SetKeySize overrides the key_size of the map called mapName, and
// SetValueSize its value_size, as libbpf's bpf_map__set_key_size and
// bpf_map__set_value_size do before load: for maps an object leaves
// unsized (bcc's tools size stack trace and hash maps from the command
// line). A map whose BTF key or value type no longer has the size loses
// both BTF types (libbpf creates it without them when the kernel refuses
// the mismatch). Global data and .kconfig maps take their sizes from their
// sections and are refused.
func SetKeySize(obj *ir.Object, mapName string, n uint32) error {
	return setSize(obj, mapName, "key_size", n, func(m *ir.Map) (*uint32, btf.TypeID) { return &m.KeySize, m.KeyType })
}

// SetValueSize overrides the value_size of the map called mapName; see
// SetKeySize.
func SetValueSize(obj *ir.Object, mapName string, n uint32) error {
	return setSize(obj, mapName, "value_size", n, func(m *ir.Map) (*uint32, btf.TypeID) { return &m.ValueSize, m.ValueType })
}

// setSize implements SetKeySize and SetValueSize: field returns the size
// to set and the BTF type that describes it.
func setSize(obj *ir.Object, mapName, what string, n uint32, field func(*ir.Map) (*uint32, btf.TypeID)) error {
	m, _ := obj.Map(mapName)
	if m == nil {
		return fmt.Errorf("map %s: %w", mapName, ErrNotFound)
	}
	if m.Kind == ir.MapData || m.Kind == ir.MapKconfig {
		return fmt.Errorf("map %s: global data maps take their sizes from their section; %s cannot be changed", mapName, what)
	}
	if n == 0 {
		return fmt.Errorf("map %s: %s must be at least 1", mapName, what)
	}
	size, typ := field(m)
	if typ != 0 && obj.BTF != nil {
		if sz, err := obj.BTF.Sizeof(typ); err != nil || sz != n {
			m.KeyType, m.ValueType = 0, 0
		}
	}
	*size = n
	return nil
}

// SetAutocreate chooses whether struct_ops map mapName is created, as
// libbpf's bpf_map__set_autocreate does: a map of a "?"-prefixed section
// is not unless turned on. The structops pass then loads the programs the
// created maps use and only those (a program the user disabled stays
// off, and its map is refused). Other maps are always created: programs
// may refer to them.
func SetAutocreate(obj *ir.Object, mapName string, on bool) error {
	m, _ := obj.Map(mapName)
	if m == nil {
		return fmt.Errorf("map %s: %w", mapName, ErrNotFound)
	}
	if m.StructOps == nil {
		return fmt.Errorf("map %s: only struct_ops maps can be left uncreated (programs may refer to any other map)", mapName)
	}
	m.NoAutocreate = !on
	return nil
}

// Disable turns off autoload for every program whose name or section
// matches glob (path.Match syntax: "fentry/*", "xdp_*"), as libbpf's
// bpf_program__set_autoload(prog, false) does. It returns the number of
// programs matched.
func Disable(obj *ir.Object, glob string) (int, error) {
	return setAutoload(obj, glob, false)
}

// Enable turns on autoload for every program whose name or section
// matches glob, as libbpf's bpf_program__set_autoload(prog, true) does
// for a program of a "?"-prefixed section, which is not loaded unless
// turned on. It returns the number of programs matched.
func Enable(obj *ir.Object, glob string) (int, error) {
	return setAutoload(obj, glob, true)
}

// SetAttachTarget sets where program progName attaches to target, as
// libbpf's bpf_program__set_attach_target(prog, 0, target) does for the
// programs that attach by BTF (fentry, fexit, fmod_ret, tp_btf, lsm,
// iter: the kernel function, tracepoint, hook or iterator named target
// is looked up when loading, with the attach type's BTF prefix), and as
// bpf_program__attach_kprobe and its kin take a target for those that
// attach by name when attached (kprobe, uprobe, ksyscall, usdt: the
// section's text after the type; tracepoint: "category/name"; raw_tp).
// Tools compiled with a placeholder target (libbpf-tools' "dummy_fentry")
// are loaded so.
func SetAttachTarget(obj *ir.Object, progName, target string) error {
	p := obj.Program(progName)
	if p == nil {
		return fmt.Errorf("program %s: %w", progName, ErrNotFound)
	}
	if target == "" {
		return fmt.Errorf("program %s: empty attach target", progName)
	}
	if p.Unsupported != "" { // freplace: its target is another program's function
		return fmt.Errorf("program %s (section %q): %s: %w", progName, p.Section, p.Unsupported, ErrNotSupported)
	}
	switch p.Type {
	case uapi.ProgTypeKprobe, uapi.ProgTypeTracepoint, uapi.ProgTypeRawTracepoint, uapi.ProgTypeRawTracepointWritable:
		p.AttachTo = target
		return nil
	case uapi.ProgTypeTracing, uapi.ProgTypeLSM:
		if p.AttachBTFKind != 0 {
			p.AttachTo = target
			p.AttachBTFName = ir.AttachBTFPrefix(p.ExpectedAttachType) + target
			return nil
		}
	}
	return fmt.Errorf("program %s (section %q, %s) has no attach target to set", progName, p.Section, p.Type)
}

// setAutoload sets the autoload of the programs glob matches by name or
// section to on, as the user's choice (the structops pass keeps it).
func setAutoload(obj *ir.Object, glob string, on bool) (int, error) {
	if _, err := path.Match(glob, ""); err != nil {
		verb := "disable"
		if on {
			verb = "enable"
		}
		return 0, fmt.Errorf("%s %q: %w", verb, glob, err)
	}
	n := 0
	for _, p := range obj.Programs {
		byName, _ := path.Match(glob, p.Name)
		bySec, _ := path.Match(glob, p.Section)
		if byName || bySec {
			p.Autoload, p.AutoloadSet = on, true
			n++
		}
	}
	return n, nil
}
