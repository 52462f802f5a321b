/* structops_link.c: two TCP congestion controls in ".struct_ops.link"
 * (BPF_F_LINK maps, Linux 6.4+): creating a BPF link of a map registers
 * it, closing the link unregisters it, and BPF_LINK_UPDATE swaps the map
 * behind a link for another of the same struct type. Both maps register
 * under one name, "bpfc_swap", so that a connection that selected it keeps
 * it across the swap; each has its own init callback and counter, and the
 * other callbacks are shared (a program may serve several maps when the
 * member is the same). Each map's "flags" member is a data member the
 * skeletons expose.
 */
#include "common.h"

struct sock;

struct tcp_sock {
	__u32 snd_cwnd;
	__u32 snd_ssthresh;
} __core;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	char name[16];
	__u32 flags;
};

__u64 init_a_calls;	/* .bss */
__u64 init_b_calls;	/* .bss */
__u64 acks;		/* .bss */

SEC("struct_ops/init_a")
void BPF_PROG(init_a, struct sock *sk)
{
	__sync_fetch_and_add(&init_a_calls, 1);
}

SEC("struct_ops/init_b")
void BPF_PROG(init_b, struct sock *sk)
{
	__sync_fetch_and_add(&init_b_calls, 1);
}

SEC("struct_ops/swap_ssthresh")
__u32 BPF_PROG(swap_ssthresh, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	return tp->snd_cwnd > 4 ? tp->snd_cwnd >> 1 : 2;
}

SEC("struct_ops/swap_cong_avoid")
void BPF_PROG(swap_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	__sync_fetch_and_add(&acks, 1);
	if (tp->snd_cwnd < tp->snd_ssthresh)
		tp->snd_cwnd += acked;
}

SEC("struct_ops/swap_undo_cwnd")
__u32 BPF_PROG(swap_undo_cwnd, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	return tp->snd_cwnd;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops cc_a = {
	.init = (void *)init_a,
	.ssthresh = (void *)swap_ssthresh,
	.cong_avoid = (void *)swap_cong_avoid,
	.undo_cwnd = (void *)swap_undo_cwnd,
	.name = "bpfc_swap",
};

SEC(".struct_ops.link")
struct tcp_congestion_ops cc_b = {
	.init = (void *)init_b,
	.ssthresh = (void *)swap_ssthresh,
	.cong_avoid = (void *)swap_cong_avoid,
	.undo_cwnd = (void *)swap_undo_cwnd,
	.name = "bpfc_swap",
};

char LICENSE[] SEC("license") = "GPL";
