// This file wraps the attachment commands: BPF_RAW_TRACEPOINT_OPEN,
// BPF_LINK_CREATE in each of its attach-type-specific forms,
// BPF_LINK_UPDATE, BPF_LINK_DETACH and BPF_ITER_CREATE, with their
// bpf_attr layouts (Linux 6.18; offsets checked in link_test.go).

package sys

import (
	"fmt"
	"unsafe"

	"github.com/bpfc/bpfc/uapi"
)

// RawTracepointOpen attaches prog to the raw tracepoint name. An empty name
// attaches a tp_btf / fentry / lsm style program to its load-time target.
func RawTracepointOpen(name string, prog *FD) (*FD, error) {
	return RawTracepointOpenCookie(name, prog, 0)
}

// RawTracepointOpenCookie is RawTracepointOpen with a BPF cookie (6.10+);
// a zero cookie is not sent, so older kernels accept the attribute.
func RawTracepointOpenCookie(name string, prog *FD, cookie uint64) (*FD, error) {
	if err := checkFD(prog); err != nil {
		return nil, cmdErr(CmdRawTracepointOpen, err)
	}
	attr := RawTracepointOpenAttr{ProgFd: prog.Uint(), Cookie: cookie}
	if name != "" {
		attr.Name = NewStringPointer(name)
	}
	size := unsafe.Sizeof(attr)
	if cookie == 0 {
		size = unsafe.Offsetof(attr.Cookie)
	}
	fd, err := bpfFD(CmdRawTracepointOpen, unsafe.Pointer(&attr), size)
	if err != nil && name != "" {
		return nil, fmt.Errorf("raw tracepoint %s: %w", name, err)
	}
	return fd, err
}

// LinkCreateHead is the part of BPF_LINK_CREATE common to every attach
// type; the Link*Attr structs below add their part of the union.
type LinkCreateHead struct {
	ProgFd     uint32          // prog_fd / map_fd
	TargetFd   uint32          // target_fd / target_ifindex
	AttachType uapi.AttachType // attach_type
	Flags      uint32          // flags
}

// LinkCreateAttr is BPF_LINK_CREATE for tracing programs (target_btf_id,
// tracing.cookie), cgroups, tcx and netkit (relative_fd / relative_id,
// expected_revision), iterators without parameters, XDP and netns links.
type LinkCreateAttr struct {
	LinkCreateHead
	// TargetBtfID is target_btf_id / tracing.target_btf_id, or the
	// relative_fd / relative_id of tcx, netkit and cgroup links.
	TargetBtfID uint32
	_           [4]byte
	// Cookie is tracing.cookie, or the expected_revision of tcx, netkit
	// and cgroup links.
	Cookie uint64
}

// LinkCreatePerfEventAttr is BPF_LINK_CREATE for BPF_PERF_EVENT.
type LinkCreatePerfEventAttr struct {
	LinkCreateHead
	BpfCookie uint64 // perf_event.bpf_cookie
}

// LinkCreateIterAttr is BPF_LINK_CREATE for BPF_TRACE_ITER.
type LinkCreateIterAttr struct {
	LinkCreateHead
	IterInfo    Pointer // iter_info: union bpf_iter_link_info
	IterInfoLen uint32  // iter_info_len
	_           [4]byte
}

// LinkCreateKprobeMultiAttr is BPF_LINK_CREATE for BPF_TRACE_KPROBE_MULTI
// and BPF_TRACE_KPROBE_SESSION.
type LinkCreateKprobeMultiAttr struct {
	LinkCreateHead
	KprobeFlags uint32  // kprobe_multi.flags (BPF_F_KPROBE_MULTI_RETURN)
	Cnt         uint32  // kprobe_multi.cnt
	Syms        Pointer // kprobe_multi.syms: array of C strings
	Addrs       Pointer // kprobe_multi.addrs
	Cookies     Pointer // kprobe_multi.cookies
}

// LinkCreateUprobeMultiAttr is BPF_LINK_CREATE for BPF_TRACE_UPROBE_MULTI
// and BPF_TRACE_UPROBE_SESSION.
type LinkCreateUprobeMultiAttr struct {
	LinkCreateHead
	Path          Pointer // uprobe_multi.path
	Offsets       Pointer // uprobe_multi.offsets
	RefCtrOffsets Pointer // uprobe_multi.ref_ctr_offsets
	Cookies       Pointer // uprobe_multi.cookies
	Cnt           uint32  // uprobe_multi.cnt
	UprobeFlags   uint32  // uprobe_multi.flags (BPF_F_UPROBE_MULTI_RETURN)
	Pid           uint32  // uprobe_multi.pid
	_             [4]byte
}

