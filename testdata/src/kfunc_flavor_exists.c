/* kfunc_flavor_exists.c: bpf_ksym_exists of kfuncs under flavored names
 * that exist: a ld_imm64 of the kfunc's FUNC (its BTF id, and for a
 * module's kfunc the module's BTF fd), which the kernel accepts since
 * Linux 6.4 (6.1 refuses it: "pseudo btf_id ... in ldimm64 isn't
 * KIND_VAR"). bpf_ct_release___v3 is nf_conntrack's bpf_ct_release
 * (__weak, found), bpfc_no_such_kfunc___v3 a kfunc no kernel has;
 * bpf_xdp_ct_lookup___v3, not __weak, is taken by address, so that a
 * kernel without it (5.10: no conntrack kfuncs, no module BTF) refuses the
 * object.
 *
 * exists (xdp), on the test packet: returns XDP_PASS (2) when
 * bpf_ksym_exists says 1 of the first, 0 of the second, and the third's
 * address is not 0; else 100 + the first that is not so.
 */
#include "common.h"

struct nf_conn {
	unsigned long status;
} __core;

struct bpf_ct_opts___v3 {
	__s32 netns_id;
} __core;

extern void bpf_ct_release___v3(struct nf_conn *ct) __ksym __weak;
extern int bpfc_no_such_kfunc___v3(int x) __ksym __weak;
extern struct nf_conn *bpf_xdp_ct_lookup___v3(struct xdp_md *ctx, struct bpf_sock_tuple *tuple,
					      __u32 tuple__sz, struct bpf_ct_opts___v3 *opts, __u32 opts__sz) __ksym;

__u32 release_exists;	/* 1 */
__u32 missing_exists;	/* 0 */
__u32 lookup_addr_set;	/* 1 */

SEC("xdp")
int exists(struct xdp_md *ctx)
{
	/* Through the stack, so that clang does not fold it to 1. */
	volatile unsigned long addr = (unsigned long)&bpf_xdp_ct_lookup___v3;

	release_exists = bpf_ksym_exists(bpf_ct_release___v3);
	missing_exists = bpf_ksym_exists(bpfc_no_such_kfunc___v3);
	lookup_addr_set = addr != 0;
	if (release_exists != 1)
		return 101;
	if (missing_exists != 0)
		return 102;
	if (lookup_addr_set != 1)
		return 103;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
