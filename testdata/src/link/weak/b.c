/* link/weak/b.c: part b of the "weak" link set: __weak only_weak, ww_var
 * and ww_map lose to a.c's (a.c comes first); the strong weak_prog and
 * ws_map win over a.c's weak ones. See testdata/README.md.
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} ww_map SEC(".maps") __weak, ws_map SEC(".maps");

__weak __u32 ww_var = 2;

__weak __noinline int only_weak(void)
{
	return 2;
}

SEC("xdp") int weak_prog(struct xdp_md *ctx)
{
	__u32 k = 1, two = 2;

	bpf_map_update_elem(&ws_map, &k, &two, BPF_ANY);
	return 22 + only_weak() + ww_var;
}

char LICENSE[] SEC("license") = "GPL";
