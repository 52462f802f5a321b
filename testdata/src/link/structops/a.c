/* link/structops/a.c: part a of the "structops" link set: the struct_ops
 * maps' programs live in b.c, the maps here. bpfc_link_a (".struct_ops")
 * sets all four callbacks to b.c's programs (extern functions here: the
 * section's relocations name undefined symbols the linker resolves);
 * bpfc_link_a2 (".struct_ops" too, so that both parts' sections of one
 * name are concatenated) mixes a.c's own init_a2 with b.c's programs.
 * Each map registers a congestion control of its own name. See
 * testdata/README.md.
 */
#include "common.h"
#include "cc.h"

EXTERN_OPS(void, link_init);
EXTERN_OPS(__u32, link_ssthresh);
EXTERN_OPS(void, link_cong_avoid);
EXTERN_OPS(__u32, link_undo_cwnd);

__u64 init_a2_calls;	/* .bss */

SEC("struct_ops/init_a2")
void BPF_PROG(init_a2, struct sock *sk)
{
	__sync_fetch_and_add(&init_a2_calls, 1);
}

SEC(".struct_ops")
struct tcp_congestion_ops bpfc_link_a = {
	.init = (void *)link_init,
	.ssthresh = (void *)link_ssthresh,
	.cong_avoid = (void *)link_cong_avoid,
	.undo_cwnd = (void *)link_undo_cwnd,
	.name = "bpfc_link_a",
};

SEC(".struct_ops")
struct tcp_congestion_ops bpfc_link_a2 = {
	.init = (void *)init_a2,
	.ssthresh = (void *)link_ssthresh,
	.cong_avoid = (void *)link_cong_avoid,
	.undo_cwnd = (void *)link_undo_cwnd,
	.name = "bpfc_link_a2",
};

char LICENSE[] SEC("license") = "GPL";
