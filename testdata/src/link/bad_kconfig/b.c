/* link/bad_kconfig/b.c: bad input: CONFIG_HZ as a __u64. */
#include "common.h"

extern __u64 CONFIG_HZ __kconfig;

SEC("xdp")
int kconfig_b(struct xdp_md *ctx)
{
	return CONFIG_HZ > 100;
}

char LICENSE[] SEC("license") = "GPL";
