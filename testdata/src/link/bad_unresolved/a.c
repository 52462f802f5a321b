/* link/bad_unresolved/a.c: bad input: nowhere is declared extern and
 * defined by no object (b.c defines something else). */
#include "common.h"

extern __u32 nowhere;

SEC("xdp")
int unresolved_a(struct xdp_md *ctx)
{
	return nowhere;
}

char LICENSE[] SEC("license") = "GPL";
