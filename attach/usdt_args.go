// This file turns the argument string of a USDT probe (".note.stapsdt"
// "Arguments: -4@-1204(%rbp) 8@%rdx -4@$5") into usdt.bpf.h's
// struct __bpf_usdt_spec, in the layout of the header the object was
// compiled with: libbpf before 1.7 (16-byte argument specs) or 1.7 and
// later (24-byte argument specs that can hold a scale-index-base address).

package attach

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// USDT argument kinds (enum __bpf_usdt_arg_type).
const (
	usdtArgConst    = 0 // BPF_USDT_ARG_CONST: val_off is the value
	usdtArgReg      = 1 // BPF_USDT_ARG_REG: the register at reg_off
	usdtArgRegDeref = 2 // BPF_USDT_ARG_REG_DEREF: memory at reg + val_off
	usdtArgSIB      = 3 // BPF_USDT_ARG_SIB: memory at reg + idx << scale + val_off
)

// usdtMaxArgs is BPF_USDT_MAX_ARG_CNT.
const usdtMaxArgs = 12

// usdtArg is one parsed argument.
type usdtArg struct {
	typ        uint8
	valOff     uint64
	regOff     int16  // offset of the register in struct pt_regs
	idxRegOff  uint16 // SIB: offset of the index register
	scaleShift uint8  // SIB: log2 of the scale
	signed     bool
	bitshift   int8 // 64 - 8 * size
}

// usdtLayout is a layout of struct __bpf_usdt_spec.
type usdtLayout struct {
	argSize   int  // sizeof(struct __bpf_usdt_arg_spec)
	regOff    int  // offsetof(reg_off); arg_signed and arg_bitshift follow it
	sib       bool // has idx_reg_off and scale_bitshift
	specSize  int  // sizeof(struct __bpf_usdt_spec)
	cookieOff int  // offsetof(usdt_cookie)
	cntOff    int  // offsetof(arg_cnt)
}

// The layouts of struct __bpf_usdt_spec, told apart by the size of the
// __bpf_usdt_specs map's value.
var (
	// usdtLayoutV1 is libbpf 0.8 to 1.6: {u64 val_off; enum arg_type;
	// short reg_off; bool arg_signed; char arg_bitshift}.
	usdtLayoutV1 = usdtLayout{argSize: 16, regOff: 12, specSize: 208, cookieOff: 192, cntOff: 200}
	// usdtLayoutV2 is libbpf 1.7+: {u64 val_off; enum arg_type:8; u16
	// idx_reg_off:12, scale_bitshift:4; u8 :8; short reg_off; bool
	// arg_signed; char arg_bitshift}, where C bit-field rules put the u16
	// unit at byte 10 and reg_off at 14.
	usdtLayoutV2 = usdtLayout{argSize: 24, regOff: 14, sib: true, specSize: 304, cookieOff: 288, cntOff: 296}
)

// usdtLayoutFor returns the layout whose spec has size valueSize.
func usdtLayoutFor(valueSize uint32) (usdtLayout, error) {
	for _, l := range []usdtLayout{usdtLayoutV1, usdtLayoutV2} {
		if uint32(l.specSize) == valueSize {
			return l, nil
		}
	}
	return usdtLayout{}, fmt.Errorf("%w: __bpf_usdt_specs has %d-byte values: not a struct __bpf_usdt_spec of a known usdt.bpf.h (208 or 304 bytes)", ErrNotSupported, valueSize)
}

// encode lays out a spec of args with cookie.
func (l usdtLayout) encode(args []usdtArg, cookie uint64) ([]byte, error) {
	b := make([]byte, l.specSize)
	for i, a := range args {
		o := b[i*l.argSize:]
		binary.NativeEndian.PutUint64(o, a.valOff)
		o[8] = a.typ
		if a.typ == usdtArgSIB {
			if !l.sib {
				return nil, fmt.Errorf("%w: argument #%d is a scale-index-base address, which needs an object built with libbpf 1.7's usdt.bpf.h", ErrNotSupported, i)
			}
			binary.NativeEndian.PutUint16(o[10:], a.idxRegOff&0xfff|uint16(a.scaleShift)<<12)
		}
		binary.NativeEndian.PutUint16(o[l.regOff:], uint16(a.regOff))
		if a.signed {
			o[l.regOff+2] = 1
		}
		o[l.regOff+3] = byte(a.bitshift)
	}
	binary.NativeEndian.PutUint64(b[l.cookieOff:], cookie)
	binary.NativeEndian.PutUint16(b[l.cntOff:], uint16(len(args)))
	return b, nil
}

