/* asm_const.c: symbols referenced from inline assembly. "%0 = MY_CONST ll"
 * leaves an ld_imm64 relocated against an undefined symbol that neither
 * BTF nor a call describes. cilium/ebpf loads such objects, the value
 * being a constant the user sets (in the instruction); libbpf refuses
 * them. In bpfc the symbol is a constant extern, 0 unless set with -set
 * NAME=VALUE (Options.Set).
 */
#include "common.h"

__u64 asm_seen;		/* .bss */
__u64 asm_sum;

/* MY_CONST + 1 (1 by default); asm_seen = MY_CONST. */
SEC("xdp")
int asm_xdp(struct xdp_md *ctx)
{
	__u64 v;

	asm volatile("%0 = MY_CONST ll" : "=r"(v));
	asm_seen = v;
	return (__u32)v + 1;
}

/* asm_sum = MY_CONST + OTHER_CONST, as 64-bit values; returns 0. */
SEC("syscall")
int asm_syscall(void *ctx)
{
	__u64 a, b;

	asm volatile("%0 = MY_CONST ll" : "=r"(a));
	asm volatile("%0 = OTHER_CONST ll" : "=r"(b));
	asm_sum = a + b;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
