// This file runs the objects of forms libbpf or cilium/ebpf load and bpfc
// once refused (issue 9: hidden functions, prefix section names, static
// programs with legacy maps, inline-assembly constants, maps sized by user
// space), and flavored kfuncs (kfunc_flavor*.o), through Go and C light
// skeletons: each program that can be run returns what testdata/README.md
// says, and unsized maps are sized before Load through the skeleton (Go:
// Maps.X.KeySize...; C: skel->map_sizes).

package skeltest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testutil"
)

// conformObjects are the objects, with what their loaders are generated
// with: asm_const.o's constants are set at generation; sized_maps.o's
// sizes are left to the skeleton.
var conformObjects = []struct {
	name string
	opts *bpfc.Options
}{
	{"hidden_funcs.o", nil},
	{"sections.o", nil},
	{"static_progs.o", nil},
	{"asm_const.o", &bpfc.Options{Set: map[string]string{"MY_CONST": "41", "OTHER_CONST": "-1"}}},
	{"sized_maps.o", nil},
	{"kfunc_flavors.o", nil},
	{"kfunc_flavor_exists.o", nil},
}

const conformGoMain = mainPrelude + `
func runCtx(p *rt.Program, ctx []byte) uint32 {
	r, err := p.Run(&rt.RunOptions{Ctx: ctx})
	check(err)
	return r
}

func main() {
	before := fds()
	{
		s := hiddenfuncs.NewHiddenFuncs()
		check(s.Load(nil))
		// Runs before reads of the global data they change: Go does not
		// order field reads and calls among the arguments of one call.
		fmt.Printf("hidden_prog=%d\n", run(&s.Progs.HiddenProg))
		fmt.Printf("hidden_calls=%d\nusdt_loaded=%v\n", s.Bss.HiddenCalls, s.Progs.UsdtProbe.FD > 0)
		check(s.Close())
	}
	{
		s := sections.NewSections()
		check(s.Load(nil))
		fmt.Printf("sec_socket=%d\nsec_xdp_slash=%d\nsec_xdp_suffix=%d\nsec_tc=%d\nsec_classifier=%d\n",
			run(&s.Progs.SecSocket), run(&s.Progs.SecXdpSlash), run(&s.Progs.SecXdpSuffix), run(&s.Progs.SecTc), run(&s.Progs.SecClassifier))
		fmt.Printf("sec_syscall=%d\n", runCtx(&s.Progs.SecSyscall, nil))
		fmt.Printf("last_prog=%d\n", s.Bss.LastProg)
		fmt.Printf("sec_sk_lookup_loaded=%v\nsec_xdp_optional_fd=%d\n", s.Progs.SecSkLookup.FD > 0, s.Progs.SecXdpOptional.FD)
		check(s.Close())
	}
	{
		s := staticprogs.NewStaticProgs()
		check(s.Load(nil))
		fmt.Printf("static_sock=%d\nstatic_xdp=%d\nglobal_sock=%d\n", run(&s.Progs.StaticSock), run(&s.Progs.StaticXdp), run(&s.Progs.GlobalSock))
		fmt.Printf("static_runs=%d\n", s.Bss.StaticRuns)
		check(s.Close())
	}
	{
		s := asmconst.NewAsmConst()
		check(s.Load(nil))
		fmt.Printf("asm_xdp=%d\n", run(&s.Progs.AsmXdp))
		fmt.Printf("asm_seen=%d\n", s.Bss.AsmSeen)
		fmt.Printf("asm_syscall=%d\n", runCtx(&s.Progs.AsmSyscall, nil))
		fmt.Printf("asm_sum=%d\n", s.Bss.AsmSum)
		check(s.Close())
	}
	{
		s := sizedmaps.NewSizedMaps()
		err := s.Load(nil)
		fmt.Printf("unsized_err=%v\n", err)
		fmt.Printf("unsized_is=%v\n", errors.Is(err, rt.ErrSizeUnset))
		s.Maps.Stackmap.MaxEntries, s.Maps.Stackmap.ValueSize = 256, 127*8
		s.Maps.Counts.KeySize, s.Maps.Counts.ValueSize = 8, 8
		check(s.Load(nil))
		fmt.Printf("count_stack=%#x\n", runCtx(&s.Progs.CountStack, make([]byte, 16)))
		for _, m := range []*rt.Map{&s.Maps.Stackmap, &s.Maps.Counts} {
			em, err := ebpf.NewMapFromFD(must(unix.Dup(m.FD)))
			check(err)
			fmt.Printf("%s=%d/%d/%d\n", m.Name, em.KeySize(), em.ValueSize(), em.MaxEntries())
			em.Close()
		}
		check(s.Close())
	}
	{
		s := kfuncflavors.NewKfuncFlavors()
		check(s.Load(nil))
		fmt.Printf("flavors=%d\n", run(&s.Progs.Flavors))
		fmt.Printf("missing_exists=%d\nmissing_result=%#x\nksym_exists=%d\nmiss_null=%d\nmiss_err=%d\n",
			s.Bss.MissingExists, s.Bss.MissingResult, s.Bss.KsymExists, s.Bss.MissNull, s.Bss.MissErr)
		check(s.Close())
	}
	{
		s := kfuncflavorexists.NewKfuncFlavorExists()
		check(s.Load(nil))
		fmt.Printf("exists=%d\n", run(&s.Progs.Exists))
		fmt.Printf("release_exists=%d\nlookup_addr_set=%d\n", s.Bss.ReleaseExists, s.Bss.LookupAddrSet)
		check(s.Close())
	}
	fmt.Printf("fds_leaked=%d\n", fds()-before)
}

func must(fd int, err error) int {
	check(err)
	return fd
}
`

