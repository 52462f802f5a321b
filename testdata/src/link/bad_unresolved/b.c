/* link/bad_unresolved/b.c: bad input: defines somewhere, not nowhere. */
#include "common.h"

__u32 somewhere = 1;

char LICENSE[] SEC("license") = "GPL";
