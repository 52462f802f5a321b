/* multi_prog.c: several programs per section and the section names that
 * change how a program is loaded: three programs in SEC("xdp"), one in
 * SEC("?xdp") that is not loaded unless asked for, SEC("xdp.frags")
 * (BPF_F_XDP_HAS_FRAGS), SEC("tc") and the older SEC("classifier"). Each
 * program stores its own id into .bss last_prog and returns a fixed value.
 */
#include "common.h"

__u32 last_prog;	/* .bss */

SEC("xdp")
int xdp_pass_prog(struct xdp_md *ctx)
{
	last_prog = 1;
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop_prog(struct xdp_md *ctx)
{
	last_prog = 2;
	return XDP_DROP;
}

SEC("xdp")
int xdp_tx_prog(struct xdp_md *ctx)
{
	last_prog = 3;
	return XDP_TX;
}

/* Not autoloaded: the leading '?' in the section name. */
SEC("?xdp")
int xdp_optional(struct xdp_md *ctx)
{
	last_prog = 4;
	return XDP_ABORTED;
}

SEC("xdp.frags")
int xdp_frags_prog(struct xdp_md *ctx)
{
	last_prog = 5;
	return XDP_PASS;
}

SEC("tc")
int tc_prog(struct __sk_buff *skb)
{
	last_prog = 6;
	skb->mark = 0x42;
	return TC_ACT_SHOT;
}

SEC("classifier")
int cls_prog(struct __sk_buff *skb)
{
	last_prog = 7;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
