/* cc.c: the congestion control of testdata/structops_cc.o through bpfc's C
 * light skeleton (structops_cc.lskel.h, generated for kernel S, Linux 7.2's
 * layouts: __load lays the map out for the running kernel).
 *
 *   structops_cc_c NAME
 *
 * registers the congestion control under NAME (a data member, set through
 * the map's shadow type between __open and __load), prints "registered
 * NAME", waits until its standard input closes (select NAME with
 * setsockopt(TCP_CONGESTION) meanwhile), prints how often the init and
 * cong_avoid callbacks ran and unregisters it. Exit status 0 on success; a
 * failing step is printed with its error.
 */
#include <stdio.h>
#include <string.h>
#include "structops_cc.lskel.h"

static __u64 calls(struct structops_cc *s, __u32 key)
{
	union bpf_attr attr;
	__u64 v = 0;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = s->maps.cc_calls.map_fd;
	attr.key = (long)&key;
	attr.value = (long)&v;
	skel_sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr));
	return v;
}

int main(int argc, char **argv)
{
	struct structops_cc *s;
	int err;

	if (argc != 2 || strlen(argv[1]) >= sizeof(s->struct_ops.bpfc_reno->name)) {
		fprintf(stderr, "usage: %s NAME (at most 15 bytes)\n", argv[0]);
		return 2;
	}
	s = structops_cc__open();
	if (!s) {
		fprintf(stderr, "open: %s\n", strerror(errno));
		return 1;
	}
	memset(s->struct_ops.bpfc_reno->name, 0, sizeof(s->struct_ops.bpfc_reno->name));
	strcpy(s->struct_ops.bpfc_reno->name, argv[1]);
	err = structops_cc__load(s);
	if (err) {
		fprintf(stderr, "load: %d (loader step %u)\n", err, s->loader_step);
		goto out;
	}
	err = structops_cc__attach(s);
	if (err) {
		fprintf(stderr, "attach: %d\n", err);
		goto out;
	}
	printf("registered %s\n", argv[1]);
	fflush(stdout);
	while (getchar() != EOF)
		;
	printf("init=%llu\ncong_avoid=%llu\n", (unsigned long long)calls(s, 0),
	       (unsigned long long)calls(s, 2));
out:
	structops_cc__detach(s);
	structops_cc__destroy(s);
	return err ? 1 : 0;
}
