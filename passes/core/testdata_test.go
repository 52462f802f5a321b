// This file checks Calculate on the committed CO-RE test objects against
// the committed target BTF files: every record must give the value that
// testdata/README.md specifies for kernel_a and kernel_b (where fields
// moved, changed size or signedness, or disappeared).

package core

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/frontend/elf"
)

// expected values: "poison", or a number, for kernel_a and kernel_b.
type expect struct{ a, b string }

var testdataWant = map[string]map[string]expect{
	"core_fields.o": {
		"type_size struct iphdr":                                   {"20", "32"},
		"field_byte_offset struct iphdr.tos":                       {"1", "4"},
		"field_byte_size struct iphdr.tot_len":                     {"2", "2"},
		"field_byte_offset struct iphdr.saddr":                     {"12", "16"},
		"field_byte_offset struct iphdr.addrs.daddr":               {"16", "28"},
		"field_exists struct iphdr.protocol":                       {"1", "1"},
		"field_signed struct iphdr.ttl":                            {"0", "0"},
		"field_lshift_u64 struct iphdr.version":                    {"56", "60"},
		"field_rshift_u64 struct iphdr.version":                    {"60", "60"},
		"field_byte_offset struct iphdr.version":                   {"0", "0"},
		"field_byte_size struct iphdr.version":                     {"1", "1"},
		"field_signed struct iphdr.version":                        {"0", "0"},
		"field_byte_size struct iphdr.ihl":                         {"1", "1"},
		"field_byte_offset struct iphdr.ihl":                       {"0", "0"},
		"field_lshift_u64 struct iphdr.ihl":                        {"60", "56"},
		"field_rshift_u64 struct iphdr.ihl":                        {"60", "60"},
		"field_signed struct iphdr.ihl":                            {"0", "0"},
		"field_byte_offset struct task_struct.pid":                 {"76", "24"},
		"field_byte_size struct task_struct.comm":                  {"16", "32"},
		"field_byte_offset struct task_struct.comm[4]":             {"132", "60"},
		"field_signed struct task_struct.pid":                      {"1", "1"},
		"field_signed struct task_struct.flags":                    {"0", "1"},
		"field_exists struct task_struct.real_parent":              {"1", "0"},
		"field_byte_offset struct task_struct.se.vruntime":         {"64", "104"},
		"field_byte_offset struct signal_struct.rlim[7].rlim_max":  {"144", "60"},
		"field_byte_size struct signal_struct.rlim":                {"256", "128"},
		"field_exists struct task_struct.bpfc_no_such_field":       {"0", "0"},
		"field_byte_offset struct task_struct.bpfc_no_such_field":  {"poison", "poison"},
		"field_lshift_u64 struct task_struct.sched_reset_on_fork":  {"63", "61"},
		"field_rshift_u64 struct task_struct.sched_reset_on_fork":  {"63", "63"},
		"field_byte_size struct task_struct.sched_reset_on_fork":   {"4", "4"},
		"field_byte_offset struct task_struct.sched_reset_on_fork": {"72", "16"},
		"field_signed struct task_struct.sched_reset_on_fork":      {"0", "0"},
		"field_exists struct bpfc_probe.sbits":                     {"1", "1"},
		"field_byte_offset struct bpfc_probe.sbits":                {"4", "12"},
		"field_byte_size struct bpfc_probe.sbits":                  {"4", "4"},
		"field_signed struct bpfc_probe.sbits":                     {"1", "0"},
		"field_lshift_u64 struct bpfc_probe.sbits":                 {"59", "48"},
		"field_rshift_u64 struct bpfc_probe.sbits":                 {"59", "57"},
		"field_exists struct bpfc_probe.ubits":                     {"1", "1"},
		"field_signed struct bpfc_probe.ubits":                     {"0", "0"},
		"field_lshift_u64 struct bpfc_probe.ubits":                 {"48", "55"},
		"field_rshift_u64 struct bpfc_probe.ubits":                 {"53", "55"},
		"field_exists struct bpfc_probe.u_word":                    {"1", "1"},
		"field_byte_offset struct bpfc_probe.u_word":               {"8", "56"},
		"field_byte_offset struct bpfc_probe.u_bytes[2]":           {"10", "58"},
		"field_exists struct bpfc_probe.inner":                     {"1", "1"},
		"field_byte_offset struct bpfc_probe.inner.arr[2]":         {"24", "36"},
		"field_byte_offset struct bpfc_probe.many[2].s":            {"72", "152"},
		"field_byte_size struct bpfc_probe.many":                   {"60", "200"},
		"field_exists struct bpfc_probe.tail":                      {"1", "1"},
		"field_byte_size struct bpfc_probe.tail":                   {"8", "4"},
		"field_signed struct bpfc_probe.tail":                      {"1", "1"},
		"field_exists struct bpfc_probe.head":                      {"1", "1"},
	},
	"core_types.o": {
		"local_type_id struct task_struct":                                {"5", "5"},
		"local_type_id struct rlimit":                                     {"8", "8"},
		"target_type_id struct task_struct":                               {"4", "4"},
		"target_type_id struct bpfc_nonexistent":                          {"0", "0"},
		"type_exists struct task_struct":                                  {"1", "1"},
		"type_exists struct bpfc_nonexistent":                             {"0", "0"},
		"type_size struct task_struct":                                    {"152", "136"},
		"type_size struct rlimit":                                         {"16", "8"},
		"type_matches struct rlimit":                                      {"1", "0"},
		"type_matches struct rlimit___bad":                                {"0", "0"},
		"type_exists struct task_struct___old":                            {"1", "1"},
		"field_exists struct task_struct___old.state":                     {"1", "0"},
		"field_exists struct task_struct___new.__state":                   {"0", "1"},
		"enumval_exists enum pid_type::PIDTYPE_TGID":                      {"1", "1"},
		"enumval_value enum pid_type::PIDTYPE_SID":                        {"3", "7"},
		"enumval_exists enum pid_type___local::PIDTYPE_BPFC_FAKE":         {"0", "0"},
		"enumval_value enum64 perf_callchain_context::PERF_CONTEXT_MAX":   {"18446744073709547521", "18446744073709547522"},
		"enumval_exists enum64 perf_callchain_context::PERF_CONTEXT_USER": {"1", "0"},
		"type_exists typedef pid_t":                                       {"1", "1"},
		"type_size typedef pid_t":                                         {"4", "4"},
		"target_type_id typedef pid_t":                                    {"15", "7"},
		"type_matches enum pid_type":                                      {"1", "0"},
		"type_size enum pid_type":                                         {"4", "4"},
		"type_size struct bpfc_nonexistent":                               {"0", "0"},
		"field_byte_offset struct task_struct___old.state":                {"0", "poison"},
		"type_matches struct list_head":                                   {"1", "1"},
		"type_matches struct list_head___bad":                             {"0", "0"},
		"type_exists struct list_head___bad":                              {"1", "1"},
	},
	"core_task.o": {
		"field_byte_offset struct task_struct.pid":          {"76", "24"},
		"field_byte_offset struct task_struct.tgid":         {"80", "20"},
		"field_byte_offset struct task_struct.real_parent":  {"88", "poison"},
		"field_byte_offset struct task_struct.group_leader": {"120", "32"},
		"field_byte_offset struct task_struct.comm":         {"128", "56"},
		"field_byte_size struct task_struct.comm":           {"16", "32"},
	},
}

