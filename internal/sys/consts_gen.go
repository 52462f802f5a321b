// This file lists the enum values and kernel-style names of bpf commands,
// program, map, attach and link types and helper functions, transcribed
// (by a script, not kept) from the Linux 6.18 uapi include/uapi/linux/bpf.h.

package sys

// Cmd values (enum bpf_cmd).
const (
	CmdMapCreate               Cmd = 0  // BPF_MAP_CREATE
	CmdMapLookupElem           Cmd = 1  // BPF_MAP_LOOKUP_ELEM
	CmdMapUpdateElem           Cmd = 2  // BPF_MAP_UPDATE_ELEM
	CmdMapDeleteElem           Cmd = 3  // BPF_MAP_DELETE_ELEM
	CmdMapGetNextKey           Cmd = 4  // BPF_MAP_GET_NEXT_KEY
	CmdProgLoad                Cmd = 5  // BPF_PROG_LOAD
	CmdObjPin                  Cmd = 6  // BPF_OBJ_PIN
	CmdObjGet                  Cmd = 7  // BPF_OBJ_GET
	CmdProgAttach              Cmd = 8  // BPF_PROG_ATTACH
	CmdProgDetach              Cmd = 9  // BPF_PROG_DETACH
	CmdProgTestRun             Cmd = 10 // BPF_PROG_TEST_RUN
	CmdProgGetNextID           Cmd = 11 // BPF_PROG_GET_NEXT_ID
	CmdMapGetNextID            Cmd = 12 // BPF_MAP_GET_NEXT_ID
	CmdProgGetFDByID           Cmd = 13 // BPF_PROG_GET_FD_BY_ID
	CmdMapGetFDByID            Cmd = 14 // BPF_MAP_GET_FD_BY_ID
	CmdObjGetInfoByFD          Cmd = 15 // BPF_OBJ_GET_INFO_BY_FD
	CmdProgQuery               Cmd = 16 // BPF_PROG_QUERY
	CmdRawTracepointOpen       Cmd = 17 // BPF_RAW_TRACEPOINT_OPEN
	CmdBTFLoad                 Cmd = 18 // BPF_BTF_LOAD
	CmdBTFGetFDByID            Cmd = 19 // BPF_BTF_GET_FD_BY_ID
	CmdTaskFDQuery             Cmd = 20 // BPF_TASK_FD_QUERY
	CmdMapLookupAndDeleteElem  Cmd = 21 // BPF_MAP_LOOKUP_AND_DELETE_ELEM
	CmdMapFreeze               Cmd = 22 // BPF_MAP_FREEZE
	CmdBTFGetNextID            Cmd = 23 // BPF_BTF_GET_NEXT_ID
	CmdMapLookupBatch          Cmd = 24 // BPF_MAP_LOOKUP_BATCH
	CmdMapLookupAndDeleteBatch Cmd = 25 // BPF_MAP_LOOKUP_AND_DELETE_BATCH
	CmdMapUpdateBatch          Cmd = 26 // BPF_MAP_UPDATE_BATCH
	CmdMapDeleteBatch          Cmd = 27 // BPF_MAP_DELETE_BATCH
	CmdLinkCreate              Cmd = 28 // BPF_LINK_CREATE
	CmdLinkUpdate              Cmd = 29 // BPF_LINK_UPDATE
	CmdLinkGetFDByID           Cmd = 30 // BPF_LINK_GET_FD_BY_ID
	CmdLinkGetNextID           Cmd = 31 // BPF_LINK_GET_NEXT_ID
	CmdEnableStats             Cmd = 32 // BPF_ENABLE_STATS
	CmdIterCreate              Cmd = 33 // BPF_ITER_CREATE
	CmdLinkDetach              Cmd = 34 // BPF_LINK_DETACH
	CmdProgBindMap             Cmd = 35 // BPF_PROG_BIND_MAP
	CmdTokenCreate             Cmd = 36 // BPF_TOKEN_CREATE
	CmdProgStreamReadByFD      Cmd = 37 // BPF_PROG_STREAM_READ_BY_FD
)

var cmdNames = [...]string{
	0:  "BPF_MAP_CREATE",
	1:  "BPF_MAP_LOOKUP_ELEM",
	2:  "BPF_MAP_UPDATE_ELEM",
	3:  "BPF_MAP_DELETE_ELEM",
	4:  "BPF_MAP_GET_NEXT_KEY",
	5:  "BPF_PROG_LOAD",
	6:  "BPF_OBJ_PIN",
	7:  "BPF_OBJ_GET",
	8:  "BPF_PROG_ATTACH",
	9:  "BPF_PROG_DETACH",
	10: "BPF_PROG_TEST_RUN",
	11: "BPF_PROG_GET_NEXT_ID",
	12: "BPF_MAP_GET_NEXT_ID",
	13: "BPF_PROG_GET_FD_BY_ID",
	14: "BPF_MAP_GET_FD_BY_ID",
	15: "BPF_OBJ_GET_INFO_BY_FD",
	16: "BPF_PROG_QUERY",
	17: "BPF_RAW_TRACEPOINT_OPEN",
	18: "BPF_BTF_LOAD",
	19: "BPF_BTF_GET_FD_BY_ID",
	20: "BPF_TASK_FD_QUERY",
	21: "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
	22: "BPF_MAP_FREEZE",
	23: "BPF_BTF_GET_NEXT_ID",
	24: "BPF_MAP_LOOKUP_BATCH",
	25: "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
	26: "BPF_MAP_UPDATE_BATCH",
	27: "BPF_MAP_DELETE_BATCH",
	28: "BPF_LINK_CREATE",
	29: "BPF_LINK_UPDATE",
	30: "BPF_LINK_GET_FD_BY_ID",
	31: "BPF_LINK_GET_NEXT_ID",
	32: "BPF_ENABLE_STATS",
	33: "BPF_ITER_CREATE",
	34: "BPF_LINK_DETACH",
	35: "BPF_PROG_BIND_MAP",
	36: "BPF_TOKEN_CREATE",
	37: "BPF_PROG_STREAM_READ_BY_FD",
}

