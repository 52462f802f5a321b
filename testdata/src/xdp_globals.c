/* xdp_globals.c: XDP programs whose return values are computed from global
 * data in every kind of data section: .data, .rodata (const volatile, meant
 * to be overridden before load with bpfc -set), .bss, and the custom
 * sections .data.custom and .rodata.cfg. Results are also written back to
 * .bss so tests can read them. See testdata/README.md for expected values.
 */
#include "common.h"

enum op_mode {
	MODE_ADD = 1,
	MODE_SUB = 2,
	MODE_XOR = 3,
};

/* .rodata: overridable before load. */
const volatile __u32 rodata_mul = 3;
const volatile bool rodata_enabled = true;
const volatile enum op_mode rodata_mode = MODE_ADD;
const volatile char rodata_name[16] = "bpfc";

/* .rodata.cfg: a custom read-only section. */
const volatile __u32 cfg_factor SEC(".rodata.cfg") = 5;

/* .data */
__u32 data_base = 100;
__u64 data_wide = 0x1122334455667788ULL;

/* .data.custom: a custom writable section. */
__u32 custom_val SEC(".data.custom") = 7;
__u32 custom_bumps SEC(".data.custom") = 0;

/* .bss */
__u32 bss_runs;
__u32 bss_result;
__u32 bss_pkt_len;
__u32 bss_name_len;
__u64 bss_wide_copy;

static __always_inline __u32 name_len(void)
{
	__u32 n = 0;

	for (int i = 0; i < 16; i++) {
		if (rodata_name[i] == 0)
			break;
		n++;
	}
	return n;
}

/* xdp_compute returns
 *   v + name_len(rodata_name) + bss_runs (after increment)
 * where v = data_base + custom_val, and when rodata_enabled, v is combined
 * with k = rodata_mul * cfg_factor according to rodata_mode.
 */
SEC("xdp")
int xdp_compute(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 v = data_base + custom_val;
	__u32 k = rodata_mul * cfg_factor;
	__u32 n = name_len();

	if (rodata_enabled) {
		switch (rodata_mode) {
		case MODE_ADD:
			v += k;
			break;
		case MODE_SUB:
			v -= k;
			break;
		case MODE_XOR:
			v ^= k;
			break;
		}
	}
	bss_runs++;
	v += n + bss_runs;

	bss_result = v;
	bss_pkt_len = data_end - data;
	bss_name_len = n;
	return v;
}

/* xdp_bump mutates writable globals: data_base += 1, custom_bumps += 1,
 * bss_wide_copy = data_wide; returns the new data_base. */
SEC("xdp")
int xdp_bump(struct xdp_md *ctx)
{
	data_base++;
	custom_bumps++;
	bss_wide_copy = data_wide;
	return data_base;
}

char LICENSE[] SEC("license") = "GPL";
