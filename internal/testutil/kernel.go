// This file says what the test objects need of the kernel, so that the
// kernel tests know, on each kernel of the matrix, whether an object must
// load or must be refused, and with which words (testdata/README.md).

package testutil

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// Need is something a test object uses that some kernels lack.
type Need struct {
	// Since is the first kernel with it ("" when a config option decides).
	Since string
	// Config, when set, is a kernel config option it also needs.
	Config string
	// What says what it is.
	What string
	// Match lists substrings of which the refusal's error has at least
	// one (the error names the missing part).
	Match []string
}

// objectNeeds lists what the test objects need beyond Linux 5.10 (the
// oldest kernel of the matrix). Every program of an object is loaded
// together, so one missing part refuses the object, as with libbpf.
var objectNeeds = map[string][]Need{
	"biolat.o": {{Since: "5.11", What: "tp_btf/block_rq_insert(struct request *) (5.11 dropped the request_queue argument)",
		Match: []string{"invalid bpf_context access"}}},
	"core_task.o": {{Since: "5.11", What: "helper bpf_get_current_task_btf",
		Match: []string{"helper bpf_get_current_task_btf is not supported by this kernel", "first appeared in Linux 5.11"}}},
	"core_types.o": {syscallProgram},
	"asm_const.o":  {syscallProgram},
	"sections.o":   {syscallProgram},
	"tracing.o":    {syscallProgram},
	"externs.o": {syscallProgram, {Since: "6.2", What: "kfunc bpf_task_from_pid",
		Match: []string{"bpf_task_from_pid"}}},
	"kfunc_noksym.o": {syscallProgram, {Since: "6.2", What: "kfunc bpf_task_from_pid", Match: []string{"bpf_task_from_pid"}}},
	// Its kfuncs are __weak: missing before 6.2, where it loads all the
	// same (6.2 and 6.3, not in the matrix, refuse bpf_ksym_exists of the
	// kfuncs that exist).
	"kfunc_weak.o": {syscallProgram},
	"externs_percpu.o": {
		syscallProgram,
		{Since: "5.11", What: "per-CPU variables in vmlinux BTF", Match: []string{"no VAR runqueues in kernel BTF", `kernel BTF has no var "runqueues"`}},
		{Config: "CONFIG_KALLSYMS_ALL", What: "data symbols in kallsyms (runqueues)",
			Match: []string{"failed to find the address for kernel symbol 'runqueues'"}},
	},
	// nf_conntrack's kfuncs came in 5.18; 5.10 has no module BTF either
	// (5.11), which the refusal names with the kfunc.
	"conntrack.o": {{Since: "5.18", What: "nf_conntrack's kfunc bpf_xdp_ct_lookup (5.18) in module BTF (5.11)", Match: []string{
		`no FUNC bpf_xdp_ct_lookup in kernel or module BTF (searched vmlinux only: kernel module BTF is not supported by this kernel`,
		`kernel BTF has no func "bpf_xdp_ct_lookup" (searched vmlinux only: kernel module BTF is not supported by this kernel`,
	}}},
	// Flavored names of nf_conntrack's kfuncs (5.18, module BTF 5.11):
	// the refusal names the kfunc by its essential name.
	"kfunc_flavors.o": {{Since: "5.18", What: "nf_conntrack's kfunc bpf_xdp_ct_lookup (5.18) in module BTF (5.11)", Match: []string{
		`no FUNC bpf_xdp_ct_lookup in kernel or module BTF (searched vmlinux only: kernel module BTF is not supported by this kernel`,
		`kernel BTF has no func "bpf_xdp_ct_lookup" (searched vmlinux only: kernel module BTF is not supported by this kernel`,
	}}},
	"kfunc_flavor_protos.o": {{Since: "5.18", What: "nf_conntrack's kfuncs (5.18) in module BTF (5.11)", Match: []string{
		`no FUNC bpf_xdp_ct_lookup in kernel or module BTF (searched vmlinux only: kernel module BTF is not supported by this kernel`,
		`kernel BTF has no func "bpf_xdp_ct_lookup" (searched vmlinux only: kernel module BTF is not supported by this kernel`,
	}}},
	// bpf_ksym_exists of a kfunc that exists: a ld_imm64 of a FUNC's BTF
	// id, which 6.1 refuses; 5.10 lacks the kfuncs.
	"kfunc_flavor_exists.o": {
		{Since: "5.18", What: "nf_conntrack's kfuncs (5.18) in module BTF (5.11)", Match: []string{
			`no FUNC bpf_xdp_ct_lookup in kernel or module BTF (searched vmlinux only: kernel module BTF is not supported by this kernel`,
			`kernel BTF has no func "bpf_xdp_ct_lookup" (searched vmlinux only: kernel module BTF is not supported by this kernel`,
		}},
		{Since: "6.4", What: "a kfunc's address in a ld_imm64 (bpf_ksym_exists of a kfunc that exists)", Match: []string{"in ldimm64 isn't KIND_VAR"}},
	},
	"maps_attrs.o":     {{Since: "5.16", What: "a bloom filter map", Match: []string{"map type bloom_filter is not supported by this kernel"}}},
	"multi_prog.o":     {{Since: "5.18", What: "an xdp.frags program", Match: []string{"BPF_F_XDP_HAS_FRAGS"}}},
	"subprogs.o":       {bpfLoop},
	"structops_link.o": {structOpsLink},
	"structops_scx.o": {{Config: "CONFIG_SCHED_CLASS_EXT", What: "sched_ext (struct sched_ext_ops)",
		Match: []string{"the kernel implements no struct_ops for struct sched_ext_ops"}}},
	// Link sets (testdata/link/<set>), linked from their parts.
	"link/basic": {bpfLoop},
	"link/ksyms": {syscallProgram, {Since: "6.2", What: "kfunc bpf_task_from_pid", Match: []string{"bpf_task_from_pid"}}},
}