// MapType values (enum bpf_map_type).
const (
	MapTypeUnspec              MapType = 0  // BPF_MAP_TYPE_UNSPEC
	MapTypeHash                MapType = 1  // BPF_MAP_TYPE_HASH
	MapTypeArray               MapType = 2  // BPF_MAP_TYPE_ARRAY
	MapTypeProgArray           MapType = 3  // BPF_MAP_TYPE_PROG_ARRAY
	MapTypePerfEventArray      MapType = 4  // BPF_MAP_TYPE_PERF_EVENT_ARRAY
	MapTypePercpuHash          MapType = 5  // BPF_MAP_TYPE_PERCPU_HASH
	MapTypePercpuArray         MapType = 6  // BPF_MAP_TYPE_PERCPU_ARRAY
	MapTypeStackTrace          MapType = 7  // BPF_MAP_TYPE_STACK_TRACE
	MapTypeCgroupArray         MapType = 8  // BPF_MAP_TYPE_CGROUP_ARRAY
	MapTypeLRUHash             MapType = 9  // BPF_MAP_TYPE_LRU_HASH
	MapTypeLRUPercpuHash       MapType = 10 // BPF_MAP_TYPE_LRU_PERCPU_HASH
	MapTypeLPMTrie             MapType = 11 // BPF_MAP_TYPE_LPM_TRIE
	MapTypeArrayOfMaps         MapType = 12 // BPF_MAP_TYPE_ARRAY_OF_MAPS
	MapTypeHashOfMaps          MapType = 13 // BPF_MAP_TYPE_HASH_OF_MAPS
	MapTypeDevmap              MapType = 14 // BPF_MAP_TYPE_DEVMAP
	MapTypeSockmap             MapType = 15 // BPF_MAP_TYPE_SOCKMAP
	MapTypeCpumap              MapType = 16 // BPF_MAP_TYPE_CPUMAP
	MapTypeXskmap              MapType = 17 // BPF_MAP_TYPE_XSKMAP
	MapTypeSockhash            MapType = 18 // BPF_MAP_TYPE_SOCKHASH
	MapTypeCgroupStorage       MapType = 19 // BPF_MAP_TYPE_CGROUP_STORAGE
	MapTypeReuseportSockarray  MapType = 20 // BPF_MAP_TYPE_REUSEPORT_SOCKARRAY
	MapTypePercpuCgroupStorage MapType = 21 // BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
	MapTypeQueue               MapType = 22 // BPF_MAP_TYPE_QUEUE
	MapTypeStack               MapType = 23 // BPF_MAP_TYPE_STACK
	MapTypeSKStorage           MapType = 24 // BPF_MAP_TYPE_SK_STORAGE
	MapTypeDevmapHash          MapType = 25 // BPF_MAP_TYPE_DEVMAP_HASH
	MapTypeStructOps           MapType = 26 // BPF_MAP_TYPE_STRUCT_OPS
	MapTypeRingbuf             MapType = 27 // BPF_MAP_TYPE_RINGBUF
	MapTypeInodeStorage        MapType = 28 // BPF_MAP_TYPE_INODE_STORAGE
	MapTypeTaskStorage         MapType = 29 // BPF_MAP_TYPE_TASK_STORAGE
	MapTypeBloomFilter         MapType = 30 // BPF_MAP_TYPE_BLOOM_FILTER
	MapTypeUserRingbuf         MapType = 31 // BPF_MAP_TYPE_USER_RINGBUF
	MapTypeCgrpStorage         MapType = 32 // BPF_MAP_TYPE_CGRP_STORAGE
	MapTypeArena               MapType = 33 // BPF_MAP_TYPE_ARENA
)

var mapTypeNames = [...]string{
	0:  "unspec",
	1:  "hash",
	2:  "array",
	3:  "prog_array",
	4:  "perf_event_array",
	5:  "percpu_hash",
	6:  "percpu_array",
	7:  "stack_trace",
	8:  "cgroup_array",
	9:  "lru_hash",
	10: "lru_percpu_hash",
	11: "lpm_trie",
	12: "array_of_maps",
	13: "hash_of_maps",
	14: "devmap",
	15: "sockmap",
	16: "cpumap",
	17: "xskmap",
	18: "sockhash",
	19: "cgroup_storage",
	20: "reuseport_sockarray",
	21: "percpu_cgroup_storage",
	22: "queue",
	23: "stack",
	24: "sk_storage",
	25: "devmap_hash",
	26: "struct_ops",
	27: "ringbuf",
	28: "inode_storage",
	29: "task_storage",
	30: "bloom_filter",
	31: "user_ringbuf",
	32: "cgrp_storage",
	33: "arena",
}

// ProgType values (enum bpf_prog_type).
const (
	ProgTypeUnspec                ProgType = 0  // BPF_PROG_TYPE_UNSPEC
	ProgTypeSocketFilter          ProgType = 1  // BPF_PROG_TYPE_SOCKET_FILTER
	ProgTypeKprobe                ProgType = 2  // BPF_PROG_TYPE_KPROBE
	ProgTypeSchedCls              ProgType = 3  // BPF_PROG_TYPE_SCHED_CLS
	ProgTypeSchedAct              ProgType = 4  // BPF_PROG_TYPE_SCHED_ACT
	ProgTypeTracepoint            ProgType = 5  // BPF_PROG_TYPE_TRACEPOINT
	ProgTypeXDP                   ProgType = 6  // BPF_PROG_TYPE_XDP
	ProgTypePerfEvent             ProgType = 7  // BPF_PROG_TYPE_PERF_EVENT
	ProgTypeCgroupSKB             ProgType = 8  // BPF_PROG_TYPE_CGROUP_SKB
	ProgTypeCgroupSock            ProgType = 9  // BPF_PROG_TYPE_CGROUP_SOCK
	ProgTypeLWTIn                 ProgType = 10 // BPF_PROG_TYPE_LWT_IN
	ProgTypeLWTOut                ProgType = 11 // BPF_PROG_TYPE_LWT_OUT
	ProgTypeLWTXmit               ProgType = 12 // BPF_PROG_TYPE_LWT_XMIT
	ProgTypeSockOps               ProgType = 13 // BPF_PROG_TYPE_SOCK_OPS
	ProgTypeSKSKB                 ProgType = 14 // BPF_PROG_TYPE_SK_SKB
	ProgTypeCgroupDevice          ProgType = 15 // BPF_PROG_TYPE_CGROUP_DEVICE
	ProgTypeSKMsg                 ProgType = 16 // BPF_PROG_TYPE_SK_MSG
	ProgTypeRawTracepoint         ProgType = 17 // BPF_PROG_TYPE_RAW_TRACEPOINT
	ProgTypeCgroupSockAddr        ProgType = 18 // BPF_PROG_TYPE_CGROUP_SOCK_ADDR
	ProgTypeLWTSeg6local          ProgType = 19 // BPF_PROG_TYPE_LWT_SEG6LOCAL
	ProgTypeLIRCMode2             ProgType = 20 // BPF_PROG_TYPE_LIRC_MODE2
	ProgTypeSKReuseport           ProgType = 21 // BPF_PROG_TYPE_SK_REUSEPORT
	ProgTypeFlowDissector         ProgType = 22 // BPF_PROG_TYPE_FLOW_DISSECTOR
	ProgTypeCgroupSysctl          ProgType = 23 // BPF_PROG_TYPE_CGROUP_SYSCTL
	ProgTypeRawTracepointWritable ProgType = 24 // BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE
	ProgTypeCgroupSockopt         ProgType = 25 // BPF_PROG_TYPE_CGROUP_SOCKOPT
	ProgTypeTracing               ProgType = 26 // BPF_PROG_TYPE_TRACING
	ProgTypeStructOps             ProgType = 27 // BPF_PROG_TYPE_STRUCT_OPS
	ProgTypeExt                   ProgType = 28 // BPF_PROG_TYPE_EXT
	ProgTypeLSM                   ProgType = 29 // BPF_PROG_TYPE_LSM
	ProgTypeSKLookup              ProgType = 30 // BPF_PROG_TYPE_SK_LOOKUP
	ProgTypeSyscall               ProgType = 31 // BPF_PROG_TYPE_SYSCALL
	ProgTypeNetfilter             ProgType = 32 // BPF_PROG_TYPE_NETFILTER
)

