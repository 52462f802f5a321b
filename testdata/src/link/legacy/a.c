/* link/legacy/a.c: part a of the "legacy" link set (a.c b.c): legacy
 * struct bpf_map_def maps in "maps", which libbpf >= 1.0 does not load but
 * whose linker links them like data: legacy_a is this file's own,
 * legacy_w is __weak here and strong (and larger) in b.c, and b.c's wins.
 * See testdata/README.md.
 */
#include "common.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_a = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 1,
};

__weak struct bpf_map_def SEC("maps") legacy_w = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 1,
};

SEC("socket")
int legacy_main(struct __sk_buff *skb)
{
	__u32 k = 0, v = 7;

	bpf_map_update_elem(&legacy_a, &k, &v, BPF_ANY);
	k = 3;
	v = 9;
	/* Fails unless b.c's legacy_w (4 entries) won. */
	if (bpf_map_update_elem(&legacy_w, &k, &v, BPF_ANY))
		return 0;
	return 42;
}

char LICENSE[] SEC("license") = "GPL";
