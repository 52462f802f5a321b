/* structops_bad.c: struct_ops maps the kernel cannot take, each in
 * "?.struct_ops" so that none is created by default (and the object loads
 * with none of them). A test turns one on at a time and checks the error
 * that names it:
 *
 *   bad_unknown   a struct type no kernel has (bpfc_no_such_ops)
 *   bad_member    tcp_congestion_ops with a data member no kernel has,
 *                 set to a non-zero value
 *   bad_func      tcp_congestion_ops with a function-pointer member no
 *                 kernel has, set to a program
 *   bad_progtype  an XDP program in a function slot
 *
 * orphan is a struct_ops program that no map uses: not loaded by default
 * ("?struct_ops/"), refused when turned on.
 */
#include "common.h"

struct sock;

struct bpfc_no_such_ops {
	void (*op)(struct sock *sk);
	int value;
};

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	void (*init)(struct sock *sk);
	void (*bpfc_hook)(struct sock *sk);
	__u32 bpfc_extra;
	char name[16];
};

SEC("struct_ops/bad_op")
void BPF_PROG(bad_op, struct sock *sk)
{
}

SEC("struct_ops/bad_ssthresh")
__u32 BPF_PROG(bad_ssthresh, struct sock *sk)
{
	return 2;
}

SEC("struct_ops/bad_cong_avoid")
void BPF_PROG(bad_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/bad_undo_cwnd")
__u32 BPF_PROG(bad_undo_cwnd, struct sock *sk)
{
	return 10;
}

SEC("?struct_ops/orphan")
void BPF_PROG(orphan, struct sock *sk)
{
}

SEC("xdp")
int not_struct_ops(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("?.struct_ops")
struct bpfc_no_such_ops bad_unknown = {
	.op = (void *)bad_op,
	.value = 1,
};

SEC("?.struct_ops")
struct tcp_congestion_ops bad_member = {
	.ssthresh = (void *)bad_ssthresh,
	.cong_avoid = (void *)bad_cong_avoid,
	.undo_cwnd = (void *)bad_undo_cwnd,
	.bpfc_extra = 7,
	.name = "bpfc_bad1",
};

SEC("?.struct_ops")
struct tcp_congestion_ops bad_func = {
	.ssthresh = (void *)bad_ssthresh,
	.cong_avoid = (void *)bad_cong_avoid,
	.undo_cwnd = (void *)bad_undo_cwnd,
	.bpfc_hook = (void *)bad_op,
	.name = "bpfc_bad2",
};

SEC("?.struct_ops")
struct tcp_congestion_ops bad_progtype = {
	.ssthresh = (void *)bad_ssthresh,
	.cong_avoid = (void *)bad_cong_avoid,
	.undo_cwnd = (void *)bad_undo_cwnd,
	.init = (void *)not_struct_ops,
	.name = "bpfc_bad3",
};

char LICENSE[] SEC("license") = "GPL";