var progTypeNames = [...]string{
	0:  "unspec",
	1:  "socket_filter",
	2:  "kprobe",
	3:  "sched_cls",
	4:  "sched_act",
	5:  "tracepoint",
	6:  "xdp",
	7:  "perf_event",
	8:  "cgroup_skb",
	9:  "cgroup_sock",
	10: "lwt_in",
	11: "lwt_out",
	12: "lwt_xmit",
	13: "sock_ops",
	14: "sk_skb",
	15: "cgroup_device",
	16: "sk_msg",
	17: "raw_tracepoint",
	18: "cgroup_sock_addr",
	19: "lwt_seg6local",
	20: "lirc_mode2",
	21: "sk_reuseport",
	22: "flow_dissector",
	23: "cgroup_sysctl",
	24: "raw_tracepoint_writable",
	25: "cgroup_sockopt",
	26: "tracing",
	27: "struct_ops",
	28: "ext",
	29: "lsm",
	30: "sk_lookup",
	31: "syscall",
	32: "netfilter",
}

// AttachType values (enum bpf_attach_type).
const (
	AttachCgroupInetIngress          AttachType = 0  // BPF_CGROUP_INET_INGRESS
	AttachCgroupInetEgress           AttachType = 1  // BPF_CGROUP_INET_EGRESS
	AttachCgroupInetSockCreate       AttachType = 2  // BPF_CGROUP_INET_SOCK_CREATE
	AttachCgroupSockOps              AttachType = 3  // BPF_CGROUP_SOCK_OPS
	AttachSKSKBStreamParser          AttachType = 4  // BPF_SK_SKB_STREAM_PARSER
	AttachSKSKBStreamVerdict         AttachType = 5  // BPF_SK_SKB_STREAM_VERDICT
	AttachCgroupDevice               AttachType = 6  // BPF_CGROUP_DEVICE
	AttachSKMsgVerdict               AttachType = 7  // BPF_SK_MSG_VERDICT
	AttachCgroupInet4Bind            AttachType = 8  // BPF_CGROUP_INET4_BIND
	AttachCgroupInet6Bind            AttachType = 9  // BPF_CGROUP_INET6_BIND
	AttachCgroupInet4Connect         AttachType = 10 // BPF_CGROUP_INET4_CONNECT
	AttachCgroupInet6Connect         AttachType = 11 // BPF_CGROUP_INET6_CONNECT
	AttachCgroupInet4PostBind        AttachType = 12 // BPF_CGROUP_INET4_POST_BIND
	AttachCgroupInet6PostBind        AttachType = 13 // BPF_CGROUP_INET6_POST_BIND
	AttachCgroupUDP4Sendmsg          AttachType = 14 // BPF_CGROUP_UDP4_SENDMSG
	AttachCgroupUDP6Sendmsg          AttachType = 15 // BPF_CGROUP_UDP6_SENDMSG
	AttachLIRCMode2                  AttachType = 16 // BPF_LIRC_MODE2
	AttachFlowDissector              AttachType = 17 // BPF_FLOW_DISSECTOR
	AttachCgroupSysctl               AttachType = 18 // BPF_CGROUP_SYSCTL
	AttachCgroupUDP4Recvmsg          AttachType = 19 // BPF_CGROUP_UDP4_RECVMSG
	AttachCgroupUDP6Recvmsg          AttachType = 20 // BPF_CGROUP_UDP6_RECVMSG
	AttachCgroupGetsockopt           AttachType = 21 // BPF_CGROUP_GETSOCKOPT
	AttachCgroupSetsockopt           AttachType = 22 // BPF_CGROUP_SETSOCKOPT
	AttachTraceRawTp                 AttachType = 23 // BPF_TRACE_RAW_TP
	AttachTraceFentry                AttachType = 24 // BPF_TRACE_FENTRY
	AttachTraceFexit                 AttachType = 25 // BPF_TRACE_FEXIT
	AttachModifyReturn               AttachType = 26 // BPF_MODIFY_RETURN
	AttachLSMMac                     AttachType = 27 // BPF_LSM_MAC
	AttachTraceIter                  AttachType = 28 // BPF_TRACE_ITER
	AttachCgroupInet4Getpeername     AttachType = 29 // BPF_CGROUP_INET4_GETPEERNAME
	AttachCgroupInet6Getpeername     AttachType = 30 // BPF_CGROUP_INET6_GETPEERNAME
	AttachCgroupInet4Getsockname     AttachType = 31 // BPF_CGROUP_INET4_GETSOCKNAME
	AttachCgroupInet6Getsockname     AttachType = 32 // BPF_CGROUP_INET6_GETSOCKNAME
	AttachXDPDevmap                  AttachType = 33 // BPF_XDP_DEVMAP
	AttachCgroupInetSockRelease      AttachType = 34 // BPF_CGROUP_INET_SOCK_RELEASE
	AttachXDPCpumap                  AttachType = 35 // BPF_XDP_CPUMAP
	AttachSKLookup                   AttachType = 36 // BPF_SK_LOOKUP
	AttachXDP                        AttachType = 37 // BPF_XDP
	AttachSKSKBVerdict               AttachType = 38 // BPF_SK_SKB_VERDICT
	AttachSKReuseportSelect          AttachType = 39 // BPF_SK_REUSEPORT_SELECT
	AttachSKReuseportSelectOrMigrate AttachType = 40 // BPF_SK_REUSEPORT_SELECT_OR_MIGRATE
	AttachPerfEvent                  AttachType = 41 // BPF_PERF_EVENT
	AttachTraceKprobeMulti           AttachType = 42 // BPF_TRACE_KPROBE_MULTI
	AttachLSMCgroup                  AttachType = 43 // BPF_LSM_CGROUP
	AttachStructOps                  AttachType = 44 // BPF_STRUCT_OPS
	AttachNetfilter                  AttachType = 45 // BPF_NETFILTER
	AttachTCXIngress                 AttachType = 46 // BPF_TCX_INGRESS
	AttachTCXEgress                  AttachType = 47 // BPF_TCX_EGRESS
	AttachTraceUprobeMulti           AttachType = 48 // BPF_TRACE_UPROBE_MULTI
	AttachCgroupUnixConnect          AttachType = 49 // BPF_CGROUP_UNIX_CONNECT
	AttachCgroupUnixSendmsg          AttachType = 50 // BPF_CGROUP_UNIX_SENDMSG
	AttachCgroupUnixRecvmsg          AttachType = 51 // BPF_CGROUP_UNIX_RECVMSG
	AttachCgroupUnixGetpeername      AttachType = 52 // BPF_CGROUP_UNIX_GETPEERNAME
	AttachCgroupUnixGetsockname      AttachType = 53 // BPF_CGROUP_UNIX_GETSOCKNAME
	AttachNetkitPrimary              AttachType = 54 // BPF_NETKIT_PRIMARY
	AttachNetkitPeer                 AttachType = 55 // BPF_NETKIT_PEER
	AttachTraceKprobeSession         AttachType = 56 // BPF_TRACE_KPROBE_SESSION
	AttachTraceUprobeSession         AttachType = 57 // BPF_TRACE_UPROBE_SESSION
	AttachTraceFsession              AttachType = 58 // BPF_TRACE_FSESSION (after 6.18: libbpf's and cilium/ebpf's fsession sections)
)

