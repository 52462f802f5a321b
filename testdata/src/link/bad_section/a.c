/* link/bad_section/a.c: bad input: the variable moved is __weak in .data
 * here and strong in .bss in b.c. libbpf 1.1's linker says "section
 * mismatch" given b.o first, and crashes given a.o first. */
#include "common.h"

__weak __u32 moved = 1;

SEC("xdp")
int section_a(struct xdp_md *ctx)
{
	return moved;
}

char LICENSE[] SEC("license") = "GPL";
