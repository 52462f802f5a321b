// This file is the struct_ops part of the C light skeleton. A struct_ops
// map gets libbpf's shadow type (skel->struct_ops.X: its value as the
// loader was generated for, a member per data member the kernel has, set
// between __open and __load). __load reads the running kernel's BTF with
// the small reader below (no libbpf), finds every member by name, hands
// the loader the places that differ from the generated layout (the
// context's struct_ops_slots) and the value laid out for that kernel (the
// map's initial_value), as the Go run-time does; __attach registers the
// maps (a BPF link of a .struct_ops.link map, the value of a .struct_ops
// map, with the program fds at their members) and __detach unregisters
// them.

package skel

import (
	"fmt"
	"strings"
)

// cStructOpsHelpers read the kernel's BTF and lay a struct_ops map out for
// it, shared by every skeleton of a translation unit.
const cStructOpsHelpers = `#ifndef BPFC__STRUCT_OPS_HELPERS
#define BPFC__STRUCT_OPS_HELPERS
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>

/* A member of a struct_ops map's struct, as the loader was generated for:
 * its index in the kernel's struct, offset and size in the map's value,
 * and the index of its program (-1 for data). */
struct bpfc__so_member {
	const char *name;
	__u32 index, offset, size;
	int prog;
};

/* The kernel's BTF, read into memory, with the offset of each type. */
struct bpfc__btf {
	char *raw;
	const char *types, *strs;
	__u32 str_len, nr;
	__u32 *off;
};

static inline void bpfc__btf_free(struct bpfc__btf *b)
{
	free(b->raw);
	free(b->off);
	memset(b, 0, sizeof(*b));
}

/* bpfc__btf_trailer returns the size of what follows a btf_type, -1 for a
 * kind it does not know. */
static inline long bpfc__btf_trailer(const struct btf_type *t)
{
	__u32 vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case 1: case 14: case 17: /* int, var, decl_tag */
		return 4;
	case 3: /* array */
		return 12;
	case 4: case 5: case 15: case 19: /* struct, union, datasec, enum64 */
		return 12L * vlen;
	case 6: case 13: /* enum, func_proto */
		return 8L * vlen;
	case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18:
		return 0;
	}
	return -1;
}

/* bpfc__btf_read reads /sys/kernel/btf/vmlinux; 0 or -errno. */
static inline int bpfc__btf_read(struct bpfc__btf *b)
{
	const struct btf_header *h;
	size_t cap = 1 << 22, len = 0;
	__u32 pos, n;
	ssize_t r;
	int fd, err = 0;

	memset(b, 0, sizeof(*b));
	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	b->raw = malloc(cap);
	while (b->raw) {
		r = read(fd, b->raw + len, cap - len);
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		len += r;
		if (len == cap) {
			char *more = realloc(b->raw, cap *= 2);

			if (!more) {
				free(b->raw);
				b->raw = NULL;
			}
			b->raw = more;
		}
	}
	close(fd);
	if (!b->raw)
		err = -ENOMEM;
	h = (const void *)b->raw;
	if (!err && (len < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) ||
		     (size_t)h->hdr_len + h->type_off + h->type_len > len ||
		     (size_t)h->hdr_len + h->str_off + h->str_len > len))
		err = -EINVAL;
	for (int pass = 0; !err && pass < 2; pass++) {
		b->types = b->raw + h->hdr_len + h->type_off;
		b->strs = b->raw + h->hdr_len + h->str_off;
		b->str_len = h->str_len;
		for (pos = 0, n = 1; pos < h->type_len; n++) {
			const struct btf_type *t = (const void *)(b->types + pos);
			long tail;

			if (pos + sizeof(*t) > h->type_len || (tail = bpfc__btf_trailer(t)) < 0 ||
			    pos + sizeof(*t) + tail > h->type_len) {
				err = -EINVAL;
				break;
			}
			if (pass)
				b->off[n] = pos;
			pos += sizeof(*t) + tail;
		}
		if (!err && !pass) {
			b->nr = n;
			b->off = calloc(n, sizeof(*b->off));
			if (!b->off)
				err = -ENOMEM;
		}
	}
	if (err)
		bpfc__btf_free(b);
	return err;
}

static inline const struct btf_type *bpfc__btf_type(const struct bpfc__btf *b, __u32 id)
{
	return id && id < b->nr ? (const void *)(b->types + b->off[id]) : NULL;
}

static inline const char *bpfc__btf_name(const struct bpfc__btf *b, __u32 off)
{
	return off < b->str_len ? b->strs + off : "";
}

/* bpfc__btf_struct returns the id of the struct called name, 0 if none. */
static inline __u32 bpfc__btf_struct(const struct bpfc__btf *b, const char *name)
{
	for (__u32 id = 1; id < b->nr; id++) {
		const struct btf_type *t = bpfc__btf_type(b, id);

		if (BTF_INFO_KIND(t->info) == BTF_KIND_STRUCT && !strcmp(bpfc__btf_name(b, t->name_off), name))
			return id;
	}
	return 0;
}

/* bpfc__btf_sizeof returns the size of type id, 0 if it has none. */
static inline __u64 bpfc__btf_sizeof(const struct bpfc__btf *b, __u32 id)
{
	__u64 n = 1;

	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *t = bpfc__btf_type(b, id);

		if (!t)
			return 0;
		switch (BTF_INFO_KIND(t->info)) {
		case 1: case 4: case 5: case 6: case 16: case 19: /* sized */
			return n * t->size;
		case 2: /* ptr */
			return n * 8;
		case 3: /* array */
			n *= ((const struct btf_array *)(t + 1))->nelems;
			id = ((const struct btf_array *)(t + 1))->type;
			break;
		case 8: case 9: case 10: case 11: case 18: /* typedef, modifiers */
			id = t->type;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/* bpfc__so_layout lays a struct_ops map of struct type out for the kernel
 * whose BTF is b: each member's index in the kernel's struct and offset
 * in bpf_struct_ops_<type>, and the size of that value; 0 or -ENOENT
 * (the kernel lacks the struct or a member) or -EINVAL (a member of
 * another size). */
static inline int bpfc__so_layout(const struct bpfc__btf *b, const char *type, const struct bpfc__so_member *m, int n,
				  __u32 *idx, __u32 *off, __u32 *value_size)
{
	char value_name[256] = "bpf_struct_ops_";
	const struct btf_type *vt, *kt;
	const struct btf_member *km;
	__u32 vid, tid, data = (__u32)-1;

	strncat(value_name, type, sizeof(value_name) - strlen(value_name) - 1);
	vid = bpfc__btf_struct(b, value_name);
	tid = bpfc__btf_struct(b, type);
	if (!vid || !tid)
		return -ENOENT;
	vt = bpfc__btf_type(b, vid);
	km = (const void *)(vt + 1);
	for (__u32 i = 0; i < BTF_INFO_VLEN(vt->info); i++)
		if (km[i].type == tid)
			data = BTF_MEMBER_BIT_OFFSET(km[i].offset) / 8;
	if (data == (__u32)-1)
		return -ENOENT;
	*value_size = vt->size;
	kt = bpfc__btf_type(b, tid);
	km = (const void *)(kt + 1);
	for (int j = 0; j < n; j++) {
		__u32 i, vlen = BTF_INFO_VLEN(kt->info);
		__u32 bits;

		for (i = 0; i < vlen; i++)
			if (!strcmp(bpfc__btf_name(b, km[i].name_off), m[j].name))
				break;
		if (i == vlen)
			return -ENOENT;
		bits = BTF_INFO_KFLAG(kt->info) ? BTF_MEMBER_BIT_OFFSET(km[i].offset) : km[i].offset;
		if (bits % 8 || (BTF_INFO_KFLAG(kt->info) && BTF_MEMBER_BITFIELD_SIZE(km[i].offset)) ||
		    bpfc__btf_sizeof(b, km[i].type) != m[j].size)
			return -EINVAL;
		idx[j] = i;
		off[j] = data + bits / 8;
	}
	return 0;
}
#endif /* BPFC__STRUCT_OPS_HELPERS */

`