func TestGoSkeletonConformance(t *testing.T) {
	testutil.RequireKernel(t)
	files := map[string][]byte{}
	var imports []string
	for _, o := range conformObjects {
		obj, l := object(t, o.name, o.opts, nil)
		pkg := skel.GoPackageName(o.name)
		files[pkg+"/"+pkg+".go"] = goSkeleton(t, l, obj, pkg)
		imports = append(imports, "\t\"skeltest/"+pkg+"\"")
	}
	main := strings.Replace(conformGoMain, "import (\n", "import (\n"+strings.Join(imports, "\n")+"\n", 1)
	files["main.go"] = []byte(main)
	checkKV(t, goRun(t, files), map[string]string{
		"hidden_prog": "329", "hidden_calls": "1", "usdt_loaded": "true",
		"sec_socket": "51", "sec_xdp_slash": "66", "sec_xdp_suffix": "3", "sec_tc": "4", "sec_classifier": "5",
		"sec_syscall": "6", "last_prog": "6", "sec_sk_lookup_loaded": "true", "sec_xdp_optional_fd": "-1",
		"static_sock": "150", "static_xdp": "128", "global_sock": "1", "static_runs": "2",
		"asm_xdp": "42", "asm_seen": "41", "asm_syscall": "0", "asm_sum": "40",
		"unsized_err": "sized_maps.o: map stackmap: max_entries is 0: set it before Load (Map.MaxEntries of a skeleton, Options.MaxEntries): map size not set",
		"unsized_is":  "true", "count_stack": "0x5e", "stackmap": "4/1016/256", "counts": "8/8/16",
		"flavors": "2", "missing_exists": "0", "missing_result": "0xfffe", "ksym_exists": "0",
		"miss_null": "1", "miss_err": "-2", "exists": "2", "release_exists": "1", "lookup_addr_set": "1",
		"fds_leaked": "0",
	})
}

