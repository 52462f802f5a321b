/* conntrack.c: a real kernel module's kfuncs and types: nf_conntrack's
 * connection tracking kfuncs (bpf_xdp_ct_lookup, bpf_xdp_ct_alloc,
 * bpf_ct_set_timeout, bpf_ct_set_status, bpf_ct_insert_entry,
 * bpf_ct_release, bpf_skb_ct_lookup) and CO-RE against struct bpf_ct_opts,
 * a type only nf_conntrack's BTF has (12 bytes before Linux 6.11, 16 with
 * ct_zone_id since), and struct nf_conn (vmlinux BTF on Debian's kernels).
 * Where nf_conntrack is a module (the kernel matrix's guests) the kfuncs
 * are called through a module BTF fd in fd_array and the CO-RE records of
 * bpf_ct_opts resolve in the module's split BTF; where it is built in (the
 * test machine) everything is in vmlinux. Linux 5.10 has no module BTF and
 * no conntrack kfuncs (5.18): the object is refused there.
 *
 * ct_xdp (xdp), on the test packet (10.0.0.1 -> 10.0.0.2, UDP):
 *   1. looks up a tuple no one inserted (192.0.2.1:1 -> 198.51.100.1:1):
 *      NULL, opts.error -ENOENT;
 *   2. allocates an entry for a random tuple (10.x.y.z:rand -> packet's
 *      daddr:dport, so that runs do not collide), sets a 1 s timeout and
 *      adds SEEN_REPLY to its status (read through the nf_conn___init
 *      pointer), inserts it;
 *   3. looks it up again and reads status and the original tuple's source
 *      address with CO-RE;
 *   and returns XDP_PASS when every step went as expected, else 100 + the
 *   number of the first step that did not. The .bss records what it saw
 *   (nothing random).
 * ct_tc (tc): bpf_skb_ct_lookup of the unknown tuple: NULL, -ENOENT;
 *   returns TC_ACT_OK (0) when it was, else 100 + step.
 */
#include "common.h"
#include <linux/ip.h>
#include <linux/udp.h>

#define IPPROTO_UDP 17
#define ENOENT 2
#define IPS_SEEN_REPLY 2
#define IPS_CONFIRMED 8

/* Options of the conntrack kfuncs: nf_conntrack's BTF only. Fields
 * reached through CO-RE; its size (12 or 16, the kfuncs' opts__sz) and
 * whether it has ct_zone_id are asked of the kernel's BTF. */
struct bpf_ct_opts {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
} __core;

union nf_inet_addr {
	__u32 all[4];
	__be32 ip;
} __core;

struct nf_conntrack_tuple {
	struct {
		union nf_inet_addr u3;
	} src;
} __core;

struct nf_conntrack_tuple_hash {
	struct nf_conntrack_tuple tuple;
} __core;

struct nf_conn {
	struct nf_conntrack_tuple_hash tuplehash[2];
	unsigned long status;
} __core;

/* What bpf_xdp_ct_alloc returns, only passed back to kfuncs. A struct
 * (a forward declaration is incompatible with the kernel's prototype, for
 * libbpf as for bpfc), without CO-RE: "___init" reads as a flavor. */
struct nf_conn___init {
	struct nf_conn ct;
};

extern struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts, __u32 opts__sz) __ksym;
extern struct nf_conn___init *bpf_xdp_ct_alloc(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					       __u32 tuple__sz, struct bpf_ct_opts *opts, __u32 opts__sz) __ksym;
extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *ctx, struct bpf_sock_tuple *tuple,
					 __u32 tuple__sz, struct bpf_ct_opts *opts, __u32 opts__sz) __ksym;
extern void bpf_ct_set_timeout(struct nf_conn___init *ct, __u32 timeout) __ksym;
extern int bpf_ct_set_status(const struct nf_conn___init *ct, __u32 status) __ksym;
extern struct nf_conn *bpf_ct_insert_entry(struct nf_conn___init *ct) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;

__u32 ct_opts_size;	/* bpf_core_type_size(struct bpf_ct_opts): 12 or 16 */
__u32 ct_has_zone;	/* bpf_core_field_exists(ct_zone_id): 0 or 1 */
__s32 ct_miss_err;	/* opts.error of the unknown lookup: -ENOENT */
__u32 ct_miss_null;	/* the unknown lookup returned NULL: 1 */
__s32 ct_set_status;	/* bpf_ct_set_status: 0 */
__u32 ct_inserted;	/* bpf_ct_insert_entry returned the entry: 1 */
__u32 ct_found;		/* the second lookup found it: 1 */
__u32 ct_found_dir;	/* its opts.dir: 0 (original) */
__u32 ct_status;	/* its status & (CONFIRMED|SEEN_REPLY): 10 */
__u32 ct_saddr_ok;	/* its original source address is ours: 1 */
__s32 tc_miss_err;	/* ct_tc's opts.error: -ENOENT */
__u32 tc_miss_null;	/* 1 */