// soMembers is the C name of a struct_ops map's member table.
func (g *cGen) soMembers(d *structOpsLayout) string {
	return fmt.Sprintf("%s__%s__members", g.name, d.field)
}

// structOpsDecls writes the skeleton's struct_ops members: the shadows and
// the state __load and __attach keep.
func (g *cGen) structOpsDecls() {
	if len(g.so) == 0 {
		return
	}
	g.p("\tstruct { /* struct_ops maps: set their data members before __load */\n")
	for _, d := range g.so {
		var b strings.Builder
		cFields(&b, d.t, "\t\t\t")
		g.p("\t\tstruct %s__%s {\n%s\t\t} *%s;\n", g.name, d.field, b.String(), d.field)
	}
	g.p("\t} struct_ops;\n")
	g.p("\tstruct { /* bpfc: struct_ops registrations and values */\n")
	for _, d := range g.so {
		g.p("\t\tint %s_fd; /* __attach's BPF link, or the registered map */\n", d.field)
		g.p("\t\t__u8 *%s_value; /* the value laid out for this kernel */\n", d.field)
		g.p("\t\t__u32 %s_off[%d]; /* where this kernel has the members */\n", d.field, max(len(d.m.StructOps.Members), 1))
	}
	g.p("\t} struct_ops_state;\n")
}

