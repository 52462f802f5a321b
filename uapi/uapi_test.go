// Tests the String methods and checks every generated value against the
// running kernel's own enums in /sys/kernel/btf/vmlinux.

package uapi

import (
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestStringers(t *testing.T) {
	for _, tt := range []struct {
		got  interface{ String() string }
		want string
	}{
		{ProgTypeSocketFilter, "socket_filter"},
		{ProgTypeXDP, "xdp"},
		{ProgTypeSchedCls, "sched_cls"},
		{ProgTypeSyscall, "syscall"},
		{ProgTypeNetfilter, "netfilter"},
		{ProgType(200), "prog_type(200)"},
		{MapTypeHash, "hash"},
		{MapTypePercpuArray, "percpu_array"},
		{MapTypeCgroupStorage, "cgroup_storage"},
		{MapTypePercpuCgroupStorage, "percpu_cgroup_storage"},
		{MapTypeArena, "arena"},
		{MapType(1 << 20), "map_type(1048576)"},
		{AttachCgroupInetIngress, "cgroup_inet_ingress"},
		{AttachTraceFentry, "trace_fentry"},
		{AttachTraceUprobeSession, "trace_uprobe_session"},
		{AttachType(999), "attach_type(999)"},
		{LinkTypeRawTracepoint, "raw_tracepoint"},
		{LinkType(999), "link_type(999)"},
		{HelperSysBPF, "bpf_sys_bpf"},
		{HelperMapLookupElem, "bpf_map_lookup_elem"},
		{HelperID(-3), "helper(-3)"},
		{HelperID(100000), "helper(100000)"},
		{MapFlags(0), "0"},
		{MapFlagMmapable, "BPF_F_MMAPABLE"},
		{MapFlagRdonlyProg | MapFlagMmapable, "BPF_F_RDONLY_PROG|BPF_F_MMAPABLE"},
		{MapFlagNoPrealloc | 1<<31, "BPF_F_NO_PREALLOC|0x80000000"},
		{ProgFlagSleepable, "BPF_F_SLEEPABLE"},
		{ProgFlagXDPHasFrags | ProgFlagTokenFD, "BPF_F_XDP_HAS_FRAGS|BPF_F_TOKEN_FD"},
		{ProgFlags(1 << 30), "0x40000000"},
	} {
		if s := tt.got.String(); s != tt.want {
			t.Errorf("%T(%v).String() = %q, want %q", tt.got, tt.got, s, tt.want)
		}
	}
	// Values bpfc's loader programs and run-time depend on.
	for _, tt := range []struct {
		name      string
		got, want int64
	}{
		{"BPF_MAP_TYPE_ARRAY", int64(MapTypeArray), 2},
		{"BPF_PROG_TYPE_SYSCALL", int64(ProgTypeSyscall), 31},
		{"BPF_FUNC_probe_read_kernel", int64(HelperProbeReadKernel), 113},
		{"BPF_FUNC_sys_bpf", int64(HelperSysBPF), 166},
		{"BPF_F_SLEEPABLE", int64(ProgFlagSleepable), 16},
		{"BPF_F_MMAPABLE", int64(MapFlagMmapable), 1024},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// TestKernelEnums checks the generated names and values against the
// enums of the running kernel's BTF: every enumerator the kernel has must
// be generated with the same value and name. A kernel older than the
// header lacks the newest values; one newer than the header may have
// values past the last generated one, which are only logged.
func TestKernelEnums(t *testing.T) {
	testutil.RequireKernel(t)
	spec, err := btf.LoadKernel()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		enum, prefix string
		name         func(v uint64) string
		lower        bool
		generated    int // number of generated values
	}{
		{"bpf_map_type", "BPF_MAP_TYPE_", func(v uint64) string { return MapType(v).String() }, true, len(mapTypeNames)},
		{"bpf_prog_type", "BPF_PROG_TYPE_", func(v uint64) string { return ProgType(v).String() }, true, len(progTypeNames)},
		{"bpf_attach_type", "BPF_", func(v uint64) string { return AttachType(v).String() }, true, len(attachTypeNames)},
		{"bpf_link_type", "BPF_LINK_TYPE_", func(v uint64) string { return LinkType(v).String() }, true, len(linkTypeNames)},
		{"bpf_func_id", "BPF_FUNC_", func(v uint64) string { return strings.TrimPrefix(HelperID(v).String(), "bpf_") }, false, len(helperIDNames)},
	} {
		t.Run(tt.enum, func(t *testing.T) {
			ids := spec.FindByNameKind(tt.enum, btf.KindEnum)
			if len(ids) != 1 {
				t.Fatalf("kernel BTF has %d enums %s", len(ids), tt.enum)
			}
			typ, err := spec.Type(ids[0])
			if err != nil {
				t.Fatal(err)
			}
			// The deprecated cgroup storage names are aliases of the
			// generated ones; MAX_* ends an enum (older kernels name the
			// end of bpf_link_type MAX_BPF_LINK_TYPE, without "__").
			values := map[uint64]bool{}
			for _, e := range typ.Enums {
				if strings.HasPrefix(e.Name, "__") || strings.HasPrefix(e.Name, "MAX_") || strings.HasSuffix(e.Name, "_DEPRECATED") {
					continue
				}
				want := strings.TrimPrefix(e.Name, tt.prefix)
				if tt.lower {
					want = strings.ToLower(want)
				}
				v := uint64(e.Value)
				if v >= uint64(tt.generated) {
					t.Logf("%s = %d: newer than the generated header", e.Name, v)
					continue
				}
				values[v] = true
				if got := tt.name(v); got != want {
					t.Errorf("%s = %d: generated name %q, want %q", e.Name, v, got, want)
				}
			}
			if len(values) < 5 {
				t.Fatalf("only %d values in kernel enum %s", len(values), tt.enum)
			}
		})
	}

	t.Run("map flags", func(t *testing.T) {
		var flags []btf.EnumValue
		for id := btf.TypeID(1); int(id) < spec.NumTypes(); id++ {
			if spec.TypeKind(id) != btf.KindEnum || spec.TypeName(id) != "" {
				continue
			}
			typ, err := spec.Type(id)
			if err != nil {
				t.Fatal(err)
			}
			if len(typ.Enums) > 0 && typ.Enums[0].Name == "BPF_F_NO_PREALLOC" {
				flags = typ.Enums
				break
			}
		}
		if len(flags) == 0 {
			t.Fatal("kernel BTF has no enum of BPF_F_NO_PREALLOC")
		}
		for _, e := range flags {
			if uint64(e.Value) >= 1<<len(mapFlagNames) {
				t.Logf("%s = %#x: newer than the generated header", e.Name, e.Value)
				continue
			}
			if got := MapFlags(e.Value).String(); got != e.Name {
				t.Errorf("%s = %#x: generated name %q", e.Name, e.Value, got)
			}
		}
	})
}

// TestPoisonCOREFunc checks the verifier's name of the CO-RE poison call
// against the helper id.
func TestPoisonCOREFunc(t *testing.T) {
	if want := "unknown#" + strconv.Itoa(PoisonCOREHelper); PoisonCOREFunc != want {
		t.Errorf("PoisonCOREFunc = %q, want %q", PoisonCOREFunc, want)
	}
}
