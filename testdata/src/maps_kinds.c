/* maps_kinds.c: one map of each common kind (hash, array, percpu array,
 * percpu hash, LRU hash, ring buffer, a map with sizes given as key_size /
 * value_size instead of BTF types, a BPF_F_NO_PREALLOC hash) and a hash with
 * max_entries = 0 that user space must size before load (bpfc -max-entries).
 * One XDP program writes known keys and values into each of them and returns
 * 0x600d when every step worked, or the number of the step that failed.
 */
#include "common.h"

struct ring_record {
	__u32 magic;
	__u32 seq;
	__u64 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} percpu_array_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} percpu_hash_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__type(key, __u64);
	__type(value, __u32);
} lru_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ring_map SEC(".maps");

/* Sizes instead of BTF key/value types, and a map flag. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(key_size, 8);
	__uint(value_size, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} sized_map SEC(".maps");

/* max_entries = 0: user space must set a size before the map is created. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 0);
	__type(key, __u32);
	__type(value, __u32);
} user_sized_map SEC(".maps");

struct sized_value {
	__u64 lo;
	__u64 hi;
};

SEC("xdp")
int fill_maps(struct xdp_md *ctx)
{
	__u32 k32;
	__u64 k64, v64;
	__u32 v32;
	__u64 *p64;
	struct ring_record *rec;
	struct sized_value sv = { .lo = 0x0102030405060708ULL, .hi = 0x1112131415161718ULL };

	/* 1: hash_map {1: 100, 2: 200} */
	k32 = 1;
	v64 = 100;
	if (bpf_map_update_elem(&hash_map, &k32, &v64, BPF_ANY))
		return 1;
	k32 = 2;
	v64 = 200;
	if (bpf_map_update_elem(&hash_map, &k32, &v64, BPF_NOEXIST))
		return 1;

	/* 2: array_map [0] = 10 (update), [3] = 13 (written through lookup) */
	k32 = 0;
	v64 = 10;
	if (bpf_map_update_elem(&array_map, &k32, &v64, BPF_ANY))
		return 2;
	k32 = 3;
	p64 = bpf_map_lookup_elem(&array_map, &k32);
	if (!p64)
		return 2;
	*p64 = 13;

	/* 3: percpu_array_map [1] += 7 on the current CPU */
	k32 = 1;
	p64 = bpf_map_lookup_elem(&percpu_array_map, &k32);
	if (!p64)
		return 3;
	*p64 += 7;

	/* 4: percpu_hash_map {5: 55} on the current CPU */
	k32 = 5;
	v32 = 55;
	if (bpf_map_update_elem(&percpu_hash_map, &k32, &v32, BPF_ANY))
		return 4;

	/* 5: lru_map {0xdeadbeef: 1} */
	k64 = 0xdeadbeefULL;
	v32 = 1;
	if (bpf_map_update_elem(&lru_map, &k64, &v32, BPF_ANY))
		return 5;

	/* 6: ring_map gets one record {magic 0xb9fc, seq 1, value packet length} */
	rec = bpf_ringbuf_reserve(&ring_map, sizeof(*rec), 0);
	if (!rec)
		return 6;
	rec->magic = 0xb9fc;
	rec->seq = 1;
	rec->value = ctx->data_end - ctx->data;
	bpf_ringbuf_submit(rec, 0);

	/* 7: sized_map {0x0a0b0c0d: {lo, hi}} */
	k64 = 0x0a0b0c0dULL;
	if (bpf_map_update_elem(&sized_map, &k64, &sv, BPF_ANY))
		return 7;

	/* 8: user_sized_map {9: 99} */
	k32 = 9;
	v32 = 99;
	if (bpf_map_update_elem(&user_sized_map, &k32, &v32, BPF_ANY))
		return 8;

	return 0x600d;
}

char LICENSE[] SEC("license") = "GPL";
