// This file computes relocation values: for one relocation, the value the
// compiler used (local) and the value for the target, for every kind
// libbpf knows (bpf_core_calc_field_relo, bpf_core_calc_type_relo,
// bpf_core_calc_enumval_relo), and the agreement across candidates
// (bpf_core_calc_relo_insn).

package core

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// Result is the outcome of one relocation.
type Result struct {
	// Local is the value the compiler put into the instruction (computed
	// from the local BTF); Target the value for the target.
	Local, Target uint64
	// Poison is set when no candidate matched and the relocation kind has
	// no "does not exist" answer: the instruction must be poisoned.
	Poison bool
	// Note describes the match, or why the relocation is poisoned.
	Note string
	// TargetType is the matched target type (0 if none), in the BTF of
	// Module ("" for vmlinux).
	TargetType btf.TypeID
	Module     string
	// What is the local access spec in words ("struct task_struct.pid").
	What string
	// SkipValidation is set when Patch must not check that the
	// instruction holds Local (bitfields, type ids).
	SkipValidation bool
	// LocalSize and TargetSize are the memory access sizes of a field
	// byte offset relocation of a non-bitfield field; when they differ,
	// Patch changes the size of a load or store.
	LocalSize, TargetSize uint32
	// BadSize is set when the sizes differ in a way a load or store
	// cannot follow (not pointers, not unsigned integers): Patch poisons
	// a load or store then.
	BadSize bool
}

// errPoison signals internally that a relocation must be poisoned.
var errPoison = errors.New("poison")

// PoisonNote is the message of a poisoned relocation: "CO-RE relocation
// field_byte_offset of struct task_struct.foo: no candidate in target BTF".
func PoisonNote(kind btf.COREKind, what, reason string) string {
	return fmt.Sprintf("CO-RE relocation %s of %s: %s", kind, what, reason)
}

// calcField computes a field-based relocation's value from spec (nil: no
// match), as libbpf's bpf_core_calc_field_relo: also the memory size and
// type of the accessed field for byte offsets of non-bitfields, and
// whether the instruction's value can be validated.
func calcField(kind btf.COREKind, s *Spec, order binary.ByteOrder) (val uint64, memSize uint32, memType btf.TypeID, validate bool, err error) {
	validate = true
	if kind == btf.FieldExists {
		if s != nil {
			val = 1
		}
		return val, 0, 0, validate, nil
	}
	if s == nil {
		return 0, 0, 0, false, errPoison
	}
	if len(s.Access) == 0 {
		return 0, 0, 0, false, fmt.Errorf("empty field spec: %w", ErrInvalidAccess)
	}
	b := s.BTF
	acc := s.Access[len(s.Access)-1]
	if acc.Name == "" { // an array element (or the root itself)
		sz, err := b.Sizeof(acc.TypeID)
		if err != nil {
			return 0, 0, 0, false, err
		}
		switch kind {
		case btf.FieldByteOffset:
			return uint64(uint32(s.BitOffset) / 8), sz, acc.TypeID, true, nil
		case btf.FieldByteSize:
			return uint64(sz), 0, 0, true, nil
		}
		return 0, 0, 0, false, fmt.Errorf("%s relocation of an array element: %w", kind, errNotSupported)
	}

	t, err := b.Type(acc.TypeID)
	if err != nil {
		return 0, 0, 0, false, err
	}
	if acc.Index >= len(t.Members) {
		return 0, 0, 0, false, fmt.Errorf("member %d out of range: %w", acc.Index, ErrInvalidAccess)
	}
	m := t.Members[acc.Index]
	fid, mt, err := skipped(b, m.Type)
	if err != nil {
		return 0, 0, 0, false, err
	}
	// libbpf computes in 32 bits; so do we, to give the same values.
	bitOff := uint32(s.BitOffset)
	bitSz := m.BitfieldSize
	bitfield := bitSz > 0
	var byteOff, byteSz uint32
	if bitfield {
		byteSz = mt.Size
		if byteSz == 0 {
			return 0, 0, 0, false, fmt.Errorf("bitfield %s of %s with zero-sized type: %w", m.Name, nameOr(t.Name), ErrInvalidAccess)
		}
		byteOff = bitOff / 8 / byteSz * byteSz
		// Find the smallest load that holds the whole bitfield.
		for uint64(bitOff)+uint64(bitSz)-uint64(byteOff)*8 > uint64(byteSz)*8 {
			if byteSz >= 8 {
				return 0, 0, 0, false, fmt.Errorf("bitfield %s of %s cannot be read with one 64-bit load: %w", m.Name, nameOr(t.Name), errNotSupported)
			}
			byteSz *= 2
			byteOff = bitOff / 8 / byteSz * byteSz
		}
	} else {
		if byteSz, err = b.Sizeof(fid); err != nil {
			return 0, 0, 0, false, err
		}
		byteOff = bitOff / 8
		bitSz = byteSz * 8
	}
	// Bitfield values are ambiguous (the compiler may have chosen another
	// load): validate only non-bitfields, and signedness and right shifts
	// always.
	validate = !bitfield
	switch kind {
	case btf.FieldByteOffset:
		val = uint64(byteOff)
		if !bitfield {
			memSize, memType = byteSz, fid
		}
	case btf.FieldByteSize:
		val = uint64(byteSz)
	case btf.FieldSigned:
		if (isEnum(mt.Kind) && mt.KindFlag) || (mt.Kind == btf.KindInt && mt.IntEncoding&btf.IntSigned != 0) {
			val = 1
		}
		validate = true
	case btf.FieldLShiftU64:
		if order == binary.BigEndian {
			val = uint64((8-byteSz)*8 + (bitOff - byteOff*8))
		} else {
			val = uint64(64 - (bitOff + bitSz - byteOff*8))
		}
	case btf.FieldRShiftU64:
		val = uint64(64 - bitSz)
		validate = true
	default:
		return 0, 0, 0, false, fmt.Errorf("relocation kind %s: %w", kind, errNotSupported)
	}
	return val, memSize, memType, validate, nil
}

