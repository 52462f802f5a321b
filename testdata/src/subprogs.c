/* subprogs.c: bpf2bpf calls in every shape libbpf accepts: static
 * (__noinline) and global (non-static, __noinline) subprograms in .text,
 * nested calls (global_a -> mid_b -> leaf_c), a global subprogram taking the
 * program context, callbacks through bpf_loop and bpf_for_each_map_elem,
 * and several programs sharing subprograms. Every program's return value is
 * a fixed function of its inputs; see testdata/README.md.
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} fe_array SEC(".maps");

__u32 leaf_calls;	/* .bss: how often leaf_c ran */
__u64 loop_sum;		/* .bss */
__u64 fe_sum;		/* .bss */
__u32 fe_count;		/* .bss */

static __noinline int leaf_c(int x)
{
	leaf_calls++;
	return x * 3;
}

static __noinline int mid_b(int x)
{
	return leaf_c(x) + 1;
}

/* Global: verified on its own by the kernel. */
__noinline int global_a(int x)
{
	return mid_b(x) + 2;
}

/* Global with a context argument: returns the packet length. */
__noinline int global_pkt_len(struct xdp_md *ctx)
{
	if (!ctx)
		return 0;
	return ctx->data_end - ctx->data;
}

struct loop_ctx {
	__u64 sum;
};

static int loop_cb(__u32 idx, void *data)
{
	struct loop_ctx *c = data;

	c->sum += idx;
	return 0;
}

struct fe_ctx {
	__u64 sum;
	__u32 count;
};

static __u64 fe_cb(struct bpf_map *map, __u32 *key, __u64 *val, struct fe_ctx *c)
{
	c->sum += *val;
	c->count++;
	return 0;
}

/* global_a(5) = (5*3 + 1) + 2 = 18 */
SEC("xdp")
int sub_chain(struct xdp_md *ctx)
{
	return global_a(5);
}

/* global_a(1) + global_pkt_len(ctx) = 6 + packet length */
SEC("xdp")
int sub_shared(struct xdp_md *ctx)
{
	return global_a(1) + global_pkt_len(ctx);
}

/* bpf_loop(10) sums 0..9 = 45 into loop_sum; returns leaf_c(45) = 135 */
SEC("xdp")
int sub_loop(struct xdp_md *ctx)
{
	struct loop_ctx c = { .sum = 0 };

	bpf_loop(10, loop_cb, &c, 0);
	loop_sum = c.sum;
	return leaf_c(c.sum);
}

/* Fills fe_array[i] = i + 1, sums it with bpf_for_each_map_elem
 * (sum 10, count 4) and returns count * 100 + global_a(sum) = 400 + 33. */
SEC("xdp")
int sub_foreach(struct xdp_md *ctx)
{
	struct fe_ctx c = { .sum = 0, .count = 0 };

#pragma unroll
	for (__u32 i = 0; i < 4; i++) {
		__u32 k = i;
		__u64 v = i + 1;

		bpf_map_update_elem(&fe_array, &k, &v, BPF_ANY);
	}
	bpf_for_each_map_elem(&fe_array, fe_cb, &c, 0);
	fe_sum = c.sum;
	fe_count = c.count;
	return c.count * 100 + global_a(c.sum);
}

char LICENSE[] SEC("license") = "GPL";
