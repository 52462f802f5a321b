/* link/legacy/b.c: part b of the "legacy" link set: the strong legacy_w
 * (4 entries) that replaces a.c's weak one. See testdata/README.md.
 */
#include "common.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_w = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 4,
};

char LICENSE[] SEC("license") = "GPL";