// calcType computes a type-based relocation's value (0 when s is nil).
func calcType(kind btf.COREKind, s *Spec) (val uint64, validate bool, err error) {
	validate = true
	if s == nil {
		return 0, validate, nil
	}
	switch kind {
	case btf.TypeIDTarget:
		// Type ids may change when BTF is linked: never validate them.
		return uint64(s.Root), false, nil
	case btf.TypeExists, btf.TypeMatches:
		return 1, validate, nil
	case btf.TypeSize:
		sz, err := s.BTF.Sizeof(s.Root)
		if err != nil {
			return 0, false, err
		}
		return uint64(sz), validate, nil
	}
	return 0, false, fmt.Errorf("relocation kind %s: %w", kind, errNotSupported)
}

// calcEnumval computes an enum value relocation's value. Values of
// 32-bit enums are sign-extended, as libbpf reads them as __s32.
func calcEnumval(kind btf.COREKind, s *Spec) (uint64, error) {
	switch kind {
	case btf.EnumvalExists:
		if s == nil {
			return 0, nil
		}
		return 1, nil
	case btf.EnumvalValue:
		if s == nil {
			return 0, errPoison
		}
		if len(s.Access) == 0 {
			return 0, fmt.Errorf("empty enum spec: %w", ErrInvalidAccess)
		}
		acc := s.Access[0]
		t, err := s.BTF.Type(acc.TypeID)
		if err != nil {
			return 0, err
		}
		if !isEnum(t.Kind) || acc.Index >= len(t.Enums) {
			return 0, fmt.Errorf("enumerator %d of %s: %w", acc.Index, t.Kind, ErrInvalidAccess)
		}
		v := t.Enums[acc.Index].Value
		if t.Kind == btf.KindEnum {
			return uint64(int64(int32(v))), nil
		}
		return uint64(v), nil
	}
	return 0, fmt.Errorf("relocation kind %s: %w", kind, errNotSupported)
}

// calcRelo computes the local and target values of a relocation for one
// candidate spec ts (nil when no candidate matched), like libbpf's
// bpf_core_calc_relo.
func calcRelo(ls, ts *Spec, order binary.ByteOrder) (Result, error) {
	var r Result
	validate := true
	var err error
	switch classOf(ls.Kind) {
	case classField:
		var lt, tt btf.TypeID
		r.Local, r.LocalSize, lt, validate, err = calcField(ls.Kind, ls, order)
		if err == nil {
			r.Target, r.TargetSize, tt, _, err = calcField(ls.Kind, ts, order)
		}
		if err == nil && r.LocalSize != r.TargetSize {
			r.BadSize, err = badSizeChange(ls.BTF, lt, ts.BTF, tt)
		}
	case classType:
		r.Local, validate, err = calcType(ls.Kind, ls)
		if err == nil {
			r.Target, _, err = calcType(ls.Kind, ts)
		}
	case classEnumval:
		r.Local, err = calcEnumval(ls.Kind, ls)
		if err == nil {
			r.Target, err = calcEnumval(ls.Kind, ts)
		}
	default:
		err = fmt.Errorf("relocation kind %s: %w", ls.Kind, errNotSupported)
	}
	if errors.Is(err, errPoison) {
		return Result{Poison: true}, nil
	}
	if err != nil {
		return Result{}, err
	}
	r.SkipValidation = !validate
	return r, nil
}

// badSizeChange reports whether a load or store of a field of local type
// lt cannot simply change its size to access the target field of type
// tt: that is safe only between pointers (a 32-bit kernel pointer read as
// an unsigned integer) and between integers without the signed encoding
// (zero extension keeps the value).
func badSizeChange(local *btf.Spec, lt btf.TypeID, targ *btf.Spec, tt btf.TypeID) (bool, error) {
	l, err := local.Type(lt)
	if err != nil {
		return false, err
	}
	t, err := targ.Type(tt)
	if err != nil {
		return false, err
	}
	if l.Kind == btf.KindPtr && t.Kind == btf.KindPtr {
		return false, nil
	}
	if l.Kind == btf.KindInt && t.Kind == btf.KindInt && l.IntEncoding != btf.IntSigned && t.IntEncoding != btf.IntSigned {
		return false, nil
	}
	return true, nil
}

