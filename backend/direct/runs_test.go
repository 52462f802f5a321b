// This file runs the test objects' programs with BPF_PROG_TEST_RUN and
// checks their return values and side effects (global variables and map
// contents) against what their C sources compute; testdata/README.md and
// the comments in testdata/src state the expected values.

package direct

import (
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

// pktLen is the length of the test packet every network program sees.
var pktLen = uint64(len(packet))

// step is one action on a loaded object: set variables, run a program and
// check what it returned and left behind.
type step struct {
	// set writes global variables ("section:name" → value) before the run.
	set map[string]uint64
	// prog is the program to run ("" for a step that only checks).
	prog string
	// ctx is the context to pass (raw_tp, syscall); nil means the test
	// packet as data.
	ctx []byte
	// want is the expected return value.
	want uint32
	// vars are expected global variables ("section:name" → value).
	vars map[string]uint64
	// elems are expected map elements.
	elems []elem
	// ctxOut checks the context after the run (syscall programs).
	ctxOut func(t *testing.T, ctx []byte)
	// ctxFn computes ctx at run time.
	ctxFn func() []byte
	// varsFn computes more expected variables at check time.
	varsFn func(t *testing.T) map[string]uint64
	// check runs further checks after the step.
	check func(t *testing.T, coll *Collection)
	// lockThread runs the program and varsFn on one locked OS thread
	// (programs that record the current task).
	lockThread bool
}

// elem is an expected map element; for per-CPU maps val is the sum over
// CPUs of the 8-byte slots.
type elem struct {
	mapName  string
	key, val uint64
}

// u64s encodes values as consecutive little-endian u64s.
func u64s(vs ...uint64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// Expected values that depend on the running kernel or process.
func vmlinuxMemberOff(t *testing.T, typ, member string) uint64 {
	t.Helper()
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range spec.FindByName(typ) {
		ty, err := spec.Type(id)
		if err != nil || ty.Kind != btf.KindStruct {
			continue
		}
		for _, m := range ty.Members {
			if m.Name == member {
				return uint64(m.BitOffset / 8)
			}
		}
	}
	t.Fatalf("vmlinux has no %s.%s", typ, member)
	return 0
}

func vmlinuxStruct(t *testing.T, typ string) (id, size uint64) {
	t.Helper()
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	for _, tid := range spec.FindByName(typ) {
		if ty, err := spec.Type(tid); err == nil && ty.Kind == btf.KindStruct {
			return uint64(tid), uint64(ty.Size)
		}
	}
	t.Fatalf("vmlinux has no struct %s", typ)
	return 0, 0
}

func kconfigInt(t *testing.T, name string) uint64 {
	t.Helper()
	kc, err := target.Running().Kconfig()
	if err != nil {
		// The externs pass resolved the object's Kconfig values from it.
		t.Fatalf("no kernel config: %v", err)
	}
	v, err := strconv.ParseUint(kc[name], 0, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, kc[name], err)
	}
	return v
}

var runs = []struct {
	object string
	steps  []step
}{
	{"xdp_globals.o", []step{
		// v = 100 + 7 = 107; k = 3 * 5; MODE_ADD: 122; + name_len("bpfc") 4 + runs 1.
		{prog: "xdp_compute", want: 127, vars: map[string]uint64{
			".bss:bss_runs": 1, ".bss:bss_result": 127, ".bss:bss_pkt_len": pktLen, ".bss:bss_name_len": 4,
		}},
		{prog: "xdp_compute", want: 128, vars: map[string]uint64{".bss:bss_runs": 2}},
		{prog: "xdp_bump", want: 101, vars: map[string]uint64{
			".data:data_base": 101, ".data:data_wide": 0x1122334455667788, ".data.custom:custom_bumps": 1,
			".bss:bss_wide_copy": 0x1122334455667788, ".rodata:rodata_mul": 3, ".rodata.cfg:cfg_factor": 5,
			".data.custom:custom_val": 7,
		}},
		// 101 + 7 + 15 + 4 + 3.
		{prog: "xdp_compute", want: 130, vars: map[string]uint64{".bss:bss_runs": 3}},
	}},
	{"skel_edge.o", []step{
		// Load checks every global against its initial value plus 100:
		// the first check fails with the object's own values.
		{prog: "Load", want: 1001},
		{set: map[string]uint64{".data:my_var": 101, ".data:myVar": 102}, prog: "Load", want: 1002},
		{set: map[string]uint64{".data:type": 103, ".data:func": 104, ".data:len": 105, ".data:map": 106}, prog: "Load", want: 1003},
		{prog: "Close", want: 2, elems: []elem{{"rodata", 0, 1}, {"data", 0, 0}}},
		{prog: "Attach", want: 2, elems: []elem{{"rodata", 0, 1}, {"data", 0, 1}}},
	}},
	{"sockfilter.o", []step{
		{prog: "sock_snap", want: 50},
		{prog: "sock_len", want: 60, vars: map[string]uint64{
			".bss:seen_packets": 1, ".bss:last_len": 50, ".bss:last_proto": 0x0800,
		}},
		{prog: "sock_snap", want: 51},
	}},
	{"tailcall.o", []step{
		{prog: "tail_entry", want: 10, vars: map[string]uint64{".bss:tail_a_runs": 1, ".bss:fallthrough_runs": 0}},
		{set: map[string]uint64{".data:tail_index": 2}, prog: "tail_entry", want: 20, vars: map[string]uint64{".bss:tail_b_runs": 1}},
		{set: map[string]uint64{".data:tail_index": 1}, prog: "tail_entry", want: 99, vars: map[string]uint64{".bss:fallthrough_runs": 1}},
		{set: map[string]uint64{".data:tail_index": 3}, prog: "tail_entry", want: 99, vars: map[string]uint64{".bss:fallthrough_runs": 2}},
		{set: map[string]uint64{".data:tail_index": 7}, prog: "tail_entry", want: 99, vars: map[string]uint64{".bss:fallthrough_runs": 3}},
		{prog: "tail_a", want: 10, vars: map[string]uint64{".bss:tail_a_runs": 2}},
		{prog: "tail_b", want: 20, vars: map[string]uint64{".bss:tail_b_runs": 2}},
	}},
	{"mapinmap.o", []step{
		{prog: "mim_rw", want: 333, vars: map[string]uint64{".bss:read_a": 111, ".bss:read_b": 222},
			elems: []elem{{"inner_a", 1, 111}, {"inner_b", 2, 222}, {"inner_a", 2, 0}}},
	}},
	{"maps_kinds.o", []step{
		{prog: "fill_maps", want: 0x600d, elems: []elem{
			{"hash_map", 1, 100}, {"hash_map", 2, 200}, {"array_map", 0, 10}, {"array_map", 3, 13}, {"array_map", 1, 0},
			{"percpu_array_map", 1, 7}, {"percpu_array_map", 0, 0}, {"percpu_hash_map", 5, 55}, {"lru_map", 0xdeadbeef, 1},
			{"sized_map", 0x0a0b0c0d, 0x0102030405060708}, {"user_sized_map", 9, 99},
		}, check: checkRingRecord},
	}},
	{"multi_prog.o", []step{
		{prog: "xdp_pass_prog", want: 2, vars: map[string]uint64{".bss:last_prog": 1}},
		{prog: "xdp_drop_prog", want: 1, vars: map[string]uint64{".bss:last_prog": 2}},
		{prog: "xdp_tx_prog", want: 3, vars: map[string]uint64{".bss:last_prog": 3}},
		{prog: "xdp_frags_prog", want: 2, vars: map[string]uint64{".bss:last_prog": 5}},
		{prog: "tc_prog", want: 2, vars: map[string]uint64{".bss:last_prog": 6}},
		{prog: "cls_prog", want: 0, vars: map[string]uint64{".bss:last_prog": 7}},
	}},
	{"subprogs.o", []step{
		{prog: "sub_chain", want: 18, vars: map[string]uint64{".bss:leaf_calls": 1}},
		{prog: "sub_shared", want: 70, vars: map[string]uint64{".bss:leaf_calls": 2}},
		{prog: "sub_loop", want: 135, vars: map[string]uint64{".bss:loop_sum": 45, ".bss:leaf_calls": 3}},
		{prog: "sub_foreach", want: 433, vars: map[string]uint64{".bss:fe_sum": 10, ".bss:fe_count": 4},
			elems: []elem{{"fe_array", 0, 1}, {"fe_array", 1, 2}, {"fe_array", 2, 3}, {"fe_array", 3, 4}}},
	}},
	{"subprogs_insec.o", []step{
		{prog: "insec_prog", want: 142, vars: map[string]uint64{".bss:insec_calls": 1}},
	}},
	{"legacy_maps.o", []step{
		{prog: "legacy_prog", want: 50, elems: []elem{{"legacy_array", 1, 42}, {"legacy_array", 0, 0}, {"legacy_hash", 50, 1}}},
		{prog: "legacy_prog", want: 50, elems: []elem{{"legacy_hash", 50, 2}}},
	}},
	{"tracing.o", []step{
		// raw_tp/sys_enter(regs, id = 39) returns 39 * 2 + 1.
		{prog: "rawtp_sys_enter", ctx: u64s(0, 39), want: 79, vars: map[string]uint64{".bss:rawtp_calls": 1, ".bss:rawtp_last_id": 39}},
		// syscall(a = 6, b = -7) returns -1 and writes -42 into product.
		{prog: "sys_prog", ctx: u64s(6|0xfffffff9<<32, 0), want: 0xffffffff, vars: map[string]uint64{".bss:sys_calls": 1},
			ctxOut: func(t *testing.T, ctx []byte) {
				if got := int64(binary.LittleEndian.Uint64(ctx[8:])); got != -42 {
					t.Errorf("sys_prog: args->product = %d, want -42", got)
				}
			}},
	}},
	{"core_fields.o", []step{
		{prog: "core_fields", want: 2, varsFn: func(t *testing.T) map[string]uint64 {
			return map[string]uint64{
				".bss:results[0]": 1, ".bss:results[1]": 2, ".bss:results[2]": 12, ".bss:results[3]": 16,
				".bss:results[4]": 1, ".bss:results[5]": 0, ".bss:results[6]": 56, ".bss:results[7]": 60,
				".bss:results[10]": 5, ".bss:results[11]": 4, ".bss:results[12]": 5, ".bss:results[13]": 4,
				".bss:results[14]": 0x0100000a, ".bss:results[15]": 0x0200000a,
				".bss:results[16]": vmlinuxMemberOff(t, "task_struct", "pid"), ".bss:results[17]": 16,
				".bss:results[18]": vmlinuxMemberOff(t, "task_struct", "comm") + 4, ".bss:results[19]": 1,
				".bss:results[21]": 1, ".bss:results[25]": 0, ".bss:results[26]": 0xfffe, ".bss:results[32]": 0,
			}
		}},
	}},
	{"core_types.o", []step{
		{prog: "core_types", ctx: []byte{}, want: 0, varsFn: func(t *testing.T) map[string]uint64 {
			id, size := vmlinuxStruct(t, "task_struct")
			return map[string]uint64{
				".bss:results[1]": id, ".bss:results[2]": 0, ".bss:results[3]": 1, ".bss:results[4]": 0,
				".bss:results[5]": size, ".bss:results[6]": 16, ".bss:results[9]": 1, ".bss:results[12]": 1,
				".bss:results[13]": 3, ".bss:results[14]": 0, ".bss:results[17]": 1, ".bss:results[18]": 4,
				".bss:results[21]": 4, ".bss:results[23]": 0, ".bss:results[24]": 0xfffe, ".bss:results[25]": 1,
				".bss:results[26]": 0, ".bss:results[27]": 1,
			}
		}},
	}},
	{"core_task.o", []step{
		{prog: "read_task", ctx: u64s(0, 39), want: 0, lockThread: true, varsFn: func(t *testing.T) map[string]uint64 {
			pid, tid := uint64(unix.Getpid()), uint64(unix.Gettid())
			return map[string]uint64{
				".bss:task_pid": tid, ".bss:btf_pid": tid, ".bss:task_tgid": pid, ".bss:btf_tgid": pid,
				".bss:leader_pid": pid, ".bss:parent_tgid": uint64(unix.Getppid()), ".bss:pid_tgid": pid<<32 | tid,
				".bss:off_pid": vmlinuxMemberOff(t, "task_struct", "pid"), ".bss:off_comm": vmlinuxMemberOff(t, "task_struct", "comm"),
				".bss:size_comm": 16,
			}
		}},
	}},
	{"externs.o", []step{
		{prog: "read_externs", ctx: []byte{}, want: 0, varsFn: func(t *testing.T) map[string]uint64 {
			return map[string]uint64{
				".bss:kc_bpf_syscall": 1, ".bss:kc_hz": kconfigInt(t, "CONFIG_HZ"), ".bss:kc_missing_int": 0,
				".bss:kc_missing_bool": 0, ".bss:kc_missing_tristate": 0, ".bss:has_bpf_cookie": 1,
				".bss:prog_fops_addr": kallsymsAddr(t, "bpf_prog_fops"), ".bss:missing_rq_exists": 0,
			}
		}},
		{prog: "kfunc_task", ctxFn: func() []byte { return binary.LittleEndian.AppendUint32(nil, uint32(unix.Getpid())) }, want: 0,
			varsFn: func(t *testing.T) map[string]uint64 {
				return map[string]uint64{
					".bss:kf_tgid": uint64(unix.Getpid()), ".bss:kf_acquired_pid": uint64(unix.Getpid()),
					".bss:kf_obj_value": 42, ".bss:kf_missing_exists": 0, ".bss:kf_missing_result": 0xfffe,
				}
			}},
		{prog: "kfunc_task", ctx: []byte{0xff, 0xff, 0xff, 0x7f}, want: 1},
	}},
	// Flavored kfuncs resolve by their essential names, a flavored ksym
	// by its whole name (missing); of two flavors with different
	// prototypes only the kernel's resolves.
	{"kfunc_flavors.o", []step{
		{prog: "flavors", want: 2, vars: map[string]uint64{
			".bss:missing_exists": 0, ".bss:missing_result": 0xfffe,
			".bss:ksym_exists": 0, ".bss:miss_null": 1, ".bss:miss_err": enoentU32,
		}},
	}},
	{"kfunc_flavor_exists.o", []step{
		{prog: "exists", want: 2, vars: map[string]uint64{".bss:release_exists": 1, ".bss:missing_exists": 0, ".bss:lookup_addr_set": 1}},
	}},
	{"kfunc_flavor_protos.o", []step{
		{prog: "protos", want: 2, vars: map[string]uint64{".bss:which": 2, ".bss:miss_err": enoentU32}},
	}},
	{"libbpf_idioms.o", []step{
		// weak_add(packet length) = 64 + primes[2] (7); bpf_trace_printk
		// returns the bytes it wrote: "bpfc literal 2\n" is 15.
		{prog: "idioms", want: uint32(pktLen) + 7, vars: map[string]uint64{".bss:idiom_runs": 1, ".bss:printk_ret": 15}},
		{set: map[string]uint64{".data:prime_idx": 3}, prog: "idioms", want: uint32(pktLen) + 11, vars: map[string]uint64{".bss:idiom_runs": 2}},
	}},
	{"hidden_funcs.o", []step{
		// (100 + 64) * 2 + 1 through two hidden functions and a global one.
		{prog: "hidden_prog", want: 329, vars: map[string]uint64{".bss:hidden_calls": 1, ".bss:usdt_calls": 0}},
		{prog: "hidden_prog", want: 329, vars: map[string]uint64{".bss:hidden_calls": 2}},
	}},
	{"sections.o", []step{
		{prog: "sec_socket", want: 51, vars: map[string]uint64{".bss:last_prog": 1}},
		{prog: "sec_xdp_slash", want: 66, vars: map[string]uint64{".bss:last_prog": 2}},
		{prog: "sec_xdp_suffix", want: 3, vars: map[string]uint64{".bss:last_prog": 3}},
		{prog: "sec_tc", want: 4, vars: map[string]uint64{".bss:last_prog": 4}},
		{prog: "sec_classifier", want: 5, vars: map[string]uint64{".bss:last_prog": 5}},
		{prog: "sec_syscall", ctx: []byte{}, want: 6, vars: map[string]uint64{".bss:last_prog": 6}},
	}},
	{"static_progs.o", []step{
		{prog: "global_sock", want: 0},
		{prog: "static_sock", want: 150, vars: map[string]uint64{".bss:static_runs": 1}, elems: []elem{{"legacy_counts", 50, 1}}},
		{prog: "static_xdp", want: 128, vars: map[string]uint64{".bss:static_runs": 2}, elems: []elem{{"btf_array", 1, 5}, {"btf_array", 0, 0}, {"legacy_last", 0, 64}}},
		{prog: "global_sock", want: 1},
		{prog: "static_sock", want: 150, elems: []elem{{"legacy_counts", 50, 2}}},
		{prog: "global_sock", want: 2},
	}},
	{"asm_const.o", []step{
		// MY_CONST=41, OTHER_CONST=-1 (objectEdits).
		{prog: "asm_xdp", want: 42, vars: map[string]uint64{".bss:asm_seen": 41}},
		{prog: "asm_syscall", ctx: []byte{}, want: 0, vars: map[string]uint64{".bss:asm_sum": 40}},
	}},
	{"sized_maps.o", []step{
		{prog: "count_stack", ctx: u64s(0, 39), want: 0x5e, check: checkStackCount},
		{prog: "count_stack", ctx: u64s(0, 39), want: 0x5e, check: checkStackCount},
	}},
	{"conntrack.o", []step{
		// The unknown tuple is not found (-ENOENT); a new entry is
		// inserted and found again with CONFIRMED|SEEN_REPLY and its
		// source address; bpf_ct_opts is 12 or 16 bytes (ct_zone_id).
		{prog: "ct_xdp", want: 2, varsFn: conntrackVars},
		{prog: "ct_xdp", want: 2, varsFn: conntrackVars},
		{prog: "ct_tc", want: 0, vars: map[string]uint64{".bss:tc_miss_null": 1, ".bss:tc_miss_err": enoentU32}},
	}},
	{"kfunc_noksym.o", []step{
		{prog: "noksym", ctxFn: func() []byte { return binary.LittleEndian.AppendUint32(nil, uint32(unix.Getpid())) }, want: 0,
			varsFn: func(t *testing.T) map[string]uint64 {
				return map[string]uint64{".bss:noksym_tgid": uint64(unix.Getpid())}
			}},
		{prog: "noksym", ctx: []byte{0xff, 0xff, 0xff, 0x7f}, want: 1},
	}},
}

// enoentU32 is -ENOENT as a 32-bit global reads.
var enoentU32 = uint64(^uint32(unix.ENOENT) + 1)

// conntrackVars are conntrack.o's globals after ct_xdp: what the
// conntrack kfuncs returned, and bpf_ct_opts as the kernel's BTF (read by
// cilium/ebpf) lays it out.
func conntrackVars(t *testing.T) map[string]uint64 {
	size, zone := testutil.ConntrackOpts(t)
	hasZone := uint64(0)
	if zone {
		hasZone = 1
	}
	return map[string]uint64{
		".bss:ct_opts_size": uint64(size), ".bss:ct_has_zone": hasZone,
		".bss:ct_miss_null": 1, ".bss:ct_miss_err": enoentU32,
		".bss:ct_set_status": 0, ".bss:ct_inserted": 1, ".bss:ct_found": 1, ".bss:ct_found_dir": 0,
		".bss:ct_status": 8 | 2, ".bss:ct_saddr_ok": 1,
	}
}

// checkStackCount checks sized_maps.o's maps after count_stack ran: one
// stack counted under {this process, its stack id}, as often as the
// program ran, and the stack trace map holding that stack: kernel
// addresses, 127 frames at most.
func checkStackCount(t *testing.T, coll *Collection) {
	t.Helper()
	counts, stacks := coll.Maps["counts"], coll.Maps["stackmap"]
	if counts.KeySize != 8 || counts.ValueSize != 8 || stacks.ValueSize != 127*8 || stacks.MaxEntries != 256 {
		t.Fatalf("sizes: counts %d/%d, stackmap %d/%d", counts.KeySize, counts.ValueSize, stacks.ValueSize, stacks.MaxEntries)
	}
	key := make([]byte, 8)
	if err := sys.MapGetNextKey(counts.fd, nil, key); err != nil {
		t.Fatalf("counts is empty: %v", err)
	}
	if err := sys.MapGetNextKey(counts.fd, key, make([]byte, 8)); err == nil {
		t.Errorf("counts has more than one key")
	}
	if tgid := binary.LittleEndian.Uint32(key); tgid != uint32(os.Getpid()) {
		t.Errorf("counts key tgid %d, want %d", tgid, os.Getpid())
	}
	n, err := counts.Lookup(key)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stack %d counted %d times", binary.LittleEndian.Uint32(key[4:]), binary.LittleEndian.Uint64(n))
	frames, err := stacks.Lookup(key[4:])
	if err != nil {
		t.Fatalf("stackmap[%d]: %v", binary.LittleEndian.Uint32(key[4:]), err)
	}
	if ip := binary.LittleEndian.Uint64(frames); ip>>63 == 0 {
		t.Errorf("first frame %#x is not a kernel address", ip)
	}
}

// checkRingRecord reads maps_kinds.o's ring buffer through mmap: exactly
// one 16-byte record {magic 0xb9fc, seq 1, value 64}.
func checkRingRecord(t *testing.T, coll *Collection) {
	t.Helper()
	m := coll.Maps["ring_map"]
	page := os.Getpagesize()
	prod, err := unix.Mmap(m.FD(), int64(page), page+int(m.MaxEntries), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatalf("mmap ring_map: %v", err)
	}
	defer unix.Munmap(prod)
	pos := binary.LittleEndian.Uint64(prod)
	if pos != 8+16 {
		t.Errorf("ring_map producer position %d, want 24 (one 16-byte record)", pos)
	}
	data := prod[page:]
	if l := binary.LittleEndian.Uint32(data); l != 16 {
		t.Errorf("ring_map record header length %#x, want 16", l)
	}
	rec := data[8:24]
	if magic, seq, v := binary.LittleEndian.Uint32(rec), binary.LittleEndian.Uint32(rec[4:]), binary.LittleEndian.Uint64(rec[8:]); magic != 0xb9fc || seq != 1 || v != pktLen {
		t.Errorf("ring_map record {%#x, %d, %d}, want {0xb9fc, 1, %d}", magic, seq, v, pktLen)
	}
}

// kallsymsAddr is the address of a kernel symbol, 0 when kallsyms lacks it
// (a data symbol where KALLSYMS_ALL=n, as on the development machine).
func kallsymsAddr(t *testing.T, name string) uint64 {
	t.Helper()
	addr, _, err := target.Running().Kallsyms(name)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestRunObjects(t *testing.T) {
	testutil.RequireKernel(t)
	for _, mode := range []struct {
		name string
		ctx  passes.Context
		only []string
	}{
		{"resolved", passes.Context{CORE: passes.COREUser}, nil},
		// CO-RE records handed to the kernel in PROG_LOAD's core_relos;
		// ksyms and kfuncs resolved by the backend at load time.
		{"deferred", passes.Context{CORE: passes.COREKernel, Defer: true}, []string{"core_fields.o", "core_types.o", "core_task.o", "externs.o", "tracing.o", "kfunc_noksym.o", "conntrack.o", "kfunc_flavors.o", "kfunc_flavor_protos.o", "kfunc_flavor_exists.o"}},
	} {
		t.Run(mode.name, func(t *testing.T) { runObjects(t, mode.ctx, mode.only) })
	}
}

func runObjects(t *testing.T, pctx passes.Context, only []string) {
	for _, r := range runs {
		if only != nil && !slices.Contains(only, r.object) {
			continue
		}
		t.Run(r.object, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			ctx := pctx
			ctx.Target, ctx.CheckIR = target.Running(), true
			obj, err := compileCtx(t, r.object, objectEdits[r.object], &ctx)
			var coll *Collection
			if err == nil {
				coll, err = Load(obj, testOptions(t))
			}
			// What this kernel lacks: the refusal names one of them
			// (whichever the load meets first).
			unmet := testutil.Unmet(r.object)
			if ctx.CORE == passes.COREKernel && hasDeferredCORE(obj) && features.KernelCORE.Missing() {
				unmet = append(unmet, testutil.KernelCORE)
			}
			if len(unmet) > 0 {
				coll.Close()
				testutil.CheckRefused(t, r.object, unmet, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { coll.Close() })
			if ctx.CORE == passes.COREKernel {
				checkDeferred(t, obj)
			}
			for i, s := range r.steps {
				for v, val := range s.set {
					setVar(t, obj, coll, v, val)
				}
				if s.lockThread {
					runtime.LockOSThread()
				}
				if s.prog != "" {
					p := coll.Programs[s.prog]
					if p == nil {
						t.Fatalf("step %d: no program %s loaded", i, s.prog)
					}
					opts := TestRunOptions{DataIn: packet}
					if s.ctxFn != nil {
						s.ctx = s.ctxFn()
					}
					if s.ctx != nil {
						opts = TestRunOptions{CtxIn: s.ctx}
					}
					res, err := p.TestRun(opts)
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					if res.Retval != s.want {
						t.Errorf("step %d: %s returned %d (%#x), want %d (%#x)", i, s.prog, res.Retval, res.Retval, s.want, s.want)
					}
					if s.ctxOut != nil {
						s.ctxOut(t, s.ctx)
					}
				}
				vars := maps.Clone(s.vars)
				if s.varsFn != nil {
					if vars == nil {
						vars = map[string]uint64{}
					}
					maps.Copy(vars, s.varsFn(t))
				}
				if s.lockThread {
					runtime.UnlockOSThread()
				}
				if s.check != nil {
					s.check(t, coll)
				}
				for v, want := range vars {
					if got := readVar(t, obj, coll, v); got != want {
						t.Errorf("step %d (%s): %s = %d (%#x), want %d (%#x)", i, s.prog, v, got, got, want, want)
					}
				}
				for _, e := range s.elems {
					if got := readElem(t, coll, e.mapName, e.key); got != e.val {
						t.Errorf("step %d (%s): %s[%d] = %d (%#x), want %d (%#x)", i, s.prog, e.mapName, e.key, got, got, e.val, e.val)
					}
				}
			}
		})
	}
}

// hasDeferredCORE reports whether obj left CO-RE records to the kernel.
func hasDeferredCORE(obj *ir.Object) bool {
	if obj == nil {
		return false
	}
	for _, p := range obj.Programs {
		for _, c := range p.CORE {
			if c.State == ir.Deferred {
				return true
			}
		}
	}
	return false
}

// checkDeferred makes sure a deferred compilation left work for load time,
// so that the deferred run tests the backend's load-time resolution.
func checkDeferred(t *testing.T, obj *ir.Object) {
	t.Helper()
	var core, relocs int
	for _, p := range obj.Programs {
		for _, c := range p.CORE {
			if c.State == ir.Deferred {
				core++
			}
		}
		for _, r := range p.Relocs {
			if r.State == ir.Deferred && (r.Kind == ir.RelocKsym || r.Kind == ir.RelocKfunc) {
				relocs++
			}
		}
	}
	t.Logf("%s: %d CO-RE records and %d ksym/kfunc references deferred to load time", obj.Name, core, relocs)
	if strings.HasPrefix(obj.Name, "core_") && core == 0 {
		t.Errorf("%s: no CO-RE record deferred to the kernel", obj.Name)
	}
	if obj.Name == "externs.o" && relocs == 0 {
		t.Errorf("%s: no ksym/kfunc deferred to load time", obj.Name)
	}
}

// findVar locates "section:name" in the object's data sections.
func findVar(t *testing.T, obj *ir.Object, coll *Collection, v string) (*Map, ir.DataVar) {
	t.Helper()
	sec, name, _ := strings.Cut(v, ":")
	idx := -1
	if i := strings.IndexByte(name, '['); i >= 0 && strings.HasSuffix(name, "]") {
		n, err := strconv.Atoi(name[i+1 : len(name)-1])
		if err != nil {
			t.Fatalf("bad variable %s", v)
		}
		name, idx = name[:i], n
	}
	ds := obj.DataSection(sec)
	m := coll.Maps[sec]
	if ds == nil || m == nil {
		t.Fatalf("no data section/map %s", sec)
	}
	for _, dv := range ds.Vars {
		if dv.Name == name {
			if idx >= 0 { // an element of a u64 array
				dv.Offset += uint32(idx) * 8
				dv.Size = 8
			}
			if dv.Size > 8 || dv.Offset+dv.Size > m.ValueSize {
				t.Fatalf("variable %s: size %d at %d does not fit", v, dv.Size, dv.Offset)
			}
			return m, dv
		}
	}
	t.Fatalf("no variable %s", v)
	return nil, ir.DataVar{}
}

// readVar reads a global variable from its data map.
func readVar(t *testing.T, obj *ir.Object, coll *Collection, v string) uint64 {
	t.Helper()
	m, dv := findVar(t, obj, coll, v)
	val, err := m.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatalf("read %s: %v", v, err)
	}
	var buf [8]byte
	copy(buf[:], val[dv.Offset:dv.Offset+dv.Size])
	return binary.LittleEndian.Uint64(buf[:])
}

// setVar writes a global variable into its (writable) data map.
func setVar(t *testing.T, obj *ir.Object, coll *Collection, v string, x uint64) {
	t.Helper()
	m, dv := findVar(t, obj, coll, v)
	val, err := m.Lookup(make([]byte, 4))
	if err != nil {
		t.Fatalf("read %s: %v", v, err)
	}
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], x)
	copy(val[dv.Offset:dv.Offset+dv.Size], buf[:])
	if err := m.Update(make([]byte, 4), val, UpdateAny); err != nil {
		t.Fatalf("write %s: %v", v, err)
	}
}