func TestTestdataTargets(t *testing.T) {
	for _, target := range []string{"kernel_a", "kernel_b"} {
		t.Run(target, func(t *testing.T) {
			spec, err := btf.LoadTarget(filepath.Join(testdataDir, "btf", target+".btf"))
			if err != nil {
				t.Fatal(err)
			}
			for objName, want := range testdataWant {
				obj, err := elf.Open(filepath.Join(testdataDir, objName))
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				cache := NewCandCache(nil)
				for _, f := range obj.Units() {
					insns := f.Insns
					for _, r := range f.CORE {
						res, err := CalculateOrder(obj.BTF, spec, r, cache, obj.ByteOrder)
						if err != nil {
							t.Errorf("%s %s insn %d: %v", objName, f.Name, r.Insn, err)
							continue
						}
						key := fmt.Sprintf("%s %s", r.Kind, res.What)
						w, ok := want[key]
						if !ok {
							t.Errorf("%s insn %d: %q (%s) not in the expected table", objName, r.Insn, key, res.Note)
							continue
						}
						seen[key] = true
						exp := w.a
						if target == "kernel_b" {
							exp = w.b
						}
						got := strconv.FormatUint(res.Target, 10)
						if res.Poison {
							got = "poison"
						}
						if got != exp {
							t.Errorf("%s insn %d: %s = %s, want %s (%s)", objName, r.Insn, key, got, exp, res.Note)
						}
						// Every record also patches cleanly.
						cp := append(insns[:0:0], insns...)
						if err := Patch(cp, r.Insn, r.Kind, res); err != nil {
							t.Errorf("%s insn %d: %s: patch: %v", objName, r.Insn, key, err)
						}
					}
				}
				for key := range want {
					if !seen[key] {
						t.Errorf("%s: no record %q", objName, key)
					}
				}
			}
		})
	}
}