var attachTypeNames = [...]string{
	0:  "cgroup_inet_ingress",
	1:  "cgroup_inet_egress",
	2:  "cgroup_inet_sock_create",
	3:  "cgroup_sock_ops",
	4:  "sk_skb_stream_parser",
	5:  "sk_skb_stream_verdict",
	6:  "cgroup_device",
	7:  "sk_msg_verdict",
	8:  "cgroup_inet4_bind",
	9:  "cgroup_inet6_bind",
	10: "cgroup_inet4_connect",
	11: "cgroup_inet6_connect",
	12: "cgroup_inet4_post_bind",
	13: "cgroup_inet6_post_bind",
	14: "cgroup_udp4_sendmsg",
	15: "cgroup_udp6_sendmsg",
	16: "lirc_mode2",
	17: "flow_dissector",
	18: "cgroup_sysctl",
	19: "cgroup_udp4_recvmsg",
	20: "cgroup_udp6_recvmsg",
	21: "cgroup_getsockopt",
	22: "cgroup_setsockopt",
	23: "trace_raw_tp",
	24: "trace_fentry",
	25: "trace_fexit",
	26: "modify_return",
	27: "lsm_mac",
	28: "trace_iter",
	29: "cgroup_inet4_getpeername",
	30: "cgroup_inet6_getpeername",
	31: "cgroup_inet4_getsockname",
	32: "cgroup_inet6_getsockname",
	33: "xdp_devmap",
	34: "cgroup_inet_sock_release",
	35: "xdp_cpumap",
	36: "sk_lookup",
	37: "xdp",
	38: "sk_skb_verdict",
	39: "sk_reuseport_select",
	40: "sk_reuseport_select_or_migrate",
	41: "perf_event",
	42: "trace_kprobe_multi",
	43: "lsm_cgroup",
	44: "struct_ops",
	45: "netfilter",
	46: "tcx_ingress",
	47: "tcx_egress",
	48: "trace_uprobe_multi",
	49: "cgroup_unix_connect",
	50: "cgroup_unix_sendmsg",
	51: "cgroup_unix_recvmsg",
	52: "cgroup_unix_getpeername",
	53: "cgroup_unix_getsockname",
	54: "netkit_primary",
	55: "netkit_peer",
	56: "trace_kprobe_session",
	57: "trace_uprobe_session",
	58: "trace_fsession",
}

// LinkType values (enum bpf_link_type).
const (
	LinkTypeUnspec        LinkType = 0  // BPF_LINK_TYPE_UNSPEC
	LinkTypeRawTracepoint LinkType = 1  // BPF_LINK_TYPE_RAW_TRACEPOINT
	LinkTypeTracing       LinkType = 2  // BPF_LINK_TYPE_TRACING
	LinkTypeCgroup        LinkType = 3  // BPF_LINK_TYPE_CGROUP
	LinkTypeIter          LinkType = 4  // BPF_LINK_TYPE_ITER
	LinkTypeNetns         LinkType = 5  // BPF_LINK_TYPE_NETNS
	LinkTypeXDP           LinkType = 6  // BPF_LINK_TYPE_XDP
	LinkTypePerfEvent     LinkType = 7  // BPF_LINK_TYPE_PERF_EVENT
	LinkTypeKprobeMulti   LinkType = 8  // BPF_LINK_TYPE_KPROBE_MULTI
	LinkTypeStructOps     LinkType = 9  // BPF_LINK_TYPE_STRUCT_OPS
	LinkTypeNetfilter     LinkType = 10 // BPF_LINK_TYPE_NETFILTER
	LinkTypeTCX           LinkType = 11 // BPF_LINK_TYPE_TCX
	LinkTypeUprobeMulti   LinkType = 12 // BPF_LINK_TYPE_UPROBE_MULTI
	LinkTypeNetkit        LinkType = 13 // BPF_LINK_TYPE_NETKIT
	LinkTypeSockmap       LinkType = 14 // BPF_LINK_TYPE_SOCKMAP
)

var linkTypeNames = [...]string{
	0:  "unspec",
	1:  "raw_tracepoint",
	2:  "tracing",
	3:  "cgroup",
	4:  "iter",
	5:  "netns",
	6:  "xdp",
	7:  "perf_event",
	8:  "kprobe_multi",
	9:  "struct_ops",
	10: "netfilter",
	11: "tcx",
	12: "uprobe_multi",
	13: "netkit",
	14: "sockmap",
}

