/* link/weak/a.c: part a of the "weak" link set (a.c b.c). Weak against
 * weak: the first definition wins (only_weak, ww_var, the map ww_map: this
 * file's); weak against strong: the strong one wins wherever it is (the
 * program weak_prog and the map ws_map are strong in b.c). See
 * testdata/README.md.
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} ww_map SEC(".maps") __weak, ws_map SEC(".maps") __weak;

__weak __u32 ww_var = 1;

__weak __noinline int only_weak(void)
{
	return 1;
}

__weak SEC("xdp") int weak_prog(struct xdp_md *ctx)
{
	return 11;
}

SEC("xdp")
int weak_main(struct xdp_md *ctx)
{
	__u32 k = 0, one = 1;

	bpf_map_update_elem(&ww_map, &k, &one, BPF_ANY);
	bpf_map_update_elem(&ws_map, &k, &one, BPF_ANY);
	return only_weak() * 100 + ww_var * 10;
}

char LICENSE[] SEC("license") = "GPL";
