/* sections.c: program section names as cilium/ebpf reads them. libbpf
 * (>= 1.0) matches a pattern without '+' ("socket", "xdp", "sk_lookup",
 * "tc", "classifier", "syscall") only exactly and refuses the names below;
 * cilium/ebpf takes such a pattern as a prefix ("socket/filter",
 * "xdp_custom") and gives the program the pattern's type. bpfc does what
 * either accepts, with the peer's program type. Each program returns a
 * value of its own.
 */
#include "common.h"

__u32 last_prog;	/* .bss: the program that ran last */

/* socket/filter: a socket filter; skb->len 50 + 1. */
SEC("socket/filter")
int sec_socket(struct __sk_buff *skb)
{
	last_prog = 1;
	return skb->len + 1;
}

/* xdp/prog: XDP; packet length 64 + 2. */
SEC("xdp/prog")
int sec_xdp_slash(struct xdp_md *ctx)
{
	last_prog = 2;
	return ctx->data_end - ctx->data + 2;
}

/* xdp_custom: XDP, "xdp" as a bare prefix. */
SEC("xdp_custom")
int sec_xdp_suffix(struct xdp_md *ctx)
{
	last_prog = 3;
	return 3;
}

/* tc/custom: not tc/ingress or tc/egress: sched_cls, no attach type. */
SEC("tc/custom")
int sec_tc(struct __sk_buff *skb)
{
	last_prog = 4;
	return 4;
}

/* classifier/custom: sched_cls. */
SEC("classifier/custom")
int sec_classifier(struct __sk_buff *skb)
{
	last_prog = 5;
	return 5;
}

/* syscall/custom: a sleepable syscall program. */
SEC("syscall/custom")
int sec_syscall(void *ctx)
{
	last_prog = 6;
	return 6;
}

/* sk_lookup/custom: sk_lookup with attach type BPF_SK_LOOKUP; load only. */
SEC("sk_lookup/custom")
int sec_sk_lookup(struct bpf_sk_lookup *ctx)
{
	return SK_PASS;
}

/* ?xdp/optional: a prefix form that is not autoloaded. */
SEC("?xdp/optional")
int sec_xdp_optional(struct xdp_md *ctx)
{
	last_prog = 7;
	return 7;
}

char LICENSE[] SEC("license") = "GPL";