// bpfLoop is the need of objects that call bpf_loop with a callback.
var bpfLoop = Need{Since: "5.17", What: "bpf_loop (a callback)",
	Match: []string{"callback functions (BPF_PSEUDO_FUNC) is not supported", "helper bpf_loop is not supported"}}

// structOpsLink is the need of objects with .struct_ops.link maps.
var structOpsLink = Need{Since: "6.4", What: "struct_ops maps with BPF_F_LINK (.struct_ops.link)",
	Match: []string{"(a .struct_ops.link map, BPF_F_LINK, needs Linux 6.4"}}

// syscallProgram is the need of objects with a BPF_PROG_TYPE_SYSCALL
// program.
var syscallProgram = Need{Since: "5.14", What: "a syscall program", Match: []string{"program type syscall is not supported by this kernel"}}

// BPFCookie is the need of programs calling bpf_get_attach_cookie
// (attach_probes.o's "?" *_cookie programs): their load is refused before
// 5.15 naming the helper.
var BPFCookie = Need{Since: "5.15", What: "helper bpf_get_attach_cookie",
	Match: []string{"helper bpf_get_attach_cookie is not supported by this kernel"}}

// KernelCORE is the need of a load that leaves CO-RE relocations to the
// kernel (-core=kernel).
var KernelCORE = Need{Since: "5.17", What: "kernel CO-RE (core_relos)", Match: []string{"CO-RE relocations in BPF_PROG_LOAD (core_relos) is not supported by this kernel"}}

// Unmet returns what object (a file name in testdata) needs and the
// running kernel lacks: empty when it can load here.
func Unmet(object string) []Need {
	var out []Need
	for _, n := range objectNeeds[object] {
		if !n.met() {
			out = append(out, n)
		}
	}
	return out
}

func (n Need) met() bool {
	if n.Since != "" && KernelOlderThan(n.Since) {
		return false
	}
	if n.Config != "" {
		v, ok := KernelConfig()[n.Config]
		if ok && v != "y" {
			return false
		}
		if !ok && KernelConfig() != nil {
			return false
		}
	}
	return true
}

// CheckRefused checks that err is the refusal of an object with unmet
// needs: an error naming one of them.
func CheckRefused(tb testing.TB, object string, needs []Need, err error) {
	tb.Helper()
	var what []string
	for _, n := range needs {
		what = append(what, n.What)
		for _, m := range n.Match {
			if err != nil && strings.Contains(err.Error(), m) {
				return
			}
		}
	}
	tb.Errorf("%s on %s: %v; want the refusal naming %s", object, KernelRelease(), err, strings.Join(what, " or "))
}

var (
	unameOnce sync.Once
	release   string
)

// KernelRelease returns uname -r.
func KernelRelease() string {
	unameOnce.Do(func() {
		var u unix.Utsname
		if unix.Uname(&u) == nil {
			release = unix.ByteSliceToString(u.Release[:])
		}
	})
	return release
}

// KernelOlderThan reports whether the running kernel is older than
// version ("MAJOR.MINOR").
func KernelOlderThan(version string) bool {
	k, ok1 := majorMinor(KernelRelease())
	v, ok2 := majorMinor(version)
	if !ok1 || !ok2 {
		return false
	}
	return k[0] < v[0] || k[0] == v[0] && k[1] < v[1]
}

func majorMinor(s string) ([2]int, bool) {
	major, rest, ok := strings.Cut(s, ".")
	if !ok {
		return [2]int{}, false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	a, err1 := strconv.Atoi(major)
	b, err2 := strconv.Atoi(rest[:end])
	return [2]int{a, b}, err1 == nil && err2 == nil
}

var (
	configOnce sync.Once
	config     map[string]string
)

// KernelConfig returns the running kernel's config (/proc/config.gz, or
// /boot/config-RELEASE as in the matrix guests), nil when there is none.
func KernelConfig() map[string]string {
	configOnce.Do(func() {
		var r io.Reader
		if f, err := os.Open("/proc/config.gz"); err == nil {
			defer f.Close()
			z, err := gzip.NewReader(f)
			if err != nil {
				return
			}
			r = z
		} else if f, err := os.Open("/boot/config-" + KernelRelease()); err == nil {
			defer f.Close()
			r = f
		} else {
			return
		}
		cfg := map[string]string{}
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok && strings.HasPrefix(k, "CONFIG_") {
				cfg[k] = v
			}
		}
		if sc.Err() == nil && !errors.Is(sc.Err(), io.EOF) {
			config = cfg
		}
	})
	return config
}
