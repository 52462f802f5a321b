/* load.c: the libbpf side of the corpus runner (../main.go): open and load
 * one BPF object with libbpf, as a program using libbpf would, and exit 0
 * if every program and map of the object loaded.
 *
 * Build (static, for the guests' initramfs; the runner does it):
 *
 *	gcc -O2 -static -I LIBBPF/include -o libbpfload load.c \
 *		LIBBPF/lib/libbpf.a -lelf -lz -lzstd
 *
 * Usage: libbpfload OBJ
 *
 * Nothing is resized or disabled: bpf_object__open_file and
 * bpf_object__load with default options. libbpf's warnings (a rejected
 * program's verifier log among them) go to standard error; on success it
 * prints the libbpf version and how many programs and maps loaded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int err, progs = 0, maps = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJ\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_fn);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "libbpfload: open %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "libbpfload: %s: bpf_object__load: %s\n", argv[1], strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__fd(prog) >= 0)
			progs++;
	bpf_object__for_each_map(map, obj)
		if (bpf_map__fd(map) >= 0)
			maps++;
	printf("libbpf %d.%d: %s: %d programs, %d maps loaded\n",
	       libbpf_major_version(), libbpf_minor_version(), argv[1], progs, maps);
	bpf_object__close(obj);
	return 0;
}
