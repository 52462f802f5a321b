/* kernel_ct.c: "kernel C", vmlinux of a kernel whose connection tracking
 * is the module nf_conntrack (module_ct.c, split BTF module_ct.btf on top
 * of kernel_ct.btf), as on Debian's kernels: struct nf_conn and the types
 * it holds are in vmlinux (kernel_ct.h), struct bpf_ct_opts and the
 * conntrack kfuncs only in the module. It is the golden target of
 * conntrack.o. Compiled with clang -g, its .BTF section becomes
 * kernel_ct.btf (see ../Makefile).
 */

#include "kernel_ct.h"

/* Every type is reachable from a global variable, so clang emits it. */
struct xdp_md anchor_xdp_md;
struct __sk_buff anchor_skb;
struct bpf_sock_tuple anchor_tuple;
struct nf_conn anchor_conn;
struct nf_conn___init anchor_conn_init;
