/* kfunc_noksym.c: kfuncs declared as plain extern functions, without
 * __ksym, so that the object's BTF has extern FUNCs outside any .ksyms
 * DATASEC. The kernel refuses extern linkage in BTF; bpfc treats a called
 * extern function as a kfunc and gives its FUNC global linkage, as for
 * those in .ksyms. libbpf refuses the object ("failed to find BTF for
 * extern 'bpf_task_from_pid' [..] section").
 */
#include "common.h"

struct task_struct {
	int pid;
	int tgid;
} __core;

extern struct task_struct *bpf_task_from_pid(__s32 pid);
extern void bpf_task_release(struct task_struct *p);

struct noksym_args {
	__s32 pid;
};

__s32 noksym_tgid;	/* .bss */

/* Looks the caller's pid up: 0 if found, 1 if not. */
SEC("syscall")
int noksym(struct noksym_args *args)
{
	struct task_struct *t = bpf_task_from_pid(args->pid);

	if (!t)
		return 1;
	noksym_tgid = t->tgid;
	bpf_task_release(t);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
