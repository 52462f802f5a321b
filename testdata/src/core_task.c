/* core_task.c: a raw_tp program, runnable with BPF_PROG_TEST_RUN, that
 * reads the current task with CO-RE: through bpf_get_current_task() and
 * BPF_CORE_READ (probe reads), and through bpf_get_current_task_btf() with
 * direct loads. It stores the values it saw (pid, tgid, comm, the real
 * parent's tgid) and the relocated offsets into .bss, for a test to check
 * against the calling thread (gettid, getpid, getppid, comm) and against
 * the running kernel's BTF.
 */
#include "common.h"

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
	struct task_struct *real_parent;
	struct task_struct *group_leader;
} __core;

__s32 task_pid;		/* BPF_CORE_READ(task, pid): the thread id */
__s32 task_tgid;	/* BPF_CORE_READ(task, tgid): the process id */
__s32 parent_tgid;	/* BPF_CORE_READ(task, real_parent, tgid) */
__s32 leader_pid;	/* BPF_CORE_READ(task, group_leader, pid) = tgid */
char task_comm[16];	/* BPF_CORE_READ_STR_INTO(task_comm, task, comm) */
__s32 btf_pid;		/* bpf_get_current_task_btf()->pid */
__s32 btf_tgid;		/* bpf_get_current_task_btf()->tgid */
__u64 pid_tgid;		/* bpf_get_current_pid_tgid() */
__u32 off_pid;		/* bpf_core_field_offset(struct task_struct, pid) */
__u32 off_tgid;
__u32 off_comm;
__u32 off_real_parent;
__u32 off_group_leader;
__u32 size_comm;	/* bpf_core_field_size(struct task_struct, comm) */

/* Returns 0 when both ways of reading agree with bpf_get_current_pid_tgid,
 * 1 otherwise. */
SEC("raw_tp/sys_enter")
int read_task(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct task_struct *btask = bpf_get_current_task_btf();

	task_pid = BPF_CORE_READ(task, pid);
	task_tgid = BPF_CORE_READ(task, tgid);
	parent_tgid = BPF_CORE_READ(task, real_parent, tgid);
	leader_pid = BPF_CORE_READ(task, group_leader, pid);
	BPF_CORE_READ_STR_INTO(&task_comm, task, comm);
	btf_pid = btask->pid;
	btf_tgid = btask->tgid;
	pid_tgid = bpf_get_current_pid_tgid();

	off_pid = bpf_core_field_offset(struct task_struct, pid);
	off_tgid = bpf_core_field_offset(struct task_struct, tgid);
	off_comm = bpf_core_field_offset(struct task_struct, comm);
	off_real_parent = bpf_core_field_offset(struct task_struct, real_parent);
	off_group_leader = bpf_core_field_offset(struct task_struct, group_leader);
	size_comm = bpf_core_field_size(struct task_struct, comm);

	if (task_pid != btf_pid || task_tgid != btf_tgid ||
	    pid_tgid != (((__u64)task_tgid << 32) | (__u32)task_pid))
		return 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
