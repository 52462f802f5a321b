/* link/basic/b.c: part b of the "basic" link set: the library. It defines
 * the map shared_map, the global function lib_add, the __hidden function
 * hidden_mul and variable hidden_var, the .bss counter lib_counter, the
 * strong tunable (a.c's is __weak) and the strong pick(); helper() and
 * calls are static and b.c's own. Its program link_lib uses a bpf_loop
 * callback. See testdata/README.md.
 */
#include "common.h"
#include "basic.h"

SHARED_MAP shared_map SEC(".maps");

__u32 lib_counter;
__u32 tunable = 20;
__hidden __u32 hidden_var = 5;
const volatile __u64 b_add = 1000;
__u64 b_tag SEC(".data.link") = 0xb;

static __u32 calls;

static __noinline int helper(int x)
{
	calls++;
	return x * 2;
}

__noinline int lib_add(int a, int b)
{
	return helper(a) + b;
}

__hidden __noinline int hidden_mul(int x)
{
	return x * 7;
}

__noinline int pick(int x)
{
	return x + 100;
}

static int loop_cb(__u32 i, void *data)
{
	*(__u64 *)data += i;
	return 0;
}

SEC("xdp")
int link_lib(struct xdp_md *ctx)
{
	__u64 sum = 0;

	bpf_loop(4, loop_cb, &sum, 0);
	b_tag++;
	return lib_add(1, 2) + tunable + b_add + sum + calls;
}

char LICENSE[] SEC("license") = "GPL";
