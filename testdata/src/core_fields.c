/* core_fields.c: every CO-RE field relocation kind (byte offset, byte size,
 * exists, signed, lshift_u64, rshift_u64), on kernel types declared here
 * with preserve_access_index: through anonymous unions and structs, nested
 * structs, arrays and bitfields. Bitfields are also read for real, directly
 * (BPF_CORE_READ_BITFIELD) and through bpf_probe_read_kernel
 * (BPF_CORE_READ_BITFIELD_PROBED), from the IPv4 header of the test packet.
 *
 * struct bpfc_probe exists only in the target BTF files under testdata/btf,
 * not in any kernel: its relocations are guarded by bpf_core_field_exists,
 * so against a real kernel they are poisoned but unreachable.
 *
 * Every relocated value goes to results[R_*] in .bss; the R_* indices below
 * are the spec the tests use (testdata/README.md).
 */
#include "common.h"

/* Kernel types, as far as used here (layout as in Linux 6.18). */
struct iphdr {
	__u8 ihl:4, version:4;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__sum16 check;
	union {
		struct {
			__be32 saddr;
			__be32 daddr;
		};
		struct {
			__be32 saddr;
			__be32 daddr;
		} addrs;
	};
} __core;

struct sched_entity {
	__u64 vruntime;
} __core;

struct rlimit {
	unsigned long rlim_cur;
	unsigned long rlim_max;
} __core;

struct signal_struct {
	struct rlimit rlim[16];
} __core;

struct task_struct {
	unsigned int flags;
	struct sched_entity se;
	unsigned int sched_reset_on_fork:1;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	char comm[16];
	struct signal_struct *signal;
	int bpfc_no_such_field;	/* in no target: exists = 0 */
} __core;

/* Only in testdata/btf/kernel_*.btf. */
struct bpfc_inner {
	short s;
	int arr[4];
} __core;

struct bpfc_probe {
	int head;
	int sbits:5;		/* signed bitfield */
	unsigned int ubits:11;	/* unsigned bitfield */
	union {
		__u32 u_word;
		__u8 u_bytes[4];
	};
	struct bpfc_inner inner;
	struct bpfc_inner many[3];
	long tail;
} __core;

enum {
	/* iphdr: resolved against every target */
	R_IP_TOS_OFF = 0,
	R_IP_TOTLEN_SIZE,
	R_IP_SADDR_OFF,		/* through the anonymous union and struct */
	R_IP_ADDRS_DADDR_OFF,	/* through the anonymous union, named struct */
	R_IP_PROTO_EXISTS,
	R_IP_TTL_SIGNED,
	R_IP_VERSION_LSHIFT,
	R_IP_VERSION_RSHIFT,
	R_IP_IHL_SIZE,
	R_IP_IHL_OFF,
	R_PKT_IHL,		/* BPF_CORE_READ_BITFIELD on the packet */
	R_PKT_VERSION,
	R_PKT_IHL_PROBED,	/* BPF_CORE_READ_BITFIELD_PROBED on a copy */
	R_PKT_VERSION_PROBED,
	R_PKT_SADDR,		/* iph->saddr, raw network order load */
	R_PKT_ADDRS_DADDR,	/* iph->addrs.daddr */
	/* task_struct and friends: resolved against every target */
	R_TASK_PID_OFF = 16,
	R_TASK_COMM_SIZE,
	R_TASK_COMM4_OFF,	/* comm[4]: array element */
	R_TASK_PID_SIGNED,
	R_TASK_FLAGS_SIGNED,
	R_TASK_REAL_PARENT_EXISTS,
	R_TASK_SE_VRUNTIME_OFF,	/* nested struct */
	R_SIG_RLIM7_MAX_OFF,	/* rlim[7].rlim_max: array of structs */
	R_SIG_RLIM_SIZE,
	R_TASK_MISSING_EXISTS,
	R_TASK_MISSING_GUARDED,	/* 0xfffe when the field is missing */
	R_TASK_SROF_LSHIFT,	/* sched_reset_on_fork bitfield */
	R_TASK_SROF_RSHIFT,
	R_TASK_SROF_SIZE,
	R_TASK_SROF_OFF,
	R_TASK_SROF_SIGNED,
	/* struct bpfc_probe: only in the testdata target BTFs */
	R_PROBE_EXISTS = 32,
	R_PROBE_SBITS_OFF,
	R_PROBE_SBITS_SIZE,
	R_PROBE_SBITS_SIGNED,
	R_PROBE_SBITS_LSHIFT,
	R_PROBE_SBITS_RSHIFT,
	R_PROBE_UBITS_SIGNED,
	R_PROBE_UBITS_LSHIFT,
	R_PROBE_UBITS_RSHIFT,
	R_PROBE_U_WORD_OFF,	/* anonymous union member */
	R_PROBE_U_BYTES2_OFF,	/* u_bytes[2] */
	R_PROBE_INNER_ARR2_OFF,	/* inner.arr[2] */
	R_PROBE_MANY2_S_OFF,	/* many[2].s */
	R_PROBE_MANY_SIZE,
	R_PROBE_TAIL_SIZE,
	R_PROBE_TAIL_SIGNED,
	R_PROBE_HEAD_EXISTS,
	R_COUNT = 64,
};

