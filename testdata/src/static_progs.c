/* static_progs.c: forms cilium/ebpf loads and libbpf (>= 1.0) refuses, in
 * one object: legacy struct bpf_map_def maps in SEC("maps") and, as
 * iproute2-era objects name them, SEC("maps/static"), beside a BTF-defined
 * map; programs that are static functions in sections of their
 * own (kept by the "used" attribute, as cilium/ebpf's __section macro
 * writes them), with section names in cilium/ebpf's prefix form; a static
 * __noinline helper in a section of its own, which the object calls and so
 * is a subprogram (cilium/ebpf lists it as a program too).
 */
#include "common.h"

#define __section(NAME) __attribute__((section(NAME), used))

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

/* Packets seen, by length. */
struct bpf_map_def SEC("maps") legacy_counts = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 16,
};

/* The last packet length static_xdp saw, in a "maps/..." section. */
struct bpf_map_def SEC("maps/static") legacy_last = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 1,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} btf_array SEC(".maps");

__u64 static_runs;	/* .bss */

/* A static socket filter: counts the packet in legacy_counts and returns
 * skb->len + 100 (150). */
static __section("socket/static") int static_sock(struct __sk_buff *skb)
{
	__u32 key = skb->len;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&legacy_counts, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else if (bpf_map_update_elem(&legacy_counts, &key, &one, BPF_ANY))
		return 0;
	static_runs++;
	return skb->len + 100;
}

/* Called by static_xdp: a subprogram, though alone in its section. */
static __noinline __section("xdp/helper") int helper_double(int x)
{
	return x * 2;
}

/* A static XDP program: btf_array[1] += 5, legacy_last[0] = packet
 * length; returns 2 * packet length (128). */
static __section("xdp/static") int static_xdp(struct xdp_md *ctx)
{
	__u32 k = 1, zero = 0, len = ctx->data_end - ctx->data;
	__u64 *v = bpf_map_lookup_elem(&btf_array, &k);

	if (v)
		*v += 5;
	if (bpf_map_update_elem(&legacy_last, &zero, &len, BPF_ANY))
		return 0;
	static_runs++;
	return helper_double(ctx->data_end - ctx->data);
}

/* A global socket filter in libbpf's form reading the legacy map: the
 * number of packets of this length seen by static_sock. */
SEC("socket")
int global_sock(struct __sk_buff *skb)
{
	__u32 key = skb->len;
	__u64 *v = bpf_map_lookup_elem(&legacy_counts, &key);

	return v ? *v : 0;
}

char LICENSE[] SEC("license") = "GPL";
