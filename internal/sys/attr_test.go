// Tests that the Go attribute and info structs match the Linux 6.18 uapi
// layout, and that the enum stringers give the kernel's names. The expected
// offsets were taken from offsetof() over include/uapi/linux/bpf.h of 6.18.

package sys

import (
	"testing"
	"unsafe"

	"github.com/bpfc/bpfc/uapi"
)

func TestLayout(t *testing.T) {
	var (
		mc MapCreateAttr
		me MapElemAttr
		pl ProgLoadAttr
		op ObjPinAttr
		tr ProgTestRunAttr
		gi GetIDAttr
		ib InfoByFDAttr
		rt RawTracepointOpenAttr
		bl BtfLoadAttr
		pi ProgInfoRaw
		mi MapInfoRaw
		bi BtfInfoRaw
	)
	tests := []struct {
		name      string
		got, want uintptr
	}{
		// struct sizes
		{"sizeof MapCreateAttr", unsafe.Sizeof(mc), 96},
		{"sizeof MapElemAttr", unsafe.Sizeof(me), 32},
		{"sizeof ProgLoadAttr", unsafe.Sizeof(pl), AttrSize},
		{"sizeof ObjPinAttr", unsafe.Sizeof(op), 24},
		{"sizeof ProgTestRunAttr", unsafe.Sizeof(tr), 80},
		{"sizeof GetIDAttr", unsafe.Sizeof(gi), 16},
		{"sizeof InfoByFDAttr", unsafe.Sizeof(ib), 16},
		{"sizeof RawTracepointOpenAttr", unsafe.Sizeof(rt), 24},
		{"sizeof BtfLoadAttr", unsafe.Sizeof(bl), 40},
		{"sizeof ProgInfoRaw", unsafe.Sizeof(pi), 232},
		{"sizeof MapInfoRaw", unsafe.Sizeof(mi), 104},
		{"sizeof BtfInfoRaw", unsafe.Sizeof(bi), 32},

		// BPF_MAP_CREATE
		{"map_name", unsafe.Offsetof(mc.MapName), 28},
		{"map_ifindex", unsafe.Offsetof(mc.MapIfindex), 44},
		{"btf_vmlinux_value_type_id", unsafe.Offsetof(mc.BtfVmlinuxValueTypeId), 60},
		{"map_extra", unsafe.Offsetof(mc.MapExtra), 64},
		{"value_type_btf_obj_fd", unsafe.Offsetof(mc.ValueTypeBtfObjFd), 72},
		{"map_token_fd", unsafe.Offsetof(mc.MapTokenFd), 76},
		{"excl_prog_hash", unsafe.Offsetof(mc.ExclProgHash), 80},
		{"excl_prog_hash_size", unsafe.Offsetof(mc.ExclProgHashSize), 88},

		// BPF_MAP_*_ELEM
		{"key", unsafe.Offsetof(me.Key), 8},
		{"value", unsafe.Offsetof(me.Value), 16},
		{"flags", unsafe.Offsetof(me.Flags), 24},

		// BPF_PROG_LOAD
		{"insns", unsafe.Offsetof(pl.Insns), 8},
		{"license", unsafe.Offsetof(pl.License), 16},
		{"log_level", unsafe.Offsetof(pl.LogLevel), 24},
		{"log_buf", unsafe.Offsetof(pl.LogBuf), 32},
		{"kern_version", unsafe.Offsetof(pl.KernVersion), 40},
		{"prog_name", unsafe.Offsetof(pl.ProgName), 48},
		{"prog_ifindex", unsafe.Offsetof(pl.ProgIfindex), 64},
		{"expected_attach_type", unsafe.Offsetof(pl.ExpectedAttachType), 68},
		{"prog_btf_fd", unsafe.Offsetof(pl.ProgBtfFd), 72},
		{"func_info_rec_size", unsafe.Offsetof(pl.FuncInfoRecSize), 76},
		{"func_info", unsafe.Offsetof(pl.FuncInfo), 80},
		{"func_info_cnt", unsafe.Offsetof(pl.FuncInfoCnt), 88},
		{"line_info", unsafe.Offsetof(pl.LineInfo), 96},
		{"line_info_cnt", unsafe.Offsetof(pl.LineInfoCnt), 104},
		{"attach_btf_id", unsafe.Offsetof(pl.AttachBtfId), 108},
		{"attach_btf_obj_fd", unsafe.Offsetof(pl.AttachBtfObjFd), 112},
		{"core_relo_cnt", unsafe.Offsetof(pl.CoreReloCnt), 116},
		{"fd_array", unsafe.Offsetof(pl.FdArray), 120},
		{"core_relos", unsafe.Offsetof(pl.CoreRelos), 128},
		{"core_relo_rec_size", unsafe.Offsetof(pl.CoreReloRecSize), 136},
		{"log_true_size", unsafe.Offsetof(pl.LogTrueSize), 140},
		{"prog_token_fd", unsafe.Offsetof(pl.ProgTokenFd), 144},
		{"fd_array_cnt", unsafe.Offsetof(pl.FdArrayCnt), 148},
		{"signature", unsafe.Offsetof(pl.Signature), 152},
		{"signature_size", unsafe.Offsetof(pl.SignatureSize), 160},
		{"keyring_id", unsafe.Offsetof(pl.KeyringId), 164},

		// BPF_OBJ_*
		{"bpf_fd", unsafe.Offsetof(op.BpfFd), 8},
		{"file_flags", unsafe.Offsetof(op.FileFlags), 12},
		{"path_fd", unsafe.Offsetof(op.PathFd), 16},

		// BPF_PROG_TEST_RUN
		{"test.retval", unsafe.Offsetof(tr.Retval), 4},
		{"test.data_in", unsafe.Offsetof(tr.DataIn), 16},
		{"test.repeat", unsafe.Offsetof(tr.Repeat), 32},
		{"test.ctx_size_in", unsafe.Offsetof(tr.CtxSizeIn), 40},
		{"test.ctx_in", unsafe.Offsetof(tr.CtxIn), 48},
		{"test.ctx_out", unsafe.Offsetof(tr.CtxOut), 56},
		{"test.flags", unsafe.Offsetof(tr.Flags), 64},
		{"test.cpu", unsafe.Offsetof(tr.Cpu), 68},
		{"test.batch_size", unsafe.Offsetof(tr.BatchSize), 72},

		// BPF_*_GET_*_ID, BPF_OBJ_GET_INFO_BY_FD
		{"next_id", unsafe.Offsetof(gi.NextId), 4},
		{"open_flags", unsafe.Offsetof(gi.OpenFlags), 8},
		{"fd_by_id_token_fd", unsafe.Offsetof(gi.FdByIdTokenFd), 12},
		{"info.info_len", unsafe.Offsetof(ib.InfoLen), 4},
		{"info.info", unsafe.Offsetof(ib.Info), 8},

		// BPF_RAW_TRACEPOINT_OPEN, BPF_BTF_LOAD
		{"raw_tracepoint.prog_fd", unsafe.Offsetof(rt.ProgFd), 8},
		{"raw_tracepoint.cookie", unsafe.Offsetof(rt.Cookie), 16},
		{"btf_log_buf", unsafe.Offsetof(bl.BtfLogBuf), 8},
		{"btf_size", unsafe.Offsetof(bl.BtfSize), 16},
		{"btf_log_size", unsafe.Offsetof(bl.BtfLogSize), 20},
		{"btf_log_level", unsafe.Offsetof(bl.BtfLogLevel), 24},
		{"btf_log_true_size", unsafe.Offsetof(bl.BtfLogTrueSize), 28},
		{"btf_flags", unsafe.Offsetof(bl.BtfFlags), 32},
		{"btf_token_fd", unsafe.Offsetof(bl.BtfTokenFd), 36},

		// struct bpf_prog_info
		{"prog_info.tag", unsafe.Offsetof(pi.Tag), 8},
		{"prog_info.jited_prog_len", unsafe.Offsetof(pi.JitedProgLen), 16},
		{"prog_info.xlated_prog_insns", unsafe.Offsetof(pi.XlatedProgInsns), 32},
		{"prog_info.load_time", unsafe.Offsetof(pi.LoadTime), 40},
		{"prog_info.nr_map_ids", unsafe.Offsetof(pi.NrMapIds), 52},
		{"prog_info.map_ids", unsafe.Offsetof(pi.MapIds), 56},
		{"prog_info.name", unsafe.Offsetof(pi.Name), 64},
		{"prog_info.ifindex", unsafe.Offsetof(pi.Ifindex), 80},
		{"prog_info.netns_dev", unsafe.Offsetof(pi.NetnsDev), 88},
		{"prog_info.nr_jited_ksyms", unsafe.Offsetof(pi.NrJitedKsyms), 104},
		{"prog_info.jited_ksyms", unsafe.Offsetof(pi.JitedKsyms), 112},
		{"prog_info.btf_id", unsafe.Offsetof(pi.BtfId), 128},
		{"prog_info.func_info", unsafe.Offsetof(pi.FuncInfo), 136},
		{"prog_info.nr_func_info", unsafe.Offsetof(pi.NrFuncInfo), 144},
		{"prog_info.line_info", unsafe.Offsetof(pi.LineInfo), 152},
		{"prog_info.jited_line_info", unsafe.Offsetof(pi.JitedLineInfo), 160},
		{"prog_info.nr_jited_line_info", unsafe.Offsetof(pi.NrJitedLineInfo), 168},
		{"prog_info.nr_prog_tags", unsafe.Offsetof(pi.NrProgTags), 180},
		{"prog_info.prog_tags", unsafe.Offsetof(pi.ProgTags), 184},
		{"prog_info.run_time_ns", unsafe.Offsetof(pi.RunTimeNs), 192},
		{"prog_info.recursion_misses", unsafe.Offsetof(pi.RecursionMisses), 208},
		{"prog_info.verified_insns", unsafe.Offsetof(pi.VerifiedInsns), 216},
		{"prog_info.attach_btf_id", unsafe.Offsetof(pi.AttachBtfId), 224},

		// struct bpf_map_info
		{"map_info.name", unsafe.Offsetof(mi.Name), 24},
		{"map_info.ifindex", unsafe.Offsetof(mi.Ifindex), 40},
		{"map_info.netns_dev", unsafe.Offsetof(mi.NetnsDev), 48},
		{"map_info.btf_id", unsafe.Offsetof(mi.BtfId), 64},
		{"map_info.btf_vmlinux_id", unsafe.Offsetof(mi.BtfVmlinuxId), 76},
		{"map_info.map_extra", unsafe.Offsetof(mi.MapExtra), 80},
		{"map_info.hash", unsafe.Offsetof(mi.Hash), 88},
		{"map_info.hash_size", unsafe.Offsetof(mi.HashSize), 96},

		// struct bpf_btf_info
		{"btf_info.btf_size", unsafe.Offsetof(bi.BtfSize), 8},
		{"btf_info.name", unsafe.Offsetof(bi.Name), 16},
		{"btf_info.name_len", unsafe.Offsetof(bi.NameLen), 24},
		{"btf_info.kernel_btf", unsafe.Offsetof(bi.KernelBtf), 28},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func TestAttrBytes(t *testing.T) {
	attr := MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 0x0102, MaxEntries: 1, ExclProgHashSize: HashSize}
	b := AttrBytes(&attr)
	if len(b) != 96 {
		t.Fatalf("len = %d, want 96", len(b))
	}
	if b[0] != 2 || b[4] != 4 || b[8] != 2 || b[9] != 1 || b[12] != 1 || b[88] != 32 {
		t.Errorf("unexpected bytes % x", b)
	}
}

func TestObjName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"short", "short"},
		{"exactly_15_byte", "exactly_15_byte"},
		{"a_name_longer_than_fifteen", "a_name_longer_t"},
	} {
		n := NewObjName(tt.in)
		if got := n.String(); got != tt.want {
			t.Errorf("NewObjName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if n[ObjNameLen-1] != 0 {
			t.Errorf("NewObjName(%q) not NUL-terminated", tt.in)
		}
	}
}