// readElem reads map[key] as an integer: the key is encoded in the map's
// key size, the value's first 8 bytes (at most) are decoded, and per-CPU
// values are summed over CPUs.
func readElem(t *testing.T, coll *Collection, mapName string, key uint64) uint64 {
	t.Helper()
	m := coll.Maps[mapName]
	if m == nil {
		t.Fatalf("no map %s", mapName)
	}
	k := binary.LittleEndian.AppendUint64(nil, key)[:m.KeySize]
	val, err := m.Lookup(k)
	if err != nil {
		t.Fatalf("%s[%d]: %v", mapName, key, err)
	}
	n := min(int(m.ValueSize), 8)
	decode := func(b []byte) uint64 {
		var buf [8]byte
		copy(buf[:], b[:n])
		return binary.LittleEndian.Uint64(buf[:])
	}
	if !mapdef.IsPerCPU(m.Type) {
		return decode(val)
	}
	var sum uint64
	stride := int((m.ValueSize + 7) &^ 7)
	for off := 0; off+stride <= len(val); off += stride {
		sum += decode(val[off:])
	}
	return sum
}

// TestMaxEntriesZero checks the error for a map whose size user space must
// set, and that nothing stays open after it.
func TestMaxEntriesZero(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	obj, err := compile(t, "maps_kinds.o", nil)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := Load(obj, testOptions(t))
	if err == nil {
		coll.Close()
		t.Fatal("Load succeeded with max_entries 0")
	}
	if !errors.Is(err, ErrMaxEntries) || !strings.Contains(err.Error(), `maps_kinds.o: map user_sized_map: max_entries is 0 (set it with Options.MaxEntries["user_sized_map"] or passes.SetMaxEntries)`) {
		t.Errorf("error %q", err)
	}
}

