/* uprobe_self.c: a uprobe and a uretprobe whose sections name their binary
 * by absolute path, /proc/self/exe, and the function bpfc_self_probe(a)
 * (returning a + 1): the process that attaches them probes itself, as
 * libbpf's selftests do. The C light skeleton's __attach attaches them
 * (its ELF symbol lookup finds the function in its own program).
 */
#define __VMLINUX_H__
#include "common.h"

/* x86-64 struct pt_regs, relocated with CO-RE. */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __core;

__u64 calls, last_a;		/* .bss: bpfc_self_probe(a) */
__u64 ret_calls, last_ret;

SEC("uprobe//proc/self/exe:bpfc_self_probe")
int BPF_KPROBE(self_probe, long a)
{
	calls++;
	last_a = a;
	return 0;
}

SEC("uretprobe//proc/self/exe:bpfc_self_probe")
int BPF_KRETPROBE(self_probe_ret, long ret)
{
	ret_calls++;
	last_ret = ret;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
