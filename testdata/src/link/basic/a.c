/* link/basic/a.c: part a of the "basic" link set (a.c b.c c.c, linked in
 * that order). It calls functions defined in b.c (global lib_add, __hidden
 * hidden_mul), reads variables defined there (lib_counter in .bss, the
 * strong tunable that overrides the __weak one here, the __hidden
 * hidden_var) and uses b.c's map through an extern declaration. pick() is
 * __weak here and strong in b.c (b.c's wins); first() is __weak here and in
 * c.c (the first, this one, wins). helper() and calls are static here and
 * in b.c: each file keeps its own. .rodata, .data.link and the .kconfig externs
 * are shared with the other parts. The typeless ksym _stext is a.c's
 * alone: libbpf 1.1's linker, which this set is checked against, fails on
 * a .ksyms extern in two files ("failed to resolve size of underlying
 * type"); the ksyms link set has those. See testdata/README.md.
 */
#include "common.h"
#include "basic.h"

extern int lib_add(int a, int b);
extern int hidden_mul(int x) __hidden;
extern __u32 lib_counter;
extern __u32 hidden_var __hidden;
extern SHARED_MAP shared_map SEC(".maps");

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern const void _stext __ksym;

__weak __u32 tunable = 10;
const volatile __u32 a_mul = 3;
__u32 a_tag SEC(".data.link") = 0xa;
__u64 a_result;
__u64 a_stext;

static __u32 calls;

static __noinline int helper(int x)
{
	calls++;
	return x + 2;
}

__weak __noinline int pick(int x)
{
	return x + 1;
}

__weak __noinline int first(int x)
{
	return x + 1000;
}

SEC("xdp")
int link_entry(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;
	int v = helper(len);
	__u32 k = 0;
	__u64 *slot;

	v = lib_add(v, a_mul);
	v += hidden_mul(2);
	v += pick(0);
	v += first(0);
	v += tunable + hidden_var;
	lib_counter++;
	a_tag++;
	slot = bpf_map_lookup_elem(&shared_map, &k);
	if (slot)
		*slot += v;
	if (LINUX_KERNEL_VERSION == 0 || !CONFIG_BPF_SYSCALL)
		return -1;
	a_result = v + calls;
	a_stext = (__u64)&_stext;
	return v;
}

char LICENSE[] SEC("license") = "GPL";
