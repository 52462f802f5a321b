/* link/structops/b.c: part b of the "structops" link set: the programs of
 * a.c's struct_ops maps (global, so that a.c can name them), counting
 * their calls in .bss, and a struct_ops map of its own, bpfc_link_b, in
 * its own ".struct_ops" section (concatenated after a.c's), whose init is
 * a.c's init_a2 (an extern here). See testdata/README.md.
 */
#include "common.h"
#include "cc.h"

EXTERN_OPS(void, init_a2);

__u64 init_calls;	/* .bss */
__u64 acks;		/* .bss */

SEC("struct_ops/link_init")
void BPF_PROG(link_init, struct sock *sk)
{
	__sync_fetch_and_add(&init_calls, 1);
}

SEC("struct_ops/link_ssthresh")
__u32 BPF_PROG(link_ssthresh, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	return tp->snd_cwnd > 4 ? tp->snd_cwnd >> 1 : 2;
}

SEC("struct_ops/link_cong_avoid")
void BPF_PROG(link_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	__sync_fetch_and_add(&acks, 1);
	if (tp->snd_cwnd < tp->snd_ssthresh)
		tp->snd_cwnd += acked;
}

SEC("struct_ops/link_undo_cwnd")
__u32 BPF_PROG(link_undo_cwnd, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	return tp->snd_cwnd;
}

SEC(".struct_ops")
struct tcp_congestion_ops bpfc_link_b = {
	.init = (void *)init_a2,
	.ssthresh = (void *)link_ssthresh,
	.cong_avoid = (void *)link_cong_avoid,
	.undo_cwnd = (void *)link_undo_cwnd,
	.name = "bpfc_link_b",
};

char LICENSE[] SEC("license") = "GPL";
