// This file runs the test objects' programs with BPF_PROG_TEST_RUN and
// checks their return values and side effects (global variables and map
// contents) against what their C sources compute; testdata/README.md and
// the comments in testdata/src state the expected values.
package direct

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/ir"
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

var runs = []struct {
	object string
	steps  []step
}{
	{"xdp_globals.o", []step{
		// v = 100 + 7 = 107; k = 3 * 5; MODE_ADD: 122; + name_len("bpfc") 4 + runs 1.
		{prog: "xdp_compute", want: 127, vars: map[string]uint64{
			".bss:bss_runs": 1, ".bss:bss_result": 127, ".bss:bss_pkt_len": pktLen, ".bss:bss_name_len": 4,
		}},
		{prog: "xdp_bump", want: 101, vars: map[string]uint64{
			".data:data_base": 101, ".data.custom:custom_bumps": 1, ".bss:bss_wide_copy": 0x1122334455667788,
			".rodata:rodata_mul": 3, ".rodata.cfg:cfg_factor": 5, ".data.custom:custom_val": 7,
		}},
		// 101 + 7 + 15 + 4 + 2.
		{prog: "xdp_compute", want: 129, vars: map[string]uint64{".bss:bss_runs": 2}},
	}},
	{"sockfilter.o", []step{
		{prog: "sock_snap", want: uint32(min(pktLen, 96))},
		{prog: "sock_len", want: uint32(pktLen + 10), vars: map[string]uint64{
			".bss:seen_packets": 1, ".bss:last_len": pktLen, ".bss:last_proto": 0x0800,
		}},
		{prog: "sock_snap", want: uint32(min(pktLen, 96) + 1)},
	}},
	{"tailcall.o", []step{
		{prog: "tail_entry", want: 10, vars: map[string]uint64{".bss:tail_a_runs": 1, ".bss:fallthrough_runs": 0}},
		{set: map[string]uint64{".data:tail_index": 2}, prog: "tail_entry", want: 20, vars: map[string]uint64{".bss:tail_b_runs": 1}},
		{set: map[string]uint64{".data:tail_index": 1}, prog: "tail_entry", want: 99, vars: map[string]uint64{".bss:fallthrough_runs": 1}},
		{set: map[string]uint64{".data:tail_index": 7}, prog: "tail_entry", want: 99, vars: map[string]uint64{".bss:fallthrough_runs": 2}},
		{prog: "tail_a", want: 10, vars: map[string]uint64{".bss:tail_a_runs": 2}},
	}},
	{"mapinmap.o", []step{
		{prog: "mim_rw", want: 333, vars: map[string]uint64{".bss:read_a": 111, ".bss:read_b": 222},
			elems: []elem{{"inner_a", 1, 111}, {"inner_b", 2, 222}}},
	}},
	{"maps_kinds.o", []step{
		{prog: "fill_maps", want: 0x600d, elems: []elem{
			{"hash_map", 1, 100}, {"hash_map", 2, 200}, {"array_map", 0, 10}, {"array_map", 3, 13},
			{"percpu_array_map", 1, 7}, {"percpu_hash_map", 5, 55}, {"lru_map", 0xdeadbeef, 1},
			{"sized_map", 0x0a0b0c0d, 0x0102030405060708}, {"user_sized_map", 9, 99},
		}},
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
		{prog: "sub_shared", want: uint32(6 + pktLen)},
		{prog: "sub_loop", want: 135, vars: map[string]uint64{".bss:loop_sum": 45}},
		{prog: "sub_foreach", want: 433, vars: map[string]uint64{".bss:fe_sum": 10, ".bss:fe_count": 4},
			elems: []elem{{"fe_array", 0, 1}, {"fe_array", 3, 4}}},
	}},
	{"subprogs_insec.o", []step{
		{prog: "insec_prog", want: uint32((pktLen + 7) * 2), vars: map[string]uint64{".bss:insec_calls": 1}},
	}},
	{"legacy_maps.o", []step{
		{prog: "legacy_prog", want: uint32(pktLen), elems: []elem{{"legacy_array", 1, 42}, {"legacy_hash", pktLen, 1}}},
		{prog: "legacy_prog", want: uint32(pktLen), elems: []elem{{"legacy_hash", pktLen, 2}}},
	}},
	{"tracing.o", []step{
		// raw_tp/sys_enter(regs, id = 5) returns 5 * 2 + 1.
		{prog: "rawtp_sys_enter", ctx: u64s(0, 5), want: 11, vars: map[string]uint64{".bss:rawtp_calls": 1, ".bss:rawtp_last_id": 5}},
		// syscall(a = 6, b = 7) returns 13 and writes 42 into product.
		{prog: "sys_prog", ctx: u64s(6|7<<32, 0), want: 13, vars: map[string]uint64{".bss:sys_calls": 1},
			ctxOut: func(t *testing.T, ctx []byte) {
				if got := binary.LittleEndian.Uint64(ctx[8:]); got != 42 {
					t.Errorf("sys_prog: args->product = %d, want 42", got)
				}
			}},
	}},
}

func TestRunObjects(t *testing.T) {
	testutil.RequireKernel(t)
	for _, r := range runs {
		t.Run(r.object, func(t *testing.T) {
			t.Cleanup(testutil.CheckNoFDLeak(t))
			obj, coll := loadObject(t, r.object, nil, objectEdits[r.object])
			for i, s := range r.steps {
				for v, val := range s.set {
					setVar(t, obj, coll, v, val)
				}
				if s.prog != "" {
					p := coll.Programs[s.prog]
					if p == nil {
						t.Fatalf("step %d: no program %s loaded", i, s.prog)
					}
					opts := sys.TestRunOpts{DataIn: packet}
					if s.ctx != nil {
						opts = sys.TestRunOpts{CtxIn: s.ctx}
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
				for v, want := range s.vars {
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

// findVar locates "section:name" in the object's data sections.
func findVar(t *testing.T, obj *ir.Object, coll *Collection, v string) (*Map, ir.DataVar) {
	t.Helper()
	sec, name, _ := strings.Cut(v, ":")
	ds := obj.DataSection(sec)
	m := coll.Maps[sec]
	if ds == nil || m == nil {
		t.Fatalf("no data section/map %s", sec)
	}
	for _, dv := range ds.Vars {
		if dv.Name == name {
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
	if err := m.Update(make([]byte, 4), val, sys.UpdateAny); err != nil {
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
	if !perCPU(m.Type) {
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
	coll, err := Load(obj, nil)
	if err == nil {
		coll.Close()
		t.Fatal("Load succeeded with max_entries 0")
	}
	if !errors.Is(err, ErrMaxEntries) || !strings.Contains(err.Error(), "maps_kinds.o: map user_sized_map: max_entries is 0 (set it with -max-entries user_sized_map=N)") {
		t.Errorf("error %q", err)
	}
}
