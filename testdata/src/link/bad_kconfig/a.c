/* link/bad_kconfig/a.c: bad input: CONFIG_HZ is an int here and a __u64
 * in b.c: one .kconfig extern cannot be both. */
#include "common.h"

extern int CONFIG_HZ __kconfig;

SEC("xdp")
int kconfig_a(struct xdp_md *ctx)
{
	return CONFIG_HZ;
}

char LICENSE[] SEC("license") = "GPL";
