// This file defines the named features and their probes: each builds the
// smallest program, map or BTF that needs the feature and asks the kernel
// to load it (libbpf's features.c is the model).

package features

import (
	"encoding/binary"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// The features, in the order `bpfc -probe` prints them.
var (
	// FDArray: maps referenced by fd_array index in BPF_PROG_LOAD
	// (BPF_PSEUDO_MAP_IDX). Without it, maps are referenced by fd.
	FDArray = &Feature{Name: "fd_array", Desc: "fd_array in BPF_PROG_LOAD", Since: "5.14", probe: probeFDArray}
	// SyscallProg: BPF_PROG_TYPE_SYSCALL programs, which loader programs are.
	SyscallProg = &Feature{Name: "syscall_prog", Desc: "BPF_PROG_TYPE_SYSCALL programs", Since: "5.14", probe: probeSyscallProg}
	// SysBPF: the bpf_sys_bpf helper in syscall programs, which loader
	// programs call for every step.
	SysBPF = &Feature{Name: "sys_bpf", Desc: "helper bpf_sys_bpf in syscall programs", Since: "5.14", probe: probeSysBPF}
	// KernelCORE: CO-RE relocations done by the kernel from
	// BPF_PROG_LOAD.core_relos.
	KernelCORE = &Feature{Name: "kernel_core", Desc: "CO-RE relocations in BPF_PROG_LOAD (core_relos)", Since: "5.17", probe: probeKernelCORE}
	// MemcgAccount: map and program memory charged to the memory cgroup.
	// Before it, RLIMIT_MEMLOCK bounds BPF memory and must be raised.
	MemcgAccount = &Feature{Name: "memcg_account", Desc: "memcg-based accounting of BPF memory", Since: "5.11", probe: probeMemcg}
	// GlobalData: .data/.rodata/.bss maps (BPF_PSEUDO_MAP_VALUE).
	GlobalData = &Feature{Name: "global_data", Desc: "global data (BPF_PSEUDO_MAP_VALUE)", Since: "5.2", probe: probeGlobalData}
	// ArrayMmap: BPF_F_MMAPABLE array maps.
	ArrayMmap = &Feature{Name: "array_mmap", Desc: "mmapable ARRAY maps (BPF_F_MMAPABLE)", Since: "5.5", probe: probeArrayMmap}
	// BTF and its kinds and flags.
	BTF              = &Feature{Name: "btf", Desc: "BTF", Since: "4.18", probe: probeBTF}
	BTFFunc          = &Feature{Name: "btf_func", Desc: "BTF FUNC and FUNC_PROTO", Since: "5.0", probe: probeBTFFunc}
	BTFGlobalFunc    = &Feature{Name: "btf_global_func", Desc: "BTF FUNC with global linkage", Since: "5.6", probe: probeBTFGlobalFunc}
	BTFDatasec       = &Feature{Name: "btf_datasec", Desc: "BTF VAR and DATASEC", Since: "5.2", probe: probeBTFDatasec}
	BTFQmarkDatasec  = &Feature{Name: "btf_qmark_datasec", Desc: "BTF DATASEC names with any printable character ('?', '/')", Since: "6.9", probe: probeBTFQmarkDatasec}
	BTFFloat         = &Feature{Name: "btf_float", Desc: "BTF FLOAT", Since: "5.13", probe: probeBTFFloat}
	BTFDeclTag       = &Feature{Name: "btf_decl_tag", Desc: "BTF DECL_TAG", Since: "5.16", probe: probeBTFDeclTag}
	BTFTypeTag       = &Feature{Name: "btf_type_tag", Desc: "BTF TYPE_TAG", Since: "5.17", probe: probeBTFTypeTag}
	BTFEnum64        = &Feature{Name: "btf_enum64", Desc: "BTF ENUM64", Since: "6.0", probe: probeBTFEnum64}
	BTFFuncInProgram = &Feature{Name: "btf_func_info", Desc: "BTF func_info in BPF_PROG_LOAD", Since: "5.0", probe: probeFuncInfo}
	// ModuleBTF: kernel modules' BTF (name and kernel_btf in bpf_btf_info).
	ModuleBTF = &Feature{Name: "module_btf", Desc: "kernel module BTF", Since: "5.11", probe: probeModuleBTF}
	// MapHash: the sha256 of a frozen map in bpf_map_info.hash, which a
	// loader program checks its blob against.
	MapHash = &Feature{Name: "map_hash", Desc: "hash of a frozen map (bpf_map_info.hash)", Since: "6.18", probe: probeMapHash}
	// ExclusiveMap: maps only one program (by hash) may use.
	ExclusiveMap = &Feature{Name: "excl_map", Desc: "exclusive maps (BPF_MAP_CREATE.excl_prog_hash)", Since: "6.18", probe: probeExclMap}
	// PerfLink: BPF_LINK_CREATE for perf events (kprobes, uprobes,
	// tracepoints as links).
	PerfLink = &Feature{Name: "perf_link", Desc: "perf event links (BPF_LINK_CREATE with BPF_PERF_EVENT)", Since: "5.15", probe: probePerfLink}
	// KprobeMultiLink: kprobe.multi programs.
	KprobeMultiLink = &Feature{Name: "kprobe_multi", Desc: "kprobe multi links", Since: "5.18", probe: probeKprobeMulti}
	// UprobeMultiLink: uprobe.multi programs, with the pid filter of
	// processes (not threads) libbpf waits for.
	UprobeMultiLink = &Feature{Name: "uprobe_multi", Desc: "uprobe multi links", Since: "6.6", probe: probeUprobeMulti}
	// BPFCookie: bpf_get_attach_cookie.
	BPFCookie = &Feature{Name: "bpf_cookie", Desc: "BPF cookies (bpf_get_attach_cookie)", Since: "5.15", probe: probeBPFCookie}
	// TCXLink: tc programs attached with tcx links instead of netlink
	// cls_bpf filters.
	TCXLink = &Feature{Name: "tcx", Desc: "tcx links (BPF_TCX_INGRESS, BPF_TCX_EGRESS)", Since: "6.6", probe: probeTCX}
	// UprobeRefCtr: uprobes with a reference counter, which USDT
	// semaphores need.
	UprobeRefCtr = &Feature{Name: "uprobe_ref_ctr", Desc: "uprobe reference counters (USDT semaphores)", Since: "4.20", probe: probeUprobeRefCtr}
	// SyscallWrapper: syscalls entered through arch-specific wrappers
	// (__x64_sys_bpf), where ksyscall programs attach
	// (LINUX_HAS_SYSCALL_WRAPPER). HasSyscallWrapper decides.
	SyscallWrapper = &Feature{Name: "syscall_wrapper", Desc: "arch-specific syscall wrappers (__<arch>_sys_*)", Since: "4.17", probe: probeSyscallWrapper}
	// XDPFrags: XDP programs that handle multi-buffer packets
	// (BPF_F_XDP_HAS_FRAGS, the xdp.frags sections).
	XDPFrags = &Feature{Name: "xdp_frags", Desc: "XDP multi-buffer programs (BPF_F_XDP_HAS_FRAGS, SEC(\"xdp.frags\"))", Since: "5.18", probe: probeXDPFrags}
	// Callbacks: callback functions passed to helpers (ld_imm64
	// BPF_PSEUDO_FUNC: bpf_for_each_map_elem, bpf_loop, timers).
	Callbacks = &Feature{Name: "callbacks", Desc: "callback functions (BPF_PSEUDO_FUNC)", Since: "5.13", probe: probeCallbacks}
	// LogTrueSize: BPF_PROG_LOAD and BPF_BTF_LOAD report the size a
	// complete log needs, and a log too small keeps its end (rotating log).
	LogTrueSize = &Feature{Name: "log_true_size", Desc: "rotating verifier log with log_true_size", Since: "6.4", probe: probeLogTrueSize}
)

// All returns every named feature, in `bpfc -probe` order.
func All() []*Feature {
	return []*Feature{
		FDArray, SyscallProg, SysBPF, KernelCORE, MemcgAccount, GlobalData, ArrayMmap,
		BTF, BTFFunc, BTFGlobalFunc, BTFDatasec, BTFQmarkDatasec, BTFFloat, BTFDeclTag, BTFTypeTag, BTFEnum64,
		BTFFuncInProgram, ModuleBTF, MapHash, ExclusiveMap, PerfLink, KprobeMultiLink,
		UprobeMultiLink, BPFCookie, TCXLink, UprobeRefCtr, SyscallWrapper, XDPFrags, Callbacks, LogTrueSize,
	}
}

// The probes of the BTF kinds: the kernel accepts a blob with the kind.
func probeBTF() (bool, error)             { return btfLoads(btfInt) }
func probeBTFFunc() (bool, error)         { return btfLoads(btfFunc(0)) }
func probeBTFGlobalFunc() (bool, error)   { return btfLoads(btfFunc(1)) }
func probeBTFDatasec() (bool, error)      { return btfLoads(btfDatasec) }
func probeBTFQmarkDatasec() (bool, error) { return btfLoads(btfQmarkDatasec) }
func probeBTFFloat() (bool, error)        { return btfLoads(btfFloat) }
func probeBTFDeclTag() (bool, error)      { return btfLoads(btfDeclTag) }
func probeBTFTypeTag() (bool, error)      { return btfLoads(btfTypeTag) }
func probeBTFEnum64() (bool, error)       { return btfLoads(btfEnum64) }

// probeBPFCookie: tracepoint programs may call bpf_get_attach_cookie.
func probeBPFCookie() (bool, error) { return helperAvailable(uapi.ProgTypeTracepoint, 174) }

// probeCallbacks: the verifier knows helper 164, the first of 5.13, the
// release that brought callbacks.
func probeCallbacks() (bool, error) { return helperKnown(164) }

// Instructions of the probes.
const (
	opMovImm = 0xb7 // BPF_ALU64 | BPF_MOV | BPF_K
	opLdImm  = 0x18 // BPF_LD | BPF_DW | BPF_IMM
	opCall   = 0x85 // BPF_JMP | BPF_CALL
	opExit   = 0x95 // BPF_JMP | BPF_EXIT
)

func insn(code, dst, src uint8, off int16, imm int32) []byte {
	b := make([]byte, 8)
	b[0] = code
	b[1] = dst | src<<4
	binary.LittleEndian.PutUint16(b[2:], uint16(off))
	binary.LittleEndian.PutUint32(b[4:], uint32(imm))
	return b
}

func concat(insns ...[]byte) []byte {
	var out []byte
	for _, i := range insns {
		out = append(out, i...)
	}
	return out
}

// retZero is "r0 = 0; exit".
func retZero() []byte { return concat(insn(opMovImm, 0, 0, 0, 0), insn(opExit, 0, 0, 0, 0)) }

// callRet is "call helper; exit" with r1..r5 zero (enough for the
// verifier to know the helper, if not to accept its arguments).
func callRet(helper int32) []byte {
	return concat(
		insn(opMovImm, 1, 0, 0, 0), insn(opMovImm, 2, 0, 0, 0), insn(opMovImm, 3, 0, 0, 0),
		insn(opMovImm, 4, 0, 0, 0), insn(opMovImm, 5, 0, 0, 0),
		insn(opCall, 0, 0, 0, helper), insn(opExit, 0, 0, 0, 0))
}

// ldMap is a two-slot ld_imm64 of a map reference.
func ldMap(dst, src uint8, imm, imm2 int32) []byte {
	return concat(insn(opLdImm, dst, src, 0, imm), insn(0, 0, 0, 0, imm2))
}

// loadResult is what a probe load returned.
type loadResult struct {
	errno unix.Errno // 0 on success
	log   string     // with withLog
}

// progLoad loads attr's program once (no retry) and closes it. With
// withLog it asks for a level 1 log of 64 KiB.
func progLoad(attr *sys.ProgLoadAttr, insns []byte, withLog bool) loadResult {
	attr.Insns = sys.NewSlicePointer(insns)
	attr.InsnCnt = uint32(len(insns) / 8)
	if attr.License == (sys.Pointer{}) {
		attr.License = sys.NewStringPointer("GPL")
	}
	var logBuf []byte
	if withLog {
		logBuf = make([]byte, 64<<10)
		attr.LogLevel = 1
		attr.LogBuf, attr.LogSize = sys.NewSlicePointerLen(logBuf)
	}
	r, err := sys.BPF(sys.CmdProgLoad, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
	if err == nil {
		unix.Close(r)
		return loadResult{}
	}
	errno, _ := sys.Errno(err)
	res := loadResult{errno: errno}
	if withLog {
		res.log = strings.TrimRight(unix.ByteSliceToString(logBuf), "\n")
	}
	return res
}

// loaded is the usual verdict: loaded means supported, EPERM means the
// probe could not tell, anything else means missing.
func loaded(r loadResult) (bool, error) {
	if r.errno == 0 {
		return true, nil
	}
	if r.errno == unix.EPERM {
		return false, r.errno
	}
	return false, nil
}

// arrayMap creates a small ARRAY map for the probes that need one.
func arrayMap(valueSize uint32, flags uapi.MapFlags) (*sys.FD, error) {
	return sys.MapCreate(&sys.MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: valueSize, MaxEntries: 1, MapFlags: flags})
}

func probeFDArray() (bool, error) {
	m, err := arrayMap(8, 0)
	if err != nil {
		return false, err
	}
	defer m.Close()
	fds := []int32{int32(m.Int())}
	attr := sys.ProgLoadAttr{ProgType: uapi.ProgTypeSocketFilter, FdArray: sys.NewPointer(unsafe.Pointer(&fds[0]))}
	return loaded(progLoad(&attr, concat(ldMap(1, sys.PseudoMapIdx, 0, 0), retZero()), false))
}

func probeSyscallProg() (bool, error) {
	attr := sys.ProgLoadAttr{ProgType: uapi.ProgTypeSyscall, ProgFlags: uapi.ProgFlagSleepable}
	return loaded(progLoad(&attr, retZero(), false))
}

func probeSysBPF() (bool, error) {
	if ok, err := probeSyscallProg(); !ok || err != nil {
		return ok, err
	}
	return helperAvailable(uapi.ProgTypeSyscall, 166)
}

func probeKernelCORE() (bool, error) {
	// A kernel released after core_relos came (5.17) has them; an older
	// version may be a distribution's kernel with them backported: ask it.
	if knownAtLeast(Version{5, 17}) {
		return true, nil
	}
	return probeKernelCORELoad()
}

// probeKernelCORELoad is the probe for kernels before 5.17.
func probeKernelCORELoad() (bool, error) {
	// core_relo_rec_size is past the end of 5.16's bpf_attr: a non-zero
	// value there is refused with E2BIG by older kernels; with no
	// records, newer kernels load the program.
	attr := sys.ProgLoadAttr{ProgType: uapi.ProgTypeSocketFilter, CoreReloRecSize: 16}
	return loaded(progLoad(&attr, retZero(), false))
}

func probeMemcg() (bool, error) {
	// 5.11 charged BPF memory to the memory cgroup and dropped
	// RLIMIT_MEMLOCK from it in one change: from 5.11 on no probe is
	// loaded (a backport to an older kernel is probed).
	if knownAtLeast(Version{5, 11}) {
		return true, nil
	}
	return probeMemcgLoad()
}

// probeMemcgLoad is the probe for kernels before 5.11.
func probeMemcgLoad() (bool, error) {
	// No probe sees the accounting itself; bpf_ktime_get_coarse_ns came
	// in the same release (5.11), as libbpf also reasons. (Loaded here
	// directly: the type probes raise RLIMIT_MEMLOCK by this answer.)
	attr := uapiSocketFilter()
	return loaded(progLoad(&attr, callRet(160), false))
}

func probeGlobalData() (bool, error) {
	m, err := arrayMap(8, 0)
	if err != nil {
		return false, err
	}
	defer m.Close()
	// r1 = &map[0]; *(u64 *)(r1 + 0) = 42; r0 = 0; exit
	prog := concat(ldMap(1, sys.PseudoMapValue, int32(m.Int()), 0), insn(0x7a, 1, 0, 0, 42), retZero())
	attr := sys.ProgLoadAttr{ProgType: uapi.ProgTypeSocketFilter}
	return loaded(progLoad(&attr, prog, false))
}

func probeArrayMmap() (bool, error) {
	m, err := arrayMap(8, uapi.MapFlagMmapable)
	return created(m, err)
}

// created is the verdict of a probe creating a map.
func created(m *sys.FD, err error) (bool, error) {
	if err == nil {
		m.Close()
		return true, nil
	}
	if errno, _ := sys.Errno(err); errno == unix.EPERM {
		return false, err
	}
	return false, nil
}

func probeFuncInfo() (bool, error) {
	fd, err := loadBTF(btfFunc(0))
	if err != nil {
		return false, nil
	}
	defer fd.Close()
	// One func_info record: insn 0 is FUNC [3].
	rec := []uint32{0, 3}
	attr := sys.ProgLoadAttr{
		ProgType:        uapi.ProgTypeSocketFilter,
		ProgBtfFd:       uint32(fd.Int()),
		FuncInfoRecSize: 8,
		FuncInfo:        sys.NewPointer(unsafe.Pointer(&rec[0])),
		FuncInfoCnt:     1,
	}
	return loaded(progLoad(&attr, retZero(), false))
}

func probeModuleBTF() (bool, error) {
	fd, err := loadBTF(btfInt)
	if err != nil {
		return false, nil
	}
	defer fd.Close()
	// The name field of bpf_btf_info came with module BTF (5.11); older
	// kernels refuse a non-zero name with E2BIG.
	name := make([]byte, 16)
	raw := sys.BtfInfoRaw{Name: sys.NewSlicePointer(name), NameLen: uint32(len(name))}
	if _, err := sys.ObjGetInfoByFD(fd, unsafe.Pointer(&raw), uint32(unsafe.Sizeof(raw))); err != nil {
		if errno, _ := sys.Errno(err); errno == unix.E2BIG || errno == unix.EINVAL {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func probeMapHash() (bool, error) {
	m, err := arrayMap(8, 0)
	if err != nil {
		return false, err
	}
	defer m.Close()
	if err := sys.MapFreeze(m); err != nil {
		return false, err
	}
	if _, err := sys.MapHash(m); err != nil {
		if errno, _ := sys.Errno(err); errno == unix.E2BIG || errno == unix.EINVAL {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func probeExclMap() (bool, error) {
	hash := make([]byte, sys.HashSize)
	m, err := sys.MapCreate(&sys.MapCreateAttr{
		MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1,
		ExclProgHash: sys.NewSlicePointer(hash), ExclProgHashSize: sys.HashSize,
	})
	return created(m, err)
}

// linkCreateAttr is the common head of BPF_LINK_CREATE, and the perf
// link's attr.
type linkCreateAttr struct {
	ProgFD     uint32
	TargetFD   int32
	AttachType uapi.AttachType
	Flags      uint32
	_          [sys.AttrSize - 16]byte
}

// kprobeMultiAttr is BPF_LINK_CREATE with the kprobe_multi fields.
type kprobeMultiAttr struct {
	linkHead
	KFlags  uint32
	Cnt     uint32
	Syms    sys.Pointer
	Addrs   sys.Pointer
	Cookies sys.Pointer
	_       [sys.AttrSize - 48]byte
}

// uprobeMultiAttr is BPF_LINK_CREATE with the uprobe_multi fields.
type uprobeMultiAttr struct {
	linkHead
	Path          sys.Pointer
	Offsets       sys.Pointer
	RefCtrOffsets sys.Pointer
	Cookies       sys.Pointer
	Cnt           uint32
	UFlags        uint32
	Pid           uint32
	_             [sys.AttrSize - 60]byte
}

// linkHead is the head BPF_LINK_CREATE attrs share.
type linkHead struct {
	ProgFD     uint32
	TargetFD   int32
	AttachType uapi.AttachType
	Flags      uint32
}

// tracingProg loads "r0 = 0; exit" of type pt with expected attach type
// at, for a link probe.
func tracingProg(pt uapi.ProgType, at uapi.AttachType) (*sys.FD, error) {
	attr := sys.ProgLoadAttr{ProgType: pt, ExpectedAttachType: at}
	attr.Insns, attr.InsnCnt = sys.NewSlicePointer(retZero()), 2
	attr.License = sys.NewStringPointer("GPL")
	return sys.ProgLoad(&attr)
}

// linkErrno creates the link and returns the errno (0 on success: the
// link is closed at once).
func linkErrno[T any](attr *T) unix.Errno {
	r, err := sys.BPF(sys.CmdLinkCreate, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
	if err == nil {
		unix.Close(r)
		return 0
	}
	errno, _ := sys.Errno(err)
	return errno
}

func probePerfLink() (bool, error) {
	prog, err := tracingProg(uapi.ProgTypeTracepoint, 0)
	if err != nil {
		return false, err
	}
	defer prog.Close()
	// An invalid perf event fd: EBADF when perf links exist, EINVAL
	// before (the attach type is unknown to LINK_CREATE).
	errno := linkErrno(&linkCreateAttr{ProgFD: prog.Uint(), TargetFD: -1, AttachType: uapi.AttachPerfEvent})
	return errno == 0 || errno == unix.EBADF, nil
}

func probeKprobeMulti() (bool, error) {
	prog, err := tracingProg(uapi.ProgTypeKprobe, uapi.AttachTraceKprobeMulti)
	if err != nil {
		return false, err
	}
	defer prog.Close()
	// One symbol behind an unreadable pointer: EFAULT when the kernel
	// reads it (kprobe multi links exist), EINVAL before, EOPNOTSUPP
	// when built without fprobe.
	attr := kprobeMultiAttr{linkHead: linkHead{ProgFD: prog.Uint(), AttachType: uapi.AttachTraceKprobeMulti}, Cnt: 1}
	attr.Syms = sys.NewPointer(unsafe.Add(unsafe.Pointer(nil), 8)) //nolint:govet // deliberately unreadable
	switch errno := linkErrno(&attr); errno {
	case 0, unix.EFAULT:
		return true, nil
	case unix.EOPNOTSUPP:
		return false, notBuilt("built without CONFIG_FPROBE")
	}
	return false, nil
}

func probeUprobeMulti() (bool, error) {
	prog, err := tracingProg(uapi.ProgTypeKprobe, uapi.AttachTraceUprobeMulti)
	if err != nil {
		if errno, _ := sys.Errno(err); errno == unix.EPERM {
			return false, err
		}
		return false, nil // the attach type is unknown to the kernel
	}
	defer prog.Close()
	// A uprobe in "/", which is no binary: EBADF when uprobe multi
	// links exist, EINVAL before (as libbpf probes it). Then pid -1: the
	// first kernels with them filtered by thread, not process, and took
	// it; since the fix the pid is checked first (EINVAL), and libbpf
	// pretends there are no uprobe multi links before.
	offsets := []uint64{0}
	try := func(pid uint32) unix.Errno {
		attr := uprobeMultiAttr{
			linkHead: linkHead{ProgFD: prog.Uint(), AttachType: uapi.AttachTraceUprobeMulti},
			Path:     sys.NewStringPointer("/"),
			Offsets:  sys.NewPointer(unsafe.Pointer(&offsets[0])),
			Cnt:      1,
			Pid:      pid,
		}
		return linkErrno(&attr)
	}
	if errno := try(0); errno != 0 && errno != unix.EBADF {
		return false, nil
	}
	return try(^uint32(0)) == unix.EINVAL, nil
}

func probeTCX() (bool, error) {
	prog, err := tracingProg(uapi.ProgTypeSchedCls, 0)
	if err != nil {
		return false, err
	}
	defer prog.Close()
	// A tcx link on ifindex 0: ENODEV (no such device) when tcx exists,
	// EINVAL before (the attach type is unknown to LINK_CREATE).
	errno := linkErrno(&linkCreateAttr{ProgFD: prog.Uint(), AttachType: uapi.AttachTCXIngress})
	return errno == unix.ENODEV, nil
}

func probeUprobeRefCtr() (bool, error) {
	// No bpf() call tells: the uprobe PMU lists the field (4.20).
	const dir = "/sys/bus/event_source/devices/uprobe"
	if _, err := os.Stat(dir); err != nil {
		return false, notBuilt("no uprobe PMU: built without CONFIG_UPROBE_EVENTS")
	}
	_, err := os.Stat(dir + "/format/ref_ctr_offset")
	return err == nil, nil
}

func probeLogTrueSize() (bool, error) {
	attr := sys.ProgLoadAttr{ProgType: uapi.ProgTypeSocketFilter}
	buf := make([]byte, 4096)
	attr.LogLevel = 1
	attr.LogBuf, attr.LogSize = sys.NewSlicePointerLen(buf)
	attr.Insns = sys.NewSlicePointer(retZero())
	attr.InsnCnt = 2
	attr.License = sys.NewStringPointer("GPL")
	r, err := sys.BPF(sys.CmdProgLoad, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil {
		if errno, _ := sys.Errno(err); errno == unix.EPERM {
			return false, err
		}
		return false, nil
	}
	unix.Close(r)
	return attr.LogTrueSize != 0, nil
}

func probeXDPFrags() (bool, error) {
	attr := sys.ProgLoadAttr{ProgType: uapi.ProgTypeXDP, ProgFlags: uapi.ProgFlagXDPHasFrags}
	return loaded(progLoad(&attr, retZero(), false))
}

// helperKnown: the verifier knows helper h (whichever program types may
// call it), as the first helper of a release tells that release.
func helperKnown(h uapi.HelperID) (bool, error) {
	attr := sys.ProgLoadAttr{ProgType: uapi.ProgTypeSocketFilter}
	r := progLoad(&attr, callRet(int32(h)), true)
	if r.errno == unix.EPERM {
		return false, r.errno
	}
	return r.errno == 0 || !strings.Contains(r.log, "invalid func unknown#"), nil
}

// uapiSocketFilter is the attribute of a socket filter probe.
func uapiSocketFilter() sys.ProgLoadAttr {
	return sys.ProgLoadAttr{ProgType: uapi.ProgTypeSocketFilter}
}
