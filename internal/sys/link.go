// This file wraps the attachment commands: BPF_LINK_CREATE,
// BPF_RAW_TRACEPOINT_OPEN, BPF_LINK_DETACH and BPF_PROG_BIND_MAP.

package sys

import (
	"fmt"
	"unsafe"
)

// LinkCreate creates a link (plain or tracing variant of the attr union).
func LinkCreate(attr *LinkCreateAttr) (*FD, error) {
	return bpfFD(CmdLinkCreate, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
}

// LinkCreateIter creates an iterator link.
func LinkCreateIter(attr *LinkCreateIterAttr) (*FD, error) {
	return bpfFD(CmdLinkCreate, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
}

// LinkCreatePerfEvent attaches a program to a perf event through a link.
func LinkCreatePerfEvent(attr *LinkCreatePerfEventAttr) (*FD, error) {
	return bpfFD(CmdLinkCreate, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
}

// LinkDetach detaches a link without closing it.
func LinkDetach(link *FD) error {
	if err := checkFD(link); err != nil {
		return cmdErr(CmdLinkDetach, err)
	}
	attr := LinkDetachAttr{LinkFd: link.Uint()}
	return bpfNoFD(CmdLinkDetach, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// RawTracepointOpen attaches prog to the raw tracepoint name. An empty name
// attaches a tp_btf / fentry / lsm style program to its load-time target.
func RawTracepointOpen(name string, prog *FD) (*FD, error) {
	return RawTracepointOpenCookie(name, prog, 0)
}

// RawTracepointOpenCookie is RawTracepointOpen with a BPF cookie.
func RawTracepointOpenCookie(name string, prog *FD, cookie uint64) (*FD, error) {
	if err := checkFD(prog); err != nil {
		return nil, cmdErr(CmdRawTracepointOpen, err)
	}
	attr := RawTracepointOpenAttr{ProgFd: prog.Uint(), Cookie: cookie}
	if name != "" {
		attr.Name = NewStringPointer(name)
	}
	fd, err := bpfFD(CmdRawTracepointOpen, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil && name != "" {
		return nil, fmt.Errorf("raw tracepoint %s: %w", name, err)
	}
	return fd, err
}

// ProgBindMap keeps a map alive as long as the program (BPF_PROG_BIND_MAP).
func ProgBindMap(prog, m *FD) error {
	if err := checkFD(prog); err != nil {
		return cmdErr(CmdProgBindMap, err)
	}
	if err := checkFD(m); err != nil {
		return cmdErr(CmdProgBindMap, err)
	}
	attr := ProgBindMapAttr{ProgFd: prog.Uint(), MapFd: m.Uint()}
	return bpfNoFD(CmdProgBindMap, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}
