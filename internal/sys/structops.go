// This file wraps what struct_ops maps need beyond link.go: the swap of
// the map behind a struct_ops link (BPF_LINK_UPDATE with new_map_fd, Linux
// 6.4), and the struct_ops part of a link's info. The link itself is a
// BPF_LINK_CREATE of the map with attach type BPF_STRUCT_OPS (LinkCreate);
// maps without BPF_F_LINK register through BPF_MAP_UPDATE_ELEM and
// unregister through BPF_MAP_DELETE_ELEM (map.go).

package sys

import (
	"fmt"
	"unsafe"

	"github.com/bpfc/bpfc/uapi"
)

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
