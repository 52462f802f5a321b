/* legacy_maps.c: maps defined the pre-BTF way, as struct bpf_map_def
 * variables in SEC("maps"). libbpf 1.0+ no longer loads these (so bpftool
 * refuses the object); bpfc and cilium/ebpf do. A socket filter updates
 * both maps.
 */
#include "common.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 8,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 2,
	.map_flags = 0,
};

/* legacy_hash[skb->len] += 1, legacy_array[1] = 42; returns skb->len, or 0
 * when a map operation failed. */
SEC("socket")
int legacy_prog(struct __sk_buff *skb)
{
	__u32 key = skb->len, idx = 1, val = 42;
	__u64 one = 1, *cnt;

	cnt = bpf_map_lookup_elem(&legacy_hash, &key);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else if (bpf_map_update_elem(&legacy_hash, &key, &one, BPF_NOEXIST))
		return 0;
	if (bpf_map_update_elem(&legacy_array, &idx, &val, BPF_ANY))
		return 0;
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
