/* attach_uprobe.c: user-space probes on the probe target
 * (attach/testdata/probe_target.c): a uprobe and a uretprobe on
 * bpfc_probe_add(a, b), USDT probes with arguments and a semaphore
 * (libbpf 1.1's usdt.bpf.h: spec ids in BPF cookies, or by address in
 * __bpf_usdt_ip_to_spec_id on kernels without cookies), and a
 * uprobe.multi ("?": Linux 6.6) and a library uprobe ("?": the library
 * must exist). Bare sections take their target from the attacher.
 */
#define __VMLINUX_H__
#include "common.h"

/* x86-64 struct pt_regs, relocated with CO-RE. */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __core;

#include <bpf/usdt.bpf.h>

__u64 uprobe_calls, uprobe_a, uprobe_b;	/* bpfc_probe_add(a, b) */
__u64 uretprobe_calls, uretprobe_ret;
__u64 usdt_calls, usdt_cookie;		/* bpfc:hit(i, y, c) */
__s64 usdt_sum_i, usdt_last_y, usdt_last_c;
__s64 usdt_argc, usdt_err;
__u64 sem_calls;			/* bpfc:withsem(i) */
__u64 multi_calls;
__u64 lib_calls;

SEC("uprobe")
int BPF_KPROBE(on_add, long a, long b)
{
	uprobe_calls++;
	uprobe_a = a;
	uprobe_b = b;
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(on_add_ret, long ret)
{
	uretprobe_calls++;
	uretprobe_ret = ret;
	return 0;
}

SEC("usdt")
int BPF_USDT(on_hit, int i, long y, int c)
{
	usdt_calls++;
	usdt_sum_i += i;
	usdt_last_y = y;
	usdt_last_c = c;
	usdt_argc = bpf_usdt_arg_cnt(ctx);
	usdt_cookie = bpf_usdt_cookie(ctx);
	return 0;
}

SEC("usdt")
int BPF_USDT(on_withsem, int i)
{
	sem_calls++;
	return 0;
}

SEC("?uprobe.multi")
int on_multi(struct pt_regs *ctx)
{
	multi_calls++;
	return 0;
}

SEC("?uprobe/libc.so.6:getpid")
int on_libc_getpid(struct pt_regs *ctx)
{
	lib_calls++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
