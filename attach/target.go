// This file attaches the programs whose section does not say where they
// go, by program type, to the target Options gives: XDP, tc/tcx and netkit
// programs on an interface, cgroup programs on a cgroup, sk_lookup and
// flow dissectors on a network namespace, perf_event programs on a perf
// event, netfilter programs on a hook.

package attach

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// bySection is the section of a program attached by its type, whose
// section bpfc does not know: the whole name labels the link.
func bySection(p *Program) section {
	return section{target: strings.TrimPrefix(p.Section, "?")}
}

// attachByType attaches p according to its type, to the target in opts.
func attachByType(p *Program, opts *Options) (*Link, error) {
	switch p.Type {
	case uapi.ProgTypeXDP:
		return attachXDP(p, opts)
	case uapi.ProgTypeSchedCls:
		return attachTC(p, opts)
	case uapi.ProgTypeCgroupSKB, uapi.ProgTypeCgroupSock, uapi.ProgTypeCgroupSockAddr,
		uapi.ProgTypeCgroupSockopt, uapi.ProgTypeCgroupSysctl, uapi.ProgTypeCgroupDevice,
		uapi.ProgTypeSockOps:
		return attachCgroup(p, opts)
	case uapi.ProgTypeLSM:
		if p.AttachType == uapi.AttachLSMCgroup {
			return attachCgroup(p, opts)
		}
		return attachTracing(p, bySection(p), opts)
	case uapi.ProgTypeTracing:
		if p.AttachType == uapi.AttachTraceIter {
			return attachIter(p, bySection(p), opts)
		}
		return attachTracing(p, bySection(p), opts)
	case uapi.ProgTypeSKLookup, uapi.ProgTypeFlowDissector:
		return attachNetns(p, opts)
	case uapi.ProgTypePerfEvent:
		return attachPerfEventProgram(p, opts)
	case uapi.ProgTypeNetfilter:
		return attachNetfilter(p, opts)
	case uapi.ProgTypeSyscall:
		return nil, fmt.Errorf("%w: a syscall program is not attached: it runs with BPF_PROG_TEST_RUN", ErrNeedsTarget)
	case uapi.ProgTypeStructOps:
		return nil, fmt.Errorf("%w: a struct_ops program runs as a member of a struct_ops map: register the map (StructOps)", ErrNeedsTarget)
	case uapi.ProgTypeKprobe, uapi.ProgTypeTracepoint, uapi.ProgTypeRawTracepoint, uapi.ProgTypeRawTracepointWritable:
		return nil, fmt.Errorf("%w: a %s program whose section (%q) does not say what to probe", ErrNeedsTarget, p.Type, p.Section)
	}
	how := map[uapi.ProgType]string{
		uapi.ProgTypeSocketFilter: "a socket (SO_ATTACH_BPF)",
		uapi.ProgTypeSKReuseport:  "a reuseport group (SO_ATTACH_REUSEPORT_EBPF)",
		uapi.ProgTypeSKSKB:        "a sockmap (BPF_PROG_ATTACH)",
		uapi.ProgTypeSKMsg:        "a sockmap (BPF_PROG_ATTACH)",
		uapi.ProgTypeSchedAct:     "a tc action (tc action add ... bpf)",
		uapi.ProgTypeLWTIn:        "a route (ip route ... encap bpf)",
		uapi.ProgTypeLWTOut:       "a route (ip route ... encap bpf)",
		uapi.ProgTypeLWTXmit:      "a route (ip route ... encap bpf)",
		uapi.ProgTypeLWTSeg6local: "a route (ip route ... encap seg6local ... End.BPF)",
		uapi.ProgTypeLIRCMode2:    "a lirc device (BPF_PROG_ATTACH)",
		uapi.ProgTypeExt:          "another program (freplace)",
	}[p.Type]
	if how == "" {
		how = "a target bpfc does not know"
	}
	return nil, fmt.Errorf("%w: a %s program attaches to %s, which bpfc does not do", ErrNeedsTarget, p.Type, how)
}

// ifaceName names an interface for Link.Target: "eth0 (ifindex 2)".
func ifaceName(ifindex int) string {
	if name, err := interfaceName(ifindex); err == nil {
		return fmt.Sprintf("%s (ifindex %d)", name, ifindex)
	}
	return fmt.Sprintf("ifindex %d", ifindex)
}

