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
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// SectionInfo is what a program's section name says about how to load it.
type SectionInfo struct {
	// Pattern is the table entry that matched, in libbpf's notation:
	// "kprobe+" matches "kprobe" and "kprobe/<target>", "xdp" only "xdp".
	Pattern string
	// Type is the program type.
	Type uapi.ProgType
	// ExpectedAttachType is the attach type passed to BPF_PROG_LOAD.
	ExpectedAttachType uapi.AttachType
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
	Flags uapi.ProgFlags
	// Autoload is false for "?"-prefixed section names.
	Autoload bool
	// Prefix reports a name that only cilium/ebpf's rule matches: the
	// pattern, which has no '+', is merely a prefix of the name
	// ("socket/1" of "socket"). libbpf >= 1.0 refuses such names; the
	// rest of the name is not an attach target (AttachTo is "").
	Prefix bool
	// Unsupported, when not empty, says why bpfc cannot load such a
	// program.
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
	typ     uapi.ProgType
	attach  uapi.AttachType
	flags   secFlags
	unsupp  string
}

// freplaceUnsupported is why a freplace program cannot be loaded.
const freplaceUnsupported = "a freplace program replaces a function of another loaded BPF program, which its loader names by file descriptor (libbpf: bpf_program__set_attach_target with the program's fd); bpfc does not load freplace programs"

