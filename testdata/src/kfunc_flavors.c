/* kfunc_flavors.c: kfuncs and ksyms declared under "___flavor" names, as
 * libbpf (1.3+) resolves them: a kfunc by its essential name (the name
 * without the suffix, here nf_conntrack's bpf_xdp_ct_lookup and
 * bpf_ct_release, which every kernel from 5.18 has, in module BTF where
 * nf_conntrack is a module), a ksym by its whole name (libbpf's
 * find_ksym_btf_id gets the ksym's full name): the __weak typed ksym
 * bpf_prog_active___v2 is missing although vmlinux has bpf_prog_active.
 * A __weak kfunc flavor that no kernel has reads as missing too.
 *
 * flavors (xdp), on the test packet: looks up a tuple no one inserted
 * (192.0.2.1:1 -> 198.51.100.1:1) through bpf_xdp_ct_lookup___v2: NULL
 * and opts.error -ENOENT; records what bpf_ksym_exists says of the
 * missing __weak externs (kfunc_flavor_exists.c asks it of a kfunc that
 * exists, which needs Linux 6.4); returns XDP_PASS (2) when everything is as said here, else 100
 * + the first step that is not. Linux 5.10 has neither module BTF nor the
 * conntrack kfuncs: the object is refused there, naming the kfunc.
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

/* The kernel's bpf_xdp_ct_lookup and bpf_ct_release, under flavors. */
extern struct nf_conn *bpf_xdp_ct_lookup___v2(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					      __u32 tuple__sz, struct bpf_ct_opts *opts, __u32 opts__sz) __ksym;
extern void bpf_ct_release___v2(struct nf_conn *ct) __ksym;
/* A flavor of a kfunc no kernel has. */
extern int bpfc_no_such_kfunc___v2(int x) __ksym __weak;
/* A flavored typed ksym: looked up whole, so missing. */
extern const int bpf_prog_active___v2 __ksym __weak;

__u32 missing_exists;	/* bpf_ksym_exists(bpfc_no_such_kfunc___v2): 0 */
__s32 missing_result;	/* 0xfffe: the weak kfunc was not called */
__u32 ksym_exists;	/* bpf_ksym_exists(&bpf_prog_active___v2): 0 */
__u32 miss_null;	/* the lookup returned NULL: 1 */
__s32 miss_err;		/* its opts.error: -ENOENT */

SEC("xdp")
int flavors(struct xdp_md *ctx)
{
	__u32 sz = bpf_core_type_size(struct bpf_ct_opts);
	struct bpf_sock_tuple t;
	struct bpf_ct_opts opts;
	struct nf_conn *ct;

	missing_exists = bpf_ksym_exists(bpfc_no_such_kfunc___v2);
	if (bpf_ksym_exists(bpfc_no_such_kfunc___v2))
		missing_result = bpfc_no_such_kfunc___v2(1);
	else
		missing_result = 0xfffe;
	ksym_exists = bpf_ksym_exists(&bpf_prog_active___v2);
	if (bpf_ksym_exists(&bpf_prog_active___v2))
		ksym_exists = 2 + bpf_prog_active___v2;

	__builtin_memset(&t, 0, sizeof(t));
	t.ipv4.saddr = bpf_htonl(0xc0000201);	/* 192.0.2.1 */
	t.ipv4.daddr = bpf_htonl(0xc6336401);	/* 198.51.100.1 */
	t.ipv4.sport = bpf_htons(1);
	t.ipv4.dport = bpf_htons(1);
	__builtin_memset(&opts, 0, sizeof(opts));
	opts.netns_id = -1;	/* BPF_F_CURRENT_NETNS */
	opts.l4proto = IPPROTO_UDP;
	ct = bpf_xdp_ct_lookup___v2(ctx, &t, sizeof(t.ipv4), &opts, sz);
	if (ct) {
		bpf_ct_release___v2(ct);
		return 101;
	}
	miss_null = 1;
	miss_err = opts.error;
	if (opts.error != -ENOENT)
		return 102;
	if (missing_exists != 0 || ksym_exists != 0)
		return 103;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
