/* load.c: the libbpf side of bpfc's load benchmarks (see ../README.md).
 *
 * Build (Debian: libbpf-dev, libelf-dev, zlib1g-dev):
 *
 *	gcc -O2 -o load load.c -lbpf -lelf -lz -ldl
 *
 * Usage:
 *
 *	load OBJ N	open, load and close OBJ with libbpf N times
 *			(bpf_object__open_file + bpf_object__load +
 *			bpf_object__close); maps declared with max_entries 0
 *			are sized to 1 page / 64 entries first
 *	load -btf N	parse the running kernel's vmlinux BTF N times
 *			(btf__load_vmlinux_btf) and look up a few names
 *			(btf__find_by_name_kind), as a CO-RE load does
 *
 * It prints one line of key=value pairs: iters, ns_per_op (mean over all
 * iterations), first_ns (the first iteration, which also pays libbpf's
 * once-per-process kernel feature probes), min_ns, median_ns,
 * allocs_per_op and bytes_per_op (malloc/calloc/realloc calls and bytes
 * requested per iteration, counted by interposing those functions),
 * cpu_ns_per_op (user + system CPU time of this process per iteration, from
 * getrusage: less sensitive than wall time to other load on the machine)
 * and maxrss_kb (meaningful when started from a small parent: a child
 * inherits its parent's peak RSS up to exec). The exit status is 0 only
 * if every iteration succeeded; a failure prints libbpf's messages.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* Allocation counting: the executable's malloc, calloc and realloc take
 * precedence over libc's for libbpf too (ELF symbol interposition); each
 * counts and forwards to the next definition. dlsym itself may call calloc
 * before the real one is known: those calls get a static arena. */
static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static unsigned long long n_allocs, n_bytes;
static int counting;
static char boot_arena[4096];
static size_t boot_used;
static int resolving;

static void resolve(void)
{
	if (next_malloc || resolving)
		return;
	resolving = 1;
	next_malloc = dlsym(RTLD_NEXT, "malloc");
	next_calloc = dlsym(RTLD_NEXT, "calloc");
	next_realloc = dlsym(RTLD_NEXT, "realloc");
	next_free = dlsym(RTLD_NEXT, "free");
	resolving = 0;
}

static int from_boot(const void *p)
{
	return (const char *)p >= boot_arena && (const char *)p < boot_arena + sizeof(boot_arena);
}

static void *boot_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (boot_used + n > sizeof(boot_arena))
		return NULL;
	p = boot_arena + boot_used;
	boot_used += n;
	return p; /* static storage: already zero */
}

void *malloc(size_t n)
{
	resolve();
	if (!next_malloc)
		return boot_alloc(n);
	if (counting) {
		n_allocs++;
		n_bytes += n;
	}
	return next_malloc(n);
}

void *calloc(size_t nmemb, size_t size)
{
	resolve();
	if (!next_calloc)
		return boot_alloc(nmemb * size);
	if (counting) {
		n_allocs++;
		n_bytes += nmemb * size;
	}
	return next_calloc(nmemb, size);
}

void *realloc(void *p, size_t n)
{
	resolve();
	if (from_boot(p)) {
		void *q = malloc(n);

		if (q)
			memcpy(q, p, n < sizeof(boot_arena) ? n : sizeof(boot_arena));
		return q;
	}
	if (counting) {
		n_allocs++;
		n_bytes += n;
	}
	return next_realloc(p, n);
}

void free(void *p)
{
	resolve();
	if (!p || from_boot(p))
		return;
	next_free(p);
}

/* libbpf's messages are kept quiet unless an iteration fails. */
static int verbose;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose && level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int load_once(const char *path)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "load: open %s: %s\n", path, strerror(-err));
		return err;
	}
	bpf_object__for_each_map(map, obj) {
		if (bpf_map__max_entries(map) != 0)
			continue;
		/* A ring buffer must be a power-of-two number of pages. */
		if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF ||
		    bpf_map__type(map) == BPF_MAP_TYPE_USER_RINGBUF)
			err = bpf_map__set_max_entries(map, 4096);
		else
			err = bpf_map__set_max_entries(map, 64);
		if (err) {
			fprintf(stderr, "load: %s: map %s: set max_entries: %s\n",
				path, bpf_map__name(map), strerror(-err));
			bpf_object__close(obj);
			return err;
		}
	}
	err = bpf_object__load(obj);
	if (err)
		fprintf(stderr, "load: %s: bpf_object__load: %s\n", path, strerror(-err));
	bpf_object__close(obj);
	return err;
}

static const struct {
	const char *name;
	int kind;
} btf_names[] = {
	{ "task_struct", BTF_KIND_STRUCT },
	{ "request", BTF_KIND_STRUCT },
	{ "gendisk", BTF_KIND_STRUCT },
	{ "pt_regs", BTF_KIND_STRUCT },
	{ "btf_trace_sched_process_exec", BTF_KIND_TYPEDEF },
	{ "pid_type", BTF_KIND_ENUM },
};

static int btf_once(void)
{
	struct btf *btf;
	size_t i;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		fprintf(stderr, "load: vmlinux BTF: %s\n", strerror(errno));
		return -errno;
	}
	for (i = 0; i < sizeof(btf_names) / sizeof(btf_names[0]); i++) {
		if (btf__find_by_name_kind(btf, btf_names[i].name, btf_names[i].kind) <= 0) {
			fprintf(stderr, "load: vmlinux BTF has no %s\n", btf_names[i].name);
			btf__free(btf);
			return -ENOENT;
		}
	}
	btf__free(btf);
	return 0;
}

static unsigned long long cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned long long *times, total = 0, t0, cpu0, cpu;
	struct rusage ru;
	const char *what;
	long n, i;
	char *end;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s OBJ N | %s -btf N\n", argv[0], argv[0]);
		return 2;
	}
	what = argv[1];
	n = strtol(argv[2], &end, 10);
	if (*end || n < 1) {
		fprintf(stderr, "load: bad iteration count %s\n", argv[2]);
		return 2;
	}
	verbose = getenv("LOAD_VERBOSE") != NULL;
	libbpf_set_print(print_fn);
	times = calloc(n, sizeof(*times));
	if (!times)
		return 1;

	counting = 1;
	cpu0 = cpu_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		err = strcmp(what, "-btf") == 0 ? btf_once() : load_once(what);
		times[i] = now_ns() - t0;
		if (err) {
			counting = 0;
			fprintf(stderr, "load: iteration %ld failed\n", i);
			return 1;
		}
		total += times[i];
	}
	counting = 0;
	cpu = cpu_ns() - cpu0;

	getrusage(RUSAGE_SELF, &ru);
	printf("iters=%ld ns_per_op=%llu first_ns=%llu", n, total / n, times[0]);
	qsort(times, n, sizeof(*times), cmp_u64);
	printf(" min_ns=%llu median_ns=%llu allocs_per_op=%llu bytes_per_op=%llu cpu_ns_per_op=%llu maxrss_kb=%ld\n",
	       times[0], times[n / 2], n_allocs / n, n_bytes / n, cpu / n, ru.ru_maxrss);
	free(times);
	return 0;
}
