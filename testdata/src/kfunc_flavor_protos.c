/* kfunc_flavor_protos.c: two flavors of one kfunc declared with different
 * prototypes, the pattern libbpf's flavors are for (a kfunc whose
 * signature changed between kernels): bpf_xdp_ct_lookup___old with four
 * parameters, which no kernel has, and bpf_xdp_ct_lookup___new with the
 * five every kernel since 5.18 has. The old one is __weak: as its
 * prototype is not compatible with the kernel's it reads as missing
 * (libbpf's bpf_core_types_are_compat check), so bpf_ksym_exists picks
 * the right call and the verifier never sees the other. A loader program
 * cannot compare prototypes at load time: the loader backend refuses to
 * leave these to load time.
 *
 * protos (xdp), on the test packet: looks up a tuple no one inserted
 * through whichever flavor exists; which records it (1: old, 2: new); returns XDP_PASS (2) when the lookup returned NULL with
 * opts.error -ENOENT, else 100 + step. Linux 5.10 lacks the kfuncs (and
 * module BTF): the object is refused there.
 */
#include "common.h"

#define IPPROTO_UDP 17
#define ENOENT 2

/* As conntrack.c: 12 bytes before Linux 6.11, 16 since; the kfuncs are
 * given the kernel's size. */
struct bpf_ct_opts {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
} __core;

struct nf_conn {
	unsigned long status;
} __core;

extern struct nf_conn *bpf_xdp_ct_lookup___old(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					       __u32 tuple__sz, struct bpf_ct_opts *opts) __ksym __weak;
extern struct nf_conn *bpf_xdp_ct_lookup___new(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					       __u32 tuple__sz, struct bpf_ct_opts *opts, __u32 opts__sz) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;

__u32 which;		/* 2: the new flavor resolved, the old one did not */
__s32 miss_err;		/* opts.error: -ENOENT */

SEC("xdp")
int protos(struct xdp_md *ctx)
{
	struct bpf_sock_tuple t;
	struct bpf_ct_opts opts;
	struct nf_conn *ct = NULL;

	__builtin_memset(&t, 0, sizeof(t));
	t.ipv4.saddr = bpf_htonl(0xc0000201);	/* 192.0.2.1 */
	t.ipv4.daddr = bpf_htonl(0xc6336401);	/* 198.51.100.1 */
	t.ipv4.sport = bpf_htons(1);
	t.ipv4.dport = bpf_htons(1);
	__builtin_memset(&opts, 0, sizeof(opts));
	opts.netns_id = -1;	/* BPF_F_CURRENT_NETNS */
	opts.l4proto = IPPROTO_UDP;
	/* Only asked of the flavor that is missing: a ld_imm64 of a kfunc
	 * that exists needs Linux 6.4. */
	if (bpf_ksym_exists(bpf_xdp_ct_lookup___old)) {
		which = 1;
		ct = bpf_xdp_ct_lookup___old(ctx, &t, sizeof(t.ipv4), &opts);
	} else {
		which = 2;
		ct = bpf_xdp_ct_lookup___new(ctx, &t, sizeof(t.ipv4), &opts, bpf_core_type_size(struct bpf_ct_opts));
	}
	if (ct) {
		bpf_ct_release(ct);
		return 101;
	}
	miss_err = opts.error;
	if (which != 2 || opts.error != -ENOENT)
		return 102;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
