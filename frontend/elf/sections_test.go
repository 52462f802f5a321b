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
	"github.com/bpfc/bpfc/uapi"
	"github.com/google/go-cmp/cmp"
)

func TestSectionDef(t *testing.T) {
	sleep := uapi.ProgFlagSleepable
	tests := []struct {
		name string
		ok   bool
		want SectionInfo
	}{
		{"socket", true, SectionInfo{Pattern: "socket", Type: uapi.ProgTypeSocketFilter}},
		{"socket/foo", true, SectionInfo{Pattern: "socket", Type: uapi.ProgTypeSocketFilter, Prefix: true}},
		{"socket1", true, SectionInfo{Pattern: "socket", Type: uapi.ProgTypeSocketFilter, Prefix: true}},
		{"sk_reuseport/migrate", true, SectionInfo{Pattern: "sk_reuseport/migrate", Type: uapi.ProgTypeSKReuseport, ExpectedAttachType: uapi.AttachSKReuseportSelectOrMigrate}},
		{"sk_reuseport", true, SectionInfo{Pattern: "sk_reuseport", Type: uapi.ProgTypeSKReuseport, ExpectedAttachType: uapi.AttachSKReuseportSelect}},
		{"kprobe/do_sys_open", true, SectionInfo{Pattern: "kprobe+", Type: uapi.ProgTypeKprobe, AttachTo: "do_sys_open"}},
		{"kprobe", true, SectionInfo{Pattern: "kprobe+", Type: uapi.ProgTypeKprobe}},
		{"kprobex", false, SectionInfo{}},
		{"kretprobe/do_exit", true, SectionInfo{Pattern: "kretprobe+", Type: uapi.ProgTypeKprobe, AttachTo: "do_exit"}},
		{"uprobe//bin/bash:readline", true, SectionInfo{Pattern: "uprobe+", Type: uapi.ProgTypeKprobe, AttachTo: "/bin/bash:readline"}},
		{"uprobe.s/bin:f", true, SectionInfo{Pattern: "uprobe.s+", Type: uapi.ProgTypeKprobe, AttachTo: "bin:f", Flags: sleep}},
		{"uretprobe.s", true, SectionInfo{Pattern: "uretprobe.s+", Type: uapi.ProgTypeKprobe, Flags: sleep}},
		{"kprobe.multi/tcp_*", true, SectionInfo{Pattern: "kprobe.multi+", Type: uapi.ProgTypeKprobe, ExpectedAttachType: uapi.AttachTraceKprobeMulti, AttachTo: "tcp_*"}},
		{"kretprobe.multi", true, SectionInfo{Pattern: "kretprobe.multi+", Type: uapi.ProgTypeKprobe, ExpectedAttachType: uapi.AttachTraceKprobeMulti}},
		{"kprobe.session/f", true, SectionInfo{Pattern: "kprobe.session+", Type: uapi.ProgTypeKprobe, ExpectedAttachType: uapi.AttachTraceKprobeSession, AttachTo: "f"}},
		{"uprobe.multi/x:y", true, SectionInfo{Pattern: "uprobe.multi+", Type: uapi.ProgTypeKprobe, ExpectedAttachType: uapi.AttachTraceUprobeMulti, AttachTo: "x:y"}},
		{"uprobe.multi.s", true, SectionInfo{Pattern: "uprobe.multi.s+", Type: uapi.ProgTypeKprobe, ExpectedAttachType: uapi.AttachTraceUprobeMulti, Flags: sleep}},
		{"uprobe.session.s", true, SectionInfo{Pattern: "uprobe.session.s+", Type: uapi.ProgTypeKprobe, ExpectedAttachType: uapi.AttachTraceUprobeSession, Flags: sleep}},
		{"ksyscall/openat", true, SectionInfo{Pattern: "ksyscall+", Type: uapi.ProgTypeKprobe, AttachTo: "openat"}},
		{"kretsyscall/openat", true, SectionInfo{Pattern: "kretsyscall+", Type: uapi.ProgTypeKprobe, AttachTo: "openat"}},
		{"usdt/lib:prov:name", true, SectionInfo{Pattern: "usdt+", Type: uapi.ProgTypeKprobe, AttachTo: "lib:prov:name"}},
		{"usdt.s", true, SectionInfo{Pattern: "usdt.s+", Type: uapi.ProgTypeKprobe, Flags: sleep}},
		{"tc/ingress", true, SectionInfo{Pattern: "tc/ingress", Type: uapi.ProgTypeSchedCls, ExpectedAttachType: uapi.AttachTCXIngress}},
		{"tc/egress", true, SectionInfo{Pattern: "tc/egress", Type: uapi.ProgTypeSchedCls, ExpectedAttachType: uapi.AttachTCXEgress}},
		{"tcx/ingress", true, SectionInfo{Pattern: "tcx/ingress", Type: uapi.ProgTypeSchedCls, ExpectedAttachType: uapi.AttachTCXIngress}},
		{"tcx/egress", true, SectionInfo{Pattern: "tcx/egress", Type: uapi.ProgTypeSchedCls, ExpectedAttachType: uapi.AttachTCXEgress}},
		{"tc", true, SectionInfo{Pattern: "tc", Type: uapi.ProgTypeSchedCls}},
		{"tc/other", true, SectionInfo{Pattern: "tc", Type: uapi.ProgTypeSchedCls, Prefix: true}},
		{"tcx/other", true, SectionInfo{Pattern: "tc", Type: uapi.ProgTypeSchedCls, Prefix: true}},
		{"tc/ingress/x", true, SectionInfo{Pattern: "tc/ingress", Type: uapi.ProgTypeSchedCls, ExpectedAttachType: uapi.AttachTCXIngress, Prefix: true}},
		{"classifier/x", true, SectionInfo{Pattern: "classifier", Type: uapi.ProgTypeSchedCls, Prefix: true}},
		{"classifier", true, SectionInfo{Pattern: "classifier", Type: uapi.ProgTypeSchedCls}},
		{"action", true, SectionInfo{Pattern: "action", Type: uapi.ProgTypeSchedAct}},
		{"netkit/primary", true, SectionInfo{Pattern: "netkit/primary", Type: uapi.ProgTypeSchedCls, ExpectedAttachType: uapi.AttachNetkitPrimary}},
		{"netkit/peer", true, SectionInfo{Pattern: "netkit/peer", Type: uapi.ProgTypeSchedCls, ExpectedAttachType: uapi.AttachNetkitPeer}},
		{"tracepoint/syscalls/sys_enter_openat", true, SectionInfo{Pattern: "tracepoint+", Type: uapi.ProgTypeTracepoint, AttachTo: "syscalls/sys_enter_openat"}},
		{"tp/sched/sched_switch", true, SectionInfo{Pattern: "tp+", Type: uapi.ProgTypeTracepoint, AttachTo: "sched/sched_switch"}},
		{"tp.s/a/b", true, SectionInfo{Pattern: "tp.s+", Type: uapi.ProgTypeTracepoint, AttachTo: "a/b", Flags: sleep}},
		{"tracepoint.s/a/b", true, SectionInfo{Pattern: "tracepoint.s+", Type: uapi.ProgTypeTracepoint, AttachTo: "a/b", Flags: sleep}},
		{"raw_tracepoint/sys_enter", true, SectionInfo{Pattern: "raw_tracepoint+", Type: uapi.ProgTypeRawTracepoint, AttachTo: "sys_enter"}},
		{"raw_tp/sys_enter", true, SectionInfo{Pattern: "raw_tp+", Type: uapi.ProgTypeRawTracepoint, AttachTo: "sys_enter"}},
		{"raw_tp.s/x", true, SectionInfo{Pattern: "raw_tp.s+", Type: uapi.ProgTypeRawTracepoint, AttachTo: "x", Flags: sleep}},
		{"raw_tracepoint.w/x", true, SectionInfo{Pattern: "raw_tracepoint.w+", Type: uapi.ProgTypeRawTracepointWritable, AttachTo: "x"}},
		{"raw_tp.w/x", true, SectionInfo{Pattern: "raw_tp.w+", Type: uapi.ProgTypeRawTracepointWritable, AttachTo: "x"}},
		{"tp_btf/sched_switch", true, SectionInfo{Pattern: "tp_btf+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceRawTp, AttachTo: "sched_switch", AttachBTFKind: btf.KindTypedef, AttachBTFName: "btf_trace_sched_switch"}},
		{"tp_btf.s/x", true, SectionInfo{Pattern: "tp_btf.s+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceRawTp, AttachTo: "x", AttachBTFKind: btf.KindTypedef, AttachBTFName: "btf_trace_x", Flags: sleep}},
		{"fentry/do_unlinkat", true, SectionInfo{Pattern: "fentry+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceFentry, AttachTo: "do_unlinkat", AttachBTFKind: btf.KindFunc, AttachBTFName: "do_unlinkat"}},
		{"fentry", true, SectionInfo{Pattern: "fentry+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceFentry, AttachBTFKind: btf.KindFunc}},
		{"fexit/f", true, SectionInfo{Pattern: "fexit+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceFexit, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f"}},
		{"fmod_ret/f", true, SectionInfo{Pattern: "fmod_ret+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachModifyReturn, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f"}},
		{"fentry.s/f", true, SectionInfo{Pattern: "fentry.s+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceFentry, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"fexit.s/f", true, SectionInfo{Pattern: "fexit.s+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceFexit, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"fsession/f", true, SectionInfo{Pattern: "fsession+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceFsession, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f"}},
		{"fsession.s/f", true, SectionInfo{Pattern: "fsession.s+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceFsession, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"fmod_ret.s/f", true, SectionInfo{Pattern: "fmod_ret.s+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachModifyReturn, AttachTo: "f", AttachBTFKind: btf.KindFunc, AttachBTFName: "f", Flags: sleep}},
		{"freplace/handler", true, SectionInfo{Pattern: "freplace+", Type: uapi.ProgTypeExt, AttachTo: "handler", AttachBTFKind: btf.KindFunc, AttachBTFName: "handler", Unsupported: freplaceUnsupported}},
		{"lsm/file_open", true, SectionInfo{Pattern: "lsm+", Type: uapi.ProgTypeLSM, ExpectedAttachType: uapi.AttachLSMMac, AttachTo: "file_open", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_lsm_file_open"}},
		{"lsm.s/file_open", true, SectionInfo{Pattern: "lsm.s+", Type: uapi.ProgTypeLSM, ExpectedAttachType: uapi.AttachLSMMac, AttachTo: "file_open", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_lsm_file_open", Flags: sleep}},
		{"lsm_cgroup/sk_alloc", true, SectionInfo{Pattern: "lsm_cgroup+", Type: uapi.ProgTypeLSM, ExpectedAttachType: uapi.AttachLSMCgroup, AttachTo: "sk_alloc", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_lsm_sk_alloc"}},
		{"iter/task", true, SectionInfo{Pattern: "iter+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceIter, AttachTo: "task", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_iter_task"}},
		{"iter.s/task", true, SectionInfo{Pattern: "iter.s+", Type: uapi.ProgTypeTracing, ExpectedAttachType: uapi.AttachTraceIter, AttachTo: "task", AttachBTFKind: btf.KindFunc, AttachBTFName: "bpf_iter_task", Flags: sleep}},
		{"syscall", true, SectionInfo{Pattern: "syscall", Type: uapi.ProgTypeSyscall, Flags: sleep}},
		{"xdp.frags/devmap", true, SectionInfo{Pattern: "xdp.frags/devmap", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDPDevmap, Flags: uapi.ProgFlagXDPHasFrags}},
		{"xdp/devmap", true, SectionInfo{Pattern: "xdp/devmap", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDPDevmap}},
		{"xdp.frags/cpumap", true, SectionInfo{Pattern: "xdp.frags/cpumap", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDPCpumap, Flags: uapi.ProgFlagXDPHasFrags}},
		{"xdp/cpumap", true, SectionInfo{Pattern: "xdp/cpumap", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDPCpumap}},
		{"xdp.frags", true, SectionInfo{Pattern: "xdp.frags", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDP, Flags: uapi.ProgFlagXDPHasFrags}},
		{"xdp", true, SectionInfo{Pattern: "xdp", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDP}},
		{"xdp/foo", true, SectionInfo{Pattern: "xdp", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDP, Prefix: true}},
		{"xdp_prog", true, SectionInfo{Pattern: "xdp", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDP, Prefix: true}},
		{"xdp.frags/foo", true, SectionInfo{Pattern: "xdp.frags", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDP, Flags: uapi.ProgFlagXDPHasFrags, Prefix: true}},
		{"xdp/devmap/x", true, SectionInfo{Pattern: "xdp/devmap", Type: uapi.ProgTypeXDP, ExpectedAttachType: uapi.AttachXDPDevmap, Prefix: true}},
		{"perf_event", true, SectionInfo{Pattern: "perf_event", Type: uapi.ProgTypePerfEvent}},
		{"lwt_in", true, SectionInfo{Pattern: "lwt_in", Type: uapi.ProgTypeLWTIn}},
		{"lwt_out", true, SectionInfo{Pattern: "lwt_out", Type: uapi.ProgTypeLWTOut}},
		{"lwt_xmit", true, SectionInfo{Pattern: "lwt_xmit", Type: uapi.ProgTypeLWTXmit}},
		{"lwt_seg6local", true, SectionInfo{Pattern: "lwt_seg6local", Type: uapi.ProgTypeLWTSeg6local}},
		{"sockops", true, SectionInfo{Pattern: "sockops", Type: uapi.ProgTypeSockOps, ExpectedAttachType: uapi.AttachCgroupSockOps}},
		{"sk_skb/stream_parser", true, SectionInfo{Pattern: "sk_skb/stream_parser", Type: uapi.ProgTypeSKSKB, ExpectedAttachType: uapi.AttachSKSKBStreamParser}},
		{"sk_skb/stream_verdict", true, SectionInfo{Pattern: "sk_skb/stream_verdict", Type: uapi.ProgTypeSKSKB, ExpectedAttachType: uapi.AttachSKSKBStreamVerdict}},
		{"sk_skb/verdict", true, SectionInfo{Pattern: "sk_skb/verdict", Type: uapi.ProgTypeSKSKB, ExpectedAttachType: uapi.AttachSKSKBVerdict}},
		{"sk_skb", true, SectionInfo{Pattern: "sk_skb", Type: uapi.ProgTypeSKSKB}},
		{"sk_msg", true, SectionInfo{Pattern: "sk_msg", Type: uapi.ProgTypeSKMsg, ExpectedAttachType: uapi.AttachSKMsgVerdict}},
		{"lirc_mode2", true, SectionInfo{Pattern: "lirc_mode2", Type: uapi.ProgTypeLIRCMode2, ExpectedAttachType: uapi.AttachLIRCMode2}},
		{"flow_dissector", true, SectionInfo{Pattern: "flow_dissector", Type: uapi.ProgTypeFlowDissector, ExpectedAttachType: uapi.AttachFlowDissector}},
		{"cgroup_skb/ingress", true, SectionInfo{Pattern: "cgroup_skb/ingress", Type: uapi.ProgTypeCgroupSKB, ExpectedAttachType: uapi.AttachCgroupInetIngress}},
		{"cgroup_skb/egress", true, SectionInfo{Pattern: "cgroup_skb/egress", Type: uapi.ProgTypeCgroupSKB, ExpectedAttachType: uapi.AttachCgroupInetEgress}},
		{"cgroup/skb", true, SectionInfo{Pattern: "cgroup/skb", Type: uapi.ProgTypeCgroupSKB}},
		{"cgroup/sock_create", true, SectionInfo{Pattern: "cgroup/sock_create", Type: uapi.ProgTypeCgroupSock, ExpectedAttachType: uapi.AttachCgroupInetSockCreate}},
		{"cgroup/sock_release", true, SectionInfo{Pattern: "cgroup/sock_release", Type: uapi.ProgTypeCgroupSock, ExpectedAttachType: uapi.AttachCgroupInetSockRelease}},
		{"cgroup/sock", true, SectionInfo{Pattern: "cgroup/sock", Type: uapi.ProgTypeCgroupSock, ExpectedAttachType: uapi.AttachCgroupInetSockCreate}},
		{"cgroup/post_bind4", true, SectionInfo{Pattern: "cgroup/post_bind4", Type: uapi.ProgTypeCgroupSock, ExpectedAttachType: uapi.AttachCgroupInet4PostBind}},
		{"cgroup/post_bind6", true, SectionInfo{Pattern: "cgroup/post_bind6", Type: uapi.ProgTypeCgroupSock, ExpectedAttachType: uapi.AttachCgroupInet6PostBind}},
		{"cgroup/bind4", true, SectionInfo{Pattern: "cgroup/bind4", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet4Bind}},
		{"cgroup/bind6", true, SectionInfo{Pattern: "cgroup/bind6", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet6Bind}},
		{"cgroup/connect4", true, SectionInfo{Pattern: "cgroup/connect4", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet4Connect}},
		{"cgroup/connect6", true, SectionInfo{Pattern: "cgroup/connect6", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet6Connect}},
		{"cgroup/connect_unix", true, SectionInfo{Pattern: "cgroup/connect_unix", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUnixConnect}},
		{"cgroup/sendmsg4", true, SectionInfo{Pattern: "cgroup/sendmsg4", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUDP4Sendmsg}},
		{"cgroup/sendmsg6", true, SectionInfo{Pattern: "cgroup/sendmsg6", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUDP6Sendmsg}},
		{"cgroup/sendmsg_unix", true, SectionInfo{Pattern: "cgroup/sendmsg_unix", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUnixSendmsg}},
		{"cgroup/recvmsg4", true, SectionInfo{Pattern: "cgroup/recvmsg4", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUDP4Recvmsg}},
		{"cgroup/recvmsg6", true, SectionInfo{Pattern: "cgroup/recvmsg6", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUDP6Recvmsg}},
		{"cgroup/recvmsg_unix", true, SectionInfo{Pattern: "cgroup/recvmsg_unix", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUnixRecvmsg}},
		{"cgroup/getpeername4", true, SectionInfo{Pattern: "cgroup/getpeername4", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet4Getpeername}},
		{"cgroup/getpeername6", true, SectionInfo{Pattern: "cgroup/getpeername6", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet6Getpeername}},
		{"cgroup/getpeername_unix", true, SectionInfo{Pattern: "cgroup/getpeername_unix", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUnixGetpeername}},
		{"cgroup/getsockname4", true, SectionInfo{Pattern: "cgroup/getsockname4", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet4Getsockname}},
		{"cgroup/getsockname6", true, SectionInfo{Pattern: "cgroup/getsockname6", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupInet6Getsockname}},
		{"cgroup/getsockname_unix", true, SectionInfo{Pattern: "cgroup/getsockname_unix", Type: uapi.ProgTypeCgroupSockAddr, ExpectedAttachType: uapi.AttachCgroupUnixGetsockname}},
		{"cgroup/sysctl", true, SectionInfo{Pattern: "cgroup/sysctl", Type: uapi.ProgTypeCgroupSysctl, ExpectedAttachType: uapi.AttachCgroupSysctl}},
		{"cgroup/getsockopt", true, SectionInfo{Pattern: "cgroup/getsockopt", Type: uapi.ProgTypeCgroupSockopt, ExpectedAttachType: uapi.AttachCgroupGetsockopt}},
		{"cgroup/setsockopt", true, SectionInfo{Pattern: "cgroup/setsockopt", Type: uapi.ProgTypeCgroupSockopt, ExpectedAttachType: uapi.AttachCgroupSetsockopt}},
		{"cgroup/dev", true, SectionInfo{Pattern: "cgroup/dev", Type: uapi.ProgTypeCgroupDevice, ExpectedAttachType: uapi.AttachCgroupDevice}},
		{"struct_ops/init", true, SectionInfo{Pattern: "struct_ops+", Type: uapi.ProgTypeStructOps, AttachTo: "init"}},
		{"struct_ops.s/init", true, SectionInfo{Pattern: "struct_ops.s+", Type: uapi.ProgTypeStructOps, AttachTo: "init", Flags: sleep}},
		{"sk_lookup", true, SectionInfo{Pattern: "sk_lookup", Type: uapi.ProgTypeSKLookup, ExpectedAttachType: uapi.AttachSKLookup}},
		{"sk_lookup/x", true, SectionInfo{Pattern: "sk_lookup", Type: uapi.ProgTypeSKLookup, ExpectedAttachType: uapi.AttachSKLookup, Prefix: true}},
		{"syscall/x", true, SectionInfo{Pattern: "syscall", Type: uapi.ProgTypeSyscall, Flags: sleep, Prefix: true}},
		{"sk_skb/other", true, SectionInfo{Pattern: "sk_skb", Type: uapi.ProgTypeSKSKB, Prefix: true}},
		{"cgroup/skb/x", true, SectionInfo{Pattern: "cgroup/skb", Type: uapi.ProgTypeCgroupSKB, Prefix: true}},
		{"perf_event/x", true, SectionInfo{Pattern: "perf_event", Type: uapi.ProgTypePerfEvent, Prefix: true}},
		// '+' patterns match only "name" and "name/...", with either rule.
		{"kprobes/do_sys_open", false, SectionInfo{}},
		{"tracepont/a/b", false, SectionInfo{}},
		{"fentry_x", false, SectionInfo{}},
		{"sokcet", false, SectionInfo{}},
		{"netfilter", true, SectionInfo{Pattern: "netfilter", Type: uapi.ProgTypeNetfilter, ExpectedAttachType: uapi.AttachNetfilter}},
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
