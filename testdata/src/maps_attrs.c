/* maps_attrs.c: the less common BTF map definition attributes:
 * map_extra (a bloom filter's number of hash functions), numa_node with
 * BPF_F_NUMA_NODE, pinning = LIBBPF_PIN_BY_NAME (pinned as <pin root>/<map
 * name>; libbpf's default root is /sys/fs/bpf, so a test must give its own
 * pin directory and remove the pin), and a queue map without a key.
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, __u32);
	__uint(map_extra, 3);	/* number of hash functions */
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
} numa_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u32);
} queue SEC(".maps");

/* The value looked up in the bloom filter: a global, not a stack slot.
 * bpf_map_peek_elem's prototype (shared with queues and stacks) says the
 * helper writes its value argument, which a bloom filter reads: Linux
 * 7.2's verifier then takes the store of a stack slot before the call for
 * dead, poisons it and refuses the read ("slot poisoned by dead code
 * elimination"). Global data is not subject to that. */
__u32 bloom_probe = 7;

/* Pushes 7 into the bloom filter and 11, 22 into the queue, sets
 * numa_array[0] = 5 and pinned_hash {1: 10}; returns bloom hits for 7
 * (expected 1) * 100 + the popped queue head (11), i.e. 111, or 1..5 for the
 * step that failed. */
SEC("xdp")
int use_attrs(struct xdp_md *ctx)
{
	__u32 v = 7, q, k = 0, one = 1, ten = 10;
	__u64 five = 5;
	int hits = 0;

	if (bpf_map_push_elem(&bloom, &v, 0))
		return 1;
	if (bpf_map_peek_elem(&bloom, &bloom_probe) == 0)
		hits++;
	q = 11;
	if (bpf_map_push_elem(&queue, &q, 0))
		return 2;
	q = 22;
	if (bpf_map_push_elem(&queue, &q, 0))
		return 3;
	if (bpf_map_update_elem(&numa_array, &k, &five, BPF_ANY))
		return 4;
	if (bpf_map_update_elem(&pinned_hash, &one, &ten, BPF_ANY))
		return 5;
	q = 0;
	bpf_map_pop_elem(&queue, &q);
	return hits * 100 + q;
}

char LICENSE[] SEC("license") = "GPL";
