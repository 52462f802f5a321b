/* link/bad_map/b.c: bad input: counts with 8 entries. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

char LICENSE[] SEC("license") = "GPL";
