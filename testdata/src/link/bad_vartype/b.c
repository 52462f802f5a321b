/* link/bad_vartype/b.c: bad input: the __u32 definition of shared_val. */
#include "common.h"

__u32 shared_val = 1;

char LICENSE[] SEC("license") = "GPL";
