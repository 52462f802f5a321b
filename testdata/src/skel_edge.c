/* skel_edge.c: the corner cases of light-skeleton generation. Names that
 * collide once turned into Go or C identifiers (a BTF map "rodata" next to
 * the .rodata data map, my_var and myVar, data sections .data.a.b and
 * .data.a_b, a global named like the C skeleton's padding), names that are
 * Go keywords or predeclared identifiers (type, func, len, map), programs
 * named like skeleton methods (Load, Close, Attach), a program that is not
 * autoloaded (not_loaded, ?raw_tp/sys_enter), and global data whose
 * layout Go and C cannot mirror naively (bitfields, unions, nested structs
 * and arrays of structs, _Bool, char arrays, packed enums of 1 and 2 bytes,
 * a 64-bit enum, an unsigned enum above INT32_MAX, packed structs at odd
 * offsets, zero-length arrays and empty structs as last members). (A
 * zero-size global of its own would make the kernel refuse the object's
 * BTF: a DATASEC VAR must have a size.)
 *
 * The program Load (XDP) checks every global it reads against the values
 * written before load by the skeleton tests: it returns 2 (XDP_PASS) when
 * they all match, else 1000 + the number of the first mismatch; with the
 * object's initial values it returns 1001. See testdata/README.md.
 */
#include "common.h"

/* A BTF map named like the .rodata and .data maps. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rodata SEC(".maps"), data SEC(".maps");

enum __attribute__((packed)) small8 { S8_A = 1, S8_B = 200 };
enum __attribute__((packed)) small16 { S16_A = 1, S16_B = 60000 };
enum wide64 { W64_A = 1, W64_BIG = 0x8000000000000001ULL };
enum bigu { BIGU_A = 1, BIGU_HIGH = 0x80000000U };
enum neg { NEG_A = -1, NEG_B = 2 };
/* Named like the Go skeleton's constants SkelEdgeInsns and SkelEdgeBlob. */
enum skel_edge_insns { SKEL_EDGE_BLOB = 1, SEI_TWO = 2 };

struct bits {
	__u32 lo : 3;
	__u32 hi : 29;
};

union either {
	__u32 u;
	__u8 b[4];
};

struct inner {
	__u8 tag;
	__u64 v;
};

struct outer {
	__u16 n;
	struct inner items[2];
	char name[6];
	_Bool ok;
};

struct __attribute__((packed)) packed_s {
	__u8 a;
	__u32 b;
};

struct flex {
	__u32 n;
	__u32 more[0];
};

struct empty {
};

struct with_empty {
	__u32 a;
	struct empty e;
};

/* .data: collisions and layouts. */
__u32 my_var = 1;
__u32 myVar = 2;
__u32 type = 3;
__u32 func = 4;
__u32 len = 5;
__u32 map = 6;
__u32 _under = 7;
__u32 __under = 8;
__u32 __pad0 = 9;
__u8 odd_byte = 10;
struct packed_s odd_packed __attribute__((aligned(1))) = { 11, 12 };
__u64 aligned64 = 13;
struct bits bits = { 1, 2 };
union either either = { .u = 14 };
struct outer outer = { 15, { { 16, 17 }, { 18, 19 } }, "abc", 1 };
enum small8 e8 = S8_B;
enum small16 e16 = S16_B;
enum wide64 e64 = W64_BIG;
enum bigu ebig = BIGU_HIGH;
enum neg eneg = NEG_A;
_Bool flag = 1;
char text[5] = "hey";
struct flex flexible = { 20 };
struct with_empty nothing = { 25 };
__u32 after_nothing = 21;
enum skel_edge_insns sei = SEI_TWO;

/* Two custom sections whose identifiers collide. */
__u32 dotted SEC(".data.a.b") = 22;
__u32 underscored SEC(".data.a_b") = 23;

/* .rodata, next to the BTF map "rodata". */
const volatile __u32 ro_val = 24;

#define CHECK(n, cond)              \
	do {                        \
		if (!(cond))        \
			return 1000 + (n); \
	} while (0)

/* Load checks the values the tests write before load: every initial value
 * plus 100 (text becomes "HEY", flag false, enums their other values). */
SEC("xdp")
int Load(struct xdp_md *ctx)
{
	CHECK(1, my_var == 101 && myVar == 102);
	CHECK(2, type == 103 && func == 104 && len == 105 && map == 106);
	CHECK(3, _under == 107 && __under == 108 && __pad0 == 109);
	CHECK(4, odd_byte == 110 && odd_packed.a == 111 && odd_packed.b == 112);
	CHECK(5, aligned64 == 113);
	CHECK(6, either.u == 114);
	CHECK(7, outer.n == 115 && outer.items[0].tag == 116 && outer.items[0].v == 117);
	CHECK(8, outer.items[1].tag == 118 && outer.items[1].v == 119);
	CHECK(9, outer.name[0] == 'x' && outer.ok == 0);
	CHECK(10, e8 == S8_A && e16 == S16_A && e64 == W64_A && ebig == BIGU_A && eneg == NEG_B);
	CHECK(11, flag == 0 && text[0] == 'H' && text[1] == 'E' && text[2] == 'Y');
	CHECK(12, flexible.n == 120 && after_nothing == 121 && nothing.a == 125);
	CHECK(13, dotted == 122 && underscored == 123);
	CHECK(14, ro_val == 124);
	CHECK(15, bits.lo == 1 && bits.hi == 2);
	return XDP_PASS;
}

/* Close and Attach count their runs in the BTF maps. */
SEC("xdp")
int Close(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&rodata, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

SEC("xdp")
int Attach(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&data, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

/* not_loaded is not autoloaded: the skeletons' attach-all must skip it. */
SEC("?raw_tp/sys_enter")
int not_loaded(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
