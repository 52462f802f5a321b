/* kfunc_weak.c: kfuncs declared __weak, as vmlinux.h declares every kfunc
 * (bpftool btf dump), each called only where bpf_ksym_exists says the
 * kernel has it: bpf_task_from_pid and bpf_task_release as the kernel
 * declares them (Linux 6.2), bpf_task_acquire with a prototype the
 * kernel's (struct task_struct *(struct task_struct *)) is not compatible
 * with, which libbpf's prototype check leaves out (a weak kfunc that does
 * not match reads as missing), and bpfc_no_such_kfunc, which no kernel
 * has. bpf_ksym_exists of a kfunc that exists is a ld_imm64 of its FUNC,
 * which the kernel takes since 6.4; before 6.2 none exists.
 *
 * weak (syscall): returns 1 when bpf_task_from_pid found the task of the
 * pid the caller passes (and its reference was released), 0 when the
 * kernel has no such kfuncs; the
 * bpf_task_acquire call, with an int for a task, would be refused by the
 * verifier had it not been left out.
 */
#include "common.h"

struct task_struct {
	int pid;
} __core;

extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern int bpf_task_acquire(int not_a_task) __ksym __weak;
extern void bpfc_no_such_kfunc(void) __ksym __weak;

struct weak_args {
	__s32 pid;
};

__u32 from_pid_exists;	/* 1 from 6.4 (0 on 6.1) */
__u32 acquire_exists;	/* 0: left out */
__u32 missing_exists;	/* 0 */

SEC("syscall")
int weak(struct weak_args *args)
{
	struct task_struct *t;
	int found = 0;

	from_pid_exists = bpf_ksym_exists(bpf_task_from_pid);
	acquire_exists = bpf_ksym_exists(bpf_task_acquire);
	missing_exists = bpf_ksym_exists(bpfc_no_such_kfunc);
	if (bpf_ksym_exists(bpf_task_from_pid)) {
		t = bpf_task_from_pid(args->pid);
		if (t) {
			found = 1;
			bpf_task_release(t);
		}
	}
	if (bpf_ksym_exists(bpf_task_acquire))
		found |= bpf_task_acquire(7) << 1;
	if (bpf_ksym_exists(bpfc_no_such_kfunc))
		bpfc_no_such_kfunc();
	return found;
}

char LICENSE[] SEC("license") = "GPL";
