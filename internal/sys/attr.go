// This file mirrors the parts of the Linux 6.18 union bpf_attr that bpfc
// uses, one Go struct per command, byte for byte (see attr_test.go for the
// offsets checked against the uapi header).

package sys

import (
	"unsafe"

	"github.com/bpfc/bpfc/uapi"
)

// ObjNameLen is BPF_OBJ_NAME_LEN, the size of map and program names
// including the terminating NUL.
const ObjNameLen = 16

// ObjName is a NUL-padded object name as the kernel stores it.
type ObjName [ObjNameLen]byte

// NewObjName truncates name to 15 bytes and NUL-pads it. The kernel only
// accepts [A-Za-z0-9_.] in names; NewObjName does not check that.
func NewObjName(name string) ObjName {
	var n ObjName
	copy(n[:ObjNameLen-1], name)
	return n
}

// String returns the name up to the first NUL.
func (n ObjName) String() string { return cString(n[:]) }

// cString returns buf up to its first NUL byte.
func cString(buf []byte) string {
	for i, b := range buf {
		if b == 0 {
			return string(buf[:i])
		}
	}
	return string(buf)
}

// AttrBytes returns a copy of the bytes of an attribute (or info) struct of
// this package, as the kernel would read them. Pointer fields come out as
// the addresses they hold at the time of the call; a loader blob should
// leave them NULL and patch them at run time.
func AttrBytes[T any](attr *T) []byte {
	size := unsafe.Sizeof(*attr)
	out := make([]byte, size)
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(attr)), size))
	return out
}

// MapCreateAttr is the BPF_MAP_CREATE part of union bpf_attr.
type MapCreateAttr struct {
	MapType               uapi.MapType  // map_type
	KeySize               uint32        // key_size
	ValueSize             uint32        // value_size
	MaxEntries            uint32        // max_entries
	MapFlags              uapi.MapFlags // map_flags
	InnerMapFd            uint32        // inner_map_fd
	NumaNode              uint32        // numa_node (with uapi.MapFlagNUMANode)
	MapName               ObjName       // map_name
	MapIfindex            uint32        // map_ifindex
	BtfFd                 uint32        // btf_fd
	BtfKeyTypeId          uint32        // btf_key_type_id
	BtfValueTypeId        uint32        // btf_value_type_id
	BtfVmlinuxValueTypeId uint32        // btf_vmlinux_value_type_id (struct_ops)
	MapExtra              uint64        // map_extra (bloom filter hashes, arena address)
	ValueTypeBtfObjFd     int32         // value_type_btf_obj_fd
	MapTokenFd            int32         // map_token_fd
	ExclProgHash          Pointer       // excl_prog_hash: sha256 of the only program allowed to use the map
	ExclProgHashSize      uint32        // excl_prog_hash_size (must be 32)
	_                     [4]byte
}

// MapElemAttr is the BPF_MAP_*_ELEM and BPF_MAP_FREEZE part of union
// bpf_attr. Value doubles as next_key for BPF_MAP_GET_NEXT_KEY.
type MapElemAttr struct {
	MapFd uint32 // map_fd
	_     [4]byte
	Key   Pointer // key
	Value Pointer // value / next_key
	Flags uint64  // flags
}

