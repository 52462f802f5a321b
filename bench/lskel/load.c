/* load.c: the bpftool light-skeleton side of bpfc's loader benchmarks
 * (see ../README.md, section "Loader").
 *
 * It is compiled by the benchmarks against a light skeleton that Debian's
 * bpftool generated with
 *
 *	bpftool gen skeleton -L OBJ name bench_skel > DIR/bench_skel.lskel.h
 *	gcc -O2 -I DIR -o lskel-load load.c
 *
 * (bench_skel.lskel.h includes libbpf-dev's <bpf/skel_internal.h>, which
 * makes the bpf() system calls itself: no -lbpf.)
 *
 * Usage:
 *
 *	lskel-load N	bench_skel__open_and_load + bench_skel__destroy, N times
 *
 * It prints one line of key=value pairs in the format of ../libbpf/load.c:
 * iters, ns_per_op (mean), first_ns, min_ns, median_ns, allocs_per_op and
 * bytes_per_op (malloc/calloc/realloc calls and bytes per iteration,
 * counted by wrapping glibc's allocator), cpu_ns_per_op (user + system CPU
 * time per iteration, getrusage) and maxrss_kb. The exit status is 0 only
 * if every iteration loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_skel.lskel.h"

/* Allocation counting: this executable's malloc family interposes libc's
 * and forwards to glibc's internal entry points. */
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
	struct bench_skel *skel;
	struct rusage ru;
	long n, i;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	if (*end || n < 1) {
		fprintf(stderr, "lskel-load: bad iteration count %s\n", argv[1]);
		return 2;
	}
	times = calloc(n, sizeof(*times));
	if (!times)
		return 1;

	counting = 1;
	cpu0 = cpu_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		skel = bench_skel__open_and_load();
		if (!skel) {
			int err = errno;

			counting = 0;
			fprintf(stderr, "lskel-load: iteration %ld: bench_skel__open_and_load: %s\n",
				i, strerror(err));
			return 1;
		}
		bench_skel__destroy(skel);
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
