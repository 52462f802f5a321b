/* link/bad_strong/b.c: bad input: a second strong dup(). */
#include "common.h"

__noinline int dup(int x)
{
	return x + 2;
}

char LICENSE[] SEC("license") = "GPL";
