// This file compares the direct backend with libbpf on the objects whose
// kfuncs and ksyms have "___flavor" names (kfunc_flavors.o,
// kfunc_flavor_protos.o, kfunc_flavor_exists.o): a C program linked statically with Debian
// sid's libbpf (1.3+ resolves kfunc flavors; bookworm's 1.1 does not),
// which scripts/libbpf-sid.sh extracts, loads each object, runs its
// program on the test packet and prints the return value, the .bss map's
// value and the translated instructions. bpfc, resolving the externs in
// the externs pass and leaving them to the backend at load time, must
// agree on all three.

package direct

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

// libbpfRunMain loads argv[1] with libbpf and runs its program argv[2]
// once on the test packet (PACKET, filled in by the test), printing
// key=value lines: retval, bss (hex), map_bss (its id) and xlated (hex);
// error=... on a failure.
const libbpfRunMain = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static unsigned char pkt[] = { PACKET };

static void hexdump(const char *key, const unsigned char *b, __u32 n)
{
	__u32 i;

	printf("%s=", key);
	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *bss;
	struct bpf_prog_info pinfo;
	struct bpf_map_info minfo;
	unsigned char *xlated, *val;
	__u32 len, zero = 0;
	int err;

	if (argc != 3)
		return 2;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return printf("error=open: %d\n", -errno), 1;
	err = bpf_object__load(obj);
	if (err)
		return printf("error=load: %d\n", err), 1;
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	bss = bpf_object__find_map_by_name(obj, ".bss");
	if (!prog || !bss)
		return printf("error=no program %s or .bss\n", argv[2]), 1;
	{
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = 1);

		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &run))
			return printf("error=run: %d\n", -errno), 1;
		printf("retval=%u\n", run.retval);
	}
	val = calloc(1, bpf_map__value_size(bss));
	if (bpf_map_lookup_elem(bpf_map__fd(bss), &zero, val))
		return printf("error=lookup .bss: %d\n", -errno), 1;
	hexdump("bss", val, bpf_map__value_size(bss));
	memset(&minfo, 0, sizeof(minfo));
	len = sizeof(minfo);
	if (bpf_map_get_info_by_fd(bpf_map__fd(bss), &minfo, &len))
		return printf("error=map info: %d\n", -errno), 1;
	printf("map_bss=%u\n", minfo.id);
	memset(&pinfo, 0, sizeof(pinfo));
	len = sizeof(pinfo);
	if (bpf_prog_get_info_by_fd(bpf_program__fd(prog), &pinfo, &len))
		return printf("error=prog info: %d\n", -errno), 1;
	xlated = calloc(1, pinfo.xlated_prog_len);
	len = pinfo.xlated_prog_len;
	memset(&pinfo, 0, sizeof(pinfo));
	pinfo.xlated_prog_len = len;
	pinfo.xlated_prog_insns = (unsigned long)xlated;
	len = sizeof(pinfo);
	if (bpf_prog_get_info_by_fd(bpf_program__fd(prog), &pinfo, &len))
		return printf("error=xlated: %d\n", -errno), 1;
	hexdump("xlated", xlated, pinfo.xlated_prog_len);
	bpf_object__close(obj);
	return 0;
}
`

// buildLibbpfSid compiles src statically against Debian sid's libbpf.a
// (scripts/libbpf-sid.sh) and returns the binary.
func buildLibbpfSid(t *testing.T, src string) string {
	t.Helper()
	testutil.HostOnly(t, "gcc and Debian sid's libbpf.a")
	cache := os.Getenv("BPFC_LIBBPF_SID")
	if cache == "" {
		cache = "/var/cache/bpfc-libbpf"
	}
	prefix := filepath.Join(cache, "root", "usr")
	lib := filepath.Join(prefix, "lib", "x86_64-linux-gnu", "libbpf.a")
	gcc := testutil.Tool(t, "gcc", lib, filepath.Join(prefix, "include", "bpf", "libbpf.h"))
	dir := t.TempDir()
	main := filepath.Join(dir, "main.c")
	if err := os.WriteFile(main, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "main")
	link := func(extra ...string) ([]byte, error) {
		args := []string{"-O1", "-Wall", "-Werror", "-static", "-I", filepath.Join(prefix, "include"), "-o", bin, main}
		args = append(args, extra...)
		args = append(args, lib, "-lelf", "-lz", "-lzstd")
		return exec.Command(gcc, args...).CombinedOutput()
	}
	if _, err := link(); err != nil {
		// sid's libbpf.a calls glibc 2.38's C23 scanf entry points.
		isoc23 := filepath.Join("..", "..", "internal", "cmd", "corpus", "libbpfload", "isoc23.c")
		if out, err := link(isoc23); err != nil {
			t.Fatalf("gcc -static against %s (needs libelf-dev, zlib1g-dev, libzstd-dev): %v\n%s", lib, err, out)
		}
	}
	return bin
}

func TestFlavorsAgainstLibbpf(t *testing.T) {
	testutil.RequireKernel(t)
	var pkt []string
	for _, b := range packet {
		pkt = append(pkt, fmt.Sprintf("%#x", b))
	}
	bin := buildLibbpfSid(t, strings.Replace(libbpfRunMain, "PACKET", strings.Join(pkt, ", "), 1))
	for _, tc := range []struct{ object, prog string }{
		{"kfunc_flavors.o", "flavors"},
		{"kfunc_flavor_protos.o", "protos"},
		{"kfunc_flavor_exists.o", "exists"},
	} {
		t.Run(tc.object, func(t *testing.T) {
			raw, err := exec.Command(bin, filepath.Join(testdataDir, tc.object), tc.prog).Output()
			out := parseKV(string(raw))
			if unmet := testutil.Unmet(tc.object); len(unmet) > 0 {
				if out["error"] == "" {
					t.Fatalf("libbpf loaded %s, which this kernel cannot load", tc.object)
				}
				return
			}
			if err != nil || out["error"] != "" {
				t.Fatalf("libbpf: %v: %s", err, raw)
			}
			for _, mode := range []struct {
				name string
				ctx  passes.Context
			}{
				{"resolved", passes.Context{CORE: passes.COREUser}},
				{"deferred", passes.Context{CORE: passes.COREAuto, Defer: true}},
			} {
				t.Run(mode.name, func(t *testing.T) {
					compareWithLibbpf(t, tc.object, tc.prog, mode.ctx, out)
				})
			}
		})
	}
}

// compareWithLibbpf loads object with bpfc (passes run with ctx), runs
// prog once on the test packet and compares with libbpf's output.
func compareWithLibbpf(t *testing.T, object, prog string, ctx passes.Context, out map[string]string) {
	t.Cleanup(testutil.CheckNoFDLeak(t))
	ctx.Target, ctx.CheckIR = target.Running(), true
	obj, err := compileCtx(t, object, nil, &ctx)
	if err != nil {
		t.Fatal(err)
	}
	coll, err := Load(obj, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer coll.Close()
	p := coll.Programs[prog]
	res, err := p.TestRun(TestRunOptions{DataIn: packet})
	if err != nil {
		t.Fatal(err)
	}
	if got := strconv.FormatUint(uint64(res.Retval), 10); got != out["retval"] {
		t.Errorf("%s returned %s, with libbpf %s", prog, got, out["retval"])
	}
	bss, err := coll.Maps[".bss"].Lookup(make([]byte, 4))
	if err != nil {
		t.Fatal(err)
	}
	if want, err := hex.DecodeString(out["bss"]); err != nil || !bytes.Equal(bss, want) {
		t.Errorf(".bss after the run: bpfc %x, libbpf %s (%v)", bss, out["bss"], err)
	}
	libbpfID, err := strconv.ParseUint(out["map_bss"], 10, 32)
	if err != nil {
		t.Fatalf("libbpf's .bss id %q: %v", out["map_bss"], err)
	}
	minfo, err := coll.Maps[".bss"].Info()
	if err != nil {
		t.Fatal(err)
	}
	pinfo, err := p.Info()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(out["xlated"])
	if err != nil {
		t.Fatal(err)
	}
	got := xlatedNamed(t, pinfo.XlatedInsns, map[uint32]string{minfo.ID: ".bss"})
	want := xlatedNamed(t, raw, map[uint32]string{uint32(libbpfID): ".bss"})
	if !slices.Equal(got, want) {
		t.Errorf("translated instructions differ:\nbpfc   %q\nlibbpf %q", got, want)
	}
}

// parseKV reads a harness's key=value lines.
func parseKV(out string) map[string]string {
	kv := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			kv[k] = v
		}
	}
	return kv
}
