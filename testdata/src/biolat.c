/* biolat.c: a block I/O latency histogram in the style of libbpf-tools'
 * biolatency, written against locally declared kernel types.
 *
 * Three tp_btf programs: block_rq_insert and block_rq_issue record a start
 * timestamp per request in a hash map (keyed by the request pointer);
 * block_rq_complete looks it up, turns the delta into a log2 slot and
 * bumps a histogram — one global array map of slots, or, with targ_per_disk
 * or targ_per_flag, a hash map of histograms keyed by disk and flags.
 * Filters and units are `const volatile` knobs in .rodata that user space
 * sets before load (targ_ms, targ_queued, filter_dev/targ_dev, ...).
 *
 * CO-RE: struct request, request_queue and gendisk are read with
 * BPF_CORE_READ; the gendisk of a request moved from request->rq_disk to
 * request->q->disk in Linux 5.17, so get_disk() is guarded with
 * bpf_core_field_exists on a ___x flavor that still has rq_disk. The
 * block_rq_insert tracepoint lost its request_queue argument in 5.11: that
 * choice is made with the LINUX_KERNEL_VERSION kconfig extern, as
 * biolatency does.
 *
 * Nothing here is run by the tests (tp_btf programs cannot be test-run);
 * the object must load on this kernel and is the benchmarks' typical CO-RE
 * tool (bench/).
 */
#include "common.h"

#define MAX_ENTRIES	10240
#define MAX_SLOTS	27
#define MINORBITS	20
#define MKDEV(ma, mi)	(((ma) << MINORBITS) | (mi))

extern int LINUX_KERNEL_VERSION __kconfig;

struct gendisk {
	int major;
	int first_minor;
} __core;

struct elevator_queue;

struct request_queue {
	struct elevator_queue *elevator;
	struct gendisk *disk;
} __core;

struct request {
	struct request_queue *q;
	unsigned int cmd_flags;
	unsigned int __data_len;
} __core;

/* Before Linux 5.17 a request pointed at its gendisk directly. */
struct request___x {
	struct request_queue *q;
	struct gendisk *rq_disk;
} __core;

struct hist_key {
	__u32 dev;
	__u32 cmd_flags;
};

struct hist {
	__u32 slots[MAX_SLOTS];
};

const volatile bool filter_cg = false;
const volatile bool targ_per_disk = false;
const volatile bool targ_per_flag = false;
const volatile bool targ_queued = false;
const volatile bool targ_ms = false;
const volatile bool filter_dev = false;
const volatile __u32 targ_dev = 0;
const volatile __u64 min_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} cgroup_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct request *);
	__type(value, __u64);
} start SEC(".maps");

/* The histogram when nothing splits it: one u64 counter per log2 slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist_slots SEC(".maps");

/* Histograms split by disk and/or request flags. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, struct hist_key);
	__type(value, struct hist);
} hists SEC(".maps");

static struct hist initial_hist;

/* Completed requests that had no start timestamp (missed inserts). */
__u64 missed;

static __always_inline struct gendisk *get_disk(void *request)
{
	struct request___x *r = request;

	if (bpf_core_field_exists(r->rq_disk))
		return BPF_CORE_READ(r, rq_disk);
	return BPF_CORE_READ(r, q, disk);
}

static __always_inline __u32 disk_dev(struct gendisk *disk)
{
	if (!disk)
		return 0;
	return MKDEV(BPF_CORE_READ(disk, major), BPF_CORE_READ(disk, first_minor));
}

static __always_inline __u64 log2(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2l(__u64 v)
{
	__u32 hi = v >> 32;

	if (hi)
		return log2(hi) + 32;
	return log2(v);
}

static __always_inline int trace_rq_start(struct request *rq, bool issue)
{
	__u64 ts;

	if (filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	if (issue && targ_queued && BPF_CORE_READ(rq, q, elevator))
		return 0;
	if (min_bytes && BPF_CORE_READ(rq, __data_len) < min_bytes)
		return 0;
	ts = bpf_ktime_get_ns();
	if (filter_dev && targ_dev != disk_dev(get_disk(rq)))
		return 0;
	bpf_map_update_elem(&start, &rq, &ts, BPF_ANY);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int block_rq_insert(__u64 *ctx)
{
	/* Linux 5.11 changed TP_PROTO(q, rq) to TP_PROTO(rq). */
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		return trace_rq_start((void *)ctx[1], false);
	return trace_rq_start((void *)ctx[0], false);
}

SEC("tp_btf/block_rq_issue")
int block_rq_issue(__u64 *ctx)
{
	if (LINUX_KERNEL_VERSION < KERNEL_VERSION(5, 11, 0))
		return trace_rq_start((void *)ctx[1], true);
	return trace_rq_start((void *)ctx[0], true);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, int error, unsigned int nr_bytes)
{
	struct hist_key hkey = {};
	__u64 ts = bpf_ktime_get_ns();
	__u64 *tsp, *slotp, slot, delta;
	struct hist *histp;
	__u32 idx;

	if (filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	tsp = bpf_map_lookup_elem(&start, &rq);
	if (!tsp) {
		__sync_fetch_and_add(&missed, 1);
		return 0;
	}
	if ((__s64)(ts - *tsp) < 0)
		goto cleanup;
	delta = ts - *tsp;
	if (targ_ms)
		delta /= 1000000U;
	else
		delta /= 1000U;
	slot = log2l(delta);
	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;

	if (!targ_per_disk && !targ_per_flag) {
		idx = slot;
		slotp = bpf_map_lookup_elem(&hist_slots, &idx);
		if (slotp)
			__sync_fetch_and_add(slotp, 1);
		goto cleanup;
	}

	if (targ_per_disk)
		hkey.dev = disk_dev(get_disk(rq));
	if (targ_per_flag)
		hkey.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	histp = bpf_map_lookup_elem(&hists, &hkey);
	if (!histp) {
		bpf_map_update_elem(&hists, &hkey, &initial_hist, BPF_NOEXIST);
		histp = bpf_map_lookup_elem(&hists, &hkey);
		if (!histp)
			goto cleanup;
	}
	__sync_fetch_and_add(&histp->slots[slot], 1);

cleanup:
	bpf_map_delete_elem(&start, &rq);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
