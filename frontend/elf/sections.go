// This file is the table of SEC() names: for a program's section name it
// gives the program type, expected attach type, attach target, load flags
// and autoload state, following the section_defs table of libbpf. A name
// libbpf refuses is looked up again with cilium/ebpf's looser rule (a
// pattern without '+' is a prefix: "socket/1", "xdp_prog", "sk_lookup/x"),
// so that bpfc loads what either of them loads.

package elf

import (
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
)

// SectionInfo is what a program's section name says about how to load it.
type SectionInfo struct {
	// Pattern is the table entry that matched, in libbpf's notation:
	// "kprobe+" matches "kprobe" and "kprobe/<target>", "xdp" only "xdp".
	Pattern string
	// Type is the program type.
	Type sys.ProgType
	// ExpectedAttachType is the attach type passed to BPF_PROG_LOAD.
	ExpectedAttachType sys.AttachType
	// AttachTo is the part of the name after the pattern and its '/'
	// (a kernel function, tracepoint, iterator, ...), "" if none.
	AttachTo string
	// AttachBTFKind is the kind of the BTF object the attach target is
	// looked up as (btf.KindFunc, btf.KindTypedef), 0 if none.
	AttachBTFKind btf.Kind
	// AttachBTFName is the name the attach target is looked up by in BTF:
	// AttachTo with libbpf's prefix ("btf_trace_" for tp_btf, "bpf_lsm_"
	// for lsm, "bpf_iter_" for iter); "" when AttachBTFKind is 0 or there
	// is no target.
	AttachBTFName string
	// Flags are BPF_PROG_LOAD prog_flags (sleepable, XDP frags).
	Flags sys.ProgFlags
	// Autoload is false for "?"-prefixed section names.
	Autoload bool
	// Prefix reports a name that only cilium/ebpf's rule matches: the
	// pattern, which has no '+', is merely a prefix of the name
	// ("socket/1" of "socket"). libbpf >= 1.0 refuses such names; the
	// rest of the name is not an attach target (AttachTo is "").
	Prefix bool
	// Unsupported, when not empty, says why bpfc cannot load such a
	// program (struct_ops).
	Unsupported string
}

type secFlags uint8

const (
	secSleepable secFlags = 1 << iota
	secXDPFrags
	secAttachBTF // target is a BTF func (fentry, lsm, iter, freplace)
	secBTFTypedef
)

type secDef struct {
	pattern string
	typ     sys.ProgType
	attach  sys.AttachType
	flags   secFlags
	prefix  string // BTF name prefix of the attach target
	unsupp  string
}

