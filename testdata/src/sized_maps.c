/* sized_maps.c: maps that user space sizes, as bcc's libbpf-tools do
 * (offcputime, profile, stackcount...): a stack trace map declared with
 * its key size only, value_size (8 bytes per frame of the stack depth) and
 * max_entries left 0, and a hash map with neither key nor value size. The
 * tools call bpf_map__set_value_size / set_key_size / set_max_entries
 * before load; bpfc takes -value-size, -key-size and -max-entries (and
 * Options.ValueSize...). Unsized, the kernel refuses both maps: bpfc says
 * which size to set before BPF_MAP_CREATE.
 *
 * The program is written for stackmap value_size 127 * 8 (any multiple of
 * 8 works) and counts key_size 8, value_size 8.
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
} stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
} counts SEC(".maps");

struct count_key {
	__u32 tgid;
	__s32 stack_id;
};

/* Records the kernel stack of the test run in stackmap and counts it in
 * counts under {tgid, stack id} (user space reads the frames: BPF cannot
 * look a stack trace map up). Returns 0x5e, or 1..2: the step that
 * failed. */
SEC("raw_tp/sys_enter")
int count_stack(void *ctx)
{
	struct count_key key = {};
	__u64 one = 1, *cnt;

	/* Skip the first frame, the program's own: the stack (and its id)
	 * are then the same for every load of the object. */
	key.stack_id = bpf_get_stackid(ctx, &stackmap, 1);
	if (key.stack_id < 0)
		return 1;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	cnt = bpf_map_lookup_elem(&counts, &key);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST))
		return 2;
	return 0x5e;
}

char LICENSE[] SEC("license") = "GPL";
