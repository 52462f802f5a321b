/* hidden_funcs.c: global functions with hidden or internal visibility.
 * libbpf marks such a function static (BTF_FUNC_STATIC) in the BTF it
 * loads, so that the verifier checks it in its callers' context instead of
 * alone with nothing known about its arguments. As a real global function,
 * each of these is rejected: the verifier takes a pointer argument to be
 * possibly NULL ("invalid mem access 'mem_or_null'").
 *
 * usdt_probe uses libbpf's usdt.bpf.h, whose bpf_usdt_arg() is __weak
 * __hidden; hidden_prog calls two hidden functions of this file and a plain
 * global one that stays global. (clang writes visibility("internal") as
 * STV_HIDDEN for BPF; frontend tests cover STV_INTERNAL.)
 */
#include "common.h"
#include <asm/ptrace.h>	/* struct pt_regs, user-space register names */
#include <bpf/usdt.bpf.h>

__u64 usdt_calls;	/* .bss */
long usdt_arg0;
__u64 hidden_calls;

/* A USDT handler: attached by libbpf's usdt.c, not test-runnable. */
SEC("usdt")
int BPF_USDT(usdt_probe, long first)
{
	long second;

	usdt_calls++;
	usdt_arg0 = first;
	if (bpf_usdt_arg(ctx, 1, &second) == 0)
		usdt_arg0 += second;
	return 0;
}

/* *acc += packet length: acc is dereferenced without a NULL check. */
__hidden __noinline int add_len(struct xdp_md *ctx, __u64 *acc)
{
	*acc += ctx->data_end - ctx->data;
	hidden_calls++;
	return 0;
}

/* *acc * factor, with the same unchecked dereference. */
__hidden __noinline __u64 scale(__u64 *acc, __u32 factor)
{
	return *acc * factor;
}

/* A global function taking only scalars: the verifier checks it alone. */
__noinline int plus_one(int x)
{
	return x + 1;
}

/* (100 + packet length 64) * 2 + 1 = 329. */
SEC("xdp")
int hidden_prog(struct xdp_md *ctx)
{
	__u64 acc = 100;

	add_len(ctx, &acc);
	return plus_one(scale(&acc, 2));
}

char LICENSE[] SEC("license") = "GPL";