// ProgLoadAttr is the BPF_PROG_LOAD part of union bpf_attr (all 168 bytes).
type ProgLoadAttr struct {
	ProgType           uapi.ProgType   // prog_type
	InsnCnt            uint32          // insn_cnt: number of 8-byte instructions
	Insns              Pointer         // insns
	License            Pointer         // license: NUL-terminated string
	LogLevel           uint32          // log_level
	LogSize            uint32          // log_size
	LogBuf             Pointer         // log_buf
	KernVersion        uint32          // kern_version
	ProgFlags          uapi.ProgFlags  // prog_flags
	ProgName           ObjName         // prog_name
	ProgIfindex        uint32          // prog_ifindex
	ExpectedAttachType uapi.AttachType // expected_attach_type
	ProgBtfFd          uint32          // prog_btf_fd
	FuncInfoRecSize    uint32          // func_info_rec_size
	FuncInfo           Pointer         // func_info
	FuncInfoCnt        uint32          // func_info_cnt
	LineInfoRecSize    uint32          // line_info_rec_size
	LineInfo           Pointer         // line_info
	LineInfoCnt        uint32          // line_info_cnt
	AttachBtfId        uint32          // attach_btf_id
	// AttachBtfObjFd is the union attach_btf_obj_fd / attach_prog_fd:
	// the BTF object (module or vmlinux) of AttachBtfId, or the target
	// program of freplace and fentry-on-BPF programs.
	AttachBtfObjFd  uint32  // attach_btf_obj_fd / attach_prog_fd
	CoreReloCnt     uint32  // core_relo_cnt
	FdArray         Pointer // fd_array
	CoreRelos       Pointer // core_relos
	CoreReloRecSize uint32  // core_relo_rec_size
	LogTrueSize     uint32  // log_true_size (output)
	ProgTokenFd     int32   // prog_token_fd
	FdArrayCnt      uint32  // fd_array_cnt
	Signature       Pointer // signature
	SignatureSize   uint32  // signature_size
	KeyringId       int32   // keyring_id
}

// ObjPinAttr is the BPF_OBJ_PIN / BPF_OBJ_GET part of union bpf_attr.
type ObjPinAttr struct {
	Pathname  Pointer // pathname
	BpfFd     uint32  // bpf_fd
	FileFlags uint32  // file_flags
	PathFd    int32   // path_fd (with BPF_F_PATH_FD)
	_         [4]byte
}

// ProgTestRunAttr is the BPF_PROG_TEST_RUN part of union bpf_attr.
type ProgTestRunAttr struct {
	ProgFd      uint32  // prog_fd
	Retval      uint32  // retval (output)
	DataSizeIn  uint32  // data_size_in
	DataSizeOut uint32  // data_size_out (in: buffer size; out: data size)
	DataIn      Pointer // data_in
	DataOut     Pointer // data_out
	Repeat      uint32  // repeat
	Duration    uint32  // duration (output, ns per run)
	CtxSizeIn   uint32  // ctx_size_in
	CtxSizeOut  uint32  // ctx_size_out (in: buffer size; out: ctx size)
	CtxIn       Pointer // ctx_in
	CtxOut      Pointer // ctx_out
	Flags       uint32  // flags
	Cpu         uint32  // cpu
	BatchSize   uint32  // batch_size
	_           [4]byte
}

// GetIDAttr is the BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID part of union
// bpf_attr. ID is the union start_id / prog_id / map_id / btf_id / link_id.
type GetIDAttr struct {
	ID            uint32 // start_id / prog_id / map_id / btf_id / link_id
	NextId        uint32 // next_id (output)
	OpenFlags     uint32 // open_flags
	FdByIdTokenFd int32  // fd_by_id_token_fd
}

// InfoByFDAttr is the BPF_OBJ_GET_INFO_BY_FD part of union bpf_attr.
type InfoByFDAttr struct {
	BpfFd   uint32  // bpf_fd
	InfoLen uint32  // info_len (in: buffer size; out: bytes written)
	Info    Pointer // info
}

// RawTracepointOpenAttr is the BPF_RAW_TRACEPOINT_OPEN part of union
// bpf_attr.
type RawTracepointOpenAttr struct {
	Name   Pointer // name: NUL-terminated tracepoint name
	ProgFd uint32  // prog_fd
	_      [4]byte
	Cookie uint64 // cookie
}

// BtfLoadAttr is the BPF_BTF_LOAD part of union bpf_attr.
type BtfLoadAttr struct {
	Btf            Pointer // btf
	BtfLogBuf      Pointer // btf_log_buf
	BtfSize        uint32  // btf_size
	BtfLogSize     uint32  // btf_log_size
	BtfLogLevel    uint32  // btf_log_level
	BtfLogTrueSize uint32  // btf_log_true_size (output)
	BtfFlags       uint32  // btf_flags
	BtfTokenFd     int32   // btf_token_fd
}