// LinkCreateNetfilterAttr is BPF_LINK_CREATE for BPF_NETFILTER.
type LinkCreateNetfilterAttr struct {
	LinkCreateHead
	Pf       uint32 // netfilter.pf
	Hooknum  uint32 // netfilter.hooknum
	Priority int32  // netfilter.priority
	NfFlags  uint32 // netfilter.flags
}

// Flags of the BPF_LINK_CREATE unions.
const (
	KprobeMultiReturn uint32 = 1 << 0 // BPF_F_KPROBE_MULTI_RETURN
	UprobeMultiReturn uint32 = 1 << 0 // BPF_F_UPROBE_MULTI_RETURN
)

// LinkCreate issues BPF_LINK_CREATE with attr, one of the Link*Attr
// structs of this package, and returns the new link.
func LinkCreate[T LinkCreateAttr | LinkCreatePerfEventAttr | LinkCreateIterAttr | LinkCreateKprobeMultiAttr | LinkCreateUprobeMultiAttr | LinkCreateNetfilterAttr](attr *T) (*FD, error) {
	return bpfFD(CmdLinkCreate, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
}

// LinkUpdateAttr is the BPF_LINK_UPDATE part of union bpf_attr.
type LinkUpdateAttr struct {
	LinkFd    uint32 // link_fd
	NewProgFd uint32 // new_prog_fd / new_map_fd
	Flags     uint32 // flags (BPF_F_REPLACE)
	OldProgFd uint32 // old_prog_fd / old_map_fd
}

// LinkUpdate replaces the program of link with prog (BPF_LINK_UPDATE).
func LinkUpdate(link, prog *FD) error {
	if err := checkFD(link); err != nil {
		return cmdErr(CmdLinkUpdate, err)
	}
	if err := checkFD(prog); err != nil {
		return cmdErr(CmdLinkUpdate, err)
	}
	attr := LinkUpdateAttr{LinkFd: link.Uint(), NewProgFd: prog.Uint()}
	return bpfNoFD(CmdLinkUpdate, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// LinkFDAttr is the BPF_LINK_DETACH and BPF_ITER_CREATE part of union
// bpf_attr: a link fd (and ITER_CREATE's flags).
type LinkFDAttr struct {
	LinkFd uint32 // link_fd
	Flags  uint32 // flags (BPF_ITER_CREATE)
}

// LinkDetach detaches link from its target, leaving the fd open
// (BPF_LINK_DETACH, 5.9+).
func LinkDetach(link *FD) error {
	if err := checkFD(link); err != nil {
		return cmdErr(CmdLinkDetach, err)
	}
	attr := LinkFDAttr{LinkFd: link.Uint()}
	return bpfNoFD(CmdLinkDetach, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// IterCreate opens a new instance of the iterator link (BPF_ITER_CREATE):
// reading the returned fd runs the iterator program.
func IterCreate(link *FD) (*FD, error) {
	if err := checkFD(link); err != nil {
		return nil, cmdErr(CmdIterCreate, err)
	}
	attr := LinkFDAttr{LinkFd: link.Uint()}
	return bpfFD(CmdIterCreate, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// LinkInfo is the head of struct bpf_link_info: the link's type, id and
// program id.
type LinkInfo struct {
	Type   uapi.LinkType // type
	ID     uint32        // id
	ProgID uint32        // prog_id
	_      [4]byte
}

// LinkInfoByFD asks the kernel for the type, id and program of a link.
func LinkInfoByFD(fd *FD) (*LinkInfo, error) {
	var info LinkInfo
	if _, err := ObjGetInfoByFD(fd, unsafe.Pointer(&info), uint32(unsafe.Sizeof(info))); err != nil {
		return nil, fmt.Errorf("link info: %w", err)
	}
	return &info, nil
}

// LinkGetFDByID opens the link with the given id.
func LinkGetFDByID(id uint32) (*FD, error) { return getFDByID(CmdLinkGetFDByID, id) }