// sectionDefs follows libbpf's section_defs, in its order (the first match
// wins, so specific names precede general ones).
var sectionDefs = []secDef{
	{pattern: "socket", typ: sys.ProgTypeSocketFilter},
	{pattern: "sk_reuseport/migrate", typ: sys.ProgTypeSKReuseport, attach: sys.AttachSKReuseportSelectOrMigrate},
	{pattern: "sk_reuseport", typ: sys.ProgTypeSKReuseport, attach: sys.AttachSKReuseportSelect},
	{pattern: "kprobe+", typ: sys.ProgTypeKprobe},
	{pattern: "uprobe+", typ: sys.ProgTypeKprobe},
	{pattern: "uprobe.s+", typ: sys.ProgTypeKprobe, flags: secSleepable},
	{pattern: "kretprobe+", typ: sys.ProgTypeKprobe},
	{pattern: "uretprobe+", typ: sys.ProgTypeKprobe},
	{pattern: "uretprobe.s+", typ: sys.ProgTypeKprobe, flags: secSleepable},
	{pattern: "kprobe.multi+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceKprobeMulti},
	{pattern: "kretprobe.multi+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceKprobeMulti},
	{pattern: "kprobe.session+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceKprobeSession},
	{pattern: "uprobe.multi+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceUprobeMulti},
	{pattern: "uretprobe.multi+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceUprobeMulti},
	{pattern: "uprobe.session+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceUprobeSession},
	{pattern: "uprobe.multi.s+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceUprobeMulti, flags: secSleepable},
	{pattern: "uretprobe.multi.s+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceUprobeMulti, flags: secSleepable},
	{pattern: "uprobe.session.s+", typ: sys.ProgTypeKprobe, attach: sys.AttachTraceUprobeSession, flags: secSleepable},
	{pattern: "ksyscall+", typ: sys.ProgTypeKprobe},
	{pattern: "kretsyscall+", typ: sys.ProgTypeKprobe},
	{pattern: "usdt+", typ: sys.ProgTypeKprobe},
	{pattern: "usdt.s+", typ: sys.ProgTypeKprobe, flags: secSleepable},
	{pattern: "tc/ingress", typ: sys.ProgTypeSchedCls, attach: sys.AttachTCXIngress},
	{pattern: "tc/egress", typ: sys.ProgTypeSchedCls, attach: sys.AttachTCXEgress},
	{pattern: "tcx/ingress", typ: sys.ProgTypeSchedCls, attach: sys.AttachTCXIngress},
	{pattern: "tcx/egress", typ: sys.ProgTypeSchedCls, attach: sys.AttachTCXEgress},
	{pattern: "tc", typ: sys.ProgTypeSchedCls},
	{pattern: "classifier", typ: sys.ProgTypeSchedCls},
	{pattern: "action", typ: sys.ProgTypeSchedAct},
	{pattern: "netkit/primary", typ: sys.ProgTypeSchedCls, attach: sys.AttachNetkitPrimary},
	{pattern: "netkit/peer", typ: sys.ProgTypeSchedCls, attach: sys.AttachNetkitPeer},
	{pattern: "tracepoint+", typ: sys.ProgTypeTracepoint},
	{pattern: "tp+", typ: sys.ProgTypeTracepoint},
	{pattern: "tracepoint.s+", typ: sys.ProgTypeTracepoint, flags: secSleepable},
	{pattern: "tp.s+", typ: sys.ProgTypeTracepoint, flags: secSleepable},
	{pattern: "raw_tracepoint+", typ: sys.ProgTypeRawTracepoint},
	{pattern: "raw_tp+", typ: sys.ProgTypeRawTracepoint},
	{pattern: "raw_tracepoint.s+", typ: sys.ProgTypeRawTracepoint, flags: secSleepable},
	{pattern: "raw_tp.s+", typ: sys.ProgTypeRawTracepoint, flags: secSleepable},
	{pattern: "raw_tracepoint.w+", typ: sys.ProgTypeRawTracepointWritable},
	{pattern: "raw_tp.w+", typ: sys.ProgTypeRawTracepointWritable},
	{pattern: "tp_btf+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceRawTp, flags: secAttachBTF | secBTFTypedef, prefix: "btf_trace_"},
	{pattern: "tp_btf.s+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceRawTp, flags: secAttachBTF | secBTFTypedef | secSleepable, prefix: "btf_trace_"},
	{pattern: "fentry+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceFentry, flags: secAttachBTF},
	{pattern: "fmod_ret+", typ: sys.ProgTypeTracing, attach: sys.AttachModifyReturn, flags: secAttachBTF},
	{pattern: "fexit+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceFexit, flags: secAttachBTF},
	{pattern: "fentry.s+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceFentry, flags: secAttachBTF | secSleepable},
	{pattern: "fmod_ret.s+", typ: sys.ProgTypeTracing, attach: sys.AttachModifyReturn, flags: secAttachBTF | secSleepable},
	{pattern: "fexit.s+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceFexit, flags: secAttachBTF | secSleepable},
	{pattern: "fsession+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceFsession, flags: secAttachBTF},
	{pattern: "fsession.s+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceFsession, flags: secAttachBTF | secSleepable},
	{pattern: "freplace+", typ: sys.ProgTypeExt, flags: secAttachBTF},
	{pattern: "lsm+", typ: sys.ProgTypeLSM, attach: sys.AttachLSMMac, flags: secAttachBTF, prefix: "bpf_lsm_"},
	{pattern: "lsm.s+", typ: sys.ProgTypeLSM, attach: sys.AttachLSMMac, flags: secAttachBTF | secSleepable, prefix: "bpf_lsm_"},
	{pattern: "lsm_cgroup+", typ: sys.ProgTypeLSM, attach: sys.AttachLSMCgroup, flags: secAttachBTF, prefix: "bpf_lsm_"},
	{pattern: "iter+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceIter, flags: secAttachBTF, prefix: "bpf_iter_"},
	{pattern: "iter.s+", typ: sys.ProgTypeTracing, attach: sys.AttachTraceIter, flags: secAttachBTF | secSleepable, prefix: "bpf_iter_"},
	{pattern: "syscall", typ: sys.ProgTypeSyscall, flags: secSleepable},
	{pattern: "xdp.frags/devmap", typ: sys.ProgTypeXDP, attach: sys.AttachXDPDevmap, flags: secXDPFrags},
	{pattern: "xdp/devmap", typ: sys.ProgTypeXDP, attach: sys.AttachXDPDevmap},
	{pattern: "xdp.frags/cpumap", typ: sys.ProgTypeXDP, attach: sys.AttachXDPCpumap, flags: secXDPFrags},
	{pattern: "xdp/cpumap", typ: sys.ProgTypeXDP, attach: sys.AttachXDPCpumap},
	{pattern: "xdp.frags", typ: sys.ProgTypeXDP, attach: sys.AttachXDP, flags: secXDPFrags},
	{pattern: "xdp", typ: sys.ProgTypeXDP, attach: sys.AttachXDP},
	{pattern: "perf_event", typ: sys.ProgTypePerfEvent},
	{pattern: "lwt_in", typ: sys.ProgTypeLWTIn},
	{pattern: "lwt_out", typ: sys.ProgTypeLWTOut},
	{pattern: "lwt_xmit", typ: sys.ProgTypeLWTXmit},
	{pattern: "lwt_seg6local", typ: sys.ProgTypeLWTSeg6local},
	{pattern: "sockops", typ: sys.ProgTypeSockOps, attach: sys.AttachCgroupSockOps},
	{pattern: "sk_skb/stream_parser", typ: sys.ProgTypeSKSKB, attach: sys.AttachSKSKBStreamParser},
	{pattern: "sk_skb/stream_verdict", typ: sys.ProgTypeSKSKB, attach: sys.AttachSKSKBStreamVerdict},
	{pattern: "sk_skb/verdict", typ: sys.ProgTypeSKSKB, attach: sys.AttachSKSKBVerdict},
	{pattern: "sk_skb", typ: sys.ProgTypeSKSKB},
	{pattern: "sk_msg", typ: sys.ProgTypeSKMsg, attach: sys.AttachSKMsgVerdict},
	{pattern: "lirc_mode2", typ: sys.ProgTypeLIRCMode2, attach: sys.AttachLIRCMode2},
	{pattern: "flow_dissector", typ: sys.ProgTypeFlowDissector, attach: sys.AttachFlowDissector},
	{pattern: "cgroup_skb/ingress", typ: sys.ProgTypeCgroupSKB, attach: sys.AttachCgroupInetIngress},
	{pattern: "cgroup_skb/egress", typ: sys.ProgTypeCgroupSKB, attach: sys.AttachCgroupInetEgress},
	{pattern: "cgroup/skb", typ: sys.ProgTypeCgroupSKB},
	{pattern: "cgroup/sock_create", typ: sys.ProgTypeCgroupSock, attach: sys.AttachCgroupInetSockCreate},
	{pattern: "cgroup/sock_release", typ: sys.ProgTypeCgroupSock, attach: sys.AttachCgroupInetSockRelease},
	{pattern: "cgroup/sock", typ: sys.ProgTypeCgroupSock, attach: sys.AttachCgroupInetSockCreate},
	{pattern: "cgroup/post_bind4", typ: sys.ProgTypeCgroupSock, attach: sys.AttachCgroupInet4PostBind},
	{pattern: "cgroup/post_bind6", typ: sys.ProgTypeCgroupSock, attach: sys.AttachCgroupInet6PostBind},
	{pattern: "cgroup/bind4", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet4Bind},
	{pattern: "cgroup/bind6", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet6Bind},
	{pattern: "cgroup/connect4", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet4Connect},
	{pattern: "cgroup/connect6", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet6Connect},
	{pattern: "cgroup/connect_unix", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUnixConnect},
	{pattern: "cgroup/sendmsg4", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUDP4Sendmsg},
	{pattern: "cgroup/sendmsg6", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUDP6Sendmsg},
	{pattern: "cgroup/sendmsg_unix", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUnixSendmsg},
	{pattern: "cgroup/recvmsg4", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUDP4Recvmsg},
	{pattern: "cgroup/recvmsg6", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUDP6Recvmsg},
	{pattern: "cgroup/recvmsg_unix", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUnixRecvmsg},
	{pattern: "cgroup/getpeername4", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet4Getpeername},
	{pattern: "cgroup/getpeername6", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet6Getpeername},
	{pattern: "cgroup/getpeername_unix", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUnixGetpeername},
	{pattern: "cgroup/getsockname4", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet4Getsockname},
	{pattern: "cgroup/getsockname6", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupInet6Getsockname},
	{pattern: "cgroup/getsockname_unix", typ: sys.ProgTypeCgroupSockAddr, attach: sys.AttachCgroupUnixGetsockname},
	{pattern: "cgroup/sysctl", typ: sys.ProgTypeCgroupSysctl, attach: sys.AttachCgroupSysctl},
	{pattern: "cgroup/getsockopt", typ: sys.ProgTypeCgroupSockopt, attach: sys.AttachCgroupGetsockopt},
	{pattern: "cgroup/setsockopt", typ: sys.ProgTypeCgroupSockopt, attach: sys.AttachCgroupSetsockopt},
	{pattern: "cgroup/dev", typ: sys.ProgTypeCgroupDevice, attach: sys.AttachCgroupDevice},
	{pattern: "struct_ops+", typ: sys.ProgTypeStructOps, unsupp: "struct_ops programs are not supported by bpfc"},
	{pattern: "struct_ops.s+", typ: sys.ProgTypeStructOps, flags: secSleepable, unsupp: "struct_ops programs are not supported by bpfc"},
	{pattern: "sk_lookup", typ: sys.ProgTypeSKLookup, attach: sys.AttachSKLookup},
	{pattern: "netfilter", typ: sys.ProgTypeNetfilter, attach: sys.AttachNetfilter},
}

// match reports whether name matches the pattern with libbpf's rules and
// returns the attach target that follows it.
func (d *secDef) match(name string) (string, bool) {
	p, plus := strings.CutSuffix(d.pattern, "+")
	if !plus {
		return "", name == p
	}
	rest, ok := strings.CutPrefix(name, p)
	if !ok || rest == "" {
		return "", ok
	}
	if target, ok := strings.CutPrefix(rest, "/"); ok {
		return target, true
	}
	return "", false
}

// matchPrefix reports whether name matches the pattern with cilium/ebpf's
// rule where libbpf's differs: a pattern without '+' need only be a prefix
// of the name. (For '+' patterns both rules agree.)
func (d *secDef) matchPrefix(name string) bool {
	return !strings.HasSuffix(d.pattern, "+") && strings.HasPrefix(name, d.pattern)
}

// SectionDef looks a program's ELF section name up in the table: with
// libbpf's rules, then, if none matches, with cilium/ebpf's (Prefix). A
// leading "?" means "do not load by default" (Autoload false) and is
// otherwise ignored. It returns false for names neither accepts.
func SectionDef(name string) (SectionInfo, bool) {
	info := SectionInfo{Autoload: true}
	if strings.HasPrefix(name, "?") {
		info.Autoload = false
		name = name[1:]
	}
	if info, ok := lookup(info, name, false); ok {
		return info, true
	}
	return lookup(info, name, true)
}

// lookup finds the first table entry matching name, with libbpf's rule or
// with cilium/ebpf's prefix rule, and fills info from it.
func lookup(info SectionInfo, name string, prefix bool) (SectionInfo, bool) {
	for i := range sectionDefs {
		d := &sectionDefs[i]
		target, ok := d.match(name)
		if prefix {
			target, ok = "", d.matchPrefix(name)
		}
		if !ok {
			continue
		}
		info.Prefix = prefix
		info.Pattern = d.pattern
		info.Type = d.typ
		info.ExpectedAttachType = d.attach
		info.AttachTo = target
		info.Unsupported = d.unsupp
		if d.flags&secSleepable != 0 {
			info.Flags |= sys.ProgFlagSleepable
		}
		if d.flags&secXDPFrags != 0 {
			info.Flags |= sys.ProgFlagXDPHasFrags
		}
		if d.flags&secAttachBTF != 0 {
			info.AttachBTFKind = btf.KindFunc
			if d.flags&secBTFTypedef != 0 {
				info.AttachBTFKind = btf.KindTypedef
			}
			if target != "" {
				info.AttachBTFName = d.prefix + target
			}
		}
		return info, true
	}
	return info, false
}

// KnownSections lists the section names bpfc knows, for messages about a
// name it does not: each table pattern once, a '+' pattern written as
// "name[/...]".
func KnownSections() string {
	var b strings.Builder
	for i, d := range sectionDefs {
		if i > 0 {
			b.WriteString(", ")
		}
		if p, plus := strings.CutSuffix(d.pattern, "+"); plus {
			b.WriteString(p + "[/...]")
		} else {
			b.WriteString(d.pattern)
		}
	}
	return b.String()
}

// UnknownSection says that a section name names no program type, with the
// closest known name if one is a likely typo of it and the known names.
func UnknownSection(name string) string {
	msg := fmt.Sprintf("section %q names no known program type", name)
	if s := suggest(strings.TrimPrefix(name, "?")); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; known: " + KnownSections()
}

// suggest returns the known section name closest to name, if it is at
// most 2 edits away (and fewer than the compared part's length), else "".
// Patterns with a '/' ("cgroup/skb") are compared with the whole name,
// others with the part before the first '/', keeping the rest for '+'
// patterns ("kprobes/f" → "kprobe/f").
func suggest(name string) string {
	head, rest, slash := strings.Cut(name, "/")
	best, dist := "", 3
	for _, d := range sectionDefs {
		p, plus := strings.CutSuffix(d.pattern, "+")
		cmp := head
		if strings.Contains(p, "/") {
			cmp = name
		}
		if n := editDistance(cmp, p); n < dist && n < len(cmp) {
			best, dist = p, n
			if plus && slash {
				best += "/" + rest
			}
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and swaps of adjacent characters.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
