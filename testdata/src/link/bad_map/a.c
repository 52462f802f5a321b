/* link/bad_map/a.c: bad input: the extern map counts is declared with 4
 * entries here and defined with 8 in b.c. */
#include "common.h"

extern struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("xdp")
int map_a(struct xdp_md *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&counts, &k) != 0;
}

char LICENSE[] SEC("license") = "GPL";
