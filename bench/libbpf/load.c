/* load.c: the libbpf side of bpfc's load benchmarks (see ../README.md).
 *
 * Build (Debian: libbpf-dev, libelf-dev, zlib1g-dev):
 *
 *	gcc -O2 -o load load.c -lbpf -lelf -lz
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
 *	load -kfunc NAME N
 *			parse vmlinux BTF and look up one FUNC, NAME, N
 *			times: what a load with one kfunc extern needs from
 *			vmlinux BTF (the cold benchmark runs it with N=1)
 *	load -link OUT A.o B.o ... N
 *			link the objects into OUT N times with libbpf's
 *			static linker, as bpftool gen object does
 *			(bpf_linker__new + bpf_linker__add_file each +
 *			bpf_linker__finalize + bpf_linker__free)
 *
 * It prints the key=value line of ../measure.h: iters, ns_per_op (mean
 * over all iterations), first_ns (the first iteration, which also pays
 * libbpf's once-per-process kernel feature probes), min_ns, median_ns,
 * allocs_per_op and bytes_per_op (malloc/calloc/realloc calls and bytes
 * requested per iteration), cpu_ns_per_op (user + system CPU time of this
 * process per iteration, from getrusage: less sensitive than wall time to
 * other load on the machine) and maxrss_kb (meaningful when started from a
 * small parent: a child inherits its parent's peak RSS up to exec). The exit status is 0 only
 * if every iteration succeeded; a failure prints libbpf's messages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../measure.h"

/* libbpf's messages are kept quiet unless an iteration fails. */
static int verbose;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (!verbose && level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, args);
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

static int kfunc_once(const char *name)
{
	struct btf *btf;
	int id;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		fprintf(stderr, "load: vmlinux BTF: %s\n", strerror(errno));
		return -errno;
	}
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	btf__free(btf);
	if (id <= 0) {
		fprintf(stderr, "load: vmlinux BTF has no FUNC %s\n", name);
		return -ENOENT;
	}
	return 0;
}

/* link_out and link_in are the output and inputs of -link. */
static const char *link_out;
static char **link_in;
static int link_n;

static int link_once(void)
{
	struct bpf_linker *linker;
	int i, err = 0;

	linker = bpf_linker__new(link_out, NULL);
	if (!linker) {
		fprintf(stderr, "load: bpf_linker__new %s: %s\n", link_out, strerror(errno));
		return -errno;
	}
	for (i = 0; i < link_n && !err; i++) {
		err = bpf_linker__add_file(linker, link_in[i], NULL);
		if (err)
			fprintf(stderr, "load: link %s: %s\n", link_in[i], strerror(-err));
	}
	if (!err) {
		err = bpf_linker__finalize(linker);
		if (err)
			fprintf(stderr, "load: finalize %s: %s\n", link_out, strerror(-err));
	}
	bpf_linker__free(linker);
	return err;
}

/* what is the object path, "-btf", "-kfunc" or "-link"; kfunc the -kfunc
 * NAME. */
static const char *what, *kfunc;

static int once(void *unused)
{
	(void)unused;
	if (kfunc)
		return kfunc_once(kfunc);
	if (strcmp(what, "-link") == 0)
		return link_once();
	return strcmp(what, "-btf") == 0 ? btf_once() : load_once(what);
}

int main(int argc, char **argv)
{
	const char *count;
	long n;
	char *end;

	if (argc >= 5 && strcmp(argv[1], "-link") == 0) {
		what = argv[1];
		link_out = argv[2];
		link_in = argv + 3;
		link_n = argc - 4;
		count = argv[argc - 1];
	} else {
		if (argc == 4 && strcmp(argv[1], "-kfunc") == 0) {
			kfunc = argv[2];
			argv++;
			argc--;
		}
		if (argc != 3) {
			fprintf(stderr, "usage: %s OBJ N | %s -btf N | %s -kfunc NAME N | %s -link OUT OBJ... N\n",
				argv[0], argv[0], argv[0], argv[0]);
			return 2;
		}
		what = argv[1];
		count = argv[2];
	}
	n = strtol(count, &end, 10);
	if (*end || n < 1) {
		fprintf(stderr, "load: bad iteration count %s\n", count);
		return 2;
	}
	verbose = getenv("LOAD_VERBOSE") != NULL;
	libbpf_set_print(print_fn);
	return measure("load", n, once, NULL);
}
