/* attach_net.c: programs whose section does not say where they attach;
 * the attacher gives the target: XDP and tc on an interface, a cgroup
 * program on a cgroup, sk_lookup on a network namespace, a perf_event
 * program on a perf event, netfilter on a hook ("?": Linux 6.4), and a
 * socket filter bpfc does not attach at all. Each counts its runs.
 */
#include "common.h"

__u64 xdp_calls, tc_calls, tcx_calls, cg_calls, lookup_calls, perf_calls, nf_calls; /* .bss */

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	__sync_fetch_and_add(&xdp_calls, 1);
	return XDP_PASS;
}

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&tc_calls, 1);
	return TC_ACT_OK;
}

SEC("?tcx/ingress")
int tcx_count(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&tcx_calls, 1);
	return TC_ACT_OK;
}

SEC("cgroup_skb/egress")
int cg_egress(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&cg_calls, 1);
	return 1;
}

SEC("sk_lookup")
int lookup_pass(struct bpf_sk_lookup *ctx)
{
	__sync_fetch_and_add(&lookup_calls, 1);
	return SK_PASS;
}

SEC("perf_event")
int perf_count(void *ctx)
{
	__sync_fetch_and_add(&perf_calls, 1);
	return 0;
}

SEC("?netfilter")
int nf_accept(void *ctx)
{
	__sync_fetch_and_add(&nf_calls, 1);
	return 1; /* NF_ACCEPT */
}

SEC("socket")
int sock_all(struct __sk_buff *skb)
{
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
