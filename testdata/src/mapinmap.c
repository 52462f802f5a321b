/* mapinmap.c: an ARRAY_OF_MAPS and a HASH_OF_MAPS whose inner map is
 * declared with __array(values, struct inner) and whose slots are
 * initialised through .values with two named inner maps. The XDP program
 * looks up outer -> inner, writes through one outer map and reads back
 * through the other.
 */
#include "common.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner inner_a SEC(".maps");
struct inner inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer_array SEC(".maps") = {
	.values = { &inner_a, &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [1] = &inner_b, [3] = &inner_a },
};

__u32 read_a;	/* .bss */
__u32 read_b;	/* .bss */

/* Writes inner_a[1] = 111 via outer_array[0] and inner_b[2] = 222 via
 * outer_array[1], reads them back via outer_hash[3] and outer_hash[1], and
 * returns their sum (333), +1000 if outer_hash[2] unexpectedly exists; on
 * a failed lookup returns 1..6 (the step). */
SEC("xdp")
int mim_rw(struct xdp_md *ctx)
{
	__u32 k, *v;
	void *inner;
	__u32 ret = 0;

	k = 0;
	inner = bpf_map_lookup_elem(&outer_array, &k);
	if (!inner)
		return 1;
	k = 1;
	v = bpf_map_lookup_elem(inner, &k);
	if (!v)
		return 2;
	*v = 111;

	k = 1;
	inner = bpf_map_lookup_elem(&outer_array, &k);
	if (!inner)
		return 3;
	k = 2;
	v = bpf_map_lookup_elem(inner, &k);
	if (!v)
		return 4;
	*v = 222;

	k = 3;
	inner = bpf_map_lookup_elem(&outer_hash, &k);
	if (!inner)
		return 5;
	k = 1;
	v = bpf_map_lookup_elem(inner, &k);
	if (!v)
		return 5;
	read_a = *v;

	k = 1;
	inner = bpf_map_lookup_elem(&outer_hash, &k);
	if (!inner)
		return 6;
	k = 2;
	v = bpf_map_lookup_elem(inner, &k);
	if (!v)
		return 6;
	read_b = *v;

	k = 2;
	if (bpf_map_lookup_elem(&outer_hash, &k))
		ret += 1000;
	return ret + read_a + read_b;
}

char LICENSE[] SEC("license") = "GPL";
