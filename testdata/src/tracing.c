/* tracing.c: tracing program types that load on a locked-down kernel
 * (no fentry/kprobe here): raw_tp (test-runnable with a context of u64
 * arguments), tp_btf with BPF_PROG() arguments, a task iterator, and a
 * syscall program (test-runnable with a context in and out). Meant for
 * attach and skeleton tests as well as BPF_PROG_TEST_RUN.
 */
#include "common.h"

struct task_struct {
	int pid;
	int tgid;
} __core;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __core;

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __core;

__u64 rawtp_calls;	/* .bss */
__s64 rawtp_last_id;	/* .bss */
__u64 switch_calls;	/* .bss */
__s32 switch_last_next_pid; /* .bss */
__u64 iter_tasks;	/* .bss */
__u64 sys_calls;	/* .bss */
__u64 sys_pid_tgid;	/* .bss */

/* sys_enter's arguments: (struct pt_regs *regs, long id). Records id and
 * returns id * 2 + 1. */
SEC("raw_tp/sys_enter")
int BPF_PROG(rawtp_sys_enter, struct pt_regs *regs, long id)
{
	rawtp_calls++;
	rawtp_last_id = id;
	return id * 2 + 1;
}

/* sched_switch(bool preempt, struct task_struct *prev,
 *              struct task_struct *next, unsigned int prev_state) */
SEC("tp_btf/sched_switch")
int BPF_PROG(on_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{
	switch_calls++;
	switch_last_next_pid = next->pid;
	return 0;
}

/* Prints "<tgid> <pid>\n" for every task and counts them. */
SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	iter_tasks++;
	BPF_SEQ_PRINTF(seq, "%d %d\n", task->tgid, task->pid);
	return 0;
}

struct sys_args {
	__s32 a;
	__s32 b;
	__s64 product;	/* written by the program */
};

/* Returns a + b, writes a * b into args->product, records the caller's
 * bpf_get_current_pid_tgid() into sys_pid_tgid. */
SEC("syscall")
int sys_prog(struct sys_args *args)
{
	sys_calls++;
	sys_pid_tgid = bpf_get_current_pid_tgid();
	args->product = (__s64)args->a * args->b;
	return args->a + args->b;
}

char LICENSE[] SEC("license") = "GPL";
