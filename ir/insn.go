// This file defines the raw BPF instruction as the IR carries it, and its
// wire encoding. Instructions stay in their encoded form (one Insn per 8-byte
// slot, ld_imm64 taking two) so that offsets in relocation records,
// func_info, line_info and CO-RE records remain plain slot indices.

package ir

import (
	"encoding/binary"
	"fmt"

	"github.com/bpfc/bpfc/uapi"
)

// InsnSize is the size in bytes of one instruction slot.
const InsnSize = 8

// Insn is one 8-byte BPF instruction slot. The second slot of a ld_imm64
// is an Insn with Op 0 whose Imm holds the upper 32 bits of the constant.
type Insn struct {
	Op  uint8
	Dst uint8 // 4 bits
	Src uint8 // 4 bits
	Off int16
	Imm int32
}

// Pseudo source registers of ld_imm64 and call instructions.
const (
	PseudoMapFD       = 1 // ld_imm64: imm = map fd
	PseudoMapValue    = 2 // ld_imm64: imm = map fd, imm2 = offset
	PseudoBTFID       = 3 // ld_imm64: imm = BTF id of a ksym, imm2 = BTF obj fd
	PseudoFunc        = 4 // ld_imm64: imm = insn offset of a function
	PseudoMapIdx      = 5 // ld_imm64: imm = fd_array index
	PseudoMapIdxValue = 6 // ld_imm64: imm = fd_array index, imm2 = offset

	PseudoCall      = 1 // call: bpf2bpf, imm = relative insn offset
	PseudoKfuncCall = 2 // call: imm = BTF id, off = fd_array slot of the BTF obj
)

// Class returns the instruction class.
func (i Insn) Class() uint8 { return i.Op & ClassMask }

// IsLdImm64 reports whether i is the first slot of a 16-byte ld_imm64.
func (i Insn) IsLdImm64() bool { return i.Op == OpLdImm64 }

// IsCall reports whether i is a call instruction (helper, bpf2bpf or kfunc).
func (i Insn) IsCall() bool { return i.Op == OpCall }

// IsPseudoCall reports whether i is a bpf2bpf call.
func (i Insn) IsPseudoCall() bool { return i.Op == OpCall && i.Src == PseudoCall }

// IsKfuncCall reports whether i is a call to a kernel function.
func (i Insn) IsKfuncCall() bool { return i.Op == OpCall && i.Src == PseudoKfuncCall }

// IsJump reports whether i is a jump with a 16-bit (or, for gotol, 32-bit)
// pc-relative offset: every JMP/JMP32 instruction except call and exit.
func (i Insn) IsJump() bool {
	c := i.Class()
	return (c == ClassJMP || c == ClassJMP32) && i.Op != OpCall && i.Op != OpExit
}

// Marshal appends the encoding of insns to b in the given byte order.
func Marshal(b []byte, insns []Insn, order binary.ByteOrder) []byte {
	for _, in := range insns {
		var regs uint8
		if order == binary.BigEndian {
			regs = in.Dst<<4 | in.Src&0x0f
		} else {
			regs = in.Src<<4 | in.Dst&0x0f
		}
		// Written in place: a local array handed to order's methods
		// would escape, one allocation per instruction.
		n := len(b)
		b = append(b, in.Op, regs, 0, 0, 0, 0, 0, 0)
		order.PutUint16(b[n+2:], uint16(in.Off))
		order.PutUint32(b[n+4:], uint32(in.Imm))
	}
	return b
}

// Unmarshal decodes raw instruction bytes. len(raw) must be a multiple of
// InsnSize.
func Unmarshal(raw []byte, order binary.ByteOrder) ([]Insn, error) {
	if len(raw)%InsnSize != 0 {
		return nil, fmt.Errorf("instruction bytes: length %d is not a multiple of %d", len(raw), InsnSize)
	}
	insns := make([]Insn, len(raw)/InsnSize)
	for i := range insns {
		s := raw[i*InsnSize:]
		in := &insns[i]
		in.Op = s[0]
		if order == binary.BigEndian {
			in.Dst, in.Src = s[1]>>4, s[1]&0x0f
		} else {
			in.Dst, in.Src = s[1]&0x0f, s[1]>>4
		}
		in.Off = int16(order.Uint16(s[2:]))
		in.Imm = int32(order.Uint32(s[4:]))
	}
	return insns, nil
}

// Imm64 returns the 64-bit constant of the ld_imm64 starting at insns[i].
func Imm64(insns []Insn, i int) uint64 {
	return uint64(uint32(insns[i].Imm)) | uint64(uint32(insns[i+1].Imm))<<32
}

// SetImm64 stores a 64-bit constant into the ld_imm64 at insns[i].
func SetImm64(insns []Insn, i int, v uint64) {
	insns[i].Imm = int32(uint32(v))
	insns[i+1].Imm = int32(uint32(v >> 32))
}

// PoisonCOREHelper is the helper id a CO-RE relocation that cannot be
// satisfied makes its instruction call (uapi.PoisonCOREHelper, libbpf's
// 0xbad2310): the verifier rejects a reachable poisoned instruction with
// "invalid func " + uapi.PoisonCOREFunc and removes an unreachable one.
// The kernel poisons the same way when it relocates (core_relos).
const PoisonCOREHelper = uapi.PoisonCOREHelper

// PoisonKfuncBase is libbpf's POISON_CALL_KFUNC_BASE: a call to a weak
// kfunc that is missing becomes a call of helper PoisonKfuncBase + the
// extern's index, which the verifier reports ("invalid func
// unknown#2002000NNN") only if the call is reachable.
const PoisonKfuncBase = 2002000000

// PoisonKfuncCall turns the call in into the poisoned call of the missing
// weak kfunc extern number externIndex.
func PoisonKfuncCall(in *Insn, externIndex int) {
	in.Src, in.Dst, in.Off = 0, 0, 0
	in.Imm = int32(PoisonKfuncBase + externIndex)
}
