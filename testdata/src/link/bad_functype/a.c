/* link/bad_functype/a.c: bad input: twice() is declared taking an int
 * here and defined taking a struct pointer in b.c. */
#include "common.h"

extern int twice(int x);

SEC("xdp")
int functype_a(struct xdp_md *ctx)
{
	return twice(3);
}

char LICENSE[] SEC("license") = "GPL";
