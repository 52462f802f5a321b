/* subprogs_insec.c: subprograms that live in the program's own section
 * instead of .text. A static __noinline function placed in SEC("xdp") next
 * to the program that calls it: clang resolves the call inside the section
 * without a relocation. libbpf (1.0+) refuses static functions outside
 * .text, so bpftool cannot load this object; bpfc and cilium/ebpf can.
 */
#include "common.h"

__u32 insec_calls;	/* .bss */

static __noinline __attribute__((section("xdp"))) int insec_double(int x)
{
	insec_calls++;
	return x * 2;
}

static __noinline int text_add(int x)
{
	return x + 7;
}

/* insec_double(text_add(packet length)) = (len + 7) * 2 */
SEC("xdp")
int insec_prog(struct xdp_md *ctx)
{
	return insec_double(text_add(ctx->data_end - ctx->data));
}

char LICENSE[] SEC("license") = "GPL";
