/* basic.h: what the three parts of the "basic" link set share: the type
 * of the map shared_map, defined in b.c and declared extern in a.c and c.c
 * (libbpf's linker wants the definitions of an extern map and of the map
 * itself to agree exactly).
 */
#ifndef BPFC_LINK_BASIC_H
#define BPFC_LINK_BASIC_H

#define SHARED_MAP                               \
	struct {                                 \
		__uint(type, BPF_MAP_TYPE_ARRAY);    \
		__uint(max_entries, 4);              \
		__type(key, __u32);                  \
		__type(value, __u64);                \
	}

#endif
