/* libprobe.c: libbpfc_probe.so, a shared library with a function for
 * library uprobes and a USDT probe bpfc_lib:twice(x) (probe_target built
 * with -DWITH_LIB links against it). */
#include <sys/sdt.h>

__attribute__((noinline)) int bpfc_lib_twice(int x)
{
	STAP_PROBE1(bpfc_lib, twice, x);
	return 2 * x;
}
