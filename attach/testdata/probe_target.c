/* probe_target.c: the user-space program the attach tests probe. It has a
 * function for uprobes, bpfc_probe_add(a, b), USDT probes bpfc:hit(i, y, c)
 * at two call sites with different argument locations and
 * bpfc:withsem(i) whose site only runs while its semaphore says the probe
 * is attached (both have semaphores), and calls the library function
 * bpfc_lib_twice() of libbpfc_probe.so when built against it.
 *
 *   probe_target N        runs N rounds and prints
 *                         "rounds N sum S withsem W lib L"
 *   probe_target N wait   first prints "ready", then waits for a line on
 *                         standard input (so a test can attach to its pid)
 *
 * Built by the tests with gcc (or by `make -C attach/testdata` for
 * machines without gcc, e.g. the kernel matrix guests).
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* With _SDT_HAS_SEMAPHORES every probe of this file has a semaphore. */
__extension__ unsigned short bpfc_hit_semaphore __attribute__((unused)) __attribute__((section(".probes")));
__extension__ unsigned short bpfc_withsem_semaphore __attribute__((unused)) __attribute__((section(".probes")));

#ifdef WITH_LIB
int bpfc_lib_twice(int x);
#else
static int bpfc_lib_twice(int x) { return 2 * x; }
#endif

volatile long sink;

__attribute__((noinline)) long bpfc_probe_add(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

__attribute__((noinline)) static void round_a(int i)
{
	long y = 1000 + i;
	int c = -7;

	STAP_PROBE3(bpfc, hit, i, y, c);
	sink += y;
}

__attribute__((noinline)) static void round_b(int i, volatile long *p)
{
	/* The same probe with its arguments elsewhere (memory, constant). */
	STAP_PROBE3(bpfc, hit, i, *p, -7);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long sum = 0, withsem = 0, lib = 0;
	char line[16];

	if (argc > 2 && strcmp(argv[2], "wait") == 0) {
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}

	for (int i = 0; i < n; i++) {
		volatile long y = 2000 + i;

		round_a(i);
		round_b(i, &y);
		sum += bpfc_probe_add(i, 100);
		if (bpfc_withsem_semaphore) {
			STAP_PROBE1(bpfc, withsem, i);
			withsem++;
		}
		lib += bpfc_lib_twice(i);
		sink += getpid(); /* for uprobes on libc's getpid */
	}
	printf("rounds %d sum %ld withsem %ld lib %ld\n", n, sum, withsem, lib);
	return 0;
}
