/* attach_probes.c: one program per kind of kernel probe bpfc attaches by
 * section name, each counting its hits by the process whose tgid is in
 * target_tgid (set before load). Programs the host kernel (locked down, no
 * kprobes) or an old kernel cannot load are "?" (not loaded by default):
 * the attach tests enable them where the kernel has them. The programs
 * loaded by default need nothing newer than Linux 5.10 (no
 * bpf_get_attach_cookie, 5.15), so every probe fires there through
 * PERF_EVENT_IOC_SET_BPF; the "?" *_cookie programs read their BPF cookie.
 */
/* Kernel register names (di, ax...) in bpf_tracing.h's PT_REGS macros, to
 * match the struct pt_regs below and the kernel's for CO-RE. */
#define __VMLINUX_H__
#include "common.h"

enum {
	C_TP,		/* tracepoint/syscalls/sys_enter_getpid */
	C_RAWTP,	/* raw_tp/sys_enter, getpid only */
	C_TPBTF,	/* tp_btf/sys_enter, getpid only */
	C_KSYSCALL,	/* ksyscall/getpid */
	C_KPROBE,	/* kprobe/do_sys_openat2 */
	C_KRETPROBE,	/* kretprobe/do_sys_openat2 */
	C_KMULTI,	/* kprobe.multi/do_sys_openat* */
	C_FENTRY,	/* fentry/do_sys_openat2 */
	C_FEXIT,	/* fexit/do_sys_openat2 */
	C_FMODRET,	/* fmod_ret/security_file_open */
	C_LSM,		/* lsm/file_open */
	C_ITER,		/* iter/task: tasks of target_tgid */
	C_KRETMULTI,	/* kretprobe.multi/do_sys_openat2 */
	C_TP_COOKIE,	/* tracepoint/syscalls/sys_enter_getpid, with a cookie */
	C_KPROBE_COOKIE, /* kprobe/do_sys_openat2, with a cookie */
	C_KMULTI_COOKIE, /* kprobe.multi/do_sys_openat*, with a cookie */
	C_RAWTP_COOKIE,	/* raw_tp/sys_enter, getpid only, with a cookie */
	C_FENTRY_COOKIE, /* fentry/do_sys_openat2, with a cookie */
	C_MAX,
};

#define NR_GETPID 39 /* x86-64 */

const volatile __u32 target_tgid;

__u64 counts[C_MAX];	/* .bss */
__u64 cookies[C_MAX];	/* .bss: the last bpf_get_attach_cookie() */

/* x86-64 struct pt_regs, relocated with CO-RE. */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __core;

struct task_struct {
	int pid;
	int tgid;
} __core;

struct bpf_iter_meta {
	struct seq_file *seq;
} __core;

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __core;

static __always_inline bool mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

static __always_inline void hit(int c)
{
	if (mine())
		__sync_fetch_and_add(&counts[c], 1);
}

/* Counts c and keeps the program's BPF cookie (Linux 5.15). */
static __always_inline void hit_cookie(void *ctx, int c)
{
	if (!mine())
		return;
	__sync_fetch_and_add(&counts[c], 1);
	cookies[c] = bpf_get_attach_cookie(ctx);
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx)
{
	hit(C_TP);
	return 0;
}

SEC("?tracepoint/syscalls/sys_enter_getpid")
int tp_getpid_cookie(void *ctx)
{
	hit_cookie(ctx, C_TP_COOKIE);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(rawtp_getpid, struct pt_regs *regs, long id)
{
	if (id == NR_GETPID)
		hit(C_RAWTP);
	return 0;
}

/* Cookies of raw tracepoints: Linux 6.10. */
SEC("?raw_tp/sys_enter")
int BPF_PROG(rawtp_getpid_cookie, struct pt_regs *regs, long id)
{
	if (id == NR_GETPID)
		hit_cookie(ctx, C_RAWTP_COOKIE);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tpbtf_getpid, struct pt_regs *regs, long id)
{
	if (id == NR_GETPID)
		hit(C_TPBTF);
	return 0;
}

SEC("ksyscall/getpid")
int ksys_getpid(struct pt_regs *ctx)
{
	hit(C_KSYSCALL);
	return 0;
}

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(kp_openat2)
{
	hit(C_KPROBE);
	return 0;
}

SEC("?kprobe/do_sys_openat2")
int BPF_KPROBE(kp_openat2_cookie)
{
	hit_cookie(ctx, C_KPROBE_COOKIE);
	return 0;
}

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(krp_openat2, long ret)
{
	hit(C_KRETPROBE);
	return 0;
}

SEC("?kprobe.multi/do_sys_openat*")
int kmulti_openat(struct pt_regs *ctx)
{
	hit(C_KMULTI);
	return 0;
}

SEC("?kprobe.multi/do_sys_openat*")
int kmulti_openat_cookie(struct pt_regs *ctx)
{
	hit_cookie(ctx, C_KMULTI_COOKIE);
	return 0;
}

SEC("?kretprobe.multi/do_sys_openat2")
int kretmulti_openat(struct pt_regs *ctx)
{
	hit(C_KRETMULTI);
	return 0;
}

SEC("?fentry/do_sys_openat2")
int BPF_PROG(fentry_openat2)
{
	hit(C_FENTRY);
	return 0;
}

/* Cookies of trampolines: Linux 5.19. */
SEC("?fentry/do_sys_openat2")
int BPF_PROG(fentry_openat2_cookie)
{
	hit_cookie(ctx, C_FENTRY_COOKIE);
	return 0;
}

SEC("?fexit/do_sys_openat2")
int BPF_PROG(fexit_openat2)
{
	hit(C_FEXIT);
	return 0;
}

SEC("?fmod_ret/security_file_open")
int BPF_PROG(fmodret_file_open)
{
	hit(C_FMODRET);
	return 0;
}

SEC("?lsm/file_open")
int BPF_PROG(lsm_file_open)
{
	hit(C_LSM);
	return 0;
}

/* Prints "<tgid> <pid>\n" for every thread of target_tgid. */
SEC("iter/task")
int iter_mine(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task || task->tgid != target_tgid)
		return 0;
	__sync_fetch_and_add(&counts[C_ITER], 1);
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %d\n", task->tgid, task->pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
