/* cc.h: what the two parts of the "structops" link set share: the
 * kernel's struct tcp_congestion_ops as the objects declare it (only the
 * members they use, in their own order; bpfc and libbpf lay it out for the
 * kernel by member name), and the programs' C type. BPF_PROG(name, ...)
 * defines "void name(unsigned long long *ctx)": a part that sets another
 * part's program in a struct_ops map declares it extern with that type,
 * which the linker checks against the definition.
 */
#ifndef BPFC_LINK_STRUCTOPS_H
#define BPFC_LINK_STRUCTOPS_H

struct sock;

struct tcp_sock {
	__u32 snd_cwnd;
	__u32 snd_ssthresh;
} __core;

struct tcp_congestion_ops {
	void (*init)(struct sock *sk);
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
};

#define EXTERN_OPS(ret, name) extern ret name(unsigned long long *ctx)

#endif
