// This file wraps BPF_RAW_TRACEPOINT_OPEN, the one attachment command the
// tests use (bpfc loads programs; attaching them is the caller's business).

package sys

import (
	"fmt"
	"unsafe"
)

// RawTracepointOpen attaches prog to the raw tracepoint name. An empty name
// attaches a tp_btf / fentry / lsm style program to its load-time target.
func RawTracepointOpen(name string, prog *FD) (*FD, error) {
	if err := checkFD(prog); err != nil {
		return nil, cmdErr(CmdRawTracepointOpen, err)
	}
	attr := RawTracepointOpenAttr{ProgFd: prog.Uint()}
	if name != "" {
		attr.Name = NewStringPointer(name)
	}
	fd, err := bpfFD(CmdRawTracepointOpen, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil && name != "" {
		return nil, fmt.Errorf("raw tracepoint %s: %w", name, err)
	}
	return fd, err
}