// structOpsTables writes the member tables and the helpers.
func (g *cGen) structOpsTables() {
	if len(g.so) == 0 {
		return
	}
	g.p("%s", cStructOpsHelpers)
	for _, d := range g.so {
		g.p("static const struct bpfc__so_member %s[] = {\n", g.soMembers(d))
		for _, m := range d.m.StructOps.Members {
			g.p("\t{ %q, %d, %d, %d, %d },\n", m.Name, m.Index, m.Offset, m.Size, m.Prog)
		}
		g.p("};\n\n")
	}
	// __load's preparation: lay every map out for the running kernel.
	g.p("static inline int\n%s__struct_ops_prepare(struct %s *skel)\n{\n", g.name, g.name)
	g.p("\tstruct bpfc__btf b;\n\t__u32 idx[%d], size;\n\tint err, moved;\n\n", g.soMaxMembers())
	g.p("\terr = bpfc__btf_read(&b);\n\tif (err)\n\t\treturn err;\n")
	slot := 0
	for _, d := range g.so {
		so := d.m.StructOps
		n := len(so.Members)
		st := fmt.Sprintf("skel->struct_ops_state.%s", d.field)
		g.p("\t/* %s (struct %s) */\n", d.m.Name, so.Type)
		g.p("\terr = bpfc__so_layout(&b, %q, %s, %d, idx, %s_off, &size);\n", so.Type, g.soMembers(d), n, st)
		g.p("\tif (!err && size != %d)\n\t\terr = -EINVAL; /* the kernel's value is not the generated one's size */\n", d.size)
		g.p("\tif (err)\n\t\tgoto out;\n\tmoved = 0;\n")
		g.p("\tfor (int j = 0; j < %d; j++)\n\t\tmoved |= idx[j] != %s[j].index || %s_off[j] != %s[j].offset;\n", n, g.soMembers(d), st, g.soMembers(d))
		if g.l.Sealed {
			g.p("\tif (moved) {\n\t\terr = -EINVAL; /* a sealed loader cannot move members */\n\t\tgoto out;\n\t}\n")
		}
		g.p("\t%s_value = skel_alloc(%d);\n\tif (!%s_value) {\n\t\terr = -ENOMEM;\n\t\tgoto out;\n\t}\n", st, d.size, st)
		g.p("\tfor (int j = 0; j < %d; j++)\n\t\tif (%s[j].prog < 0)\n", n, g.soMembers(d))
		g.p("\t\t\tmemcpy(%s_value + %s_off[j], (__u8 *)skel->struct_ops.%s + %s[j].offset, %s[j].size);\n", st, st, d.field, g.soMembers(d), g.soMembers(d))
		g.p("\tif (moved) {\n")
		j := 0
		for k, m := range so.Members {
			if m.Prog < 0 {
				continue
			}
			g.p("\t\tskel->struct_ops_slots[%d].index = idx[%d] + 1;\n", slot+j, k)
			g.p("\t\tskel->struct_ops_slots[%d].offset = %s_off[%d] + 1;\n", slot+j, st, k)
			j++
		}
		slot += j
		g.p("\t}\n\tskel->maps.%s.initial_value = (__u64)(long)%s_value;\n", g.maps[d.m.Index], st)
	}
	g.p("out:\n\tbpfc__btf_free(&b);\n\treturn err;\n}\n\n")

	// After __load: the program fds into the values that register maps
	// without a BPF link.
	g.p("static inline void\n%s__struct_ops_fds(struct %s *skel)\n{\n", g.name, g.name)
	for _, d := range g.so {
		if d.m.StructOps.Link {
			continue
		}
		st := fmt.Sprintf("skel->struct_ops_state.%s", d.field)
		for k, m := range d.m.StructOps.Members {
			if m.Prog < 0 {
				continue
			}
			g.p("\t*(__u64 *)(%s_value + %s_off[%d]) = skel->progs.%s.prog_fd;\n", st, st, k, g.progs[m.Prog])
		}
	}
	g.p("\t(void)skel;\n}\n\n")
}