const conformCMain = cPrelude + `
static long run_ctx(int fd, void *ctx, __u32 size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.ctx_in = (unsigned long)ctx;
	attr.test.ctx_size_in = size; /* syscall and raw_tp runs take no repeat */
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr)) < 0)
		return -errno;
	return attr.test.retval;
}

static void print_map_sizes(const char *name, int fd)
{
	struct bpf_map_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)&info;
	if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) < 0)
		printf("%s_errno=%d\n", name, errno);
	else
		printf("%s=%u/%u/%u\n", name, info.key_size, info.value_size, info.max_entries);
}

int main(void)
{
	unsigned char rawtp_ctx[16] = {};
	{
		struct hidden_funcs *s = hidden_funcs__open_and_load();

		if (!s)
			return printf("hidden_funcs=failed\n"), 1;
		/* One run per statement: C does not order the evaluation of
		 * arguments. */
		printf("hidden_prog=%ld\n", run_prog(s->progs.hidden_prog.prog_fd));
		printf("hidden_calls=%llu\nusdt_loaded=%d\n", (unsigned long long)s->bss->hidden_calls, s->progs.usdt_probe.prog_fd > 0);
		hidden_funcs__destroy(s);
	}
	{
		struct sections *s = sections__open_and_load();

		if (!s)
			return printf("sections=failed\n"), 1;
		printf("sec_socket=%ld\n", run_prog(s->progs.sec_socket.prog_fd));
		printf("sec_xdp_slash=%ld\n", run_prog(s->progs.sec_xdp_slash.prog_fd));
		printf("sec_xdp_suffix=%ld\n", run_prog(s->progs.sec_xdp_suffix.prog_fd));
		printf("sec_tc=%ld\n", run_prog(s->progs.sec_tc.prog_fd));
		printf("sec_classifier=%ld\n", run_prog(s->progs.sec_classifier.prog_fd));
		printf("sec_syscall=%ld\n", run_ctx(s->progs.sec_syscall.prog_fd, NULL, 0));
		printf("last_prog=%u\nsec_sk_lookup_loaded=%d\n", s->bss->last_prog, s->progs.sec_sk_lookup.prog_fd > 0);
		sections__destroy(s);
	}
	{
		struct static_progs *s = static_progs__open_and_load();

		if (!s)
			return printf("static_progs=failed\n"), 1;
		printf("static_sock=%ld\n", run_prog(s->progs.static_sock.prog_fd));
		printf("static_xdp=%ld\n", run_prog(s->progs.static_xdp.prog_fd));
		printf("global_sock=%ld\n", run_prog(s->progs.global_sock.prog_fd));
		printf("static_runs=%llu\n", (unsigned long long)s->bss->static_runs);
		static_progs__destroy(s);
	}
	{
		struct asm_const *s = asm_const__open_and_load();

		if (!s)
			return printf("asm_const=failed\n"), 1;
		printf("asm_xdp=%ld\n", run_prog(s->progs.asm_xdp.prog_fd));
		printf("asm_seen=%llu\n", (unsigned long long)s->bss->asm_seen);
		printf("asm_syscall=%ld\n", run_ctx(s->progs.asm_syscall.prog_fd, NULL, 0));
		printf("asm_sum=%llu\n", (unsigned long long)s->bss->asm_sum);
		asm_const__destroy(s);
	}
	{
		struct sized_maps *s = sized_maps__open();

		if (!s)
			return printf("sized_maps=failed\n"), 1;
		printf("unsized_load=%d\n", sized_maps__load(s));
		s->maps.stackmap.max_entries = 256;
		s->map_sizes.stackmap.value_size = 127 * 8;
		s->map_sizes.counts.key_size = 8;
		s->map_sizes.counts.value_size = 8;
		printf("sized_load=%d\n", sized_maps__load(s));
		printf("count_stack=%#lx\n", run_ctx(s->progs.count_stack.prog_fd, rawtp_ctx, sizeof(rawtp_ctx)));
		print_map_sizes("stackmap", s->maps.stackmap.map_fd);
		print_map_sizes("counts", s->maps.counts.map_fd);
		sized_maps__destroy(s);
	}
	{
		struct kfunc_flavors *s = kfunc_flavors__open_and_load();

		if (!s)
			return printf("kfunc_flavors=failed\n"), 1;
		printf("flavors=%ld\n", run_prog(s->progs.flavors.prog_fd));
		printf("missing_exists=%u\nmissing_result=%#x\nksym_exists=%u\nmiss_null=%u\nmiss_err=%d\n",
		       s->bss->missing_exists, s->bss->missing_result, s->bss->ksym_exists,
		       s->bss->miss_null, s->bss->miss_err);
		kfunc_flavors__destroy(s);
	}
	{
		struct kfunc_flavor_exists *s = kfunc_flavor_exists__open_and_load();

		if (!s)
			return printf("kfunc_flavor_exists=failed\n"), 1;
		printf("exists=%ld\n", run_prog(s->progs.exists.prog_fd));
		printf("release_exists=%u\nlookup_addr_set=%u\n", s->bss->release_exists, s->bss->lookup_addr_set);
		kfunc_flavor_exists__destroy(s);
	}
	return 0;
}
`

func TestCSkeletonConformance(t *testing.T) {
	testutil.RequireKernel(t)
	var headers bytes.Buffer
	for _, o := range conformObjects {
		obj, l := object(t, o.name, o.opts, &loaderprog.Options{NoIntegrity: true})
		// One header only per translation unit of buildC: chain them.
		if err := skel.WriteC(&headers, l, obj, ""); err != nil {
			t.Fatalf("%s: WriteC: %v", o.name, err)
		}
	}
	bin := buildC(t, headers.Bytes(), conformCMain, true)
	checkKV(t, runBin(t, bin), map[string]string{
		"hidden_prog": "329", "hidden_calls": "1", "usdt_loaded": "1",
		"sec_socket": "51", "sec_xdp_slash": "66", "sec_xdp_suffix": "3", "sec_tc": "4", "sec_classifier": "5",
		"sec_syscall": "6", "last_prog": "6", "sec_sk_lookup_loaded": "1",
		"static_sock": "150", "static_xdp": "128", "global_sock": "1", "static_runs": "2",
		"asm_xdp": "42", "asm_seen": "41", "asm_syscall": "0", "asm_sum": "40",
		"unsized_load": "-22", "sized_load": "0", "count_stack": "0x5e", "stackmap": "4/1016/256", "counts": "8/8/16",
		"flavors": "2", "missing_exists": "0", "missing_result": "0xfffe", "ksym_exists": "0",
		"miss_null": "1", "miss_err": "-2", "exists": "2", "release_exists": "1", "lookup_addr_set": "1",
	})
}
