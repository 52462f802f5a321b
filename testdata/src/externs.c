/* externs.c: every kind of extern that loads on this kernel: .kconfig
 * values (bool, tristate, int, char, string), __weak kconfig values that
 * no config has (0), the libbpf virtual externs LINUX_KERNEL_VERSION,
 * LINUX_HAS_BPF_COOKIE and LINUX_HAS_SYSCALL_WRAPPER, a typeless ksym (an
 * address from /proc/kallsyms), __weak typed and typeless ksyms that are
 * missing, kfunc calls from a syscall program, and a __weak kfunc that does
 * not exist, guarded by bpf_ksym_exists so the call is dead code.
 *
 * Typed ksyms that do exist are per-CPU variables, which this kernel
 * (KALLSYMS_ALL=n) cannot resolve: see externs_percpu.c.
 */
#include "common.h"

extern bool CONFIG_BPF_SYSCALL __kconfig;		/* y -> 1 */
extern enum libbpf_tristate CONFIG_NET_CLS_BPF __kconfig; /* y -> TRI_YES */
extern int CONFIG_HZ __kconfig;				/* 250 here */
extern unsigned int CONFIG_NR_CPUS __kconfig;
extern char CONFIG_BPF_JIT __kconfig;			/* 'y' */
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig;	/* "(none)" */
extern int CONFIG_BPFC_NO_SUCH_INT __kconfig __weak;	/* 0 */
extern bool CONFIG_BPFC_NO_SUCH_BOOL __kconfig __weak;	/* 0 */
extern enum libbpf_tristate CONFIG_BPFC_NO_SUCH_TRISTATE __kconfig __weak;

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

/* Typeless ksyms: addresses from kallsyms. _stext is always there;
 * bpf_prog_fops is data, which KALLSYMS_ALL=n leaves out. */
extern const void _stext __ksym;
extern const void bpf_prog_fops __ksym __weak;

/* A typed ksym that exists in no kernel. */
struct rq {
	int cpu;
} __core;
extern const struct rq bpfc_no_such_rq __ksym __weak;

/* kfuncs */
struct task_struct {
	int pid;
	int tgid;
} __core;

extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void *bpf_obj_new_impl(__u64 local_type_id, void *meta) __ksym;
extern void bpf_obj_drop_impl(void *kptr, void *meta) __ksym;
extern int bpfc_no_such_kfunc(int x) __ksym __weak;

/* Values seen by read_externs. */
__u64 kc_bpf_syscall;
__u64 kc_net_cls_bpf;
__u64 kc_hz;
__u64 kc_nr_cpus;
__u64 kc_bpf_jit;
char kc_hostname[16];
__u64 kc_missing_int;
__u64 kc_missing_bool;
__u64 kc_missing_tristate;
__u64 kernel_version;
__u64 has_bpf_cookie;
__u64 has_syscall_wrapper;
__u64 stext_addr;
__u64 prog_fops_addr;		/* 0: not in kallsyms here */
__u64 missing_rq_exists;	/* 0 */

/* Values seen by kfunc_task. */
__s32 kf_tgid;
__s32 kf_acquired_pid;
__s32 kf_obj_value;
__u32 kf_missing_exists;	/* 0 */
__s32 kf_missing_result;	/* 0xfffe: the __weak kfunc was not called */

SEC("syscall")
int read_externs(void *ctx)
{
	kc_bpf_syscall = CONFIG_BPF_SYSCALL;
	kc_net_cls_bpf = CONFIG_NET_CLS_BPF;
	kc_hz = CONFIG_HZ;
	kc_nr_cpus = CONFIG_NR_CPUS;
	kc_bpf_jit = CONFIG_BPF_JIT;
	__builtin_memcpy(kc_hostname, CONFIG_DEFAULT_HOSTNAME, sizeof(kc_hostname));
	kc_missing_int = CONFIG_BPFC_NO_SUCH_INT;
	kc_missing_bool = CONFIG_BPFC_NO_SUCH_BOOL;
	kc_missing_tristate = CONFIG_BPFC_NO_SUCH_TRISTATE;
	kernel_version = LINUX_KERNEL_VERSION;
	has_bpf_cookie = LINUX_HAS_BPF_COOKIE;
	has_syscall_wrapper = LINUX_HAS_SYSCALL_WRAPPER;
	stext_addr = (__u64)&_stext;
	prog_fops_addr = (__u64)&bpf_prog_fops;
	missing_rq_exists = bpf_ksym_exists(&bpfc_no_such_rq);
	if (bpf_ksym_exists(&bpfc_no_such_rq))
		missing_rq_exists = 2 + bpfc_no_such_rq.cpu;
	return 0;
}

struct kfunc_args {
	__s32 pid;	/* a thread id to look up; the caller's own works */
};

struct node {
	int value;
	int pad;
};

/* Looks args->pid up with bpf_task_from_pid, acquires and releases a
 * second reference, allocates and frees an object with bpf_obj_new; returns
 * 0 on success, 1 if the task was not found, 2 if allocation failed. */
SEC("syscall")
int kfunc_task(struct kfunc_args *args)
{
	struct task_struct *t, *t2;
	struct node *n;

	t = bpf_task_from_pid(args->pid);
	if (!t)
		return 1;
	kf_tgid = t->tgid;
	t2 = bpf_task_acquire(t);
	if (t2) {
		kf_acquired_pid = t2->pid;
		bpf_task_release(t2);
	}
	bpf_task_release(t);

	n = bpf_obj_new_impl(bpf_core_type_id_local(struct node), NULL);
	if (!n)
		return 2;
	n->value = 42;
	kf_obj_value = n->value;
	bpf_obj_drop_impl(n, NULL);

	kf_missing_exists = bpf_ksym_exists(bpfc_no_such_kfunc);
	if (bpf_ksym_exists(bpfc_no_such_kfunc))
		kf_missing_result = bpfc_no_such_kfunc(1);
	else
		kf_missing_result = 0xfffe;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
