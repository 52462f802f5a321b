// Tests that the run-time's hand-written loading constants agree with the
// rest of bpfc: attribute offsets and sizes with internal/sys's structs
// (whose own tests check them against the uapi header and the running
// kernel's BTF), commands with sys's, types and flags with package uapi.

package rt

import (
	"testing"
	"unsafe"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

func TestAttrOffsets(t *testing.T) {
	var (
		mc sys.MapCreateAttr
		me sys.MapElemAttr
		ib sys.InfoByFDAttr
		mi sys.MapInfoRaw
		pl sys.ProgLoadAttr
		tr sys.ProgTestRunAttr
	)
	for _, tt := range []struct {
		name string
		rt   int
		sys  uintptr
	}{
		{"map_create.map_type", offMapType, unsafe.Offsetof(mc.MapType)},
		{"map_create.key_size", offMapKeySize, unsafe.Offsetof(mc.KeySize)},
		{"map_create.value_size", offMapValueSize, unsafe.Offsetof(mc.ValueSize)},
		{"map_create.max_entries", offMapMaxEntries, unsafe.Offsetof(mc.MaxEntries)},
		{"map_create.map_name", offMapName, unsafe.Offsetof(mc.MapName)},
		{"map_create.excl_prog_hash", offMapExclHash, unsafe.Offsetof(mc.ExclProgHash)},
		{"map_create.excl_prog_hash_size", offMapExclHashSize, unsafe.Offsetof(mc.ExclProgHashSize)},
		{"sizeof map_create", sizeMapCreate, unsafe.Sizeof(mc)},
		{"map_create up to excl_prog_hash", sizeMapCreateNoExcl, unsafe.Offsetof(mc.ExclProgHash)},
		{"map_elem.map_fd", offElemMapFD, unsafe.Offsetof(me.MapFd)},
		{"map_elem.key", offElemKey, unsafe.Offsetof(me.Key)},
		{"map_elem.value", offElemValue, unsafe.Offsetof(me.Value)},
		{"sizeof map_elem", sizeMapElem, unsafe.Sizeof(me)},
		{"info.bpf_fd", offInfoFD, unsafe.Offsetof(ib.BpfFd)},
		{"info.info_len", offInfoLen, unsafe.Offsetof(ib.InfoLen)},
		{"info.info", offInfo, unsafe.Offsetof(ib.Info)},
		{"sizeof info", sizeInfoByFD, unsafe.Sizeof(ib)},
		{"bpf_map_info.hash", offMapInfoHash, unsafe.Offsetof(mi.Hash)},
		{"bpf_map_info.hash_size", offMapInfoHashSize, unsafe.Offsetof(mi.HashSize)},
		{"sizeof bpf_map_info", mapInfoSize, unsafe.Sizeof(mi)},
		{"prog_load.prog_type", offProgType, unsafe.Offsetof(pl.ProgType)},
		{"prog_load.insn_cnt", offProgInsnCnt, unsafe.Offsetof(pl.InsnCnt)},
		{"prog_load.insns", offProgInsns, unsafe.Offsetof(pl.Insns)},
		{"prog_load.license", offProgLicense, unsafe.Offsetof(pl.License)},
		{"prog_load.log_level", offProgLogLevel, unsafe.Offsetof(pl.LogLevel)},
		{"prog_load.log_size", offProgLogSize, unsafe.Offsetof(pl.LogSize)},
		{"prog_load.log_buf", offProgLogBuf, unsafe.Offsetof(pl.LogBuf)},
		{"prog_load.prog_flags", offProgFlags, unsafe.Offsetof(pl.ProgFlags)},
		{"prog_load.prog_name", offProgName, unsafe.Offsetof(pl.ProgName)},
		{"prog_load.fd_array", offProgFDArray, unsafe.Offsetof(pl.FdArray)},
		{"prog_load.signature", offProgSignature, unsafe.Offsetof(pl.Signature)},
		{"prog_load.signature_size", offProgSignatureSize, unsafe.Offsetof(pl.SignatureSize)},
		{"prog_load.keyring_id", offProgKeyringID, unsafe.Offsetof(pl.KeyringId)},
		{"sizeof union bpf_attr", attrSize, sys.AttrSize},
		{"test.prog_fd", offRunProgFD, unsafe.Offsetof(tr.ProgFd)},
		{"test.retval", offRunRetval, unsafe.Offsetof(tr.Retval)},
		{"test.data_size_in", offRunDataSizeIn, unsafe.Offsetof(tr.DataSizeIn)},
		{"test.data_size_out", offRunDataSizeOut, unsafe.Offsetof(tr.DataSizeOut)},
		{"test.data_in", offRunDataIn, unsafe.Offsetof(tr.DataIn)},
		{"test.data_out", offRunDataOut, unsafe.Offsetof(tr.DataOut)},
		{"test.repeat", offRunRepeat, unsafe.Offsetof(tr.Repeat)},
		{"test.ctx_size_in", offRunCtxSizeIn, unsafe.Offsetof(tr.CtxSizeIn)},
		{"test.ctx_size_out", offRunCtxSizeOut, unsafe.Offsetof(tr.CtxSizeOut)},
		{"test.ctx_in", offRunCtxIn, unsafe.Offsetof(tr.CtxIn)},
		{"test.ctx_out", offRunCtxOut, unsafe.Offsetof(tr.CtxOut)},
		{"sizeof test", sizeTestRun, unsafe.Sizeof(tr)},
		{"object name length", objNameLen, sys.ObjNameLen},
		{"hash size", hashSize, sys.HashSize},
	} {
		if uintptr(tt.rt) != tt.sys {
			t.Errorf("%s: rt has %d, internal/sys %d", tt.name, tt.rt, tt.sys)
		}
	}
}

func TestConstants(t *testing.T) {
	for _, tt := range []struct {
		name      string
		rt, other int64
	}{
		{"BPF_MAP_CREATE", cmdMapCreate, int64(sys.CmdMapCreate)},
		{"BPF_MAP_UPDATE_ELEM", cmdMapUpdateElem, int64(sys.CmdMapUpdateElem)},
		{"BPF_PROG_LOAD", cmdProgLoad, int64(sys.CmdProgLoad)},
		{"BPF_PROG_TEST_RUN", cmdProgTestRun, int64(sys.CmdProgTestRun)},
		{"BPF_OBJ_GET_INFO_BY_FD", cmdObjGetInfoByFD, int64(sys.CmdObjGetInfoByFD)},
		{"BPF_MAP_FREEZE", cmdMapFreeze, int64(sys.CmdMapFreeze)},
		{"BPF_MAP_LOOKUP_ELEM", cmdMapLookupElem, int64(sys.CmdMapLookupElem)},
		{"BPF_MAP_TYPE_ARRAY", mapTypeArray, int64(uapi.MapTypeArray)},
		{"BPF_PROG_TYPE_SYSCALL", progTypeSyscall, int64(uapi.ProgTypeSyscall)},
		{"BPF_F_SLEEPABLE", progFlagSleepable, int64(uapi.ProgFlagSleepable)},
	} {
		if tt.rt != tt.other {
			t.Errorf("%s: rt has %d, bpfc %d", tt.name, tt.rt, tt.other)
		}
	}
}
