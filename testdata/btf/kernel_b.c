/* kernel_b.c: "kernel B", the second deterministic target BTF for CO-RE
 * and extern goldens (kernel_b.btf, see ../Makefile). Same names as
 * kernel_a.c, different layout, so goldens show relocations really change:
 *   - iphdr: bitfields swapped, fields reordered, saddr/daddr plain members
 *     (no anonymous union), addrs after them;
 *   - task_struct: new-style '__state', 'flags' signed, pid/tgid swapped,
 *     sched_reset_on_fork at another bit, comm[32], se moved, and
 *     'real_parent' renamed to 'real_parent_v2' (so it is missing);
 *   - rlimit: 32-bit members (size 8, and no longer matches the local one);
 *   - pid_type: PIDTYPE_SID = 7, PIDTYPE_PGID gone;
 *   - perf_callchain_context: PERF_CONTEXT_MAX moved, PERF_CONTEXT_USER gone;
 *   - bpfc_probe: sbits unsigned and 7 bits wide, everything moved, u_word
 *     64-bit, many[5], tail an int.
 */

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u16 __sum16;
typedef int pid_t;
typedef _Bool bool;

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct iphdr {
	__u8 version:4, ihl:4;
	__be16 tot_len;
	__u8 tos;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__sum16 check;
	__be32 saddr;
	__be32 daddr;
	struct {
		__be32 saddr;
		__be32 daddr;
	} addrs;
};

struct load_weight {
	unsigned long weight;
	__u32 inv_weight;
};

struct sched_entity {
	__u64 vruntime;
	struct load_weight load;
	__u64 exec_start;
};

struct rlimit {
	unsigned int rlim_cur;
	unsigned int rlim_max;
};

struct signal_struct {
	struct rlimit rlim[16];
	int nr_threads;
	struct list_head thread_head;
};

/* New-style: '__state' (5.14+). */
struct task_struct {
	unsigned int __state;
	int flags;
	void *stack;
	unsigned int sched_migrated:1;
	unsigned int sched_remote_wakeup:1;
	unsigned int sched_reset_on_fork:1;
	pid_t tgid;
	pid_t pid;
	struct task_struct *group_leader;
	struct task_struct *real_parent_v2;
	struct task_struct *parent;
	char comm[32];
	struct signal_struct *signal;
	int prio;
	struct sched_entity se;
};

enum pid_type {
	PIDTYPE_PID = 0,
	PIDTYPE_TGID = 1,
	PIDTYPE_SID = 7,
	PIDTYPE_MAX = 8,
};

enum perf_callchain_context {
	PERF_CONTEXT_HV = 18446744073709551584ULL,
	PERF_CONTEXT_KERNEL = 18446744073709551488ULL,
	PERF_CONTEXT_GUEST = 18446744073709549568ULL,
	PERF_CONTEXT_MAX = 18446744073709547522ULL,
};

/* Only in the testdata targets. */
struct bpfc_inner {
	long pad;
	short s;
	int arr[6];
};

struct bpfc_probe {
	long first;
	int head;
	unsigned int ubits:9;
	unsigned int sbits:7;
	struct bpfc_inner inner;
	union {
		__u64 u_word;
		__u8 u_bytes[8];
	};
	struct bpfc_inner many[5];
	int tail;
};

struct rq {
	unsigned int nr_running;
	int cpu;
};

struct seq_file {
	char *buf;
	unsigned long size;
};

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

struct pt_regs {
	unsigned long di, si, dx, r10, r8, r9, orig_ax, ip, sp;
};

/* tp_btf/sched_switch attaches to this typedef's function prototype. */
typedef void (*btf_trace_sched_switch)(void *, bool, struct task_struct *,
				       struct task_struct *, unsigned int);
typedef void (*btf_trace_sys_enter)(void *, struct pt_regs *, long);

/* Variables: per-CPU variables are the typed ksyms vmlinux BTF has; like
 * the kernel, keep them in the .data..percpu section. */
__attribute__((section(".data..percpu"))) struct rq runqueues;
__attribute__((section(".data..percpu"))) int bpf_prog_active;

/* Anchors that make every type above appear in BTF. */
struct iphdr anchor_iphdr;
struct task_struct anchor_task;
struct signal_struct anchor_signal;
struct rlimit anchor_rlimit;
struct list_head anchor_list_head;
struct seq_file anchor_seq_file;
struct bpf_iter_meta anchor_iter_meta;
struct pt_regs anchor_pt_regs;
struct bpfc_probe anchor_probe;
enum pid_type anchor_pid_type;
enum perf_callchain_context anchor_perf_ctx;
struct bpf_iter__task anchor_iter_task;
btf_trace_sched_switch anchor_sched_switch;
btf_trace_sys_enter anchor_sys_enter;
pid_t anchor_pid;

/* kfuncs (bodies are irrelevant, only their BTF FUNC records matter) */
__attribute__((noinline)) struct task_struct *bpf_task_from_pid(int pid)
{
	return pid ? &anchor_task : 0;
}

__attribute__((noinline)) struct task_struct *bpf_task_acquire(struct task_struct *p)
{
	return p;
}

__attribute__((noinline)) void bpf_task_release(struct task_struct *p)
{
	anchor_pid = p->pid;
}

__attribute__((noinline)) void *bpf_obj_new_impl(__u64 local_type_id__k, void *meta__ign)
{
	return local_type_id__k ? meta__ign : 0;
}

__attribute__((noinline)) void bpf_obj_drop_impl(void *p__alloc, void *meta__ign)
{
	anchor_pid = p__alloc == meta__ign;
}
