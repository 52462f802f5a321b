/* attach.c: the libbpf side of bpfc's attach benchmarks (see ../README.md).
 *
 * Build (Debian: libbpf-dev, libelf-dev, zlib1g-dev):
 *
 *	gcc -O2 -o attach attach.c -lbpf -lelf -lz
 *
 * Usage:
 *
 *	attach OBJ PROG KIND TARGET N
 *
 * opens and loads OBJ once, then N times attaches its program PROG and
 * destroys the link: KIND tracepoint (TARGET CATEGORY/NAME,
 * bpf_program__attach_tracepoint), uprobe (TARGET PATH:FUNC,
 * bpf_program__attach_uprobe_opts with func_name) or usdt (TARGET
 * PATH:PROVIDER:NAME, bpf_program__attach_usdt). It prints the key=value
 * line of ../measure.h for the N attach+destroy iterations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "../measure.h"

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
}

struct target {
	struct bpf_program *prog;
	const char *kind;
	char *a, *b, *c; /* TARGET split at '/' or ':' */
};

static int attach_once(void *arg)
{
	struct target *t = arg;
	struct bpf_link *link;

	if (strcmp(t->kind, "tracepoint") == 0) {
		link = bpf_program__attach_tracepoint(t->prog, t->a, t->b);
	} else if (strcmp(t->kind, "uprobe") == 0) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = t->b);
		link = bpf_program__attach_uprobe_opts(t->prog, -1, t->a, 0, &opts);
	} else {
		link = bpf_program__attach_usdt(t->prog, -1, t->a, t->b, t->c, NULL);
	}
	if (!link) {
		fprintf(stderr, "attach: %s: %s\n", t->kind, strerror(errno));
		return -1;
	}
	bpf_link__destroy(link);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct target t = {};
	char *spec;
	long n;
	int err;

	if (argc != 6) {
		fprintf(stderr, "usage: attach OBJ PROG tracepoint|uprobe|usdt TARGET N\n");
		return 2;
	}
	libbpf_set_print(print_fn);
	t.kind = argv[3];
	spec = strdup(argv[4]);
	n = strtol(argv[5], NULL, 10);
	if (!spec || n <= 0)
		return 2;
	t.a = spec;
	t.b = strchr(spec, strcmp(t.kind, "tracepoint") == 0 ? '/' : ':');
	if (!t.b) {
		fprintf(stderr, "attach: malformed target %s\n", argv[4]);
		return 2;
	}
	*t.b++ = 0;
	if (strcmp(t.kind, "usdt") == 0) {
		t.c = strchr(t.b, ':');
		if (!t.c) {
			fprintf(stderr, "attach: malformed USDT target %s\n", argv[4]);
			return 2;
		}
		*t.c++ = 0;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "attach: open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "attach: load %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	t.prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!t.prog) {
		fprintf(stderr, "attach: %s has no program %s\n", argv[1], argv[2]);
		return 1;
	}
	err = measure("attach", n, attach_once, &t);
	bpf_object__close(obj);
	free(spec);
	return err;
}
