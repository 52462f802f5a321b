/* link/bad_vartype/a.c: bad input: shared_val is declared __u64 here and
 * defined __u32 in b.c. */
#include "common.h"

extern __u64 shared_val;

SEC("xdp")
int vartype_a(struct xdp_md *ctx)
{
	return shared_val;
}

char LICENSE[] SEC("license") = "GPL";
