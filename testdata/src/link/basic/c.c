/* link/basic/c.c: part c of the "basic" link set. Its __weak first() loses
 * to a.c's (the first weak definition wins); it reads tunable through an
 * extern declaration (b.c's strong one), calls b.c's lib_add and shares
 * LINUX_KERNEL_VERSION with a.c. See testdata/README.md.
 */
#include "common.h"
#include "basic.h"

extern int lib_add(int a, int b);
extern __u32 tunable;
extern SHARED_MAP shared_map SEC(".maps");
extern int LINUX_KERNEL_VERSION __kconfig;

__weak __noinline int first(int x)
{
	return x + 3000;
}

SEC("xdp")
int link_third(struct xdp_md *ctx)
{
	__u32 k = 1;
	__u64 one = 1;

	bpf_map_update_elem(&shared_map, &k, &one, BPF_ANY);
	return first(5) + lib_add(0, tunable) + (LINUX_KERNEL_VERSION > 0);
}

char LICENSE[] SEC("license") = "GPL";
