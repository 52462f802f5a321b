// Package uapi holds the constants of the Linux BPF user-space API that
// bpfc's packages share and expose: map, program, attach and link types,
// helper function numbers, and the BPF_MAP_CREATE and BPF_PROG_LOAD flags,
// each a Go type whose String method gives the kernel's name for it (as
// bpftool prints it).
//
// The values are generated from the Linux uapi header linux/bpf.h into
// enums_gen.go; this file declares the types and their String methods.
// Regenerate with `go generate ./uapi` (which fetches the header with
// scripts/uapi-header.sh, root needed for apt-get).
package uapi

//go:generate sh -c "go run ./internal/gen -header \"$(../scripts/uapi-header.sh)\" -o enums_gen.go -cmd ../internal/sys/cmd_gen.go"

import (
	"strconv"
	"strings"
)

// MapType is enum bpf_map_type.
type MapType uint32

// ProgType is enum bpf_prog_type.
type ProgType uint32

// AttachType is enum bpf_attach_type.
type AttachType uint32

// LinkType is enum bpf_link_type.
type LinkType uint32

// HelperID is the number of a BPF helper function (the imm of a call).
type HelperID int32

// MapFlags are the map_flags of BPF_MAP_CREATE.
type MapFlags uint32

// ProgFlags are the prog_flags of BPF_PROG_LOAD.
type ProgFlags uint32

// enumName looks v up in names, falling back to "prefix(v)".
func enumName(names []string, v uint64, prefix string) string {
	if v < uint64(len(names)) && names[v] != "" {
		return names[v]
	}
	return prefix + "(" + strconv.FormatUint(v, 10) + ")"
}

// String returns the kernel's lower-case name, e.g. "percpu_array".
func (t MapType) String() string { return enumName(mapTypeNames[:], uint64(t), "map_type") }

// String returns the kernel's lower-case name, e.g. "socket_filter".
func (t ProgType) String() string { return enumName(progTypeNames[:], uint64(t), "prog_type") }

// String returns the kernel's lower-case name, e.g. "trace_fentry".
func (t AttachType) String() string {
	return enumName(attachTypeNames[:], uint64(t), "attach_type")
}

// String returns the kernel's lower-case name, e.g. "raw_tracepoint".
func (t LinkType) String() string { return enumName(linkTypeNames[:], uint64(t), "link_type") }

// String returns the helper's C name, e.g. "bpf_sys_bpf".
func (h HelperID) String() string {
	if h < 0 {
		return "helper(" + strconv.Itoa(int(h)) + ")"
	}
	return enumName(helperIDNames[:], uint64(h), "helper")
}

// flagsString spells a flag word as its C names joined by '|'
// ("BPF_F_RDONLY_PROG|BPF_F_MMAPABLE"), bits without a name in hex; 0 is
// "0".
func flagsString(names []string, v uint32) string {
	if v == 0 {
		return "0"
	}
	var b strings.Builder
	var unknown uint32
	for bit := range 32 {
		if v&(1<<bit) == 0 {
			continue
		}
		if bit >= len(names) || names[bit] == "" {
			unknown |= 1 << bit
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString(names[bit])
	}
	if unknown != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x" + strconv.FormatUint(uint64(unknown), 16))
	}
	return b.String()
}

// String returns the set flags' C names, e.g. "BPF_F_NO_PREALLOC".
func (f MapFlags) String() string { return flagsString(mapFlagNames[:], uint32(f)) }

// String returns the set flags' C names, e.g. "BPF_F_SLEEPABLE".
func (f ProgFlags) String() string { return flagsString(progFlagNames[:], uint32(f)) }

// PoisonCOREHelper is the helper id a CO-RE relocation that cannot be
// satisfied makes its instruction call (0xbad2310, "bad relo", in libbpf's
// and the kernel's relo_core.c): the verifier rejects a reachable poisoned
// instruction and removes an unreachable one.
const PoisonCOREHelper = 0xbad2310

// PoisonCOREFunc is how the verifier's log names that call ("call
// unknown#195896080", "invalid func unknown#195896080"): "unknown#" and
// PoisonCOREHelper in decimal.
const PoisonCOREFunc = "unknown#195896080"
