/* structops_cc.c: a BPF TCP congestion control registered through a
 * struct_ops map of ".struct_ops" (no BPF link: the map update registers
 * it, which works on every kernel with struct_ops, 5.6 on). "bpfc_reno" is
 * Reno: slow start up to ssthresh, then one segment per window, halving on
 * loss. Each callback counts its calls in cc_calls, so that a test can see
 * them run for a TCP connection that selects the algorithm with
 * setsockopt(TCP_CONGESTION, "bpfc_reno").
 *
 * The object's struct tcp_congestion_ops declares only what it uses, in
 * its own order, plus a member no kernel has (bpfc_spare, zero: left out
 * when the struct is laid out for the kernel); bpfc translates it to the
 * kernel's layout by member name. bpfc_optional in "?.struct_ops" is not
 * created by default, and reno_optional, which only it uses, is not
 * loaded with it.
 */
#include "common.h"

struct sock;

struct tcp_sock {
	__u32 snd_cwnd;
	__u32 snd_cwnd_cnt;
	__u32 snd_cwnd_clamp;
	__u32 snd_ssthresh;
	__u32 prior_cwnd;
} __core;

struct tcp_congestion_ops {
	void (*init)(struct sock *sk);
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*set_state)(struct sock *sk, __u8 new_state);
	__u32 bpfc_spare;
	__u32 flags;
	char name[16];
};

/* Indices into cc_calls. */
enum cc_counter {
	CC_INIT,
	CC_SSTHRESH,
	CC_CONG_AVOID,
	CC_UNDO_CWND,
	CC_SET_STATE,
	CC_OPTIONAL,
	CC_NR,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CC_NR);
	__type(key, __u32);
	__type(value, __u64);
} cc_calls SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&cc_calls, &which);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("struct_ops/reno_init")
void BPF_PROG(reno_init, struct sock *sk)
{
	count(CC_INIT);
}

SEC("struct_ops/reno_ssthresh")
__u32 BPF_PROG(reno_ssthresh, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u32 half = tp->snd_cwnd >> 1;

	count(CC_SSTHRESH);
	return half > 2 ? half : 2;
}

SEC("struct_ops/reno_cong_avoid")
void BPF_PROG(reno_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u32 cwnd = tp->snd_cwnd;

	count(CC_CONG_AVOID);
	if (cwnd < tp->snd_ssthresh) {
		/* Slow start: one segment per segment acked. */
		cwnd += acked;
		if (cwnd > tp->snd_ssthresh)
			cwnd = tp->snd_ssthresh;
	} else if (tp->snd_cwnd_cnt + 1 >= cwnd) {
		/* Congestion avoidance: one segment per window. */
		tp->snd_cwnd_cnt = 0;
		cwnd++;
	} else {
		tp->snd_cwnd_cnt++;
	}
	if (cwnd > tp->snd_cwnd_clamp)
		cwnd = tp->snd_cwnd_clamp;
	tp->snd_cwnd = cwnd;
}

SEC("struct_ops/reno_undo_cwnd")
__u32 BPF_PROG(reno_undo_cwnd, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	count(CC_UNDO_CWND);
	return tp->snd_cwnd > tp->prior_cwnd ? tp->snd_cwnd : tp->prior_cwnd;
}

SEC("struct_ops/reno_set_state")
void BPF_PROG(reno_set_state, struct sock *sk, __u8 new_state)
{
	count(CC_SET_STATE);
}

SEC("struct_ops/reno_optional")
void BPF_PROG(reno_optional, struct sock *sk)
{
	count(CC_OPTIONAL);
}

SEC(".struct_ops")
struct tcp_congestion_ops bpfc_reno = {
	.init = (void *)reno_init,
	.ssthresh = (void *)reno_ssthresh,
	.cong_avoid = (void *)reno_cong_avoid,
	.undo_cwnd = (void *)reno_undo_cwnd,
	.set_state = (void *)reno_set_state,
	.name = "bpfc_reno",
};

SEC("?.struct_ops")
struct tcp_congestion_ops bpfc_optional = {
	.init = (void *)reno_optional,
	.ssthresh = (void *)reno_ssthresh,
	.cong_avoid = (void *)reno_cong_avoid,
	.undo_cwnd = (void *)reno_undo_cwnd,
	.name = "bpfc_optional",
};

char LICENSE[] SEC("license") = "GPL";
