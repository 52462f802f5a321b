/* kernel_version.c: a choice between two code paths by LINUX_KERNEL_VERSION
 * for a change a stable kernel backported, as tracing tools make (bcc's
 * bitesize reads the block_rq_issue tracepoint's request from its first or
 * second argument around 5.10.137). The test runs it and compares its
 * answer with the kernel's real version: on a distribution kernel whose
 * uname release does not carry the sublevel (Debian: 5.10.0-46-cloud-amd64
 * is 5.10.237), LINUX_KERNEL_VERSION must still be the real one, as libbpf
 * computes it, or the object takes the path for older kernels.
 */
#include "common.h"

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

#define KERNEL_VER(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

/* 1 when the kernel has 5.10.137's backport (and is not older than 5.10),
 * 0 otherwise; the version itself is in the .kconfig map. */
SEC("socket")
int backport(struct __sk_buff *skb)
{
	if (LINUX_KERNEL_VERSION >= KERNEL_VER(5, 10, 137))
		return 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
