/* module_user.c: a program using a kernel module's BTF: the kfunc
 * bpfc_mod_kfunc, the per-CPU variable bpfc_mod_stats (a typed ksym) and
 * CO-RE reads of struct bpfc_mod_state, all of which exist only in the
 * pretend module "bpfc_mod" (btf/module_a.c, split BTF btf/module_a.btf on
 * top of btf/kernel_a.btf). The local struct lists the fields in another
 * order than the module, so relocated offsets differ from the local ones.
 *
 * The test machine has no such module (no modules at all): the object is
 * for IR generation only (goldens with the module, loader generation with
 * deferred externs); loading it must fail with the kfunc not found.
 */
#include "common.h"

struct bpfc_mod_state {
	unsigned int flags;
	long b;
	int a;
} __core;

extern int bpfc_mod_kfunc(struct bpfc_mod_state *s, int x) __ksym;
extern const struct bpfc_mod_state bpfc_mod_stats __ksym;

__s32 mod_a;		/* this CPU's bpfc_mod_stats.a */
__s64 mod_b;		/* this CPU's bpfc_mod_stats.b */
__u32 mod_flags_off;	/* offset of flags in the module's struct: 16 */
__u32 mod_has_b;	/* bpf_core_field_exists(b): 1 */
__s32 mod_kfunc_ret;	/* bpfc_mod_kfunc(&this CPU's stats, 1) */

SEC("syscall")
int use_module(void *ctx)
{
	struct bpfc_mod_state *st;

	st = (struct bpfc_mod_state *)bpf_this_cpu_ptr(&bpfc_mod_stats);
	mod_a = st->a;
	mod_b = BPF_CORE_READ(st, b);
	mod_flags_off = bpf_core_field_offset(struct bpfc_mod_state, flags);
	mod_has_b = bpf_core_field_exists(st->b);
	mod_kfunc_ret = bpfc_mod_kfunc(st, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
