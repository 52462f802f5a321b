/* module_a.c: "bpfc_mod", a pretend kernel module on top of kernel A, for
 * module (split) BTF tests on machines without modules. Compiled for the
 * host with clang -g and encoded by pahole (dwarves) as split BTF on top of
 * kernel_a.btf, the way the kernel build encodes a module's BTF against
 * vmlinux: module_a.btf's type ids continue after kernel_a.btf's, and the
 * base types it uses (int, long, unsigned int) are kernel_a's (see
 * ../Makefile).
 *
 * It has what BPF programs find in module BTF: a type vmlinux does not
 * have (struct bpfc_mod_state, CO-RE candidates only in the module), a
 * kfunc (bpfc_mod_kfunc) and a per-CPU variable (bpfc_mod_stats, a typed
 * ksym; pahole encodes only per-CPU variables, like the kernel's BTF).
 */

struct bpfc_mod_state {
	int a;
	long b;
	unsigned int flags;
};

__attribute__((section(".data..percpu"))) struct bpfc_mod_state bpfc_mod_stats;

/* The kfunc: only its BTF FUNC record matters. */
__attribute__((noinline)) int bpfc_mod_kfunc(struct bpfc_mod_state *s, int x)
{
	return s->a + x + (int)s->flags;
}