// interfaceName asks the kernel for the name of interface ifindex in this
// network namespace: SIOCGIFNAME on a socket, which any socket family
// passes on to the network devices' ioctls. (net.InterfaceByIndex would
// do with netlink, but linking package net makes every program using
// attach, the bpfc command included, a cgo binary.)
func interfaceName(ifindex int) (string, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("socket for SIOCGIFNAME: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return "", err
	}
	ifr.SetUint32(uint32(ifindex))
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFNAME, ifr); err != nil {
		return "", fmt.Errorf("SIOCGIFNAME %d: %w", ifindex, err)
	}
	return ifr.Name(), nil
}

// linkCreate issues BPF_LINK_CREATE and names ENODEV as a missing
// interface.
func linkCreate(attr *sys.LinkCreateAttr) (*sys.FD, error) {
	fd, err := sys.LinkCreate(attr)
	if errors.Is(err, unix.ENODEV) {
		return nil, fmt.Errorf("%w: no interface with ifindex %d: %w", ErrNotFound, attr.TargetFd, err)
	}
	return fd, err
}

// attachXDP attaches an XDP program to opts.Ifindex with an XDP link.
func attachXDP(p *Program, opts *Options) (*Link, error) {
	switch p.AttachType {
	case uapi.AttachXDPDevmap, uapi.AttachXDPCpumap:
		return nil, fmt.Errorf("%w: a %s program runs from a map entry, not an interface", ErrNeedsTarget, p.AttachType)
	}
	if opts.Ifindex <= 0 {
		return nil, fmt.Errorf("%w: an XDP program needs an interface (Options.Ifindex)", ErrNeedsTarget)
	}
	fd, err := linkCreate(&sys.LinkCreateAttr{LinkCreateHead: sys.LinkCreateHead{
		ProgFd: uint32(p.FD), TargetFd: uint32(opts.Ifindex), AttachType: uapi.AttachXDP, Flags: opts.XDPFlags,
	}})
	if err != nil {
		if errors.Is(err, unix.EBUSY) || errors.Is(err, unix.EEXIST) {
			return nil, fmt.Errorf("%w (the interface has an XDP program already)", err)
		}
		return nil, err
	}
	return newLink("xdp", ifaceName(opts.Ifindex), &part{link: fd}), nil
}

// attachTC attaches a tc (sched_cls) or netkit program to opts.Ifindex:
// with a tcx link where the kernel has them (6.6), else as a netlink
// cls_bpf filter.
func attachTC(p *Program, opts *Options) (*Link, error) {
	if opts.Ifindex <= 0 {
		return nil, fmt.Errorf("%w: a tc program needs an interface (Options.Ifindex)", ErrNeedsTarget)
	}
	egress := opts.Egress
	switch p.AttachType {
	case uapi.AttachTCXIngress:
		egress = false
	case uapi.AttachTCXEgress:
		egress = true
	case uapi.AttachNetkitPrimary, uapi.AttachNetkitPeer:
		fd, err := linkCreate(&sys.LinkCreateAttr{LinkCreateHead: sys.LinkCreateHead{
			ProgFd: uint32(p.FD), TargetFd: uint32(opts.Ifindex), AttachType: p.AttachType,
		}})
		if err != nil {
			return nil, err
		}
		return newLink("netkit", ifaceName(opts.Ifindex), &part{link: fd}), nil
	}
	dir := "ingress"
	at := uapi.AttachTCXIngress
	if egress {
		dir, at = "egress", uapi.AttachTCXEgress
	}
	target := ifaceName(opts.Ifindex) + " " + dir
	tcx, err := have(features.TCXLink)
	if err != nil {
		return nil, err
	}
	if tcx && !opts.NetlinkTC {
		fd, err := linkCreate(&sys.LinkCreateAttr{LinkCreateHead: sys.LinkCreateHead{
			ProgFd: uint32(p.FD), TargetFd: uint32(opts.Ifindex), AttachType: at,
		}})
		if err != nil {
			return nil, err
		}
		return newLink("tcx", target, &part{link: fd}), nil
	}
	pt, err := attachNetlinkTC(p, opts.Ifindex, egress)
	if err != nil {
		if errors.Is(err, unix.ENODEV) {
			return nil, fmt.Errorf("%w: no interface with ifindex %d: %w", ErrNotFound, opts.Ifindex, err)
		}
		return nil, err
	}
	return newLink("netlink tc", target, pt), nil
}

// openTarget opens a cgroup or netns path for LINK_CREATE.
func openTarget(what, path string) (*sys.FD, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, fmt.Errorf("%s %s: %w: %w", what, path, ErrNotFound, err)
		}
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return sys.NewFD(fd)
}

