/* execsnoop.c: an exec() tracer in the style of libbpf-tools' execsnoop,
 * written against locally declared kernel types.
 *
 * execsnoop_enter (raw_tp/sys_enter) catches execve(2) before it runs: it
 * keeps an event per calling thread in an args-buffer hash map, with the
 * caller's tgid, uid, parent tgid (task->real_parent->tgid through
 * BPF_CORE_READ), the file name and up to max_args arguments copied from
 * user memory (pointers taken from the syscall's pt_regs, read with CO-RE).
 * execsnoop_exec (tp_btf/sched_process_exec) completes the event of a
 * successful exec with the new comm and parent read by direct loads from
 * the trusted task pointer, and sends it to user space through a ring
 * buffer. execsnoop_exit (raw_tp/sys_exit) reports failed execs unless
 * ignore_failed and drops the event. Filters are `const volatile` knobs in
 * .rodata: targ_uid, ignore_failed, max_args.
 *
 * With the raw_tp test-run context of testdata/README.md (id 39, getpid)
 * execsnoop_enter and execsnoop_exit return 0 without doing anything; the
 * object must load on this kernel and is one of the benchmarks' CO-RE
 * tools (bench/). The args map holds 1024 events (libbpf-tools uses 10240,
 * 78 MB preallocated, which would make a load benchmark measure memset).
 */
#include "common.h"

#define TASK_COMM_LEN		16
#define ARGSIZE			128
#define TOTAL_MAX_ARGS		60
#define DEFAULT_MAXARGS		20
#define FULL_MAX_ARGS_ARR	(TOTAL_MAX_ARGS * ARGSIZE)
#define LAST_ARG		(FULL_MAX_ARGS_ARR - ARGSIZE)
#define INVALID_UID		((__u32)-1)
#define NR_execve		59	/* x86_64 */

struct pt_regs {
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
} __core;

struct task_struct {
	int pid;
	int tgid;
	char comm[TASK_COMM_LEN];
	struct task_struct *real_parent;
} __core;

struct linux_binprm;

struct event {
	__s32 pid;
	__s32 ppid;
	__u32 uid;
	__s32 retval;
	__s32 args_count;
	__u32 args_size;
	char comm[TASK_COMM_LEN];
	char args[FULL_MAX_ARGS_ARR];
};

#define EVENT_SIZE(e) (__builtin_offsetof(struct event, args) + (e)->args_size)

const volatile __u32 targ_uid = INVALID_UID;
const volatile bool ignore_failed = true;
const volatile int max_args = DEFAULT_MAXARGS;

static const struct event empty_event = {};

/* Events under construction, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __s32);
	__type(value, struct event);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Events lost because the ring buffer was full. */
__u64 dropped;

static __always_inline void submit(struct event *event)
{
	__u64 len = EVENT_SIZE(event);

	if (len > sizeof(*event))
		return;
	if (bpf_ringbuf_output(&events, event, len, 0))
		__sync_fetch_and_add(&dropped, 1);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(execsnoop_enter, struct pt_regs *regs, long id)
{
	const char **args;
	const char *argp;
	struct task_struct *task;
	struct event *event;
	__u32 uid;
	__s32 pid;
	__u64 pid_tgid;
	int ret, i;

	if (id != NR_execve)
		return 0;
	uid = (__u32)bpf_get_current_uid_gid();
	if (targ_uid != INVALID_UID && targ_uid != uid)
		return 0;

	pid_tgid = bpf_get_current_pid_tgid();
	pid = (__s32)pid_tgid;
	if (bpf_map_update_elem(&execs, &pid, &empty_event, BPF_NOEXIST))
		return 0;
	event = bpf_map_lookup_elem(&execs, &pid);
	if (!event)
		return 0;

	task = (struct task_struct *)bpf_get_current_task();
	event->pid = pid_tgid >> 32;
	event->uid = uid;
	event->ppid = BPF_CORE_READ(task, real_parent, tgid);
	event->args_count = 0;
	event->args_size = 0;

	ret = bpf_probe_read_user_str(event->args, ARGSIZE,
				      (const char *)BPF_CORE_READ(regs, di));
	if (ret < 0)
		return 0;
	if (ret <= ARGSIZE) {
		event->args_size += ret;
	} else {
		event->args[0] = '\0';
		event->args_size++;
	}
	event->args_count++;

	args = (const char **)BPF_CORE_READ(regs, si);
#pragma unroll
	for (i = 1; i < TOTAL_MAX_ARGS && i < max_args; i++) {
		if (bpf_probe_read_user(&argp, sizeof(argp), &args[i]) < 0 || !argp)
			return 0;
		if (event->args_size > LAST_ARG)
			return 0;
		ret = bpf_probe_read_user_str(&event->args[event->args_size], ARGSIZE, argp);
		if (ret < 0)
			return 0;
		event->args_count++;
		event->args_size += ret;
	}
	/* More arguments than shown: say so with a count one past them. */
	if (bpf_probe_read_user(&argp, sizeof(argp), &args[max_args]) == 0 && argp)
		event->args_count++;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(execsnoop_exec, struct task_struct *p, __s32 old_pid, struct linux_binprm *bprm)
{
	struct event *event;

	event = bpf_map_lookup_elem(&execs, &old_pid);
	if (!event)
		return 0;
	event->retval = 0;
	event->pid = p->tgid;
	event->ppid = p->real_parent->tgid;
	bpf_probe_read_kernel_str(event->comm, sizeof(event->comm), p->comm);
	submit(event);
	bpf_map_delete_elem(&execs, &old_pid);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(execsnoop_exit, struct pt_regs *regs, long ret)
{
	struct event *event;
	__s32 pid;

	if (BPF_CORE_READ(regs, orig_ax) != NR_execve)
		return 0;
	pid = (__s32)bpf_get_current_pid_tgid();
	event = bpf_map_lookup_elem(&execs, &pid);
	if (!event)
		return 0;
	if (ignore_failed && ret < 0)
		goto cleanup;
	event->retval = ret;
	bpf_get_current_comm(&event->comm, sizeof(event->comm));
	submit(event);
cleanup:
	bpf_map_delete_elem(&execs, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