// TestUnsetSizes loads sized_maps.o with sizes missing: each error names
// the map and the size to set, before any map is created, and nothing
// stays open.
func TestUnsetSizes(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	for _, c := range []struct {
		edit func(*ir.Object) error
		err  error
		msg  string
	}{
		{nil, ErrMaxEntries, `sized_maps.o: map stackmap: max_entries is 0 (set it with Options.MaxEntries["stackmap"] or passes.SetMaxEntries)`},
		{func(o *ir.Object) error { return passes.SetMaxEntries(o, "stackmap", 4) }, ErrValueSize,
			`sized_maps.o: map stackmap: value_size is 0 (set it with Options.ValueSize["stackmap"] or passes.SetValueSize)`},
		{func(o *ir.Object) error {
			return errors.Join(passes.SetMaxEntries(o, "stackmap", 4), passes.SetValueSize(o, "stackmap", 8))
		}, ErrKeySize, `sized_maps.o: map counts: key_size is 0 (set it with Options.KeySize["counts"] or passes.SetKeySize)`},
		{func(o *ir.Object) error {
			return errors.Join(passes.SetMaxEntries(o, "stackmap", 4), passes.SetValueSize(o, "stackmap", 8), passes.SetKeySize(o, "counts", 8))
		}, ErrValueSize, `sized_maps.o: map counts: value_size is 0 (set it with Options.ValueSize["counts"] or passes.SetValueSize)`},
	} {
		obj, err := compile(t, "sized_maps.o", c.edit)
		if err != nil {
			t.Fatal(err)
		}
		coll, err := Load(obj, testOptions(t))
		if err == nil {
			coll.Close()
			t.Fatalf("loaded with %s unset", c.err)
		}
		if !errors.Is(err, c.err) || err.Error() != c.msg {
			t.Errorf("error %q, want %v: %q", err, c.err, c.msg)
		}
	}
}