// HelperID values: the BPF helper function numbers (the __BPF_FUNC_MAPPER list).
const (
	HelperUnspec                     HelperID = 0   // bpf_unspec
	HelperMapLookupElem              HelperID = 1   // bpf_map_lookup_elem
	HelperMapUpdateElem              HelperID = 2   // bpf_map_update_elem
	HelperMapDeleteElem              HelperID = 3   // bpf_map_delete_elem
	HelperProbeRead                  HelperID = 4   // bpf_probe_read
	HelperKtimeGetNS                 HelperID = 5   // bpf_ktime_get_ns
	HelperTracePrintk                HelperID = 6   // bpf_trace_printk
	HelperGetPrandomU32              HelperID = 7   // bpf_get_prandom_u32
	HelperGetSMPProcessorID          HelperID = 8   // bpf_get_smp_processor_id
	HelperSKBStoreBytes              HelperID = 9   // bpf_skb_store_bytes
	HelperL3CsumReplace              HelperID = 10  // bpf_l3_csum_replace
	HelperL4CsumReplace              HelperID = 11  // bpf_l4_csum_replace
	HelperTailCall                   HelperID = 12  // bpf_tail_call
	HelperCloneRedirect              HelperID = 13  // bpf_clone_redirect
	HelperGetCurrentPIDTGID          HelperID = 14  // bpf_get_current_pid_tgid
	HelperGetCurrentUIDGID           HelperID = 15  // bpf_get_current_uid_gid
	HelperGetCurrentComm             HelperID = 16  // bpf_get_current_comm
	HelperGetCgroupClassid           HelperID = 17  // bpf_get_cgroup_classid
	HelperSKBVLANPush                HelperID = 18  // bpf_skb_vlan_push
	HelperSKBVLANPop                 HelperID = 19  // bpf_skb_vlan_pop
	HelperSKBGetTunnelKey            HelperID = 20  // bpf_skb_get_tunnel_key
	HelperSKBSetTunnelKey            HelperID = 21  // bpf_skb_set_tunnel_key
	HelperPerfEventRead              HelperID = 22  // bpf_perf_event_read
	HelperRedirect                   HelperID = 23  // bpf_redirect
	HelperGetRouteRealm              HelperID = 24  // bpf_get_route_realm
	HelperPerfEventOutput            HelperID = 25  // bpf_perf_event_output
	HelperSKBLoadBytes               HelperID = 26  // bpf_skb_load_bytes
	HelperGetStackid                 HelperID = 27  // bpf_get_stackid
	HelperCsumDiff                   HelperID = 28  // bpf_csum_diff
	HelperSKBGetTunnelOpt            HelperID = 29  // bpf_skb_get_tunnel_opt
	HelperSKBSetTunnelOpt            HelperID = 30  // bpf_skb_set_tunnel_opt
	HelperSKBChangeProto             HelperID = 31  // bpf_skb_change_proto
	HelperSKBChangeType              HelperID = 32  // bpf_skb_change_type
	HelperSKBUnderCgroup             HelperID = 33  // bpf_skb_under_cgroup
	HelperGetHashRecalc              HelperID = 34  // bpf_get_hash_recalc
	HelperGetCurrentTask             HelperID = 35  // bpf_get_current_task
	HelperProbeWriteUser             HelperID = 36  // bpf_probe_write_user
	HelperCurrentTaskUnderCgroup     HelperID = 37  // bpf_current_task_under_cgroup
	HelperSKBChangeTail              HelperID = 38  // bpf_skb_change_tail
	HelperSKBPullData                HelperID = 39  // bpf_skb_pull_data
	HelperCsumUpdate                 HelperID = 40  // bpf_csum_update
	HelperSetHashInvalid             HelperID = 41  // bpf_set_hash_invalid
	HelperGetNUMANodeID              HelperID = 42  // bpf_get_numa_node_id
	HelperSKBChangeHead              HelperID = 43  // bpf_skb_change_head
	HelperXDPAdjustHead              HelperID = 44  // bpf_xdp_adjust_head
	HelperProbeReadStr               HelperID = 45  // bpf_probe_read_str
	HelperGetSocketCookie            HelperID = 46  // bpf_get_socket_cookie
	HelperGetSocketUID               HelperID = 47  // bpf_get_socket_uid
	HelperSetHash                    HelperID = 48  // bpf_set_hash
	HelperSetsockopt                 HelperID = 49  // bpf_setsockopt
	HelperSKBAdjustRoom              HelperID = 50  // bpf_skb_adjust_room
	HelperRedirectMap                HelperID = 51  // bpf_redirect_map
	HelperSKRedirectMap              HelperID = 52  // bpf_sk_redirect_map
	HelperSockMapUpdate              HelperID = 53  // bpf_sock_map_update
	HelperXDPAdjustMeta              HelperID = 54  // bpf_xdp_adjust_meta
	HelperPerfEventReadValue         HelperID = 55  // bpf_perf_event_read_value
	HelperPerfProgReadValue          HelperID = 56  // bpf_perf_prog_read_value
	HelperGetsockopt                 HelperID = 57  // bpf_getsockopt
	HelperOverrideReturn             HelperID = 58  // bpf_override_return
	HelperSockOpsCbFlagsSet          HelperID = 59  // bpf_sock_ops_cb_flags_set
	HelperMsgRedirectMap             HelperID = 60  // bpf_msg_redirect_map
	HelperMsgApplyBytes              HelperID = 61  // bpf_msg_apply_bytes
	HelperMsgCorkBytes               HelperID = 62  // bpf_msg_cork_bytes
	HelperMsgPullData                HelperID = 63  // bpf_msg_pull_data
	HelperBind                       HelperID = 64  // bpf_bind
	HelperXDPAdjustTail              HelperID = 65  // bpf_xdp_adjust_tail
	HelperSKBGetXfrmState            HelperID = 66  // bpf_skb_get_xfrm_state
	HelperGetStack                   HelperID = 67  // bpf_get_stack
	HelperSKBLoadBytesRelative       HelperID = 68  // bpf_skb_load_bytes_relative
	HelperFIBLookup                  HelperID = 69  // bpf_fib_lookup
	HelperSockHashUpdate             HelperID = 70  // bpf_sock_hash_update
	HelperMsgRedirectHash            HelperID = 71  // bpf_msg_redirect_hash
	HelperSKRedirectHash             HelperID = 72  // bpf_sk_redirect_hash
	HelperLWTPushEncap               HelperID = 73  // bpf_lwt_push_encap
	HelperLWTSeg6StoreBytes          HelperID = 74  // bpf_lwt_seg6_store_bytes
	HelperLWTSeg6AdjustSrh           HelperID = 75  // bpf_lwt_seg6_adjust_srh
	HelperLWTSeg6Action              HelperID = 76  // bpf_lwt_seg6_action
	HelperRcRepeat                   HelperID = 77  // bpf_rc_repeat
	HelperRcKeydown                  HelperID = 78  // bpf_rc_keydown
	HelperSKBCgroupID                HelperID = 79  // bpf_skb_cgroup_id
	HelperGetCurrentCgroupID         HelperID = 80  // bpf_get_current_cgroup_id
	HelperGetLocalStorage            HelperID = 81  // bpf_get_local_storage
	HelperSKSelectReuseport          HelperID = 82  // bpf_sk_select_reuseport
	HelperSKBAncestorCgroupID        HelperID = 83  // bpf_skb_ancestor_cgroup_id
	HelperSKLookupTCP                HelperID = 84  // bpf_sk_lookup_tcp
	HelperSKLookupUDP                HelperID = 85  // bpf_sk_lookup_udp
	HelperSKRelease                  HelperID = 86  // bpf_sk_release
	HelperMapPushElem                HelperID = 87  // bpf_map_push_elem
	HelperMapPopElem                 HelperID = 88  // bpf_map_pop_elem
	HelperMapPeekElem                HelperID = 89  // bpf_map_peek_elem
	HelperMsgPushData                HelperID = 90  // bpf_msg_push_data
	HelperMsgPopData                 HelperID = 91  // bpf_msg_pop_data
	HelperRcPointerRel               HelperID = 92  // bpf_rc_pointer_rel
	HelperSpinLock                   HelperID = 93  // bpf_spin_lock
	HelperSpinUnlock                 HelperID = 94  // bpf_spin_unlock
	HelperSKFullsock                 HelperID = 95  // bpf_sk_fullsock
	HelperTCPSock                    HelperID = 96  // bpf_tcp_sock
	HelperSKBEcnSetCe                HelperID = 97  // bpf_skb_ecn_set_ce
	HelperGetListenerSock            HelperID = 98  // bpf_get_listener_sock
	HelperSKCLookupTCP               HelperID = 99  // bpf_skc_lookup_tcp
	HelperTCPCheckSyncookie          HelperID = 100 // bpf_tcp_check_syncookie
	HelperSysctlGetName              HelperID = 101 // bpf_sysctl_get_name
	HelperSysctlGetCurrentValue      HelperID = 102 // bpf_sysctl_get_current_value
	HelperSysctlGetNewValue          HelperID = 103 // bpf_sysctl_get_new_value
	HelperSysctlSetNewValue          HelperID = 104 // bpf_sysctl_set_new_value
	HelperStrtol                     HelperID = 105 // bpf_strtol
	HelperStrtoul                    HelperID = 106 // bpf_strtoul
	HelperSKStorageGet               HelperID = 107 // bpf_sk_storage_get
	HelperSKStorageDelete            HelperID = 108 // bpf_sk_storage_delete
	HelperSendSignal                 HelperID = 109 // bpf_send_signal
	HelperTCPGenSyncookie            HelperID = 110 // bpf_tcp_gen_syncookie
	HelperSKBOutput                  HelperID = 111 // bpf_skb_output
	HelperProbeReadUser              HelperID = 112 // bpf_probe_read_user
	HelperProbeReadKernel            HelperID = 113 // bpf_probe_read_kernel
	HelperProbeReadUserStr           HelperID = 114 // bpf_probe_read_user_str
	HelperProbeReadKernelStr         HelperID = 115 // bpf_probe_read_kernel_str
	HelperTCPSendAck                 HelperID = 116 // bpf_tcp_send_ack
	HelperSendSignalThread           HelperID = 117 // bpf_send_signal_thread
	HelperJiffies64                  HelperID = 118 // bpf_jiffies64
	HelperReadBranchRecords          HelperID = 119 // bpf_read_branch_records
	HelperGetNSCurrentPIDTGID        HelperID = 120 // bpf_get_ns_current_pid_tgid
	HelperXDPOutput                  HelperID = 121 // bpf_xdp_output
	HelperGetNetnsCookie             HelperID = 122 // bpf_get_netns_cookie
	HelperGetCurrentAncestorCgroupID HelperID = 123 // bpf_get_current_ancestor_cgroup_id
	HelperSKAssign                   HelperID = 124 // bpf_sk_assign
	HelperKtimeGetBootNS             HelperID = 125 // bpf_ktime_get_boot_ns
	HelperSeqPrintf                  HelperID = 126 // bpf_seq_printf
	HelperSeqWrite                   HelperID = 127 // bpf_seq_write
	HelperSKCgroupID                 HelperID = 128 // bpf_sk_cgroup_id
	HelperSKAncestorCgroupID         HelperID = 129 // bpf_sk_ancestor_cgroup_id
	HelperRingbufOutput              HelperID = 130 // bpf_ringbuf_output
	HelperRingbufReserve             HelperID = 131 // bpf_ringbuf_reserve
	HelperRingbufSubmit              HelperID = 132 // bpf_ringbuf_submit
	HelperRingbufDiscard             HelperID = 133 // bpf_ringbuf_discard
	HelperRingbufQuery               HelperID = 134 // bpf_ringbuf_query
	HelperCsumLevel                  HelperID = 135 // bpf_csum_level
	HelperSKCToTcp6Sock              HelperID = 136 // bpf_skc_to_tcp6_sock
	HelperSKCToTCPSock               HelperID = 137 // bpf_skc_to_tcp_sock
	HelperSKCToTCPTimewaitSock       HelperID = 138 // bpf_skc_to_tcp_timewait_sock
	HelperSKCToTCPRequestSock        HelperID = 139 // bpf_skc_to_tcp_request_sock
	HelperSKCToUDP6Sock              HelperID = 140 // bpf_skc_to_udp6_sock
	HelperGetTaskStack               HelperID = 141 // bpf_get_task_stack
	HelperLoadHdrOpt                 HelperID = 142 // bpf_load_hdr_opt
	HelperStoreHdrOpt                HelperID = 143 // bpf_store_hdr_opt
	HelperReserveHdrOpt              HelperID = 144 // bpf_reserve_hdr_opt
	HelperInodeStorageGet            HelperID = 145 // bpf_inode_storage_get
	HelperInodeStorageDelete         HelperID = 146 // bpf_inode_storage_delete
	HelperDPath                      HelperID = 147 // bpf_d_path
	HelperCopyFromUser               HelperID = 148 // bpf_copy_from_user
	HelperSnprintfBTF                HelperID = 149 // bpf_snprintf_btf
	HelperSeqPrintfBTF               HelperID = 150 // bpf_seq_printf_btf
	HelperSKBCgroupClassid           HelperID = 151 // bpf_skb_cgroup_classid
	HelperRedirectNeigh              HelperID = 152 // bpf_redirect_neigh
	HelperPerCPUPtr                  HelperID = 153 // bpf_per_cpu_ptr
	HelperThisCPUPtr                 HelperID = 154 // bpf_this_cpu_ptr
	HelperRedirectPeer               HelperID = 155 // bpf_redirect_peer
	HelperTaskStorageGet             HelperID = 156 // bpf_task_storage_get
	HelperTaskStorageDelete          HelperID = 157 // bpf_task_storage_delete
	HelperGetCurrentTaskBTF          HelperID = 158 // bpf_get_current_task_btf
	HelperBprmOptsSet                HelperID = 159 // bpf_bprm_opts_set
	HelperKtimeGetCoarseNS           HelperID = 160 // bpf_ktime_get_coarse_ns
	HelperIMAInodeHash               HelperID = 161 // bpf_ima_inode_hash
	HelperSockFromFile               HelperID = 162 // bpf_sock_from_file
	HelperCheckMTU                   HelperID = 163 // bpf_check_mtu
	HelperForEachMapElem             HelperID = 164 // bpf_for_each_map_elem
	HelperSnprintf                   HelperID = 165 // bpf_snprintf
	HelperSysBPF                     HelperID = 166 // bpf_sys_bpf
	HelperBTFFindByNameKind          HelperID = 167 // bpf_btf_find_by_name_kind
	HelperSysClose                   HelperID = 168 // bpf_sys_close
	HelperTimerInit                  HelperID = 169 // bpf_timer_init
	HelperTimerSetCallback           HelperID = 170 // bpf_timer_set_callback
	HelperTimerStart                 HelperID = 171 // bpf_timer_start
	HelperTimerCancel                HelperID = 172 // bpf_timer_cancel
	HelperGetFuncIP                  HelperID = 173 // bpf_get_func_ip
	HelperGetAttachCookie            HelperID = 174 // bpf_get_attach_cookie
	HelperTaskPtRegs                 HelperID = 175 // bpf_task_pt_regs
	HelperGetBranchSnapshot          HelperID = 176 // bpf_get_branch_snapshot
	HelperTraceVprintk               HelperID = 177 // bpf_trace_vprintk
	HelperSKCToUnixSock              HelperID = 178 // bpf_skc_to_unix_sock
	HelperKallsymsLookupName         HelperID = 179 // bpf_kallsyms_lookup_name
	HelperFindVma                    HelperID = 180 // bpf_find_vma
	HelperLoop                       HelperID = 181 // bpf_loop
	HelperStrncmp                    HelperID = 182 // bpf_strncmp
	HelperGetFuncArg                 HelperID = 183 // bpf_get_func_arg
	HelperGetFuncRet                 HelperID = 184 // bpf_get_func_ret
	HelperGetFuncArgCnt              HelperID = 185 // bpf_get_func_arg_cnt
	HelperGetRetval                  HelperID = 186 // bpf_get_retval
	HelperSetRetval                  HelperID = 187 // bpf_set_retval
	HelperXDPGetBuffLen              HelperID = 188 // bpf_xdp_get_buff_len
	HelperXDPLoadBytes               HelperID = 189 // bpf_xdp_load_bytes
	HelperXDPStoreBytes              HelperID = 190 // bpf_xdp_store_bytes
	HelperCopyFromUserTask           HelperID = 191 // bpf_copy_from_user_task
	HelperSKBSetTstamp               HelperID = 192 // bpf_skb_set_tstamp
	HelperIMAFileHash                HelperID = 193 // bpf_ima_file_hash
	HelperKptrXchg                   HelperID = 194 // bpf_kptr_xchg
	HelperMapLookupPercpuElem        HelperID = 195 // bpf_map_lookup_percpu_elem
	HelperSKCToMptcpSock             HelperID = 196 // bpf_skc_to_mptcp_sock
	HelperDynptrFromMem              HelperID = 197 // bpf_dynptr_from_mem
	HelperRingbufReserveDynptr       HelperID = 198 // bpf_ringbuf_reserve_dynptr
	HelperRingbufSubmitDynptr        HelperID = 199 // bpf_ringbuf_submit_dynptr
	HelperRingbufDiscardDynptr       HelperID = 200 // bpf_ringbuf_discard_dynptr
	HelperDynptrRead                 HelperID = 201 // bpf_dynptr_read
	HelperDynptrWrite                HelperID = 202 // bpf_dynptr_write
	HelperDynptrData                 HelperID = 203 // bpf_dynptr_data
	HelperTCPRawGenSyncookieIPv4     HelperID = 204 // bpf_tcp_raw_gen_syncookie_ipv4
	HelperTCPRawGenSyncookieIPv6     HelperID = 205 // bpf_tcp_raw_gen_syncookie_ipv6
	HelperTCPRawCheckSyncookieIPv4   HelperID = 206 // bpf_tcp_raw_check_syncookie_ipv4
	HelperTCPRawCheckSyncookieIPv6   HelperID = 207 // bpf_tcp_raw_check_syncookie_ipv6
	HelperKtimeGetTaiNS              HelperID = 208 // bpf_ktime_get_tai_ns
	HelperUserRingbufDrain           HelperID = 209 // bpf_user_ringbuf_drain
	HelperCgrpStorageGet             HelperID = 210 // bpf_cgrp_storage_get
	HelperCgrpStorageDelete          HelperID = 211 // bpf_cgrp_storage_delete
)