func TestCmdString(t *testing.T) {
	for _, tt := range []struct {
		got  Cmd
		want string
	}{
		{CmdMapCreate, "BPF_MAP_CREATE"},
		{CmdProgTestRun, "BPF_PROG_TEST_RUN"},
		{CmdProgStreamReadByFD, "BPF_PROG_STREAM_READ_BY_FD"},
		{Cmd(-1), "BPF_CMD(-1)"},
	} {
		if s := tt.got.String(); s != tt.want {
			t.Errorf("String() = %q, want %q", s, tt.want)
		}
	}
	if CmdProgStreamReadByFD != 37 {
		t.Errorf("BPF_PROG_STREAM_READ_BY_FD = %d, want 37", CmdProgStreamReadByFD)
	}
}

func TestLastLogLine(t *testing.T) {
	for _, tt := range []struct{ log, want string }{
		{"", ""},
		{"0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000)\n", "R0 !read_ok"},
		{"magic: 0xeb9f\n[1] INT int size=4 bits_offset=0 nr_bits=64 encoding=(none)\nInvalid nr_bits\n", "Invalid nr_bits"},
	} {
		if got := lastLogLine(tt.log); got != tt.want {
			t.Errorf("lastLogLine(%q) = %q, want %q", tt.log, got, tt.want)
		}
	}
}
