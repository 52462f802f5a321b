/* link/bad_strong/a.c: bad input: dup() is strong here and in b.c. */
#include "common.h"

__noinline int dup(int x)
{
	return x + 1;
}

SEC("xdp")
int strong_a(struct xdp_md *ctx)
{
	return dup(1);
}

char LICENSE[] SEC("license") = "GPL";
