// This file tests the SEC() name table against libbpf's section_defs and
// cilium/ebpf's looser reading of it, and the message for unknown names.

package elf

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/google/go-cmp/cmp"
)

func TestSectionDef(t *testing.T) {
	sleep := sys.ProgFlagSleepable
	tests := []struct {
		name string
		ok   bool
		want SectionInfo
	}{
		{"socket", true, SectionInfo{Pattern: "socket", Type: sys.ProgTypeSocketFilter}},
		{"socket/foo", true, SectionInfo{Pattern: "socket", Type: sys.ProgTypeSocketFilter, Prefix: true}},
		{"socket1", true, SectionInfo{Pattern: "socket", Type: sys.ProgTypeSocketFilter, Prefix: true}},
		{"sk_reuseport/migrate", true, SectionInfo{Pattern: "sk_reuseport/migrate", Type: sys.ProgTypeSKReuseport, ExpectedAttachType: sys.AttachSKReuseportSelectOrMigrate}},
		{"sk_reuseport", true, SectionInfo{Pattern: "sk_reuseport", Type: sys.ProgTypeSKReuseport, ExpectedAttachType: sys.AttachSKReuseportSelect}},
		{"kprobe/do_sys_open", true, SectionInfo{Pattern: "kprobe+", Type: sys.ProgTypeKprobe, AttachTo: "do_sys_open"}},
		{"kprobe", true, SectionInfo{Pattern: "kprobe+", Type: sys.ProgTypeKprobe}},
		{"kprobex", false, SectionInfo{}},
		{"kretprobe/do_exit", true, SectionInfo{Pattern: "kretprobe+", Type: sys.ProgTypeKprobe, AttachTo: "do_exit"}},
		{"uprobe//bin/bash:readline", true, SectionInfo{Pattern: "uprobe+", Type: sys.ProgTypeKprobe, AttachTo: "/bin/bash:readline"}},
		{"uprobe.s/bin:f", true, SectionInfo{Pattern: "uprobe.s+", Type: sys.ProgTypeKprobe, AttachTo: "bin:f", Flags: sleep}},
		{"uretprobe.s", true, SectionInfo{Pattern: "uretprobe.s+", Type: sys.ProgTypeKprobe, Flags: sleep}},
		{"kprobe.multi/tcp_*", true, SectionInfo{Pattern: "kprobe.multi+", Type: sys.ProgTypeKprobe, ExpectedAttachType: sys.AttachTraceKprobeMulti, AttachTo: "tcp_*"}},
		{"kretprobe.multi", true, SectionInfo{Pattern: "kretprobe.multi+", Type: sys.ProgTypeKprobe, ExpectedAttachType: sys.AttachTraceKprobeMulti}},
		{"kprobe.session/f", true, SectionInfo{Pattern: "kprobe.session+", Type: sys.ProgTypeKprobe, ExpectedAttachType: sys.AttachTraceKprobeSession, AttachTo: "f"}},
		{"uprobe.multi/x:y", true, SectionInfo{Pattern: "uprobe.multi+", Type: sys.ProgTypeKprobe, ExpectedAttachType: sys.AttachTraceUprobeMulti, AttachTo: "x:y"}},
		{"uprobe.multi.s", true, SectionInfo{Pattern: "uprobe.multi.s+", Type: sys.ProgTypeKprobe, ExpectedAttachType: sys.AttachTraceUprobeMulti, Flags: sleep}},
		{"uprobe.session.s", true, SectionInfo{Pattern: "uprobe.session.s+", Type: sys.ProgTypeKprobe, ExpectedAttachType: sys.AttachTraceUprobeSession, Flags: sleep}},
		{"ksyscall/openat", true, SectionInfo{Pattern: "ksyscall+", Type: sys.ProgTypeKprobe, AttachTo: "openat"}},
		{"kretsyscall/openat", true, SectionInfo{Pattern: "kretsyscall+", Type: sys.ProgTypeKprobe, AttachTo: "openat"}},
		{"usdt/lib:prov:name", true, SectionInfo{Pattern: "usdt+", Type: sys.ProgTypeKprobe, AttachTo: "lib:prov:name"}},
		{"usdt.s", true, SectionInfo{Pattern: "usdt.s+", Type: sys.ProgTypeKprobe, Flags: sleep}},
		{"tc/ingress", true, SectionInfo{Pattern: "tc/ingress", Type: sys.ProgTypeSchedCls, ExpectedAttachType: sys.AttachTCXIngress}},
		{"tc/egress", true, SectionInfo{Pattern: "tc/egress", Type: sys.ProgTypeSchedCls, ExpectedAttachType: sys.AttachTCXEgress}},
		{"tcx/ingress", true, SectionInfo{Pattern: "tcx/ingress", Type: sys.ProgTypeSchedCls, ExpectedAttachType: sys.AttachTCXIngress}},
		{"tcx/egress", true, SectionInfo{Pattern: "tcx/egress", Type: sys.ProgTypeSchedCls, ExpectedAttachType: sys.AttachTCXEgress}},
		{"tc", true, SectionInfo{Pattern: "tc", Type: sys.ProgTypeSchedCls}},
		{"tc/other", true, SectionInfo{Pattern: "tc", Type: sys.ProgTypeSchedCls, Prefix: true}},
		{"tcx/other", true, SectionInfo{Pattern: "tc", Type: sys.ProgTypeSchedCls, Prefix: true}},
		{"tc/ingress/x", true, SectionInfo{Pattern: "tc/ingress", Type: sys.ProgTypeSchedCls, ExpectedAttachType: sys.AttachTCXIngress, Prefix: true}},
		{"classifier/x", true, SectionInfo{Pattern: "classifier", Type: sys.ProgTypeSchedCls, Prefix: true}},
		{"classifier", true, SectionInfo{Pattern: "classifier", Type: sys.ProgTypeSchedCls}},
		{"action", true, SectionInfo{Pattern: "action", Type: sys.ProgTypeSchedAct}},
		{"netkit/primary", true, SectionInfo{Pattern: "netkit/primary", Type: sys.ProgTypeSchedCls, ExpectedAttachType: sys.AttachNetkitPrimary}},
		{"netkit/peer", true, SectionInfo{Pattern: "netkit/peer", Type: sys.ProgTypeSchedCls, ExpectedAttachType: sys.AttachNetkitPeer}},
		{"tracepoint/syscalls/sys_enter_openat", true, SectionInfo{Pattern: "tracepoint+", Type: sys.ProgTypeTracepoint, AttachTo: "syscalls/sys_enter_openat"}},
		{"tp/sched/sched_switch", true, SectionInfo{Pattern: "tp+", Type: sys.ProgTypeTracepoint, AttachTo: "sched/sched_switch"}},
		{"tp.s/a/b", true, SectionInfo{Pattern: "tp.s+", Type: sys.ProgTypeTracepoint, AttachTo: "a/b", Flags: sleep}},
		{"tracepoint.s/a/b", true, SectionInfo{Pattern: "tracepoint.s+", Type: sys.ProgTypeTracepoint, AttachTo: "a/b", Flags: sleep}},
		{"raw_tracepoint/sys_enter", true, SectionInfo{Pattern: "raw_tracepoint+", Type: sys.ProgTypeRawTracepoint, AttachTo: "sys_enter"}},
		{"raw_tp/sys_enter", true, SectionInfo{Pattern: "raw_tp+", Type: sys.ProgTypeRawTracepoint, AttachTo: "sys_enter"}},
		{"raw_tp.s/x", true, SectionInfo{Pattern: "raw_tp.s+", Type: sys.ProgTypeRawTracepoint, AttachTo: "x", Flags: sleep}},
		{"raw_tracepoint.w/x", true, SectionInfo{Pattern: "raw_tracepoint.w+", Type: sys.ProgTypeRawTracepointWritable, AttachTo: "x"}},
		{"raw_tp.w/x", true, SectionInfo{Pattern: "raw_tp.w+", Type: sys.ProgTypeRawTracepointWritable, AttachTo: "x"}},
		{"tp_btf/sched_switch", true, SectionInfo{Pattern: "tp_btf+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceRawTp, AttachTo: "sched_switch", AttachBTFKind: btf.KindTypedef, AttachBTFName: "btf_trace_sched_switch"}},
		{"tp_btf.s/x", true, SectionInfo{Pattern: "tp_btf.s+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceRawTp, AttachTo: "x", AttachBTFKind: btf.KindTypedef, AttachBTFName: "btf_trace_x", Flags: sleep}},
		{"fentry/do_unlinkat", true, SectionInfo{Pattern: "fentry+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceFentry, AttachTo: "do_unlinkat", AttachBTFKind: btf.KindFunc, AttachBTFName: "do_unlinkat"}},
		{"fentry", true, SectionInfo{Pattern: "fentry+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceFentry, AttachBTFKind: btf.KindFunc}},
		{"fexit/f", true, SectionInfo{Pattern: "fexit+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceFexit, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f"}},
		{"fmod_ret/f", true, SectionInfo{Pattern: "fmod_ret+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachModifyReturn, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f"}},
		{"fentry.s/f", true, SectionInfo{Pattern: "fentry.s+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceFentry, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"fexit.s/f", true, SectionInfo{Pattern: "fexit.s+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceFexit, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"fsession/f", true, SectionInfo{Pattern: "fsession+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceFsession, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f"}},
		{"fsession.s/f", true, SectionInfo{Pattern: "fsession.s+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceFsession, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"fmod_ret.s/f", true, SectionInfo{Pattern: "fmod_ret.s+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachModifyReturn, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"freplace/handler", true, SectionInfo{Pattern: "freplace+", Type: sys.ProgTypeExt, AttachTo: "handler", AttachBTFKind: btf.KindFunc, AttachBTFName: "handler"}},
		{"lsm/file_open", true, SectionInfo{Pattern: "lsm+", Type: sys.ProgTypeLSM, ExpectedAttachType: sys.AttachLSMMac, AttachTo: "file_open", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_lsm_file_open"}},
		{"lsm.s/file_open", true, SectionInfo{Pattern: "lsm.s+", Type: sys.ProgTypeLSM, ExpectedAttachType: sys.AttachLSMMac, AttachTo: "file_open", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_lsm_file_open", Flags: sleep}},
		{"lsm_cgroup/sk_alloc", true, SectionInfo{Pattern: "lsm_cgroup+", Type: sys.ProgTypeLSM, ExpectedAttachType: sys.AttachLSMCgroup, AttachTo: "sk_alloc", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_lsm_sk_alloc"}},
		{"iter/task", true, SectionInfo{Pattern: "iter+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceIter, AttachTo: "task", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_iter_task"}},
		{"iter.s/task", true, SectionInfo{Pattern: "iter.s+", Type: sys.ProgTypeTracing, ExpectedAttachType: sys.AttachTraceIter, AttachTo: "task", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_iter_task", Flags: sleep}},
		{"syscall", true, SectionInfo{Pattern: "syscall", Type: sys.ProgTypeSyscall, Flags: sleep}},
		{"xdp.frags/devmap", true, SectionInfo{Pattern: "xdp.frags/devmap", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDPDevmap, Flags: sys.ProgFlagXDPHasFrags}},
		{"xdp/devmap", true, SectionInfo{Pattern: "xdp/devmap", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDPDevmap}},
		{"xdp.frags/cpumap", true, SectionInfo{Pattern: "xdp.frags/cpumap", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDPCpumap, Flags: sys.ProgFlagXDPHasFrags}},
		{"xdp/cpumap", true, SectionInfo{Pattern: "xdp/cpumap", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDPCpumap}},
		{"xdp.frags", true, SectionInfo{Pattern: "xdp.frags", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDP, Flags: sys.ProgFlagXDPHasFrags}},
		{"xdp", true, SectionInfo{Pattern: "xdp", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDP}},
		{"xdp/foo", true, SectionInfo{Pattern: "xdp", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDP, Prefix: true}},
		{"xdp_prog", true, SectionInfo{Pattern: "xdp", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDP, Prefix: true}},
		{"xdp.frags/foo", true, SectionInfo{Pattern: "xdp.frags", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDP, Flags: sys.ProgFlagXDPHasFrags, Prefix: true}},
		{"xdp/devmap/x", true, SectionInfo{Pattern: "xdp/devmap", Type: sys.ProgTypeXDP, ExpectedAttachType: sys.AttachXDPDevmap, Prefix: true}},
		{"perf_event", true, SectionInfo{Pattern: "perf_event", Type: sys.ProgTypePerfEvent}},
		{"lwt_in", true, SectionInfo{Pattern: "lwt_in", Type: sys.ProgTypeLWTIn}},
		{"lwt_out", true, SectionInfo{Pattern: "lwt_out", Type: sys.ProgTypeLWTOut}},
		{"lwt_xmit", true, SectionInfo{Pattern: "lwt_xmit", Type: sys.ProgTypeLWTXmit}},
		{"lwt_seg6local", true, SectionInfo{Pattern: "lwt_seg6local", Type: sys.ProgTypeLWTSeg6local}},
		{"sockops", true, SectionInfo{Pattern: "sockops", Type: sys.ProgTypeSockOps, ExpectedAttachType: sys.AttachCgroupSockOps}},
		{"sk_skb/stream_parser", true, SectionInfo{Pattern: "sk_skb/stream_parser", Type: sys.ProgTypeSKSKB, ExpectedAttachType: sys.AttachSKSKBStreamParser}},
		{"sk_skb/stream_verdict", true, SectionInfo{Pattern: "sk_skb/stream_verdict", Type: sys.ProgTypeSKSKB, ExpectedAttachType: sys.AttachSKSKBStreamVerdict}},
		{"sk_skb/verdict", true, SectionInfo{Pattern: "sk_skb/verdict", Type: sys.ProgTypeSKSKB, ExpectedAttachType: sys.AttachSKSKBVerdict}},
		{"sk_skb", true, SectionInfo{Pattern: "sk_skb", Type: sys.ProgTypeSKSKB}},
		{"sk_msg", true, SectionInfo{Pattern: "sk_msg", Type: sys.ProgTypeSKMsg, ExpectedAttachType: sys.AttachSKMsgVerdict}},
		{"lirc_mode2", true, SectionInfo{Pattern: "lirc_mode2", Type: sys.ProgTypeLIRCMode2, ExpectedAttachType: sys.AttachLIRCMode2}},
		{"flow_dissector", true, SectionInfo{Pattern: "flow_dissector", Type: sys.ProgTypeFlowDissector, ExpectedAttachType: sys.AttachFlowDissector}},
		{"cgroup_skb/ingress", true, SectionInfo{Pattern: "cgroup_skb/ingress", Type: sys.ProgTypeCgroupSKB, ExpectedAttachType: sys.AttachCgroupInetIngress}},
		{"cgroup_skb/egress", true, SectionInfo{Pattern: "cgroup_skb/egress", Type: sys.ProgTypeCgroupSKB, ExpectedAttachType: sys.AttachCgroupInetEgress}},
		{"cgroup/skb", true, SectionInfo{Pattern: "cgroup/skb", Type: sys.ProgTypeCgroupSKB}},
		{"cgroup/sock_create", true, SectionInfo{Pattern: "cgroup/sock_create", Type: sys.ProgTypeCgroupSock, ExpectedAttachType: sys.AttachCgroupInetSockCreate}},
		{"cgroup/sock_release", true, SectionInfo{Pattern: "cgroup/sock_release", Type: sys.ProgTypeCgroupSock, ExpectedAttachType: sys.AttachCgroupInetSockRelease}},
		{"cgroup/sock", true, SectionInfo{Pattern: "cgroup/sock", Type: sys.ProgTypeCgroupSock, ExpectedAttachType: sys.AttachCgroupInetSockCreate}},
		{"cgroup/post_bind4", true, SectionInfo{Pattern: "cgroup/post_bind4", Type: sys.ProgTypeCgroupSock, ExpectedAttachType: sys.AttachCgroupInet4PostBind}},
		{"cgroup/post_bind6", true, SectionInfo{Pattern: "cgroup/post_bind6", Type: sys.ProgTypeCgroupSock, ExpectedAttachType: sys.AttachCgroupInet6PostBind}},
		{"cgroup/bind4", true, SectionInfo{Pattern: "cgroup/bind4", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet4Bind}},
		{"cgroup/bind6", true, SectionInfo{Pattern: "cgroup/bind6", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet6Bind}},
		{"cgroup/connect4", true, SectionInfo{Pattern: "cgroup/connect4", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet4Connect}},
		{"cgroup/connect6", true, SectionInfo{Pattern: "cgroup/connect6", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet6Connect}},
		{"cgroup/connect_unix", true, SectionInfo{Pattern: "cgroup/connect_unix", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUnixConnect}},
		{"cgroup/sendmsg4", true, SectionInfo{Pattern: "cgroup/sendmsg4", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUDP4Sendmsg}},
		{"cgroup/sendmsg6", true, SectionInfo{Pattern: "cgroup/sendmsg6", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUDP6Sendmsg}},
		{"cgroup/sendmsg_unix", true, SectionInfo{Pattern: "cgroup/sendmsg_unix", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUnixSendmsg}},
		{"cgroup/recvmsg4", true, SectionInfo{Pattern: "cgroup/recvmsg4", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUDP4Recvmsg}},
		{"cgroup/recvmsg6", true, SectionInfo{Pattern: "cgroup/recvmsg6", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUDP6Recvmsg}},
		{"cgroup/recvmsg_unix", true, SectionInfo{Pattern: "cgroup/recvmsg_unix", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUnixRecvmsg}},
		{"cgroup/getpeername4", true, SectionInfo{Pattern: "cgroup/getpeername4", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet4Getpeername}},
		{"cgroup/getpeername6", true, SectionInfo{Pattern: "cgroup/getpeername6", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet6Getpeername}},
		{"cgroup/getpeername_unix", true, SectionInfo{Pattern: "cgroup/getpeername_unix", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUnixGetpeername}},
		{"cgroup/getsockname4", true, SectionInfo{Pattern: "cgroup/getsockname4", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet4Getsockname}},
		{"cgroup/getsockname6", true, SectionInfo{Pattern: "cgroup/getsockname6", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupInet6Getsockname}},
		{"cgroup/getsockname_unix", true, SectionInfo{Pattern: "cgroup/getsockname_unix", Type: sys.ProgTypeCgroupSockAddr, ExpectedAttachType: sys.AttachCgroupUnixGetsockname}},
		{"cgroup/sysctl", true, SectionInfo{Pattern: "cgroup/sysctl", Type: sys.ProgTypeCgroupSysctl, ExpectedAttachType: sys.AttachCgroupSysctl}},
		{"cgroup/getsockopt", true, SectionInfo{Pattern: "cgroup/getsockopt", Type: sys.ProgTypeCgroupSockopt, ExpectedAttachType: sys.AttachCgroupGetsockopt}},
		{"cgroup/setsockopt", true, SectionInfo{Pattern: "cgroup/setsockopt", Type: sys.ProgTypeCgroupSockopt, ExpectedAttachType: sys.AttachCgroupSetsockopt}},
		{"cgroup/dev", true, SectionInfo{Pattern: "cgroup/dev", Type: sys.ProgTypeCgroupDevice, ExpectedAttachType: sys.AttachCgroupDevice}},
		{"struct_ops/init", true, SectionInfo{Pattern: "struct_ops+", Type: sys.ProgTypeStructOps, AttachTo: "init", Unsupported: "struct_ops programs are not supported by bpfc"}},
		{"struct_ops.s/init", true, SectionInfo{Pattern: "struct_ops.s+", Type: sys.ProgTypeStructOps, AttachTo: "init", Flags: sleep, Unsupported: "struct_ops programs are not supported by bpfc"}},
		{"sk_lookup", true, SectionInfo{Pattern: "sk_lookup", Type: sys.ProgTypeSKLookup, ExpectedAttachType: sys.AttachSKLookup}},
		{"sk_lookup/x", true, SectionInfo{Pattern: "sk_lookup", Type: sys.ProgTypeSKLookup, ExpectedAttachType: sys.AttachSKLookup, Prefix: true}},
		{"syscall/x", true, SectionInfo{Pattern: "syscall", Type: sys.ProgTypeSyscall, Flags: sleep, Prefix: true}},
		{"sk_skb/other", true, SectionInfo{Pattern: "sk_skb", Type: sys.ProgTypeSKSKB, Prefix: true}},
		{"cgroup/skb/x", true, SectionInfo{Pattern: "cgroup/skb", Type: sys.ProgTypeCgroupSKB, Prefix: true}},
		{"perf_event/x", true, SectionInfo{Pattern: "perf_event", Type: sys.ProgTypePerfEvent, Prefix: true}},
		// '+' patterns match only "name" and "name/...", with either rule.
		{"kprobes/do_sys_open", false, SectionInfo{}},
		{"tracepont/a/b", false, SectionInfo{}},
		{"fentry_x", false, SectionInfo{}},
		{"sokcet", false, SectionInfo{}},
		{"netfilter", true, SectionInfo{Pattern: "netfilter", Type: sys.ProgTypeNetfilter, ExpectedAttachType: sys.AttachNetfilter}},
		{".text", false, SectionInfo{}},
		{"", false, SectionInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SectionDef(tt.name)
			if ok != tt.ok {
				t.Fatalf("SectionDef(%q) ok = %v, want %v", tt.name, ok, tt.ok)
			}
			if !ok {
				return
			}
			tt.want.Autoload = true
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("SectionDef(%q) (-want +got):\n%s", tt.name, d)
			}
			// "?" only turns autoload off.
			q, ok := SectionDef("?" + tt.name)
			if !ok {
				t.Fatalf("SectionDef(%q) not found", "?"+tt.name)
			}
			tt.want.Autoload = false
			if d := cmp.Diff(tt.want, q); d != "" {
				t.Errorf("SectionDef(%q) (-want +got):\n%s", "?"+tt.name, d)
			}
		})
	}
}

// TestSectionDefsCovered checks that every table entry is reachable: no
// earlier entry shadows it for its own canonical name.
func TestSectionDefsCovered(t *testing.T) {
	for _, d := range sectionDefs {
		name := d.pattern
		if name[len(name)-1] == '+' {
			name = name[:len(name)-1] + "/x"
		}
		got, ok := SectionDef(name)
		if !ok || got.Pattern != d.pattern {
			t.Errorf("SectionDef(%q) matched %q, want %q", name, got.Pattern, d.pattern)
		}
	}
}

// TestUnknownSection checks the message for names neither libbpf nor
// cilium/ebpf accepts: the closest known name when it is a likely typo,
// and the known names.
func TestUnknownSection(t *testing.T) {
	for _, c := range []struct{ name, hint string }{
		{"kprobes/do_sys_open", ` (did you mean "kprobe/do_sys_open"?)`},
		{"sokcet/filter", ` (did you mean "socket"?)`},
		{"tracepont/sched/x", ` (did you mean "tracepoint/sched/x"?)`},
		{"?uprob/bin:f", ` (did you mean "uprobe/bin:f"?)`},
		{"raw_tpp/sys_enter", ` (did you mean "raw_tp/sys_enter"?)`},
		{"mysection", ""},
		{"ab", ""},
	} {
		if _, ok := SectionDef(c.name); ok {
			t.Errorf("%q is known", c.name)
			continue
		}
		got := UnknownSection(c.name)
		want := fmt.Sprintf("section %q names no known program type%s; known: socket, sk_reuseport/migrate, sk_reuseport, kprobe[/...], ", c.name, c.hint)
		if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, ", sk_lookup, netfilter") {
			t.Errorf("UnknownSection(%q) = %q, want %q...", c.name, got, want)
		}
	}
}

// TestUnknownSectionProgram renames a section of sections.o into a typo:
// its program is unsupported with UnknownSection's message, which the
// backends report when it is loaded.
func TestUnknownSectionProgram(t *testing.T) {
	raw, err := os.ReadFile(objPath(t, "sections.o"))
	if err != nil {
		t.Fatal(err)
	}
	raw = bytes.ReplaceAll(raw, []byte("socket/filter"), []byte("sokcet/filter"))
	obj, err := Parse(bytes.NewReader(raw), "sections.o")
	if err != nil {
		t.Fatal(err)
	}
	p := obj.Program("sec_socket")
	if p == nil || p.Section != "sokcet/filter" {
		t.Fatalf("program sec_socket: %+v", p)
	}
	if !strings.HasPrefix(p.Unsupported, `section "sokcet/filter" names no known program type (did you mean "socket"?); known: socket, `) {
		t.Errorf("unsupported: %q", p.Unsupported)
	}
}