// sectionDefs follows libbpf's section_defs, in its order (the first match
// wins, so specific names precede general ones).
var sectionDefs = []secDef{
	{pattern: "socket", typ: uapi.ProgTypeSocketFilter},
	{pattern: "sk_reuseport/migrate", typ: uapi.ProgTypeSKReuseport, attach: uapi.AttachSKReuseportSelectOrMigrate},
	{pattern: "sk_reuseport", typ: uapi.ProgTypeSKReuseport, attach: uapi.AttachSKReuseportSelect},
	{pattern: "kprobe+", typ: uapi.ProgTypeKprobe},
	{pattern: "uprobe+", typ: uapi.ProgTypeKprobe},
	{pattern: "uprobe.s+", typ: uapi.ProgTypeKprobe, flags: secSleepable},
	{pattern: "kretprobe+", typ: uapi.ProgTypeKprobe},
	{pattern: "uretprobe+", typ: uapi.ProgTypeKprobe},
	{pattern: "uretprobe.s+", typ: uapi.ProgTypeKprobe, flags: secSleepable},
	{pattern: "kprobe.multi+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceKprobeMulti},
	{pattern: "kretprobe.multi+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceKprobeMulti},
	{pattern: "kprobe.session+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceKprobeSession},
	{pattern: "uprobe.multi+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceUprobeMulti},
	{pattern: "uretprobe.multi+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceUprobeMulti},
	{pattern: "uprobe.session+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceUprobeSession},
	{pattern: "uprobe.multi.s+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceUprobeMulti, flags: secSleepable},
	{pattern: "uretprobe.multi.s+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceUprobeMulti, flags: secSleepable},
	{pattern: "uprobe.session.s+", typ: uapi.ProgTypeKprobe, attach: uapi.AttachTraceUprobeSession, flags: secSleepable},
	{pattern: "ksyscall+", typ: uapi.ProgTypeKprobe},
	{pattern: "kretsyscall+", typ: uapi.ProgTypeKprobe},
	{pattern: "usdt+", typ: uapi.ProgTypeKprobe},
	{pattern: "usdt.s+", typ: uapi.ProgTypeKprobe, flags: secSleepable},
	{pattern: "tc/ingress", typ: uapi.ProgTypeSchedCls, attach: uapi.AttachTCXIngress},
	{pattern: "tc/egress", typ: uapi.ProgTypeSchedCls, attach: uapi.AttachTCXEgress},
	{pattern: "tcx/ingress", typ: uapi.ProgTypeSchedCls, attach: uapi.AttachTCXIngress},
	{pattern: "tcx/egress", typ: uapi.ProgTypeSchedCls, attach: uapi.AttachTCXEgress},
	{pattern: "tc", typ: uapi.ProgTypeSchedCls},
	{pattern: "classifier", typ: uapi.ProgTypeSchedCls},
	{pattern: "action", typ: uapi.ProgTypeSchedAct},
	{pattern: "netkit/primary", typ: uapi.ProgTypeSchedCls, attach: uapi.AttachNetkitPrimary},
	{pattern: "netkit/peer", typ: uapi.ProgTypeSchedCls, attach: uapi.AttachNetkitPeer},
	{pattern: "tracepoint+", typ: uapi.ProgTypeTracepoint},
	{pattern: "tp+", typ: uapi.ProgTypeTracepoint},
	{pattern: "tracepoint.s+", typ: uapi.ProgTypeTracepoint, flags: secSleepable},
	{pattern: "tp.s+", typ: uapi.ProgTypeTracepoint, flags: secSleepable},
	{pattern: "raw_tracepoint+", typ: uapi.ProgTypeRawTracepoint},
	{pattern: "raw_tp+", typ: uapi.ProgTypeRawTracepoint},
	{pattern: "raw_tracepoint.s+", typ: uapi.ProgTypeRawTracepoint, flags: secSleepable},
	{pattern: "raw_tp.s+", typ: uapi.ProgTypeRawTracepoint, flags: secSleepable},
	{pattern: "raw_tracepoint.w+", typ: uapi.ProgTypeRawTracepointWritable},
	{pattern: "raw_tp.w+", typ: uapi.ProgTypeRawTracepointWritable},
	{pattern: "tp_btf+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceRawTp, flags: secAttachBTF | secBTFTypedef},
	{pattern: "tp_btf.s+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceRawTp, flags: secAttachBTF | secBTFTypedef | secSleepable},
	{pattern: "fentry+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceFentry, flags: secAttachBTF},
	{pattern: "fmod_ret+", typ: uapi.ProgTypeTracing, attach: uapi.AttachModifyReturn, flags: secAttachBTF},
	{pattern: "fexit+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceFexit, flags: secAttachBTF},
	{pattern: "fentry.s+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceFentry, flags: secAttachBTF | secSleepable},
	{pattern: "fmod_ret.s+", typ: uapi.ProgTypeTracing, attach: uapi.AttachModifyReturn, flags: secAttachBTF | secSleepable},
	{pattern: "fexit.s+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceFexit, flags: secAttachBTF | secSleepable},
	{pattern: "fsession+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceFsession, flags: secAttachBTF},
	{pattern: "fsession.s+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceFsession, flags: secAttachBTF | secSleepable},
	{pattern: "freplace+", typ: uapi.ProgTypeExt, flags: secAttachBTF, unsupp: freplaceUnsupported},
	{pattern: "lsm+", typ: uapi.ProgTypeLSM, attach: uapi.AttachLSMMac, flags: secAttachBTF},
	{pattern: "lsm.s+", typ: uapi.ProgTypeLSM, attach: uapi.AttachLSMMac, flags: secAttachBTF | secSleepable},
	{pattern: "lsm_cgroup+", typ: uapi.ProgTypeLSM, attach: uapi.AttachLSMCgroup, flags: secAttachBTF},
	{pattern: "iter+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceIter, flags: secAttachBTF},
	{pattern: "iter.s+", typ: uapi.ProgTypeTracing, attach: uapi.AttachTraceIter, flags: secAttachBTF | secSleepable},
	{pattern: "syscall", typ: uapi.ProgTypeSyscall, flags: secSleepable},
	{pattern: "xdp.frags/devmap", typ: uapi.ProgTypeXDP, attach: uapi.AttachXDPDevmap, flags: secXDPFrags},
	{pattern: "xdp/devmap", typ: uapi.ProgTypeXDP, attach: uapi.AttachXDPDevmap},
	{pattern: "xdp.frags/cpumap", typ: uapi.ProgTypeXDP, attach: uapi.AttachXDPCpumap, flags: secXDPFrags},
	{pattern: "xdp/cpumap", typ: uapi.ProgTypeXDP, attach: uapi.AttachXDPCpumap},
	{pattern: "xdp.frags", typ: uapi.ProgTypeXDP, attach: uapi.AttachXDP, flags: secXDPFrags},
	{pattern: "xdp", typ: uapi.ProgTypeXDP, attach: uapi.AttachXDP},
	{pattern: "perf_event", typ: uapi.ProgTypePerfEvent},
	{pattern: "lwt_in", typ: uapi.ProgTypeLWTIn},
	{pattern: "lwt_out", typ: uapi.ProgTypeLWTOut},
	{pattern: "lwt_xmit", typ: uapi.ProgTypeLWTXmit},
	{pattern: "lwt_seg6local", typ: uapi.ProgTypeLWTSeg6local},
	{pattern: "sockops", typ: uapi.ProgTypeSockOps, attach: uapi.AttachCgroupSockOps},
	{pattern: "sk_skb/stream_parser", typ: uapi.ProgTypeSKSKB, attach: uapi.AttachSKSKBStreamParser},
	{pattern: "sk_skb/stream_verdict", typ: uapi.ProgTypeSKSKB, attach: uapi.AttachSKSKBStreamVerdict},
	{pattern: "sk_skb/verdict", typ: uapi.ProgTypeSKSKB, attach: uapi.AttachSKSKBVerdict},
	{pattern: "sk_skb", typ: uapi.ProgTypeSKSKB},
	{pattern: "sk_msg", typ: uapi.ProgTypeSKMsg, attach: uapi.AttachSKMsgVerdict},
	{pattern: "lirc_mode2", typ: uapi.ProgTypeLIRCMode2, attach: uapi.AttachLIRCMode2},
	{pattern: "flow_dissector", typ: uapi.ProgTypeFlowDissector, attach: uapi.AttachFlowDissector},
	{pattern: "cgroup_skb/ingress", typ: uapi.ProgTypeCgroupSKB, attach: uapi.AttachCgroupInetIngress},
	{pattern: "cgroup_skb/egress", typ: uapi.ProgTypeCgroupSKB, attach: uapi.AttachCgroupInetEgress},
	{pattern: "cgroup/skb", typ: uapi.ProgTypeCgroupSKB},
	{pattern: "cgroup/sock_create", typ: uapi.ProgTypeCgroupSock, attach: uapi.AttachCgroupInetSockCreate},
	{pattern: "cgroup/sock_release", typ: uapi.ProgTypeCgroupSock, attach: uapi.AttachCgroupInetSockRelease},
	{pattern: "cgroup/sock", typ: uapi.ProgTypeCgroupSock, attach: uapi.AttachCgroupInetSockCreate},
	{pattern: "cgroup/post_bind4", typ: uapi.ProgTypeCgroupSock, attach: uapi.AttachCgroupInet4PostBind},
	{pattern: "cgroup/post_bind6", typ: uapi.ProgTypeCgroupSock, attach: uapi.AttachCgroupInet6PostBind},
	{pattern: "cgroup/bind4", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet4Bind},
	{pattern: "cgroup/bind6", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet6Bind},
	{pattern: "cgroup/connect4", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet4Connect},
	{pattern: "cgroup/connect6", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet6Connect},
	{pattern: "cgroup/connect_unix", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUnixConnect},
	{pattern: "cgroup/sendmsg4", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUDP4Sendmsg},
	{pattern: "cgroup/sendmsg6", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUDP6Sendmsg},
	{pattern: "cgroup/sendmsg_unix", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUnixSendmsg},
	{pattern: "cgroup/recvmsg4", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUDP4Recvmsg},
	{pattern: "cgroup/recvmsg6", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUDP6Recvmsg},
	{pattern: "cgroup/recvmsg_unix", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUnixRecvmsg},
	{pattern: "cgroup/getpeername4", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet4Getpeername},
	{pattern: "cgroup/getpeername6", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet6Getpeername},
	{pattern: "cgroup/getpeername_unix", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUnixGetpeername},
	{pattern: "cgroup/getsockname4", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet4Getsockname},
	{pattern: "cgroup/getsockname6", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupInet6Getsockname},
	{pattern: "cgroup/getsockname_unix", typ: uapi.ProgTypeCgroupSockAddr, attach: uapi.AttachCgroupUnixGetsockname},
	{pattern: "cgroup/sysctl", typ: uapi.ProgTypeCgroupSysctl, attach: uapi.AttachCgroupSysctl},
	{pattern: "cgroup/getsockopt", typ: uapi.ProgTypeCgroupSockopt, attach: uapi.AttachCgroupGetsockopt},
	{pattern: "cgroup/setsockopt", typ: uapi.ProgTypeCgroupSockopt, attach: uapi.AttachCgroupSetsockopt},
	{pattern: "cgroup/dev", typ: uapi.ProgTypeCgroupDevice, attach: uapi.AttachCgroupDevice},
	{pattern: "struct_ops+", typ: uapi.ProgTypeStructOps},
	{pattern: "struct_ops.s+", typ: uapi.ProgTypeStructOps, flags: secSleepable},
	{pattern: "sk_lookup", typ: uapi.ProgTypeSKLookup, attach: uapi.AttachSKLookup},
	{pattern: "netfilter", typ: uapi.ProgTypeNetfilter, attach: uapi.AttachNetfilter},
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
			info.Flags |= uapi.ProgFlagSleepable
		}
		if d.flags&secXDPFrags != 0 {
			info.Flags |= uapi.ProgFlagXDPHasFrags
		}
		if d.flags&secAttachBTF != 0 {
			info.AttachBTFKind = btf.KindFunc
			if d.flags&secBTFTypedef != 0 {
				info.AttachBTFKind = btf.KindTypedef
			}
			if target != "" {
				info.AttachBTFName = ir.AttachBTFPrefix(d.attach) + target
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
