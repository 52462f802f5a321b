// This file defines Link, what an attachment returns: one or more kernel
// attachments (a BPF link, a perf event with its BPF link or with a program
// set by ioctl, a netlink tc filter) with what undoes each, and Close, Pin,
// Unpin, Update and Iter over them.

package attach

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
)

// Link is an attached program. Close detaches it. A Link is not safe for
// concurrent use.
type Link struct {
	// Program and Section name the attached program.
	Program, Section string
	// Type says how the program is attached: the kernel's link type
	// ("perf_event", "raw_tracepoint", "tracing", "kprobe_multi", "xdp",
	// "tcx", "cgroup", ...), "perf_event (ioctl)" for a perf event whose
	// program was set with PERF_EVENT_IOC_SET_BPF, or "netlink tc" for a
	// cls_bpf filter.
	Type string
	// Target says where: "do_unlinkat+0x0", "/usr/bin/bash:readline
	// (0x8a3c0)", "syscalls/sys_enter_openat", "lo (ifindex 1)", ...
	Target string
	// ID is the kernel's id of the (first) BPF link, 0 when the
	// attachment is not a BPF link.
	ID uint32

	parts   []*part
	release func() // returns per-object resources (USDT spec ids)
	pinned  string // the path Pin used, "" when not pinned
}

// part is one kernel attachment of a Link.
type part struct {
	link *sys.FD // the BPF link, nil for ioctl perf events and netlink filters
	perf *sys.FD // the perf event (kprobes, uprobes, tracepoints), or nil
	// undo runs after the fds are closed when the Link is closed unpinned:
	// it removes a tracefs probe event, a netlink filter, USDT map entries.
	undo func() error
}

// close detaches the part: disables its perf event, closes its fds and
// runs undo unless keep is set (a pinned link keeps what it needs).
func (p *part) close(keep bool) error {
	var errs []error
	if p.perf != nil && !keep {
		if err := unix.IoctlSetInt(p.perf.Int(), unix.PERF_EVENT_IOC_DISABLE, 0); err != nil && !errors.Is(err, unix.EBADF) {
			errs = append(errs, fmt.Errorf("disable perf event: %w", err))
		}
	}
	errs = append(errs, p.link.Close(), p.perf.Close())
	if p.undo != nil && !keep {
		errs = append(errs, p.undo())
	}
	p.link, p.perf, p.undo = nil, nil, nil
	return errors.Join(errs...)
}

// newLink makes a Link of typ to target from parts; the first BPF link
// gives the ID.
func newLink(typ, target string, parts ...*part) *Link {
	l := &Link{Type: typ, Target: target, parts: parts}
	for _, p := range parts {
		if p.link != nil {
			if info, err := sys.LinkInfoByFD(p.link); err == nil {
				l.ID = info.ID
			}
			break
		}
	}
	return l
}

// closeParts closes parts (the cleanup of a failed attachment).
func closeParts(parts []*part) {
	for _, p := range parts {
		p.close(false)
	}
}

// Close detaches the program and releases everything the Link holds. A
// pinned Link stays attached (through its pin, until Unpin or removing the
// pin) and keeps what the attachment needs, e.g. a tracefs kprobe event.
// Close is idempotent.
func (l *Link) Close() error {
	if l == nil {
		return nil
	}
	var errs []error
	keep := l.pinned != ""
	for _, p := range l.parts {
		errs = append(errs, p.close(keep))
	}
	l.parts = nil
	if l.release != nil && !keep {
		l.release()
	}
	l.release = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("detach %s: %w", l.Program, err)
	}
	return nil
}

// Sites returns the number of kernel attachments of the Link: 1, or the
// number of call sites of a USDT probe attached with one uprobe each.
func (l *Link) Sites() int { return len(l.parts) }

// FD returns the descriptor of the Link's BPF link (the first one for a
// USDT probe with several sites), -1 when it has none. The Link owns it.
func (l *Link) FD() int {
	for _, p := range l.parts {
		if p.link != nil {
			return p.link.Int()
		}
	}
	return -1
}

