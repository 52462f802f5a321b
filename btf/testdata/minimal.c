// Source of minimal.o, a small BPF object with .BTF and .BTF.ext (func_info,
// line_info and CO-RE relocations) used by the btf package's tests.
// Rebuild with: go generate ./btf
typedef unsigned int u32;
typedef unsigned long long u64;

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *parent;
	u32 flags : 3, other : 5;
} __attribute__((preserve_access_index));

enum e { A = 1, B = -2 };

int counter = 0;
char LICENSE[] __attribute__((section("license"), used)) = "GPL";

static __attribute__((noinline)) int helper(struct task_struct *t)
{
	return t->parent->tgid + t->flags;
}

__attribute__((section("raw_tp/sys_enter"), used))
int prog(struct task_struct *t)
{
	counter++;
	if (__builtin_preserve_field_info(t->pid, 2 /* exists */))
		return helper(t) + (int)B;
	return 0;
}
