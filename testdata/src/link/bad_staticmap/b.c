/* link/bad_staticmap/b.c: a static map "counts" in each part. libbpf's
 * linker keeps both (one .maps DATASEC, two static VARs of one name), but
 * libbpf loads no static map ("unsupported map linkage static"); bpfc
 * refuses to link them, naming the map and both files: the maps of a
 * linked object need distinct names.
 */
#include "common.h"

static struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("xdp")
int count_b(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &k);

	if (v)
		*v += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
