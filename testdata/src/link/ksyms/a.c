/* link/ksyms/a.c: part a of the "ksyms" link set (a.c b.c): both parts use
 * the same .kconfig extern (LINUX_KERNEL_VERSION), typeless ksym (_stext)
 * and kfuncs (bpf_task_from_pid, bpf_task_release), which become one
 * extern each. libbpf 1.1's linker cannot link this set ("failed to
 * resolve size of underlying type" for a .ksyms extern in two files). See
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
extern const void _stext __ksym;
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

__u64 a_stext;
__u32 a_version;
int a_tgid;

/* Returns 0 when args->pid is a task, 1 if not. */
SEC("syscall")
int ksyms_a(struct ksyms_args *args)
{
	struct task_struct *t;

	a_stext = (__u64)&_stext;
	a_version = LINUX_KERNEL_VERSION;
	t = bpf_task_from_pid(args->pid);
	if (!t)
		return 1;
	a_tgid = t->tgid;
	bpf_task_release(t);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
