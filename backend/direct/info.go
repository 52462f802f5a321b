// This file holds what the kernel tells about a loaded map or program
// (MapInfo, ProgramInfo, from BPF_OBJ_GET_INFO_BY_FD) and the inputs and
// outputs of a program test run (BPF_PROG_TEST_RUN).
//
// They mirror internal/sys's types field for field, on purpose: the API
// exposes no internal type (TestNoInternalTypesInAPI), and Info converts
// sys.MapInfo and sys.ProgInfo to them (MapInfo(*info)), so the compiler
// keeps the two field lists the same.

package direct

import (
	"time"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// MapInfo is what the kernel tells about a map (struct bpf_map_info).
type MapInfo struct {
	Type                  uapi.MapType
	ID                    uint32
	KeySize               uint32
	ValueSize             uint32
	MaxEntries            uint32
	MapFlags              uapi.MapFlags
	Name                  string // the kernel name, at most 15 bytes
	Ifindex               uint32
	BTFID                 uint32 // id of the map's BTF object in the kernel
	BTFKeyTypeID          uint32
	BTFValueTypeID        uint32
	BTFVmlinuxValueTypeID uint32
	BTFVmlinuxID          uint32
	MapExtra              uint64
}

// ProgramInfo is what the kernel tells about a program (struct
// bpf_prog_info).
type ProgramInfo struct {
	Type            uapi.ProgType
	ID              uint32
	Tag             [8]byte // first 8 bytes of the program's sha256 digest
	Name            string  // the kernel name, at most 15 bytes
	JitedProgLen    uint32
	XlatedProgLen   uint32
	XlatedInsns     []byte        // translated instructions (nil if hidden from this process)
	MapIDs          []uint32      // ids of the maps the program uses
	LoadTime        time.Duration // since boot
	CreatedByUID    uint32
	GPLCompatible   bool
	Ifindex         uint32
	BTFID           uint32
	FuncInfoRecSize uint32
	NrFuncInfo      uint32
	LineInfoRecSize uint32
	NrLineInfo      uint32
	VerifiedInsns   uint32
	AttachBTFObjID  uint32
	AttachBTFID     uint32
	RunTimeNs       uint64
	RunCnt          uint64
	RecursionMisses uint64
}

// Flags of TestRunOptions.
const (
	// TestRunOnCPU runs the program on TestRunOptions.CPU
	// (BPF_F_TEST_RUN_ON_CPU).
	TestRunOnCPU = sys.TestRunOnCPU
	// TestRunXDPLiveFrames sends the XDP frames for real
	// (BPF_F_TEST_XDP_LIVE_FRAMES).
	TestRunXDPLiveFrames = sys.TestRunXDPLiveFrames
	// TestRunSKBChecksumComplete sets CHECKSUM_COMPLETE on the test skb
	// (BPF_F_TEST_SKB_CHECKSUM_COMPLETE).
	TestRunSKBChecksumComplete = sys.TestRunSKBChecksumComplete
)

// TestRunOptions are the inputs of Program.TestRun.
type TestRunOptions struct {
	// DataIn is the packet (or other data) input.
	DataIn []byte
	// DataOutSize is the size of the data output buffer. 0 means
	// len(DataIn)+256 when DataIn is set (room for XDP head adjustment),
	// else no data output.
	DataOutSize int
	// CtxIn is the context input. It is passed as it is, not copied: the
	// kernel writes a syscall program's context back into it.
	CtxIn []byte
	// CtxOutSize is the size of the context output buffer (0: none).
	CtxOutSize int
	// Repeat runs the program that many times (0 and 1 mean once).
	Repeat uint32
	// Flags are TestRun* flags; CPU goes with TestRunOnCPU.
	Flags, CPU uint32
	// BatchSize is the batch size of XDP live-frame mode.
	BatchSize uint32
}

// TestRunResult is the output of Program.TestRun.
type TestRunResult struct {
	// Retval is the program's return value (R0, truncated to 32 bits).
	Retval uint32
	// DataOut and CtxOut are the outputs, cut to the length the kernel
	// reported.
	DataOut, CtxOut []byte
	// Duration is the average run time per repetition.
	Duration time.Duration
}
