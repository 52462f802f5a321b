// This file registers struct_ops maps, as libbpf's
// bpf_map__attach_struct_ops does: a map of ".struct_ops.link" (created
// with BPF_F_LINK, Linux 6.4+, its value written by the loader) through a
// new BPF link of attach type BPF_STRUCT_OPS; a map of ".struct_ops" by
// writing its value, which registers it until the value is deleted. The
// Link a registration returns unregisters on Close; a BPF link's Update
// swaps the map behind it (BPF_LINK_UPDATE with another map).

package attach

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// StructOpsMap is a loaded struct_ops map as registering needs it.
type StructOpsMap struct {
	// Name is the map's name, Type the kernel struct it implements
	// (tcp_congestion_ops, sched_ext_ops).
	Name, Type string
	// FD is the map's descriptor. StructOps does not take it over.
	FD int
	// Link reports a ".struct_ops.link" map (BPF_F_LINK): registered
	// through a BPF link.
	Link bool
	// Value is what registers a map without Link: its kernel value with
	// the fds of its programs at their members.
	Value []byte
}

// StructOps registers m. The Link's Program is the map's name, its Type
// "struct_ops" (a BPF link) or "struct_ops (map value)", its Target the
// struct. Closing the Link unregisters the map: it closes the BPF link
// (a pinned one stays registered), or deletes the map's value. The kernel
// registers a .struct_ops map once: load it again to register it again.
func StructOps(m *StructOpsMap) (*Link, error) {
	mfd, err := borrowFD(m.FD)
	if err != nil {
		return nil, fmt.Errorf("register struct_ops %s: %w", m.Name, err)
	}
	if m.Link {
		fd, err := sys.LinkCreate(&sys.LinkCreateAttr{LinkCreateHead: sys.LinkCreateHead{ProgFd: mfd.Uint(), AttachType: uapi.AttachStructOps}})
		if err != nil {
			return nil, fmt.Errorf("register struct_ops %s: %w", m.Name, structOpsError(err))
		}
		l := newLink("struct_ops", m.Type, &part{link: fd})
		l.Program = m.Name
		return l, nil
	}
	dup, err := mfd.Dup()
	if err != nil {
		return nil, fmt.Errorf("register struct_ops %s: %w", m.Name, err)
	}
	if err := sys.MapUpdateElem(dup, make([]byte, 4), m.Value, sys.UpdateAny); err != nil {
		dup.Close()
		return nil, fmt.Errorf("register struct_ops %s: %w", m.Name, structOpsError(err))
	}
	unregister := func() error {
		err := sys.MapDeleteElem(dup, make([]byte, 4))
		if err != nil {
			err = fmt.Errorf("unregister struct_ops %s: %w", m.Name, err)
		}
		return errors.Join(err, dup.Close())
	}
	l := newLink("struct_ops (map value)", m.Type, &part{undo: unregister})
	l.Program = m.Name
	return l, nil
}

// structOpsError explains a refused registration.
func structOpsError(err error) error {
	switch {
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("%w (registered already, or unregistered: a .struct_ops map registers once)", err)
	case errors.Is(err, unix.EEXIST):
		return fmt.Errorf("%w (the kernel has one of that name already)", err)
	case errors.Is(err, unix.Errno(524)): // ENOTSUPP
		return fmt.Errorf("%w (ENOTSUPP: the kernel cannot build the struct_ops trampolines): %w", err, ErrNotSupported)
	}
	return err
}

// UpdateMap swaps the struct_ops map behind a BPF link for the map fd m,
// another ".struct_ops.link" map of the same struct whose value is
// written (BPF_LINK_UPDATE): the kernel replaces the registered congestion
// control or scheduler in one step. A map registered without a link
// cannot be swapped.
func (l *Link) UpdateMap(m int) error {
	if len(l.parts) == 0 {
		return fmt.Errorf("update %s: link is closed", l.Program)
	}
	mfd, err := borrowFD(m)
	if err != nil {
		return fmt.Errorf("update %s: %w", l.Program, err)
	}
	p := l.parts[0]
	if p.link == nil {
		return fmt.Errorf("update %s: %w: a %s registration is not a BPF link", l.Program, ErrNotSupported, l.Type)
	}
	if err := sys.LinkUpdateMap(p.link, mfd, nil); err != nil {
		return fmt.Errorf("update %s: %w", l.Program, err)
	}
	return nil
}

// StructOpsMapID returns the id of the map behind a struct_ops BPF link
// (which UpdateMap changes).
func (l *Link) StructOpsMapID() (uint32, error) {
	if len(l.parts) == 0 || l.parts[0].link == nil {
		return 0, fmt.Errorf("%s: not a struct_ops BPF link", l.Program)
	}
	_, id, err := sys.StructOpsLinkMap(l.parts[0].link)
	return id, err
}
