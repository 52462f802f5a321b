/* link/ksyms/b.c: part b of the "ksyms" link set: the same externs as
 * a.c, plus the __weak .kconfig extern CONFIG_BPF_SYSCALL. See
 * testdata/README.md.
 */
#include "common.h"

struct task_struct {
	int pid;
	int tgid;
} __core;

struct ksyms_args {
	int pid;
};

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern const void _stext __ksym;
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

__u64 b_stext;
__u32 b_version;
int b_pid;

/* Returns 2 + CONFIG_BPF_SYSCALL when args->pid is a task, 1 if not. */
SEC("syscall")
int ksyms_b(struct ksyms_args *args)
{
	struct task_struct *t;

	b_stext = (__u64)&_stext;
	b_version = LINUX_KERNEL_VERSION;
	t = bpf_task_from_pid(args->pid);
	if (!t)
		return 1;
	b_pid = t->pid;
	bpf_task_release(t);
	return 2 + CONFIG_BPF_SYSCALL;
}

char LICENSE[] SEC("license") = "GPL";