var helperIDNames = [...]string{
	0:   "bpf_unspec",
	1:   "bpf_map_lookup_elem",
	2:   "bpf_map_update_elem",
	3:   "bpf_map_delete_elem",
	4:   "bpf_probe_read",
	5:   "bpf_ktime_get_ns",
	6:   "bpf_trace_printk",
	7:   "bpf_get_prandom_u32",
	8:   "bpf_get_smp_processor_id",
	9:   "bpf_skb_store_bytes",
	10:  "bpf_l3_csum_replace",
	11:  "bpf_l4_csum_replace",
	12:  "bpf_tail_call",
	13:  "bpf_clone_redirect",
	14:  "bpf_get_current_pid_tgid",
	15:  "bpf_get_current_uid_gid",
	16:  "bpf_get_current_comm",
	17:  "bpf_get_cgroup_classid",
	18:  "bpf_skb_vlan_push",
	19:  "bpf_skb_vlan_pop",
	20:  "bpf_skb_get_tunnel_key",
	21:  "bpf_skb_set_tunnel_key",
	22:  "bpf_perf_event_read",
	23:  "bpf_redirect",
	24:  "bpf_get_route_realm",
	25:  "bpf_perf_event_output",
	26:  "bpf_skb_load_bytes",
	27:  "bpf_get_stackid",
	28:  "bpf_csum_diff",
	29:  "bpf_skb_get_tunnel_opt",
	30:  "bpf_skb_set_tunnel_opt",
	31:  "bpf_skb_change_proto",
	32:  "bpf_skb_change_type",
	33:  "bpf_skb_under_cgroup",
	34:  "bpf_get_hash_recalc",
	35:  "bpf_get_current_task",
	36:  "bpf_probe_write_user",
	37:  "bpf_current_task_under_cgroup",
	38:  "bpf_skb_change_tail",
	39:  "bpf_skb_pull_data",
	40:  "bpf_csum_update",
	41:  "bpf_set_hash_invalid",
	42:  "bpf_get_numa_node_id",
	43:  "bpf_skb_change_head",
	44:  "bpf_xdp_adjust_head",
	45:  "bpf_probe_read_str",
	46:  "bpf_get_socket_cookie",
	47:  "bpf_get_socket_uid",
	48:  "bpf_set_hash",
	49:  "bpf_setsockopt",
	50:  "bpf_skb_adjust_room",
	51:  "bpf_redirect_map",
	52:  "bpf_sk_redirect_map",
	53:  "bpf_sock_map_update",
	54:  "bpf_xdp_adjust_meta",
	55:  "bpf_perf_event_read_value",
	56:  "bpf_perf_prog_read_value",
	57:  "bpf_getsockopt",
	58:  "bpf_override_return",
	59:  "bpf_sock_ops_cb_flags_set",
	60:  "bpf_msg_redirect_map",
	61:  "bpf_msg_apply_bytes",
	62:  "bpf_msg_cork_bytes",
	63:  "bpf_msg_pull_data",
	64:  "bpf_bind",
	65:  "bpf_xdp_adjust_tail",
	66:  "bpf_skb_get_xfrm_state",
	67:  "bpf_get_stack",
	68:  "bpf_skb_load_bytes_relative",
	69:  "bpf_fib_lookup",
	70:  "bpf_sock_hash_update",
	71:  "bpf_msg_redirect_hash",
	72:  "bpf_sk_redirect_hash",
	73:  "bpf_lwt_push_encap",
	74:  "bpf_lwt_seg6_store_bytes",
	75:  "bpf_lwt_seg6_adjust_srh",
	76:  "bpf_lwt_seg6_action",
	77:  "bpf_rc_repeat",
	78:  "bpf_rc_keydown",
	79:  "bpf_skb_cgroup_id",
	80:  "bpf_get_current_cgroup_id",
	81:  "bpf_get_local_storage",
	82:  "bpf_sk_select_reuseport",
	83:  "bpf_skb_ancestor_cgroup_id",
	84:  "bpf_sk_lookup_tcp",
	85:  "bpf_sk_lookup_udp",
	86:  "bpf_sk_release",
	87:  "bpf_map_push_elem",
	88:  "bpf_map_pop_elem",
	89:  "bpf_map_peek_elem",
	90:  "bpf_msg_push_data",
	91:  "bpf_msg_pop_data",
	92:  "bpf_rc_pointer_rel",
	93:  "bpf_spin_lock",
	94:  "bpf_spin_unlock",
	95:  "bpf_sk_fullsock",
	96:  "bpf_tcp_sock",
	97:  "bpf_skb_ecn_set_ce",
	98:  "bpf_get_listener_sock",
	99:  "bpf_skc_lookup_tcp",
	100: "bpf_tcp_check_syncookie",
	101: "bpf_sysctl_get_name",
	102: "bpf_sysctl_get_current_value",
	103: "bpf_sysctl_get_new_value",
	104: "bpf_sysctl_set_new_value",
	105: "bpf_strtol",
	106: "bpf_strtoul",
	107: "bpf_sk_storage_get",
	108: "bpf_sk_storage_delete",
	109: "bpf_send_signal",
	110: "bpf_tcp_gen_syncookie",
	111: "bpf_skb_output",
	112: "bpf_probe_read_user",
	113: "bpf_probe_read_kernel",
	114: "bpf_probe_read_user_str",
	115: "bpf_probe_read_kernel_str",
	116: "bpf_tcp_send_ack",
	117: "bpf_send_signal_thread",
	118: "bpf_jiffies64",
	119: "bpf_read_branch_records",
	120: "bpf_get_ns_current_pid_tgid",
	121: "bpf_xdp_output",
	122: "bpf_get_netns_cookie",
	123: "bpf_get_current_ancestor_cgroup_id",
	124: "bpf_sk_assign",
	125: "bpf_ktime_get_boot_ns",
	126: "bpf_seq_printf",
	127: "bpf_seq_write",
	128: "bpf_sk_cgroup_id",
	129: "bpf_sk_ancestor_cgroup_id",
	130: "bpf_ringbuf_output",
	131: "bpf_ringbuf_reserve",
	132: "bpf_ringbuf_submit",
	133: "bpf_ringbuf_discard",
	134: "bpf_ringbuf_query",
	135: "bpf_csum_level",
	136: "bpf_skc_to_tcp6_sock",
	137: "bpf_skc_to_tcp_sock",
	138: "bpf_skc_to_tcp_timewait_sock",
	139: "bpf_skc_to_tcp_request_sock",
	140: "bpf_skc_to_udp6_sock",
	141: "bpf_get_task_stack",
	142: "bpf_load_hdr_opt",
	143: "bpf_store_hdr_opt",
	144: "bpf_reserve_hdr_opt",
	145: "bpf_inode_storage_get",
	146: "bpf_inode_storage_delete",
	147: "bpf_d_path",
	148: "bpf_copy_from_user",
	149: "bpf_snprintf_btf",
	150: "bpf_seq_printf_btf",
	151: "bpf_skb_cgroup_classid",
	152: "bpf_redirect_neigh",
	153: "bpf_per_cpu_ptr",
	154: "bpf_this_cpu_ptr",
	155: "bpf_redirect_peer",
	156: "bpf_task_storage_get",
	157: "bpf_task_storage_delete",
	158: "bpf_get_current_task_btf",
	159: "bpf_bprm_opts_set",
	160: "bpf_ktime_get_coarse_ns",
	161: "bpf_ima_inode_hash",
	162: "bpf_sock_from_file",
	163: "bpf_check_mtu",
	164: "bpf_for_each_map_elem",
	165: "bpf_snprintf",
	166: "bpf_sys_bpf",
	167: "bpf_btf_find_by_name_kind",
	168: "bpf_sys_close",
	169: "bpf_timer_init",
	170: "bpf_timer_set_callback",
	171: "bpf_timer_start",
	172: "bpf_timer_cancel",
	173: "bpf_get_func_ip",
	174: "bpf_get_attach_cookie",
	175: "bpf_task_pt_regs",
	176: "bpf_get_branch_snapshot",
	177: "bpf_trace_vprintk",
	178: "bpf_skc_to_unix_sock",
	179: "bpf_kallsyms_lookup_name",
	180: "bpf_find_vma",
	181: "bpf_loop",
	182: "bpf_strncmp",
	183: "bpf_get_func_arg",
	184: "bpf_get_func_ret",
	185: "bpf_get_func_arg_cnt",
	186: "bpf_get_retval",
	187: "bpf_set_retval",
	188: "bpf_xdp_get_buff_len",
	189: "bpf_xdp_load_bytes",
	190: "bpf_xdp_store_bytes",
	191: "bpf_copy_from_user_task",
	192: "bpf_skb_set_tstamp",
	193: "bpf_ima_file_hash",
	194: "bpf_kptr_xchg",
	195: "bpf_map_lookup_percpu_elem",
	196: "bpf_skc_to_mptcp_sock",
	197: "bpf_dynptr_from_mem",
	198: "bpf_ringbuf_reserve_dynptr",
	199: "bpf_ringbuf_submit_dynptr",
	200: "bpf_ringbuf_discard_dynptr",
	201: "bpf_dynptr_read",
	202: "bpf_dynptr_write",
	203: "bpf_dynptr_data",
	204: "bpf_tcp_raw_gen_syncookie_ipv4",
	205: "bpf_tcp_raw_gen_syncookie_ipv6",
	206: "bpf_tcp_raw_check_syncookie_ipv4",
	207: "bpf_tcp_raw_check_syncookie_ipv6",
	208: "bpf_ktime_get_tai_ns",
	209: "bpf_user_ringbuf_drain",
	210: "bpf_cgrp_storage_get",
	211: "bpf_cgrp_storage_delete",
}