// Pin pins the Link at path on a bpffs, so it stays attached after the
// process exits. A Link with several sites (a USDT probe attached with one
// uprobe per call site) pins as a directory holding one link per site,
// named 0, 1, ... Only BPF links can be pinned: a perf event attached with
// PERF_EVENT_IOC_SET_BPF (kernels before 5.15) or a netlink tc filter
// cannot (the filter stays on its qdisc after exit anyway).
func (l *Link) Pin(path string) error {
	if len(l.parts) == 0 {
		return fmt.Errorf("pin %s: link is closed", l.Program)
	}
	for _, p := range l.parts {
		if p.link == nil {
			return fmt.Errorf("pin %s: %w: a %s attachment is not a BPF link", l.Program, ErrNotSupported, l.Type)
		}
	}
	if len(l.parts) == 1 {
		if err := sys.ObjPin(l.parts[0].link, path); err != nil {
			return fmt.Errorf("pin %s: %w", l.Program, err)
		}
		l.pinned = path
		return nil
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		return fmt.Errorf("pin %s: %w", l.Program, err)
	}
	for i, p := range l.parts {
		if err := sys.ObjPin(p.link, filepath.Join(path, strconv.Itoa(i))); err != nil {
			os.RemoveAll(path)
			return fmt.Errorf("pin %s site %d: %w", l.Program, i, err)
		}
	}
	l.pinned = path
	return nil
}

// Unpin removes the Link's pin; the Link is then detached by Close (or
// when the process exits).
func (l *Link) Unpin() error {
	if l.pinned == "" {
		return nil
	}
	if err := os.RemoveAll(l.pinned); err != nil {
		return fmt.Errorf("unpin %s: %w", l.Program, err)
	}
	l.pinned = ""
	return nil
}

// PinPath returns where the Link is pinned, "" if it is not.
func (l *Link) PinPath() string { return l.pinned }

// Update replaces the attached program by prog (an fd of a program of the
// same type and attach type) with BPF_LINK_UPDATE. Kernels support it for
// XDP, tcx, netkit, cgroup, netns, iterator and some tracing links, not
// for perf events.
func (l *Link) Update(prog int) error {
	if len(l.parts) == 0 {
		return fmt.Errorf("update %s: link is closed", l.Program)
	}
	pfd, err := borrowFD(prog)
	if err != nil {
		return fmt.Errorf("update %s: %w", l.Program, err)
	}
	for _, p := range l.parts {
		if p.link == nil {
			return fmt.Errorf("update %s: %w: a %s attachment is not a BPF link", l.Program, ErrNotSupported, l.Type)
		}
		if err := sys.LinkUpdate(p.link, pfd); err != nil {
			if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) {
				err = fmt.Errorf("%w: the kernel cannot update a %s link: %w", ErrNotSupported, l.Type, err)
			}
			return fmt.Errorf("update %s: %w", l.Program, err)
		}
	}
	return nil
}

// Iter runs an iterator: it opens a new instance of the iterator link
// (BPF_ITER_CREATE); reading the file to its end runs the program over
// every element. Close the file.
func (l *Link) Iter() (*os.File, error) {
	fd := l.FD()
	if fd < 0 {
		return nil, fmt.Errorf("iterate %s: no BPF link", l.Program)
	}
	lfd, err := borrowFD(fd)
	if err != nil {
		return nil, err
	}
	it, err := sys.IterCreate(lfd)
	if err != nil {
		return nil, fmt.Errorf("iterate %s: %w", l.Program, err)
	}
	return os.NewFile(uintptr(it.Disown()), "bpf_iter:"+l.Program), nil
}

// borrowFD wraps a descriptor the caller keeps owning, for the sys
// package's calls; the result must not be closed.
func borrowFD(raw int) (*sys.FD, error) {
	if raw <= 0 {
		return nil, fmt.Errorf("invalid file descriptor %d", raw)
	}
	return sys.NewFD(raw)
}
