/* common.h: definitions shared by bpfc's BPF test programs.
 *
 * Every test program includes this header first. It pulls in the uapi
 * integer types and BPF definitions from linux-libc-dev, libbpf's BPF-side
 * headers from libbpf-dev 1.1, and fills in the few things libbpf 1.1 does
 * not have yet. Kernel-internal types are declared by each program itself,
 * with preserve_access_index, never from a generated vmlinux.h.
 */
#ifndef BPFC_TESTDATA_COMMON_H
#define BPFC_TESTDATA_COMMON_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#ifndef __cplusplus
typedef _Bool bool;
#define true 1
#define false 0
#endif

#define ETH_HLEN 14

struct bpf_map;

/* bpf_ksym_exists() arrived in libbpf 1.2; same meaning here: true when a
 * __weak ksym or kfunc was found in the target kernel. */
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({                                              \
	_Static_assert(!__builtin_constant_p(!!sym), #sym " should be __weak"); \
	!!sym;                                                                  \
})
#endif

/* Structs preserved for CO-RE are declared with this attribute. */
#define __core __attribute__((preserve_access_index))

#endif
