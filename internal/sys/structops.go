// This file wraps the commands that register a struct_ops map: the BPF
// link of a BPF_F_LINK map (BPF_LINK_CREATE with attach type
// BPF_STRUCT_OPS, Linux 6.4), the swap of the map behind such a link
// (BPF_LINK_UPDATE with new_map_fd), and the struct_ops part of a link's
// info. Maps without BPF_F_LINK register through BPF_MAP_UPDATE_ELEM and
// unregister through BPF_MAP_DELETE_ELEM (map.go).

package sys

import (
	"fmt"
	"unsafe"

	"github.com/bpfc/bpfc/uapi"
)

// StructOpsLinkAttr is the head of the BPF_LINK_CREATE part of union
// bpf_attr, as a struct_ops map uses it.
type StructOpsLinkAttr struct {
	MapFd      uint32          // map_fd (the union with prog_fd)
	TargetFd   uint32          // target_fd: 0
	AttachType uapi.AttachType // attach_type: BPF_STRUCT_OPS
	Flags      uint32          // flags: 0
}

// StructOpsLinkCreate creates the BPF link of the BPF_F_LINK struct_ops
// map m, whose value is set: the kernel registers the struct_ops (a TCP
// congestion control becomes available, a sched_ext scheduler is
// enabled) until the link is closed.
func StructOpsLinkCreate(m *FD) (*FD, error) {
	if err := checkFD(m); err != nil {
		return nil, cmdErr(CmdLinkCreate, err)
	}
	attr := StructOpsLinkAttr{MapFd: m.Uint(), AttachType: uapi.AttachStructOps}
	return bpfFD(CmdLinkCreate, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// linkUpdateMapAttr is the BPF_LINK_UPDATE part of union bpf_attr.
type linkUpdateMapAttr struct {
	LinkFd uint32 // link_fd
	NewFd  uint32 // new_prog_fd / new_map_fd
	Flags  uint32 // flags: BPF_F_REPLACE checks OldFd
	OldFd  uint32 // old_prog_fd / old_map_fd
}

// linkFlagReplace is BPF_F_REPLACE: update only if the link holds OldFd.
const linkFlagReplace = 1 << 2

// LinkUpdateMap replaces the struct_ops map behind link with newMap, a
// BPF_F_LINK map of the same struct whose value is set. With old (not
// nil) the kernel swaps only if the link holds old.
func LinkUpdateMap(link, newMap, old *FD) error {
	for _, fd := range []*FD{link, newMap} {
		if err := checkFD(fd); err != nil {
			return cmdErr(CmdLinkUpdate, err)
		}
	}
	attr := linkUpdateMapAttr{LinkFd: link.Uint(), NewFd: newMap.Uint()}
	if old != nil {
		if err := checkFD(old); err != nil {
			return cmdErr(CmdLinkUpdate, err)
		}
		attr.Flags, attr.OldFd = linkFlagReplace, old.Uint()
	}
	return bpfNoFD(CmdLinkUpdate, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

// structOpsLinkInfo is struct bpf_link_info up to its union's first
// member (struct_ops.map_id at 16).
type structOpsLinkInfo struct {
	Type   uapi.LinkType
	ID     uint32
	ProgID uint32
	_      [4]byte
	MapID  uint32
	_      [12]byte
}

// StructOpsLinkMap returns the id of a struct_ops link and of the map
// behind it (Linux 6.4+; a link of another type is an error).
func StructOpsLinkMap(link *FD) (id, mapID uint32, err error) {
	var info structOpsLinkInfo
	if _, err := ObjGetInfoByFD(link, unsafe.Pointer(&info), uint32(unsafe.Sizeof(info))); err != nil {
		return 0, 0, fmt.Errorf("link info: %w", err)
	}
	if info.Type != uapi.LinkTypeStructOps {
		return 0, 0, fmt.Errorf("link %d is a %v link, not a struct_ops link", info.ID, info.Type)
	}
	return info.ID, info.MapID, nil
}
