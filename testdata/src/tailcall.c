/* tailcall.c: a BPF_MAP_TYPE_PROG_ARRAY declared with
 * __array(values, int (void *)) and initialised through .values with two
 * programs in slots 0 and 2. The XDP entry program tail-calls the slot
 * named by the .data variable tail_index; an empty or out-of-range slot
 * makes the tail call fall through to the entry's own return value.
 */
#include "common.h"

/* .data (forced: a zero initialiser would put it in .bss); tests change it
 * between runs. */
__u32 tail_index SEC(".data") = 0;
__u32 tail_a_runs;	/* .bss */
__u32 tail_b_runs;	/* .bss */
__u32 fallthrough_runs;	/* .bss */

SEC("xdp")
int tail_a(struct xdp_md *ctx)
{
	tail_a_runs++;
	return 10;
}

SEC("xdp")
int tail_b(struct xdp_md *ctx)
{
	tail_b_runs++;
	return 20;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jump_table SEC(".maps") = {
	.values = {
		[0] = (void *)&tail_a,
		[2] = (void *)&tail_b,
	},
};

SEC("xdp")
int tail_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jump_table, tail_index);
	fallthrough_runs++;
	return 99;
}

char LICENSE[] SEC("license") = "GPL";
