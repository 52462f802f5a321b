/* module_ct.c: a pretend nf_conntrack module on top of kernel C
 * (kernel_ct.c), for goldens of conntrack.o: its split BTF (module_ct.btf,
 * encoded by pahole against kernel_ct.btf as module_a.btf is against
 * kernel_a.btf) has what nf_conntrack's BTF has on Linux 6.11 and later
 * that vmlinux does not: struct bpf_ct_opts (16 bytes, with ct_zone_id)
 * and the conntrack kfuncs. Their bodies are irrelevant, only their BTF
 * FUNC records matter.
 */

#include "kernel_ct.h"

struct bpf_ct_opts {
	s32 netns_id;
	s32 error;
	u8 l4proto;
	u8 dir;
	u16 ct_zone_id;
	u8 ct_zone_dir;
	u8 reserved[3];
};

struct nf_conn anchor_ct;

__attribute__((noinline)) struct nf_conn___init *
bpf_xdp_ct_alloc(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple, u32 tuple__sz,
		 struct bpf_ct_opts *opts, u32 opts__sz)
{
	return opts->error ? (struct nf_conn___init *)bpf_tuple : 0;
}

__attribute__((noinline)) struct nf_conn *
bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple, u32 tuple__sz,
		  struct bpf_ct_opts *opts, u32 opts__sz)
{
	return opts->error ? &anchor_ct : 0;
}

__attribute__((noinline)) struct nf_conn *
bpf_skb_ct_lookup(struct __sk_buff *skb_ctx, struct bpf_sock_tuple *bpf_tuple, u32 tuple__sz,
		  struct bpf_ct_opts *opts, u32 opts__sz)
{
	return opts->error ? &anchor_ct : 0;
}

__attribute__((noinline)) struct nf_conn *bpf_ct_insert_entry(struct nf_conn___init *nfct_i)
{
	return &nfct_i->ct;
}

__attribute__((noinline)) void bpf_ct_release(struct nf_conn *nfct)
{
	nfct->mark = 0;
}

__attribute__((noinline)) void bpf_ct_set_timeout(struct nf_conn___init *nfct, u32 timeout)
{
	nfct->ct.timeout = timeout;
}

__attribute__((noinline)) int bpf_ct_set_status(const struct nf_conn___init *nfct, u32 status)
{
	return nfct->ct.status != status;
}