// regTable returns the offset of a register, by any name the assembler
// may use for a part of it, in the struct pt_regs (user_pt_regs on arm64)
// that BPF kprobe programs get.
type regTable func(name string) (int16, bool)

// ptRegs returns the register table of arch. (Functions over static
// tables, not maps built at start-up: every program linking attach, the
// bpfc command included, would build them.)
func ptRegs(arch string) (regTable, bool) {
	switch arch {
	case "amd64":
		return amd64Reg, true
	case "arm64":
		return arm64Reg, true
	}
	return nil, false
}

// amd64Regs are the x86-64 registers in struct pt_regs.
var amd64Regs = [...]struct {
	names [4]string
	off   int16
}{
	{[4]string{"r15", "r15d", "r15w", "r15b"}, 0},
	{[4]string{"r14", "r14d", "r14w", "r14b"}, 8},
	{[4]string{"r13", "r13d", "r13w", "r13b"}, 16},
	{[4]string{"r12", "r12d", "r12w", "r12b"}, 24},
	{[4]string{"rbp", "ebp", "bp", "bpl"}, 32},
	{[4]string{"rbx", "ebx", "bx", "bl"}, 40},
	{[4]string{"r11", "r11d", "r11w", "r11b"}, 48},
	{[4]string{"r10", "r10d", "r10w", "r10b"}, 56},
	{[4]string{"r9", "r9d", "r9w", "r9b"}, 64},
	{[4]string{"r8", "r8d", "r8w", "r8b"}, 72},
	{[4]string{"rax", "eax", "ax", "al"}, 80},
	{[4]string{"rcx", "ecx", "cx", "cl"}, 88},
	{[4]string{"rdx", "edx", "dx", "dl"}, 96},
	{[4]string{"rsi", "esi", "si", "sil"}, 104},
	{[4]string{"rdi", "edi", "di", "dil"}, 112},
	{[4]string{"rip", "eip"}, 128},
	{[4]string{"rsp", "esp", "sp", "spl"}, 152},
}

func amd64Reg(name string) (int16, bool) {
	for _, r := range amd64Regs {
		for _, n := range r.names {
			if n != "" && n == name {
				return r.off, true
			}
		}
	}
	return 0, false
}

// arm64Reg knows x0 to x30 and sp.
func arm64Reg(name string) (int16, bool) {
	if name == "sp" {
		return 31 * 8, true
	}
	if n, ok := strings.CutPrefix(name, "x"); ok {
		if i, err := strconv.Atoi(n); err == nil && i >= 0 && i <= 30 && strconv.Itoa(i) == n {
			return int16(i * 8), true
		}
	}
	return 0, false
}

// parseUSDTArgs parses a probe's argument string for arch ("amd64",
// "arm64"), as libbpf's parse_usdt_spec does.
func parseUSDTArgs(arch, s string) ([]usdtArg, error) {
	regs, ok := ptRegs(arch)
	if !ok {
		return nil, fmt.Errorf("%w: USDT arguments on %s", ErrNotSupported, arch)
	}
	fields := splitUSDTArgs(s)
	if len(fields) > usdtMaxArgs {
		return nil, fmt.Errorf("%w: %d USDT arguments, at most %d", ErrNotSupported, len(fields), usdtMaxArgs)
	}
	args := make([]usdtArg, 0, len(fields))
	for i, f := range fields {
		sz, loc, ok := strings.Cut(f, "@")
		size, err := strconv.Atoi(sz)
		if !ok || err != nil {
			return nil, fmt.Errorf("USDT argument #%d %q: want SIZE@LOCATION", i, f)
		}
		var a usdtArg
		if size < 0 {
			a.signed, size = true, -size
		}
		switch size {
		case 1, 2, 4, 8:
			a.bitshift = int8(64 - 8*size)
		default:
			return nil, fmt.Errorf("%w: USDT argument #%d %q: size %d", ErrNotSupported, i, f, size)
		}
		if arch == "arm64" {
			err = parseArgARM64(loc, regs, &a)
		} else {
			err = parseArgX86(loc, regs, &a)
		}
		if err != nil {
			return nil, fmt.Errorf("USDT argument #%d %q: %w", i, f, err)
		}
		args = append(args, a)
	}
	return args, nil
}

