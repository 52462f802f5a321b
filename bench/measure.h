/* measure.h: what the two C harnesses of the benchmarks (libbpf/load.c and
 * lskel/load.c, see README.md) measure alike: wall and CPU time, malloc
 * calls and bytes, and the one key=value report line the Go side parses
 * (parseHarness in harness_test.go). Each harness includes it once.
 *
 * Allocation counting: the executable's malloc, calloc and realloc
 * interpose libc's, for shared libraries (libbpf) too, and forward to
 * glibc's own entry points.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static unsigned long long n_allocs, n_bytes;
static int counting;

void *malloc(size_t n)
{
	if (counting) {
		n_allocs++;
		n_bytes += n;
	}
	return __libc_malloc(n);
}

void *calloc(size_t nmemb, size_t size)
{
	if (counting) {
		n_allocs++;
		n_bytes += nmemb * size;
	}
	return __libc_calloc(nmemb, size);
}

void *realloc(void *p, size_t n)
{
	if (counting) {
		n_allocs++;
		n_bytes += n;
	}
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* cpu_ns is the user + system CPU time of this process so far. */
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

/* measure runs op(arg) n times, counting allocations, and prints the
 * report line: iters, ns_per_op (mean), first_ns, min_ns, median_ns,
 * allocs_per_op, bytes_per_op, cpu_ns_per_op and maxrss_kb. op returns 0
 * on success; on a failure (which op reports itself) measure prints
 * "prog: iteration I failed" and returns 1, else 0: the exit status. */
static int measure(const char *prog, long n, int (*op)(void *), void *arg)
{
	unsigned long long *times, total = 0, t0, cpu0, cpu;
	struct rusage ru;
	long i;

	times = calloc(n, sizeof(*times));
	if (!times) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	counting = 1;
	cpu0 = cpu_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (op(arg)) {
			counting = 0;
			fprintf(stderr, "%s: iteration %ld failed\n", prog, i);
			free(times);
			return 1;
		}
		times[i] = now_ns() - t0;
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
