/* libbpf_idioms.c: patterns of real-world libbpf programs that the other
 * objects do not have. bpf_printk() (its format string is a static const
 * array in .rodata) and bpf_trace_printk() with a string literal, which
 * clang puts in the mergeable-strings section .rodata.str1.1; a static
 * const array clang puts in .rodata.cst16; a BPF_MAP_TYPE_PERF_EVENT_ARRAY
 * without max_entries (0: libbpf sizes it to the number of possible CPUs);
 * a __weak global function; the license "Dual BSD/GPL".
 */
#include "common.h"

static const __u32 primes[4] = {3, 5, 7, 11};	/* .rodata.cst16 */

volatile __u32 prime_idx = 2;	/* .data */
__u32 idiom_runs;		/* .bss */
__s32 printk_ret;		/* .bss: bytes written by bpf_trace_printk */

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} idiom_events SEC(".maps");

/* A global function that a second object could override at link time. */
__weak int weak_add(int x)
{
	return x + primes[prime_idx & 3];
}

/* weak_add(packet length) = 64 + primes[2] = 71. */
SEC("xdp")
int idioms(struct xdp_md *ctx)
{
	idiom_runs++;
	bpf_printk("bpfc idioms run %u", idiom_runs);
	printk_ret = bpf_trace_printk("bpfc literal %d\n", sizeof("bpfc literal %d\n"), prime_idx);
	return weak_add(ctx->data_end - ctx->data);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
