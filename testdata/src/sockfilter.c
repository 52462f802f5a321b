/* sockfilter.c: two socket filter programs in one SEC("socket") section,
 * returning values computed from the packet length and from globals in
 * .data, .rodata and .bss. See testdata/README.md for expected values.
 */
#include "common.h"

const volatile __u32 snap_len = 96;	/* .rodata */
__u32 extra = 10;			/* .data */
__u32 seen_packets;			/* .bss */
__u32 last_len;				/* .bss */
__u32 last_proto;			/* .bss */

/* sock_len returns skb->len + extra and counts the packet. */
SEC("socket")
int sock_len(struct __sk_buff *skb)
{
	seen_packets++;
	last_len = skb->len;
	last_proto = bpf_ntohs(skb->protocol);
	return skb->len + extra;
}

/* sock_snap returns min(skb->len, snap_len) + seen_packets (not changed
 * here, so 0 unless sock_len ran before in the same collection). */
SEC("socket")
int sock_snap(struct __sk_buff *skb)
{
	__u32 len = skb->len;

	if (len > snap_len)
		len = snap_len;
	return len + seen_packets;
}

char LICENSE[] SEC("license") = "GPL";