__u64 results[R_COUNT];

SEC("xdp")
int core_fields(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *iph = data + ETH_HLEN;
	struct iphdr copy;

	results[R_IP_TOS_OFF] = bpf_core_field_offset(struct iphdr, tos);
	results[R_IP_TOTLEN_SIZE] = bpf_core_field_size(struct iphdr, tot_len);
	results[R_IP_SADDR_OFF] = bpf_core_field_offset(struct iphdr, saddr);
	results[R_IP_ADDRS_DADDR_OFF] = bpf_core_field_offset(struct iphdr, addrs.daddr);
	results[R_IP_PROTO_EXISTS] = bpf_core_field_exists(struct iphdr, protocol);
	results[R_IP_TTL_SIGNED] = __builtin_preserve_field_info(((struct iphdr *)0)->ttl, BPF_FIELD_SIGNED);
	results[R_IP_VERSION_LSHIFT] = __builtin_preserve_field_info(((struct iphdr *)0)->version, BPF_FIELD_LSHIFT_U64);
	results[R_IP_VERSION_RSHIFT] = __builtin_preserve_field_info(((struct iphdr *)0)->version, BPF_FIELD_RSHIFT_U64);
	results[R_IP_IHL_SIZE] = bpf_core_field_size(struct iphdr, ihl);
	results[R_IP_IHL_OFF] = bpf_core_field_offset(struct iphdr, ihl);

	/* Bound by the target's size of iphdr, which the reads below use. */
	if ((void *)iph + bpf_core_type_size(struct iphdr) > data_end)
		return XDP_ABORTED;
	results[R_PKT_IHL] = BPF_CORE_READ_BITFIELD(iph, ihl);
	results[R_PKT_VERSION] = BPF_CORE_READ_BITFIELD(iph, version);
	__builtin_memcpy(&copy, iph, sizeof(copy));
	results[R_PKT_IHL_PROBED] = BPF_CORE_READ_BITFIELD_PROBED(&copy, ihl);
	results[R_PKT_VERSION_PROBED] = BPF_CORE_READ_BITFIELD_PROBED(&copy, version);
	results[R_PKT_SADDR] = iph->saddr;
	results[R_PKT_ADDRS_DADDR] = iph->addrs.daddr;

	results[R_TASK_PID_OFF] = bpf_core_field_offset(struct task_struct, pid);
	results[R_TASK_COMM_SIZE] = bpf_core_field_size(struct task_struct, comm);
	results[R_TASK_COMM4_OFF] = bpf_core_field_offset(struct task_struct, comm[4]);
	results[R_TASK_PID_SIGNED] = __builtin_preserve_field_info(((struct task_struct *)0)->pid, BPF_FIELD_SIGNED);
	results[R_TASK_FLAGS_SIGNED] = __builtin_preserve_field_info(((struct task_struct *)0)->flags, BPF_FIELD_SIGNED);
	results[R_TASK_REAL_PARENT_EXISTS] = bpf_core_field_exists(struct task_struct, real_parent);
	results[R_TASK_SE_VRUNTIME_OFF] = bpf_core_field_offset(struct task_struct, se.vruntime);
	results[R_SIG_RLIM7_MAX_OFF] = bpf_core_field_offset(struct signal_struct, rlim[7].rlim_max);
	results[R_SIG_RLIM_SIZE] = bpf_core_field_size(struct signal_struct, rlim);
	results[R_TASK_MISSING_EXISTS] = bpf_core_field_exists(struct task_struct, bpfc_no_such_field);
	if (bpf_core_field_exists(struct task_struct, bpfc_no_such_field))
		results[R_TASK_MISSING_GUARDED] = bpf_core_field_offset(struct task_struct, bpfc_no_such_field);
	else
		results[R_TASK_MISSING_GUARDED] = 0xfffe;
	results[R_TASK_SROF_LSHIFT] = __builtin_preserve_field_info(((struct task_struct *)0)->sched_reset_on_fork, BPF_FIELD_LSHIFT_U64);
	results[R_TASK_SROF_RSHIFT] = __builtin_preserve_field_info(((struct task_struct *)0)->sched_reset_on_fork, BPF_FIELD_RSHIFT_U64);
	results[R_TASK_SROF_SIZE] = bpf_core_field_size(struct task_struct, sched_reset_on_fork);
	results[R_TASK_SROF_OFF] = bpf_core_field_offset(struct task_struct, sched_reset_on_fork);
	results[R_TASK_SROF_SIGNED] = __builtin_preserve_field_info(((struct task_struct *)0)->sched_reset_on_fork, BPF_FIELD_SIGNED);

	results[R_PROBE_EXISTS] = bpf_core_field_exists(struct bpfc_probe, sbits);
	if (bpf_core_field_exists(struct bpfc_probe, sbits)) {
		results[R_PROBE_SBITS_OFF] = bpf_core_field_offset(struct bpfc_probe, sbits);
		results[R_PROBE_SBITS_SIZE] = bpf_core_field_size(struct bpfc_probe, sbits);
		results[R_PROBE_SBITS_SIGNED] = __builtin_preserve_field_info(((struct bpfc_probe *)0)->sbits, BPF_FIELD_SIGNED);
		results[R_PROBE_SBITS_LSHIFT] = __builtin_preserve_field_info(((struct bpfc_probe *)0)->sbits, BPF_FIELD_LSHIFT_U64);
		results[R_PROBE_SBITS_RSHIFT] = __builtin_preserve_field_info(((struct bpfc_probe *)0)->sbits, BPF_FIELD_RSHIFT_U64);
	}
	if (bpf_core_field_exists(struct bpfc_probe, ubits)) {
		results[R_PROBE_UBITS_SIGNED] = __builtin_preserve_field_info(((struct bpfc_probe *)0)->ubits, BPF_FIELD_SIGNED);
		results[R_PROBE_UBITS_LSHIFT] = __builtin_preserve_field_info(((struct bpfc_probe *)0)->ubits, BPF_FIELD_LSHIFT_U64);
		results[R_PROBE_UBITS_RSHIFT] = __builtin_preserve_field_info(((struct bpfc_probe *)0)->ubits, BPF_FIELD_RSHIFT_U64);
	}
	if (bpf_core_field_exists(struct bpfc_probe, u_word)) {
		results[R_PROBE_U_WORD_OFF] = bpf_core_field_offset(struct bpfc_probe, u_word);
		results[R_PROBE_U_BYTES2_OFF] = bpf_core_field_offset(struct bpfc_probe, u_bytes[2]);
	}
	if (bpf_core_field_exists(struct bpfc_probe, inner)) {
		results[R_PROBE_INNER_ARR2_OFF] = bpf_core_field_offset(struct bpfc_probe, inner.arr[2]);
		results[R_PROBE_MANY2_S_OFF] = bpf_core_field_offset(struct bpfc_probe, many[2].s);
		results[R_PROBE_MANY_SIZE] = bpf_core_field_size(struct bpfc_probe, many);
	}
	if (bpf_core_field_exists(struct bpfc_probe, tail)) {
		results[R_PROBE_TAIL_SIZE] = bpf_core_field_size(struct bpfc_probe, tail);
		results[R_PROBE_TAIL_SIGNED] = __builtin_preserve_field_info(((struct bpfc_probe *)0)->tail, BPF_FIELD_SIGNED);
	}
	results[R_PROBE_HEAD_EXISTS] = bpf_core_field_exists(struct bpfc_probe, head);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
