// Tests that the BPF_LINK_* attribute structs match the Linux 6.18 uapi
// layout (offsets from offsetof() over include/uapi/linux/bpf.h).

package sys

import (
	"testing"
	"unsafe"
)

func TestLinkLayout(t *testing.T) {
	var (
		lc LinkCreateAttr
		pe LinkCreatePerfEventAttr
		it LinkCreateIterAttr
		km LinkCreateKprobeMultiAttr
		um LinkCreateUprobeMultiAttr
		nf LinkCreateNetfilterAttr
		lu LinkUpdateAttr
		li LinkInfo
	)
	for _, tt := range []struct {
		name      string
		got, want uintptr
	}{
		{"link_create.target_fd", unsafe.Offsetof(lc.TargetFd), 4},
		{"link_create.attach_type", unsafe.Offsetof(lc.AttachType), 8},
		{"link_create.flags", unsafe.Offsetof(lc.Flags), 12},
		{"link_create.target_btf_id", unsafe.Offsetof(lc.TargetBtfID), 16},
		{"link_create.tracing.cookie", unsafe.Offsetof(lc.Cookie), 24},
		{"sizeof LinkCreateAttr", unsafe.Sizeof(lc), 32},
		{"link_create.perf_event.bpf_cookie", unsafe.Offsetof(pe.BpfCookie), 16},
		{"link_create.iter_info", unsafe.Offsetof(it.IterInfo), 16},
		{"link_create.iter_info_len", unsafe.Offsetof(it.IterInfoLen), 24},
		{"link_create.kprobe_multi.flags", unsafe.Offsetof(km.KprobeFlags), 16},
		{"link_create.kprobe_multi.cnt", unsafe.Offsetof(km.Cnt), 20},
		{"link_create.kprobe_multi.syms", unsafe.Offsetof(km.Syms), 24},
		{"link_create.kprobe_multi.addrs", unsafe.Offsetof(km.Addrs), 32},
		{"link_create.kprobe_multi.cookies", unsafe.Offsetof(km.Cookies), 40},
		{"link_create.uprobe_multi.path", unsafe.Offsetof(um.Path), 16},
		{"link_create.uprobe_multi.offsets", unsafe.Offsetof(um.Offsets), 24},
		{"link_create.uprobe_multi.ref_ctr_offsets", unsafe.Offsetof(um.RefCtrOffsets), 32},
		{"link_create.uprobe_multi.cookies", unsafe.Offsetof(um.Cookies), 40},
		{"link_create.uprobe_multi.cnt", unsafe.Offsetof(um.Cnt), 48},
		{"link_create.uprobe_multi.flags", unsafe.Offsetof(um.UprobeFlags), 52},
		{"link_create.uprobe_multi.pid", unsafe.Offsetof(um.Pid), 56},
		{"link_create.netfilter.pf", unsafe.Offsetof(nf.Pf), 16},
		{"link_create.netfilter.hooknum", unsafe.Offsetof(nf.Hooknum), 20},
		{"link_create.netfilter.priority", unsafe.Offsetof(nf.Priority), 24},
		{"link_create.netfilter.flags", unsafe.Offsetof(nf.NfFlags), 28},
		{"link_update.new_prog_fd", unsafe.Offsetof(lu.NewProgFd), 4},
		{"link_update.flags", unsafe.Offsetof(lu.Flags), 8},
		{"link_update.old_prog_fd", unsafe.Offsetof(lu.OldProgFd), 12},
		{"link_info.id", unsafe.Offsetof(li.ID), 4},
		{"link_info.prog_id", unsafe.Offsetof(li.ProgID), 8},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
