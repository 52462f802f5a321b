/* link/bad_section/b.c: bad input: the strong moved, in .bss. */
#include "common.h"

__u32 moved;

char LICENSE[] SEC("license") = "GPL";
