/* core_types.c: CO-RE type and enum relocations: local and target type
 * ids, type exists / size / matches, enum value exists / value for 32-bit
 * enums and a 64-bit enum (ENUM64), and ___flavor structs and enums whose
 * essential name is the kernel's. Values go to results[R_*] in .bss; the
 * R_* indices below are the spec the tests use (testdata/README.md).
 */
#include "common.h"

typedef int pid_t;

struct rlimit {
	unsigned long rlim_cur;
	unsigned long rlim_max;
} __core;

/* Same essential name, members that do not match the kernel's. */
struct rlimit___bad {
	int rlim_cur;
	char rlim_max;
} __core;

/* Pointer members only: matches a gcc-built kernel (whose integer types
 * are named "long unsigned int", not clang's "unsigned long", so rlimit
 * above does not match there). */
struct list_head {
	struct list_head *next;
	struct list_head *prev;
} __core;

struct list_head___bad {
	struct list_head *next;
	int prev;
} __core;

struct task_struct {
	pid_t pid;
	pid_t tgid;
} __core;

/* The classic flavor pair: task_struct lost 'state' for '__state' in 5.14. */
struct task_struct___old {
	long state;
} __core;

struct task_struct___new {
	unsigned int __state;
} __core;

struct bpfc_nonexistent {
	int x;
} __core;

enum pid_type {
	PIDTYPE_PID,
	PIDTYPE_TGID,
	PIDTYPE_PGID,
	PIDTYPE_SID,
	PIDTYPE_MAX,
};

/* Flavored enum: essential name pid_type, an enumerator no target has. */
enum pid_type___local {
	PIDTYPE_BPFC_FAKE = 99,
};

/* ENUM64 in the kernel (values above 32 bits). */
enum perf_callchain_context {
	PERF_CONTEXT_HV = (__u64)-32,
	PERF_CONTEXT_KERNEL = (__u64)-128,
	PERF_CONTEXT_USER = (__u64)-512,
	PERF_CONTEXT_MAX = (__u64)-4095,
};

enum {
	R_TASK_ID_LOCAL = 0,
	R_TASK_ID_TARGET,
	R_NONEXIST_ID_TARGET,	/* 0 */
	R_TASK_EXISTS,
	R_NONEXIST_EXISTS,	/* 0 */
	R_TASK_SIZE,
	R_RLIMIT_SIZE,
	R_RLIMIT_MATCHES,
	R_RLIMIT_BAD_MATCHES,	/* 0 */
	R_TASK_OLD_EXISTS,	/* flavor: essential name task_struct */
	R_TASK_OLD_STATE_EXISTS,
	R_TASK_NEW_STATE_EXISTS,
	R_PIDTYPE_TGID_EXISTS,
	R_PIDTYPE_SID_VALUE,
	R_PIDTYPE_FAKE_EXISTS,	/* 0 */
	R_PERF_CTX_MAX_VALUE,	/* ENUM64 value */
	R_PERF_CTX_USER_EXISTS,
	R_PID_T_EXISTS,		/* typedef */
	R_PID_T_SIZE,
	R_PID_T_ID_TARGET,
	R_PIDTYPE_MATCHES,
	R_PIDTYPE_SIZE,
	R_RLIMIT_ID_LOCAL,
	R_NONEXIST_SIZE,	/* 0 */
	R_TASK_OLD_STATE_GUARDED, /* 0xfffe when 'state' is missing */
	R_LIST_HEAD_MATCHES,
	R_LIST_HEAD_BAD_MATCHES, /* 0 */
	R_LIST_HEAD_BAD_EXISTS,	/* flavor of an existing type: 1 */
	R_COUNT = 32,
};

__u64 results[R_COUNT];

SEC("syscall")
int core_types(void *ctx)
{
	results[R_TASK_ID_LOCAL] = bpf_core_type_id_local(struct task_struct);
	results[R_TASK_ID_TARGET] = bpf_core_type_id_kernel(struct task_struct);
	results[R_NONEXIST_ID_TARGET] = bpf_core_type_id_kernel(struct bpfc_nonexistent);
	results[R_TASK_EXISTS] = bpf_core_type_exists(struct task_struct);
	results[R_NONEXIST_EXISTS] = bpf_core_type_exists(struct bpfc_nonexistent);
	results[R_TASK_SIZE] = bpf_core_type_size(struct task_struct);
	results[R_RLIMIT_SIZE] = bpf_core_type_size(struct rlimit);
	results[R_RLIMIT_MATCHES] = bpf_core_type_matches(struct rlimit);
	results[R_RLIMIT_BAD_MATCHES] = bpf_core_type_matches(struct rlimit___bad);
	results[R_TASK_OLD_EXISTS] = bpf_core_type_exists(struct task_struct___old);
	results[R_TASK_OLD_STATE_EXISTS] = bpf_core_field_exists(struct task_struct___old, state);
	results[R_TASK_NEW_STATE_EXISTS] = bpf_core_field_exists(struct task_struct___new, __state);
	results[R_PIDTYPE_TGID_EXISTS] = bpf_core_enum_value_exists(enum pid_type, PIDTYPE_TGID);
	results[R_PIDTYPE_SID_VALUE] = bpf_core_enum_value(enum pid_type, PIDTYPE_SID);
	results[R_PIDTYPE_FAKE_EXISTS] = bpf_core_enum_value_exists(enum pid_type___local, PIDTYPE_BPFC_FAKE);
	results[R_PERF_CTX_MAX_VALUE] = bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_MAX);
	results[R_PERF_CTX_USER_EXISTS] = bpf_core_enum_value_exists(enum perf_callchain_context, PERF_CONTEXT_USER);
	results[R_PID_T_EXISTS] = bpf_core_type_exists(pid_t);
	results[R_PID_T_SIZE] = bpf_core_type_size(pid_t);
	results[R_PID_T_ID_TARGET] = bpf_core_type_id_kernel(pid_t);
	results[R_PIDTYPE_MATCHES] = bpf_core_type_matches(enum pid_type);
	results[R_PIDTYPE_SIZE] = bpf_core_type_size(enum pid_type);
	results[R_RLIMIT_ID_LOCAL] = bpf_core_type_id_local(struct rlimit);
	results[R_NONEXIST_SIZE] = bpf_core_type_size(struct bpfc_nonexistent);
	if (bpf_core_field_exists(struct task_struct___old, state))
		results[R_TASK_OLD_STATE_GUARDED] = bpf_core_field_offset(struct task_struct___old, state);
	else
		results[R_TASK_OLD_STATE_GUARDED] = 0xfffe;
	results[R_LIST_HEAD_MATCHES] = bpf_core_type_matches(struct list_head);
	results[R_LIST_HEAD_BAD_MATCHES] = bpf_core_type_matches(struct list_head___bad);
	results[R_LIST_HEAD_BAD_EXISTS] = bpf_core_type_exists(struct list_head___bad);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