// splitUSDTArgs splits an argument string at the blanks outside brackets
// and parentheses (AArch64 writes "-4@[sp, 96]").
func splitUSDTArgs(s string) []string {
	var (
		args  []string
		depth int
		start = -1
	)
	for i, c := range s {
		switch {
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			depth--
		case (c == ' ' || c == '\t') && depth <= 0:
			if start >= 0 {
				args = append(args, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		args = append(args, s[start:])
	}
	return args
}

// reg looks up a register name.
func reg(regs regTable, name string) (int16, error) {
	off, ok := regs(name)
	if !ok {
		return 0, fmt.Errorf("%w: register %q", ErrNotSupported, name)
	}
	return off, nil
}

// parseArgX86 parses an AT&T operand: $IMM, %REG, OFF(%REG),
// OFF(%BASE,%INDEX[,SCALE]) (OFF optional).
func parseArgX86(loc string, regs regTable, a *usdtArg) error {
	switch {
	case strings.HasPrefix(loc, "$"):
		v, err := strconv.ParseInt(loc[1:], 10, 64)
		if err != nil {
			return fmt.Errorf("%w: immediate %q", ErrNotSupported, loc)
		}
		a.typ, a.valOff = usdtArgConst, uint64(v)
		return nil
	case strings.HasPrefix(loc, "%"):
		off, err := reg(regs, loc[1:])
		a.typ, a.regOff = usdtArgReg, off
		return err
	}
	open := strings.IndexByte(loc, '(')
	if open < 0 || !strings.HasSuffix(loc, ")") {
		return fmt.Errorf("%w: operand %q", ErrNotSupported, loc)
	}
	if open > 0 {
		v, err := strconv.ParseInt(loc[:open], 10, 64)
		if err != nil {
			return fmt.Errorf("%w: displacement %q", ErrNotSupported, loc[:open])
		}
		a.valOff = uint64(v)
	}
	parts := strings.Split(loc[open+1:len(loc)-1], ",")
	if len(parts) > 3 {
		return fmt.Errorf("%w: operand %q", ErrNotSupported, loc)
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	base, ok := strings.CutPrefix(parts[0], "%")
	if !ok {
		return fmt.Errorf("%w: operand %q", ErrNotSupported, loc)
	}
	off, err := reg(regs, base)
	if err != nil {
		return err
	}
	a.typ, a.regOff = usdtArgRegDeref, off
	if len(parts) == 1 {
		return nil
	}
	idx, ok := strings.CutPrefix(parts[1], "%")
	if !ok {
		return fmt.Errorf("%w: operand %q", ErrNotSupported, loc)
	}
	ioff, err := reg(regs, idx)
	if err != nil {
		return err
	}
	a.typ, a.idxRegOff = usdtArgSIB, uint16(ioff)
	if len(parts) == 3 {
		switch parts[2] {
		case "1":
		case "2":
			a.scaleShift = 1
		case "4":
			a.scaleShift = 2
		case "8":
			a.scaleShift = 3
		default:
			return fmt.Errorf("%w: scale %q (want 1, 2, 4 or 8)", ErrNotSupported, parts[2])
		}
	}
	return nil
}

// parseArgARM64 parses an AArch64 operand: IMM, REG, [REG], [REG, OFF].
func parseArgARM64(loc string, regs regTable, a *usdtArg) error {
	if inner, ok := strings.CutPrefix(loc, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		if !ok {
			return fmt.Errorf("%w: operand %q", ErrNotSupported, loc)
		}
		r, off, hasOff := strings.Cut(inner, ",")
		ro, err := reg(regs, strings.TrimSpace(r))
		if err != nil {
			return err
		}
		a.typ, a.regOff = usdtArgRegDeref, ro
		if hasOff {
			v, err := strconv.ParseInt(strings.TrimSpace(off), 10, 64)
			if err != nil {
				return fmt.Errorf("%w: offset %q", ErrNotSupported, off)
			}
			a.valOff = uint64(v)
		}
		return nil
	}
	if v, err := strconv.ParseInt(loc, 10, 64); err == nil {
		a.typ, a.valOff = usdtArgConst, uint64(v)
		return nil
	}
	ro, err := reg(regs, loc)
	a.typ, a.regOff = usdtArgReg, ro
	return err
}