/* The tuple of step 1: addresses of documentation networks. */
static void unknown_tuple(struct bpf_sock_tuple *t)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->ipv4.saddr = bpf_htonl(0xc0000201);	/* 192.0.2.1 */
	t->ipv4.daddr = bpf_htonl(0xc6336401);	/* 198.51.100.1 */
	t->ipv4.sport = bpf_htons(1);
	t->ipv4.dport = bpf_htons(1);
}

/* Zeroes opts and sets the fields every call needs, through CO-RE. */
static void udp_opts(struct bpf_ct_opts *o)
{
	__builtin_memset(o, 0, sizeof(*o));
	o->netns_id = -1;	/* BPF_F_CURRENT_NETNS */
	o->l4proto = IPPROTO_UDP;
}

SEC("xdp")
int ct_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	struct udphdr *udp = (void *)(ip + 1);
	__u32 sz = bpf_core_type_size(struct bpf_ct_opts);
	struct bpf_sock_tuple t;
	struct bpf_ct_opts opts;
	struct nf_conn___init *init;
	struct nf_conn *ins, *ct;
	__be32 saddr;
	__u32 rnd;

	if ((void *)(udp + 1) > end)
		return 100;
	ct_opts_size = sz;
	ct_has_zone = bpf_core_field_exists(opts.ct_zone_id);

	/* 1: a tuple no one inserted. */
	unknown_tuple(&t);
	udp_opts(&opts);
	ct = bpf_xdp_ct_lookup(ctx, &t, sizeof(t.ipv4), &opts, sz);
	if (ct) {
		bpf_ct_release(ct);
		return 101;
	}
	ct_miss_null = 1;
	ct_miss_err = opts.error;
	if (opts.error != -ENOENT)
		return 101;

	/* 2: a new entry. */
	rnd = bpf_get_prandom_u32();
	saddr = bpf_htonl(0x0a000000 | (rnd & 0xffffff));
	__builtin_memset(&t, 0, sizeof(t));
	t.ipv4.saddr = saddr;
	t.ipv4.daddr = ip->daddr;
	t.ipv4.sport = (__be16)(bpf_get_prandom_u32() | 1);
	t.ipv4.dport = udp->dest;
	udp_opts(&opts);
	init = bpf_xdp_ct_alloc(ctx, &t, sizeof(t.ipv4), &opts, sz);
	if (!init)
		return 102;
	bpf_ct_set_timeout(init, 1000);
	/* Only SEEN_REPLY may change: CONFIRMED is set at allocation before
	 * Linux 6.6 (or so), at insertion since. */
	ct_set_status = bpf_ct_set_status(init, ((struct nf_conn *)init)->status | IPS_SEEN_REPLY);
	ins = bpf_ct_insert_entry(init);
	if (!ins)
		return 102;
	ct_inserted = 1;

	/* 3: find it. */
	udp_opts(&opts);
	ct = bpf_xdp_ct_lookup(ctx, &t, sizeof(t.ipv4), &opts, sz);
	if (!ct) {
		bpf_ct_release(ins);
		return 103;
	}
	ct_found = 1;
	ct_found_dir = opts.dir;
	ct_status = ct->status & (IPS_CONFIRMED | IPS_SEEN_REPLY);
	ct_saddr_ok = ct->tuplehash[0].tuple.src.u3.ip == saddr;
	bpf_ct_release(ct);
	bpf_ct_release(ins);
	if (ct_set_status != 0 || ct_found_dir != 0 || ct_status != (IPS_CONFIRMED | IPS_SEEN_REPLY) || !ct_saddr_ok)
		return 103;
	return XDP_PASS;
}

SEC("tc")
int ct_tc(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t;
	struct bpf_ct_opts opts;
	struct nf_conn *ct;

	unknown_tuple(&t);
	udp_opts(&opts);
	ct = bpf_skb_ct_lookup(skb, &t, sizeof(t.ipv4), &opts, bpf_core_type_size(struct bpf_ct_opts));
	if (ct) {
		bpf_ct_release(ct);
		return 101;
	}
	tc_miss_null = 1;
	tc_miss_err = opts.error;
	return opts.error == -ENOENT ? TC_ACT_OK : 101;
}

char LICENSE[] SEC("license") = "GPL";