// attachCgroup attaches a cgroup program (and sockops, lsm_cgroup) to the
// cgroup at opts.Cgroup with a cgroup link.
func attachCgroup(p *Program, opts *Options) (*Link, error) {
	if opts.Cgroup == "" {
		return nil, fmt.Errorf("%w: a %s program needs a cgroup (Options.Cgroup)", ErrNeedsTarget, p.Type)
	}
	cg, err := openTarget("cgroup", opts.Cgroup)
	if err != nil {
		return nil, err
	}
	defer cg.Close()
	fd, err := sys.LinkCreate(&sys.LinkCreateAttr{LinkCreateHead: sys.LinkCreateHead{
		ProgFd: uint32(p.FD), TargetFd: cg.Uint(), AttachType: p.AttachType,
	}})
	if err != nil {
		if errors.Is(err, unix.EBADF) {
			return nil, fmt.Errorf("%s is not a cgroup v2 directory: %w", opts.Cgroup, err)
		}
		return nil, err
	}
	return newLink("cgroup", fmt.Sprintf("%s (%s)", opts.Cgroup, p.AttachType), &part{link: fd}), nil
}

// attachNetns attaches an sk_lookup or flow dissector program to the
// network namespace at opts.Netns with a netns link.
func attachNetns(p *Program, opts *Options) (*Link, error) {
	if opts.Netns == "" {
		return nil, fmt.Errorf("%w: a %s program needs a network namespace (Options.Netns, e.g. /proc/self/ns/net)", ErrNeedsTarget, p.Type)
	}
	ns, err := openTarget("network namespace", opts.Netns)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	at := uapi.AttachSKLookup
	if p.Type == uapi.ProgTypeFlowDissector {
		at = uapi.AttachFlowDissector
	}
	fd, err := sys.LinkCreate(&sys.LinkCreateAttr{LinkCreateHead: sys.LinkCreateHead{
		ProgFd: uint32(p.FD), TargetFd: ns.Uint(), AttachType: at,
	}})
	if err != nil {
		return nil, err
	}
	return newLink("netns", opts.Netns, &part{link: fd}), nil
}

// attachPerfEventProgram attaches a perf_event program to the perf event
// opts.PerfEvent (a duplicate of it: the caller keeps its fd).
func attachPerfEventProgram(p *Program, opts *Options) (*Link, error) {
	if opts.PerfEvent <= 0 {
		return nil, fmt.Errorf("%w: a perf_event program needs a perf event fd (Options.PerfEvent)", ErrNeedsTarget)
	}
	dup, err := unix.FcntlInt(uintptr(opts.PerfEvent), unix.F_DUPFD_CLOEXEC, 1)
	if err != nil {
		return nil, fmt.Errorf("perf event fd %d: %w", opts.PerfEvent, err)
	}
	pfd, err := sys.NewFD(dup)
	if err != nil {
		return nil, err
	}
	pt, typ, err := attachPerfEvent(p, pfd, opts.Cookie, opts.Mode)
	if err != nil {
		pfd.Close()
		return nil, err
	}
	return newLink(typ, fmt.Sprintf("perf event fd %d", opts.PerfEvent), pt), nil
}

// attachNetfilter attaches a netfilter program to the hook in
// opts.Netfilter with a netfilter link (6.4).
func attachNetfilter(p *Program, opts *Options) (*Link, error) {
	nf := opts.Netfilter
	if nf == nil {
		return nil, fmt.Errorf("%w: a netfilter program needs a hook (Options.Netfilter)", ErrNeedsTarget)
	}
	fd, err := sys.LinkCreate(&sys.LinkCreateNetfilterAttr{
		LinkCreateHead: sys.LinkCreateHead{ProgFd: uint32(p.FD), AttachType: uapi.AttachNetfilter},
		Pf:             nf.Family, Hooknum: nf.Hook, Priority: nf.Priority, NfFlags: nf.Flags,
	})
	if err != nil {
		if errors.Is(err, unix.EINVAL) {
			return nil, fmt.Errorf("%w (netfilter links need Linux 6.4 with CONFIG_NETFILTER_BPF_LINK; the family, hook and priority must be valid)", err)
		}
		return nil, err
	}
	return newLink("netfilter", fmt.Sprintf("pf %d hook %d priority %d", nf.Family, nf.Hook, nf.Priority), &part{link: fd}), nil
}