// hostOrder returns the byte order of the machine bpfc runs on.
func hostOrder() binary.ByteOrder {
	if binary.NativeEndian.Uint16([]byte{1, 0}) == 1 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}

// Calculate computes relocation relo of the local BTF against target (the
// vmlinux BTF; module BTFs come from cache), following libbpf's
// bpf_core_calc_relo_insn: the local access spec is parsed, every
// candidate of the same essential name and compatible kind is matched,
// matching candidates must agree on the bit offset and the value (else an
// error wrapping ErrAmbiguous), and when none matches, the "exists"-style
// kinds (field_exists, type_exists, type_matches, enumval_exists) give 0
// while every other kind is poisoned.
//
// cache may be nil; a cache must only be used with one local BTF and one
// target. Bitfield shifts are computed for the byte order of the machine
// bpfc runs on, as libbpf does; use CalculateOrder to choose another.
func Calculate(local, target *btf.Spec, relo *ir.CORERelo, cache *CandCache) (Result, error) {
	return CalculateOrder(local, target, relo, cache, hostOrder())
}

// CalculateOrder is Calculate for a target of byte order order (nil: the
// host's).
func CalculateOrder(local, target *btf.Spec, relo *ir.CORERelo, cache *CandCache, order binary.ByteOrder) (Result, error) {
	if order == nil {
		order = hostOrder()
	}
	if local == nil || relo == nil {
		return Result{}, fmt.Errorf("CO-RE relocation without local BTF: %w", ErrInvalidAccess)
	}
	ls, err := ParseSpec(local, relo.TypeID, relo.Access, relo.Kind)
	if err != nil {
		return Result{}, fmt.Errorf("%s relocation of [%d] %s access %q: %w",
			relo.Kind, relo.TypeID, typeString(local, relo.TypeID), relo.Access, err)
	}
	what := ls.String()
	fail := func(err error) (Result, error) {
		return Result{}, fmt.Errorf("%s relocation of %s: %w", relo.Kind, what, err)
	}

	if relo.Kind == btf.TypeIDLocal {
		return Result{
			Local: uint64(relo.TypeID), Target: uint64(relo.TypeID), SkipValidation: true,
			What: what, Note: fmt.Sprintf("%s: local type id", what),
		}, nil
	}
	if target == nil {
		return fail(fmt.Errorf("no target BTF: %w", ErrInvalidAccess))
	}
	if cache == nil {
		cache = NewCandCache(nil)
	}
	cands, err := cache.candidates(local, relo.TypeID, target)
	if err != nil {
		return fail(err)
	}

	var (
		res     Result
		best    *Spec
		matched []Candidate
	)
	for _, c := range cands {
		ts, ok, err := Match(ls, c.BTF, c.ID)
		if err != nil {
			return fail(fmt.Errorf("candidate %s [%d]: %w", typeString(c.BTF, c.ID), c.ID, err))
		}
		if !ok {
			continue
		}
		r, err := calcRelo(ls, ts, order)
		if err != nil {
			return fail(fmt.Errorf("candidate %s [%d]: %w", typeString(c.BTF, c.ID), c.ID, err))
		}
		r.TargetType, r.Module = c.ID, c.Module
		if best == nil {
			res, best = r, ts
		} else if ts.BitOffset != best.BitOffset {
			return fail(fmt.Errorf("field offset ambiguity: [%d] %s gives %d bits, [%d] %s gives %d: %w",
				res.TargetType, best.Detail(), best.BitOffset, c.ID, ts.Detail(), ts.BitOffset, ErrAmbiguous))
		} else if r.Poison != res.Poison || r.Target != res.Target {
			return fail(fmt.Errorf("relocation decision ambiguity: [%d] gives %d, [%d] gives %d: %w",
				res.TargetType, res.Target, c.ID, r.Target, ErrAmbiguous))
		}
		matched = append(matched, c)
	}
	if len(matched) > 0 {
		// Later relocations of the same local type only consider the
		// candidates that matched this one, as in libbpf.
		cache.cands[relo.TypeID] = matched
	}

	if best == nil {
		if res, err = calcRelo(ls, nil, order); err != nil {
			return fail(err)
		}
		res.What = what
		if res.Poison {
			reason := "no candidate in target BTF"
			if len(cands) > 0 {
				reason = fmt.Sprintf("no candidate in target BTF (%d of that name, none matches)", len(cands))
			}
			res.Note = PoisonNote(relo.Kind, what, reason)
		} else {
			res.Note = fmt.Sprintf("%s: not in target BTF", what)
		}
		return res, nil
	}
	res.What = what
	note := ls.appendDetail(make([]byte, 0, 160))
	note = append(note, " => "...)
	if res.Module != "" {
		note = append(note, "module "...)
		note = append(note, res.Module...)
		note = append(note, ' ')
	}
	note = append(note, '[')
	note = strconv.AppendUint(note, uint64(res.TargetType), 10)
	note = append(note, "] "...)
	res.Note = string(best.appendDetail(note))
	return res, nil
}
