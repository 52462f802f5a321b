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
 * It prints the key=value line of ../measure.h (times, allocations, CPU
 * time and peak RSS). The exit status is 0 only if every iteration loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_skel.lskel.h"

#include "../measure.h"

static int load_once(void *unused)
{
	struct bench_skel *skel = bench_skel__open_and_load();

	(void)unused;
	if (!skel) {
		fprintf(stderr, "lskel-load: bench_skel__open_and_load: %s\n", strerror(errno));
		return -1;
	}
	bench_skel__destroy(skel);
	return 0;
}

int main(int argc, char **argv)
{
	long n;
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
	return measure("lskel-load", n, load_once, NULL);
}
