/* externs_percpu.c: typed ksyms of per-CPU kernel variables (runqueues,
 * bpf_prog_active), read with bpf_this_cpu_ptr / bpf_per_cpu_ptr. Their BTF
 * ids are found in vmlinux BTF, but the kernel also needs their address
 * from kallsyms, which a kernel built with KALLSYMS_ALL=n (like the test
 * machine) does not have for data symbols: there, loading this object must
 * fail with an error naming the ksym. Even __weak does not help, because the
 * symbol is found in BTF. Meant as a negative test and for kernels that
 * have the symbols.
 */
#include "common.h"

struct rq {
	int cpu;
} __core;

extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym;

__s32 rq_cpu;		/* this CPU's runqueues.cpu */
__s32 rq0_cpu;		/* CPU 0's runqueues.cpu: 0 */
__s32 prog_active;	/* this CPU's bpf_prog_active */

SEC("syscall")
int read_percpu(void *ctx)
{
	const struct rq *rq = bpf_this_cpu_ptr(&runqueues);
	const struct rq *rq0 = bpf_per_cpu_ptr(&runqueues, 0);
	const int *active = bpf_this_cpu_ptr(&bpf_prog_active);

	rq_cpu = rq->cpu;
	if (rq0)
		rq0_cpu = rq0->cpu;
	prog_active = *active;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