// ProgInfoRaw mirrors struct bpf_prog_info (232 bytes in 6.18).
type ProgInfoRaw struct {
	Type                 uapi.ProgType // type
	Id                   uint32        // id
	Tag                  [8]byte       // tag
	JitedProgLen         uint32        // jited_prog_len
	XlatedProgLen        uint32        // xlated_prog_len
	JitedProgInsns       Pointer       // jited_prog_insns
	XlatedProgInsns      Pointer       // xlated_prog_insns
	LoadTime             uint64        // load_time (ns since boot)
	CreatedByUid         uint32        // created_by_uid
	NrMapIds             uint32        // nr_map_ids
	MapIds               Pointer       // map_ids
	Name                 ObjName       // name
	Ifindex              uint32        // ifindex
	GplCompatible        uint32        // gpl_compatible:1 (bit 0)
	NetnsDev             uint64        // netns_dev
	NetnsIno             uint64        // netns_ino
	NrJitedKsyms         uint32        // nr_jited_ksyms
	NrJitedFuncLens      uint32        // nr_jited_func_lens
	JitedKsyms           Pointer       // jited_ksyms
	JitedFuncLens        Pointer       // jited_func_lens
	BtfId                uint32        // btf_id
	FuncInfoRecSize      uint32        // func_info_rec_size
	FuncInfo             Pointer       // func_info
	NrFuncInfo           uint32        // nr_func_info
	NrLineInfo           uint32        // nr_line_info
	LineInfo             Pointer       // line_info
	JitedLineInfo        Pointer       // jited_line_info
	NrJitedLineInfo      uint32        // nr_jited_line_info
	LineInfoRecSize      uint32        // line_info_rec_size
	JitedLineInfoRecSize uint32        // jited_line_info_rec_size
	NrProgTags           uint32        // nr_prog_tags
	ProgTags             Pointer       // prog_tags
	RunTimeNs            uint64        // run_time_ns
	RunCnt               uint64        // run_cnt
	RecursionMisses      uint64        // recursion_misses
	VerifiedInsns        uint32        // verified_insns
	AttachBtfObjId       uint32        // attach_btf_obj_id
	AttachBtfId          uint32        // attach_btf_id
	_                    [4]byte
}

// MapInfoRaw mirrors struct bpf_map_info (104 bytes in 6.18).
type MapInfoRaw struct {
	Type                  uapi.MapType  // type
	Id                    uint32        // id
	KeySize               uint32        // key_size
	ValueSize             uint32        // value_size
	MaxEntries            uint32        // max_entries
	MapFlags              uapi.MapFlags // map_flags
	Name                  ObjName       // name
	Ifindex               uint32        // ifindex
	BtfVmlinuxValueTypeId uint32        // btf_vmlinux_value_type_id
	NetnsDev              uint64        // netns_dev
	NetnsIno              uint64        // netns_ino
	BtfId                 uint32        // btf_id
	BtfKeyTypeId          uint32        // btf_key_type_id
	BtfValueTypeId        uint32        // btf_value_type_id
	BtfVmlinuxId          uint32        // btf_vmlinux_id
	MapExtra              uint64        // map_extra
	Hash                  Pointer       // hash: buffer for the sha256 of a frozen map
	HashSize              uint32        // hash_size (must be 32 with Hash)
	_                     [4]byte
}

// BtfInfoRaw mirrors struct bpf_btf_info (32 bytes).
type BtfInfoRaw struct {
	Btf       Pointer // btf: buffer for the raw BTF
	BtfSize   uint32  // btf_size
	Id        uint32  // id
	Name      Pointer // name: buffer for the name
	NameLen   uint32  // name_len
	KernelBtf uint32  // kernel_btf
}
