/* link/bad_functype/b.c: bad input: twice() of another prototype. */
#include "common.h"

struct pair {
	int a, b;
};

__noinline int twice(struct pair *p)
{
	return p ? p->a * 2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
