/* load.c: the libbpf side of the corpus runner (../main.go): open and load
 * one BPF object with libbpf, as a program using libbpf would, and exit 0
 * if every program and map of the object loaded.
 *
 * Build (static, for the guests' initramfs; the runner does it):
 *
 *	gcc -O2 -static -I LIBBPF/include -o libbpfload load.c \
 *		LIBBPF/lib/libbpf.a -lelf -lz -lzstd
 *
 * Usage: libbpfload [SETTING...] OBJ
 *
 * bpf_object__open_file and bpf_object__load with default options, and in
 * between the settings a tool makes, spelled as bpfc's flags (names, not
 * globs):
 *
 *	-max-entries MAP=N     bpf_map__set_max_entries
 *	-key-size MAP=N        bpf_map__set_key_size
 *	-value-size MAP=N      bpf_map__set_value_size
 *	-enable PROG           bpf_program__set_autoload(prog, true)
 *	-disable PROG          bpf_program__set_autoload(prog, false)
 *	-attach-target PROG=FN bpf_program__set_attach_target(prog, 0, FN)
 *
 * libbpf's warnings (a rejected program's verifier log among them) go to
 * standard error; on success it prints the libbpf version and how many
 * programs and maps loaded.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* apply makes one setting (flag, its argument) on obj; 0 or a message on
 * standard error and -1. */
static int apply(struct bpf_object *obj, const char *flag, const char *arg)
{
	char name[256];
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	if (n >= sizeof(name)) {
		fprintf(stderr, "libbpfload: %s %s: name too long\n", flag, arg);
		return -1;
	}
	memcpy(name, arg, n);
	name[n] = 0;
	if (!strcmp(flag, "-enable") || !strcmp(flag, "-disable") || !strcmp(flag, "-attach-target")) {
		prog = bpf_object__find_program_by_name(obj, name);
		if (!prog) {
			fprintf(stderr, "libbpfload: %s %s: no program %s\n", flag, arg, name);
			return -1;
		}
		if (!strcmp(flag, "-attach-target")) {
			if (!eq) {
				fprintf(stderr, "libbpfload: %s %s: want PROG=FUNC\n", flag, arg);
				return -1;
			}
			err = bpf_program__set_attach_target(prog, 0, eq + 1);
		} else {
			err = bpf_program__set_autoload(prog, !strcmp(flag, "-enable"));
		}
	} else {
		unsigned long v;
		char *end;

		map = bpf_object__find_map_by_name(obj, name);
		if (!map || !eq) {
			fprintf(stderr, "libbpfload: %s %s: want MAP=N of a map of the object\n", flag, arg);
			return -1;
		}
		errno = 0;
		v = strtoul(eq + 1, &end, 0);
		if (errno || *end || v > 0xffffffffUL) {
			fprintf(stderr, "libbpfload: %s %s: bad number\n", flag, arg);
			return -1;
		}
		if (!strcmp(flag, "-max-entries"))
			err = bpf_map__set_max_entries(map, v);
		else if (!strcmp(flag, "-key-size"))
			err = bpf_map__set_key_size(map, v);
		else if (!strcmp(flag, "-value-size"))
			err = bpf_map__set_value_size(map, v);
		else {
			fprintf(stderr, "libbpfload: unknown flag %s\n", flag);
			return -1;
		}
	}
	if (err) {
		fprintf(stderr, "libbpfload: %s %s: %s\n", flag, arg, strerror(-err));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	const char *path;
	int err, i, progs = 0, maps = 0;

	if (argc < 2 || argc % 2 != 0) {
		fprintf(stderr, "usage: %s [SETTING ARG]... OBJ\n", argv[0]);
		return 2;
	}
	path = argv[argc - 1];
	libbpf_set_print(print_fn);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "libbpfload: open %s: %s\n", path, strerror(-err));
		return 1;
	}
	for (i = 1; i + 1 < argc; i += 2) {
		if (apply(obj, argv[i], argv[i + 1])) {
			bpf_object__close(obj);
			return 2;
		}
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "libbpfload: %s: bpf_object__load: %s\n", path, strerror(-err));
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
	       libbpf_major_version(), libbpf_minor_version(), path, progs, maps);
	bpf_object__close(obj);
	return 0;
}
