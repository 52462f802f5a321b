// This file declares the bpf(2) command type (its values are generated into
// cmd_gen.go with package uapi's enums) and the flag and pseudo-register
// constants of the syscall layer. The map, program, attach and link types,
// helper ids and the map and program flags are package uapi's.

package sys

// Cmd is a bpf(2) command (enum bpf_cmd).
type Cmd int

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