// soMaxMembers returns the largest member table.
func (g *cGen) soMaxMembers() int {
	n := 1
	for _, d := range g.so {
		n = max(n, len(d.m.StructOps.Members))
	}
	return n
}

// structOpsAttach writes NAME__X__attach for each struct_ops map.
func (g *cGen) structOpsAttach() {
	for _, d := range g.so {
		g.p("static inline int\n%s__%s__attach(struct %s *skel)\n{\n", g.name, d.field, g.name)
		g.p("\tint map_fd = skel->maps.%s.map_fd;\n\tint fd;\n\n", g.maps[d.m.Index])
		if d.m.StructOps.Link {
			g.p("\tfd = skel_link_create(map_fd, 0, (enum bpf_attach_type)44 /* BPF_STRUCT_OPS */);\n")
		} else {
			g.p("\t__u32 zero = 0;\n\tint err;\n\n")
			g.p("\tfd = fcntl(map_fd, F_DUPFD_CLOEXEC, 0);\n\tif (fd < 0)\n\t\treturn -errno;\n")
			g.p("\terr = skel_map_update_elem(fd, &zero, skel->struct_ops_state.%s_value, 0);\n", d.field)
			g.p("\tif (err < 0) {\n\t\tclose(fd);\n\t\treturn err;\n\t}\n")
		}
		g.p("\tif (fd > 0)\n\t\tskel->struct_ops_state.%s_fd = fd;\n\treturn fd;\n}\n\n", d.field)
	}
}

// structOpsDetach writes the unregistrations of NAME__detach.
func (g *cGen) structOpsDetach() {
	for _, d := range g.so {
		st := fmt.Sprintf("skel->struct_ops_state.%s_fd", d.field)
		if d.m.StructOps.Link {
			g.p("\tskel_closenz(%s);\n", st)
		} else {
			g.p("\tif (%s > 0) {\n\t\t__u32 zero = 0;\n\n\t\tskel_map_delete_elem(%s, &zero);\n\t\tclose(%s);\n\t}\n", st, st, st)
		}
		g.p("\t%s = 0;\n", st)
	}
}
