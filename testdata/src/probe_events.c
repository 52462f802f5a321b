/* probe_events.c: the BPF side of examples/probeevents: a kprobe on
 * do_sys_openat2 and a USDT probe (target given at attach time) that send
 * events to user space through a ring buffer. Events of every process, or
 * of target_tgid only when it is set before load.
 */
#define __VMLINUX_H__
#include "common.h"

/* x86-64 struct pt_regs, relocated with CO-RE. */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __core;

#include <bpf/usdt.bpf.h>

#define TASK_COMM_LEN 16
#define EVENT_ARGS 3

enum event_kind {
	EVENT_OPEN = 1,	/* args[0] = dfd, path = the file name */
	EVENT_USDT = 2,	/* args = the probe's first arguments, nargs of them */
};

struct event {
	__u32 kind;
	__u32 pid;
	__s32 nargs;
	__u32 pad;
	__s64 args[EVENT_ARGS];
	char comm[TASK_COMM_LEN];
	char path[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

const volatile __u32 target_tgid; /* 0: every process */

__u64 dropped; /* .bss: events lost to a full ring */

static __always_inline struct event *new_event(__u32 kind)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct event *e;

	if (target_tgid && pid != target_tgid)
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return NULL;
	}
	e->kind = kind;
	e->pid = pid;
	e->nargs = 0;
	e->pad = 0;
	e->path[0] = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(trace_open, int dfd, const char *filename)
{
	struct event *e = new_event(EVENT_OPEN);

	if (!e)
		return 0;
	e->nargs = 1;
	e->args[0] = dfd;
	e->args[1] = e->args[2] = 0;
	bpf_probe_read_user_str(e->path, sizeof(e->path), filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("usdt")
int trace_usdt(struct pt_regs *ctx)
{
	struct event *e = new_event(EVENT_USDT);
	long v;
	int i;

	if (!e)
		return 0;
	e->nargs = bpf_usdt_arg_cnt(ctx);
	for (i = 0; i < EVENT_ARGS; i++) {
		v = 0;
		if (i < e->nargs)
			bpf_usdt_arg(ctx, i, &v);
		e->args[i] = v;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
