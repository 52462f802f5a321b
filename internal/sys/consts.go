// This file declares the typed enums of the bpf uapi with their String
// methods (kernel-style names, as bpftool prints them), and the flag and
// pseudo-register constants. The enum values live in consts_gen.go.

package sys

import "strconv"

// Cmd is a bpf(2) command (enum bpf_cmd).
type Cmd int

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

// MapFlags are the map_flags of BPF_MAP_CREATE.
type MapFlags uint32

// Map creation flags.
const (
	MapFlagNoPrealloc    MapFlags = 1 << 0  // BPF_F_NO_PREALLOC
	MapFlagNoCommonLRU   MapFlags = 1 << 1  // BPF_F_NO_COMMON_LRU
	MapFlagNumaNode      MapFlags = 1 << 2  // BPF_F_NUMA_NODE
	MapFlagRdonly        MapFlags = 1 << 3  // BPF_F_RDONLY
	MapFlagWronly        MapFlags = 1 << 4  // BPF_F_WRONLY
	MapFlagStackBuildID  MapFlags = 1 << 5  // BPF_F_STACK_BUILD_ID
	MapFlagZeroSeed      MapFlags = 1 << 6  // BPF_F_ZERO_SEED
	MapFlagRdonlyProg    MapFlags = 1 << 7  // BPF_F_RDONLY_PROG
	MapFlagWronlyProg    MapFlags = 1 << 8  // BPF_F_WRONLY_PROG
	MapFlagClone         MapFlags = 1 << 9  // BPF_F_CLONE
	MapFlagMmapable      MapFlags = 1 << 10 // BPF_F_MMAPABLE
	MapFlagPreserveElems MapFlags = 1 << 11 // BPF_F_PRESERVE_ELEMS
	MapFlagInnerMap      MapFlags = 1 << 12 // BPF_F_INNER_MAP
	MapFlagLink          MapFlags = 1 << 13 // BPF_F_LINK
	MapFlagPathFD        MapFlags = 1 << 14 // BPF_F_PATH_FD
	MapFlagVtypeBTFObjFD MapFlags = 1 << 15 // BPF_F_VTYPE_BTF_OBJ_FD
	MapFlagTokenFD       MapFlags = 1 << 16 // BPF_F_TOKEN_FD
	MapFlagSegvOnFault   MapFlags = 1 << 17 // BPF_F_SEGV_ON_FAULT
	MapFlagNoUserConv    MapFlags = 1 << 18 // BPF_F_NO_USER_CONV
)

// ProgFlags are the prog_flags of BPF_PROG_LOAD.
type ProgFlags uint32

// Program load flags.
const (
	ProgFlagStrictAlignment   ProgFlags = 1 << 0  // BPF_F_STRICT_ALIGNMENT
	ProgFlagAnyAlignment      ProgFlags = 1 << 1  // BPF_F_ANY_ALIGNMENT
	ProgFlagTestRndHi32       ProgFlags = 1 << 2  // BPF_F_TEST_RND_HI32
	ProgFlagTestStateFreq     ProgFlags = 1 << 3  // BPF_F_TEST_STATE_FREQ
	ProgFlagSleepable         ProgFlags = 1 << 4  // BPF_F_SLEEPABLE
	ProgFlagXDPHasFrags       ProgFlags = 1 << 5  // BPF_F_XDP_HAS_FRAGS
	ProgFlagXDPDevBoundOnly   ProgFlags = 1 << 6  // BPF_F_XDP_DEV_BOUND_ONLY
	ProgFlagTestRegInvariants ProgFlags = 1 << 7  // BPF_F_TEST_REG_INVARIANTS
	ProgFlagTokenFD           ProgFlags = 1 << 16 // BPF_F_TOKEN_FD
)

// Flags of BPF_MAP_UPDATE_ELEM (and BPF_F_LOCK for lookups).
const (
	UpdateAny     uint64 = 0 // BPF_ANY
	UpdateNoExist uint64 = 1 // BPF_NOEXIST
	UpdateExist   uint64 = 2 // BPF_EXIST
	UpdateLock    uint64 = 4 // BPF_F_LOCK
)

// Flags of BPF_OBJ_GET and BPF_*_GET_FD_BY_ID (open_flags / file_flags).
const (
	ObjFlagRdonly uint32 = 1 << 3  // BPF_F_RDONLY
	ObjFlagWronly uint32 = 1 << 4  // BPF_F_WRONLY
	ObjFlagPathFD uint32 = 1 << 14 // BPF_F_PATH_FD
)

// Flags of BPF_PROG_TEST_RUN.
const (
	TestRunOnCPU               uint32 = 1 << 0 // BPF_F_TEST_RUN_ON_CPU
	TestRunXDPLiveFrames       uint32 = 1 << 1 // BPF_F_TEST_XDP_LIVE_FRAMES
	TestRunSKBChecksumComplete uint32 = 1 << 2 // BPF_F_TEST_SKB_CHECKSUM_COMPLETE
)

// Source-register values of ld_imm64 (BPF_LD | BPF_IMM | BPF_DW).
const (
	PseudoMapFD       = 1 // BPF_PSEUDO_MAP_FD: imm = map fd
	PseudoMapValue    = 2 // BPF_PSEUDO_MAP_VALUE: imm = map fd, imm2 = offset
	PseudoBTFID       = 3 // BPF_PSEUDO_BTF_ID: imm = BTF id, imm2 = BTF obj fd
	PseudoFunc        = 4 // BPF_PSEUDO_FUNC: imm = insn offset of a subprogram
	PseudoMapIdx      = 5 // BPF_PSEUDO_MAP_IDX: imm = fd_array index
	PseudoMapIdxValue = 6 // BPF_PSEUDO_MAP_IDX_VALUE: imm = fd_array index, imm2 = offset
)

// Source-register values of BPF_JMP | BPF_CALL.
const (
	PseudoCall      = 1 // BPF_PSEUDO_CALL: imm = relative insn offset
	PseudoKfuncCall = 2 // BPF_PSEUDO_KFUNC_CALL: imm = BTF id, off = fd_array index
)

// Sizes used with the 6.18 integrity fields.
const (
	// HashSize is the size of a map hash and of excl_prog_hash (sha256).
	HashSize = 32
	// TagSize is BPF_TAG_SIZE, the size of bpf_prog_info.tag.
	TagSize = 8
)
