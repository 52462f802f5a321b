/* kernel_st.c: "kernel S", the target BTF of the struct_ops goldens. It
 * declares the struct_ops types with the layouts of Debian's Linux 7.2.13
 * (bpftool btf dump of its vmlinux): tcp_congestion_ops and sched_ext_ops,
 * the map value types bpf_struct_ops_<type> (struct bpf_struct_ops_common_value,
 * then the struct at the next cache line), the kernel types the test
 * programs in ../src relocate against (tcp_sock, task_struct,
 * scx_exit_info) and the sched_ext kfunc they call. Function-pointer
 * members keep the kernel's names and positions; their prototypes are
 * simplified (a pointer is a pointer to the layout).
 *
 * Every type is reachable from a global variable or function below, so
 * clang emits it.
 */

typedef unsigned char __u8;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef _Bool bool;

struct sock;
struct module;
struct cgroup;
struct cpumask;

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

typedef struct {
	int counter;
} atomic_t;

typedef struct refcount_struct {
	atomic_t refs;
} refcount_t;

enum bpf_struct_ops_state {
	BPF_STRUCT_OPS_STATE_INIT = 0,
	BPF_STRUCT_OPS_STATE_INUSE = 1,
	BPF_STRUCT_OPS_STATE_TOBEFREE = 2,
	BPF_STRUCT_OPS_STATE_READY = 3,
};

struct bpf_struct_ops_common_value {
	refcount_t refcnt;
	enum bpf_struct_ops_state state;
};

/* The map of struct_ops (kernel/bpf/bpf_struct_ops.c): a kernel with it
 * has struct_ops. */
struct bpf_struct_ops_map {
	void *map;
	void *st_ops_desc;
	u32 funcs_cnt;
};

struct tcp_sock {
	char __head[1376];
	u32 snd_ssthresh;
	u32 snd_cwnd;
	u32 snd_cwnd_cnt;
	u32 snd_cwnd_clamp;
	u32 prior_cwnd;
};

struct tcp_congestion_ops {
	void (*cong_avoid)(struct sock *, u32, u32);
	void (*cong_control)(struct sock *, u32, int, const void *);
	u32 (*ssthresh)(struct sock *);
	void (*set_state)(struct sock *, __u8);
	void (*cwnd_event)(struct sock *, int);
	void (*cwnd_event_tx_start)(struct sock *);
	void (*in_ack_event)(struct sock *, u32);
	void (*pkts_acked)(struct sock *, const void *);
	u32 (*min_tso_segs)(struct sock *);
	u32 (*undo_cwnd)(struct sock *);
	u32 (*sndbuf_expand)(struct sock *);
	unsigned long (*get_info)(struct sock *, u32, int *, void *);
	char name[16];
	struct module *owner;
	struct list_head list;
	u32 key;
	u32 flags;
	void (*init)(struct sock *);
	void (*release)(struct sock *);
} __attribute__((aligned(64)));

struct bpf_struct_ops_tcp_congestion_ops {
	struct bpf_struct_ops_common_value common;
	struct tcp_congestion_ops data __attribute__((aligned(64)));
};

struct task_struct {
	long __state;
	int pid;
};

enum scx_exit_kind {
	SCX_EXIT_NONE = 0,
	SCX_EXIT_DONE = 1,
	SCX_EXIT_UNREG = 64,
};

struct scx_exit_info {
	enum scx_exit_kind kind;
	s32 exit_cpu;
	long exit_code;
	u64 flags;
	const char *reason;
	unsigned long *bt;
	u32 bt_len;
	char *msg;
	char *dump;
};

struct sched_ext_ops {
	s32 (*select_cpu)(struct task_struct *, s32, u64);
	void (*enqueue)(struct task_struct *, u64);
	void (*dequeue)(struct task_struct *, u64);
	void (*dispatch)(s32, struct task_struct *);
	void (*tick)(struct task_struct *);
	void (*runnable)(struct task_struct *, u64);
	void (*running)(struct task_struct *);
	void (*stopping)(struct task_struct *, bool);
	void (*quiescent)(struct task_struct *, u64);
	bool (*yield)(struct task_struct *, struct task_struct *);
	bool (*core_sched_before)(struct task_struct *, struct task_struct *);
	void (*set_weight)(struct task_struct *, u32);
	void (*set_cpumask)(struct task_struct *, const struct cpumask *);
	void (*update_idle)(s32, bool);
	s32 (*init_task)(struct task_struct *, void *);
	void (*exit_task)(struct task_struct *, void *);
	void (*enable)(struct task_struct *);
	void (*disable)(struct task_struct *);
	void (*dump)(void *);
	void (*dump_cpu)(void *, s32, bool);
	void (*dump_task)(void *, struct task_struct *);
	s32 (*cgroup_init)(struct cgroup *, void *);
	void (*cgroup_exit)(struct cgroup *);
	s32 (*cgroup_prep_move)(struct task_struct *, struct cgroup *, struct cgroup *);
	void (*cgroup_move)(struct task_struct *, struct cgroup *, struct cgroup *);
	void (*cgroup_cancel_move)(struct task_struct *, struct cgroup *, struct cgroup *);
	void (*cgroup_set_weight)(struct cgroup *, u32);
	void (*cgroup_set_bandwidth)(struct cgroup *, u64, u64, u64);
	void (*cgroup_set_idle)(struct cgroup *, bool);
	s32 (*sub_attach)(void *);
	void (*sub_detach)(void *);
	void (*cpu_online)(s32);
	void (*cpu_offline)(s32);
	s32 (*init)(void);
	void (*exit)(struct scx_exit_info *);
	u32 dispatch_max_batch;
	u64 flags;
	u32 timeout_ms;
	u32 exit_dump_len;
	u64 hotplug_seq;
	u64 sub_cgroup_id;
	char name[128];
	void *priv;
	void (*cpu_acquire)(s32, void *);
	void (*cpu_release)(s32, void *);
};

struct bpf_struct_ops_sched_ext_ops {
	struct bpf_struct_ops_common_value common;
	struct sched_ext_ops data __attribute__((aligned(64)));
};

/* Anchors that make every type above appear in BTF. */
struct bpf_struct_ops_map anchor_st_map;
struct bpf_struct_ops_tcp_congestion_ops anchor_tcp_ca_value;
struct bpf_struct_ops_sched_ext_ops anchor_scx_value;
struct tcp_sock anchor_tcp_sock;
struct scx_exit_info anchor_exit_info;
struct task_struct anchor_task;

/* kfuncs (bodies are irrelevant, only their BTF FUNC records matter) */
__attribute__((noinline)) void scx_bpf_dsq_insert(struct task_struct *p, u64 dsq_id, u64 slice, u64 enq_flags)
{
	anchor_task.pid = p->pid + dsq_id + slice + enq_flags;
}
