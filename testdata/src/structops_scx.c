/* structops_scx.c: a minimal sched_ext scheduler (Linux 6.12+,
 * CONFIG_SCHED_CLASS_EXT): one global FIFO. Every task that becomes
 * runnable is inserted at the tail of the global dispatch queue, which
 * every CPU consumes in order; enqueued counts the insertions, dispatched
 * the calls of the dispatch callback (made when a CPU found the global
 * queue empty), inits the init_task calls. The scheduler is enabled by
 * creating the BPF link of its ".struct_ops.link" map and disabled by
 * closing it; bpfc_fifo.exit records the kernel's exit kind.
 *
 * The kfunc is scx_bpf_dsq_insert (6.13+; scx_bpf_dispatch before): the
 * scheduler is meant for the 7.x guests.
 */
#include "common.h"

#define SCX_DSQ_GLOBAL (1ULL << 63 | 1)
#define SCX_SLICE_DFL 20000000ULL /* 20 ms */

struct task_struct {
	int pid;
} __core;

enum scx_exit_kind {
	SCX_EXIT_NONE,
};

struct scx_exit_info {
	enum scx_exit_kind kind;
} __core;

struct scx_init_task_args;

struct sched_ext_ops {
	void (*enqueue)(struct task_struct *p, __u64 enq_flags);
	void (*dispatch)(__s32 cpu, struct task_struct *prev);
	__s32 (*init_task)(struct task_struct *p, struct scx_init_task_args *args);
	__s32 (*init)(void);
	void (*exit)(struct scx_exit_info *info);
	__u64 flags;
	__u32 timeout_ms;
	char name[128];
};

extern void scx_bpf_dsq_insert(struct task_struct *p, __u64 dsq_id, __u64 slice,
			       __u64 enq_flags) __ksym;

__u64 enqueued;		/* .bss */
__u64 dispatched;	/* .bss */
__u64 inits;		/* .bss */
__u32 enabled;		/* .bss */
__s32 exit_kind = -1;	/* .data */

SEC("struct_ops/fifo_enqueue")
void BPF_PROG(fifo_enqueue, struct task_struct *p, __u64 enq_flags)
{
	__sync_fetch_and_add(&enqueued, 1);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

SEC("struct_ops/fifo_dispatch")
void BPF_PROG(fifo_dispatch, __s32 cpu, struct task_struct *prev)
{
	__sync_fetch_and_add(&dispatched, 1);
}

SEC("struct_ops/fifo_init_task")
__s32 BPF_PROG(fifo_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	__sync_fetch_and_add(&inits, 1);
	return 0;
}

SEC("struct_ops.s/fifo_init")
__s32 BPF_PROG(fifo_init)
{
	enabled = 1;
	return 0;
}

SEC("struct_ops/fifo_exit")
void BPF_PROG(fifo_exit, struct scx_exit_info *info)
{
	exit_kind = info->kind;
	enabled = 0;
}

SEC(".struct_ops.link")
struct sched_ext_ops bpfc_fifo = {
	.enqueue = (void *)fifo_enqueue,
	.dispatch = (void *)fifo_dispatch,
	.init_task = (void *)fifo_init_task,
	.init = (void *)fifo_init,
	.exit = (void *)fifo_exit,
	.timeout_ms = 10000,
	.name = "bpfc_fifo",
};

char LICENSE[] SEC("license") = "GPL";
