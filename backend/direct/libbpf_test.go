// This file compares the direct backend with libbpf on an object whose maps
// user space sizes (sized_maps.o, as bcc's tools do): a small C program,
// built with gcc against Debian's libbpf-dev, opens the object, sizes the
// maps with bpf_map__set_max_entries, bpf_map__set_key_size and
// bpf_map__set_value_size, loads it and runs its program; bpfc loads it
// with the same sizes. Both must create the same maps, load the same
// translated instructions (map ids as names) and return the same value.

package direct

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
)

// libbpfSizedMain loads argv[1] with libbpf, sizes its maps, runs
// count_stack once and prints key=value lines: per map its sizes, BTF
// type ids and id; the program's return value and translated
// instructions (hex).
const libbpfSizedMain = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int fail(const char *what, int err)
{
	printf("error=%s: %d\n", what, err);
	return 1;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	unsigned char ctx[16] = {}, *xlated;
	struct bpf_prog_info pinfo;
	__u32 len, i;
	int err;

	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return fail("open", -errno);
	map = bpf_object__find_map_by_name(obj, "stackmap");
	if (!map || bpf_map__set_max_entries(map, 256) || bpf_map__set_value_size(map, 127 * 8))
		return fail("size stackmap", -errno);
	map = bpf_object__find_map_by_name(obj, "counts");
	if (!map || bpf_map__set_key_size(map, 8) || bpf_map__set_value_size(map, 8))
		return fail("size counts", -errno);
	err = bpf_object__load(obj);
	if (err)
		return fail("load", err);
	bpf_object__for_each_map(map, obj) {
		struct bpf_map_info info;

		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
			return fail("map info", -errno);
		printf("map_%s=%u %u %u %u %u %u\n", bpf_map__name(map), info.key_size, info.value_size,
		       info.max_entries, info.btf_key_type_id, info.btf_value_type_id, info.id);
	}
	prog = bpf_object__find_program_by_name(obj, "count_stack");
	{
		LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));

		if (!prog || bpf_prog_test_run_opts(bpf_program__fd(prog), &run))
			return fail("run", -errno);
		printf("retval=%u\n", run.retval);
	}
	memset(&pinfo, 0, sizeof(pinfo));
	len = sizeof(pinfo);
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pinfo, &len))
		return fail("prog info", -errno);
	xlated = calloc(1, pinfo.xlated_prog_len);
	len = pinfo.xlated_prog_len;
	memset(&pinfo, 0, sizeof(pinfo));
	pinfo.xlated_prog_len = len;
	pinfo.xlated_prog_insns = (unsigned long)xlated;
	len = sizeof(pinfo);
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pinfo, &len))
		return fail("xlated", -errno);
	printf("xlated=");
	for (i = 0; i < pinfo.xlated_prog_len; i++)
		printf("%02x", xlated[i]);
	printf("\n");
	free(xlated);
	bpf_object__close(obj);
	return 0;
}
`

func TestSizedMapsAgainstLibbpf(t *testing.T) {
	testutil.RequireKernel(t)
	out := runLibbpfHarness(t, libbpfSizedMain, filepath.Join(testdataDir, "sized_maps.o"))
	if e, ok := out["error"]; ok {
		t.Fatalf("libbpf: %s", e)
	}

	_, coll := loadObject(t, "sized_maps.o", nil, objectEdits["sized_maps.o"])
	libbpfIDs, bpfcIDs := map[uint32]string{}, map[uint32]string{}
	for _, name := range []string{"stackmap", "counts"} {
		f := strings.Fields(out["map_"+name])
		if len(f) != 6 {
			t.Fatalf("libbpf map %s: %q", name, out["map_"+name])
		}
		var want [6]uint64
		for i, s := range f {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				t.Fatalf("libbpf map %s: %q: %v", name, out["map_"+name], err)
			}
			want[i] = v
		}
		libbpfIDs[uint32(want[5])] = name
		m := coll.Maps[name]
		info, err := m.Info()
		if err != nil {
			t.Fatal(err)
		}
		bpfcIDs[info.ID] = name
		got := [5]uint64{uint64(info.KeySize), uint64(info.ValueSize), uint64(info.MaxEntries), uint64(info.BTFKeyTypeID), uint64(info.BTFValueTypeID)}
		if got != [5]uint64(want[:5]) {
			t.Errorf("map %s: key, value, max_entries, BTF key, value: bpfc %v, libbpf %v", name, got, want[:5])
		}
	}
	res, err := coll.Programs["count_stack"].TestRun(TestRunOptions{CtxIn: make([]byte, 16)})
	if err != nil {
		t.Fatal(err)
	}
	if got := strconv.FormatUint(uint64(res.Retval), 10); got != out["retval"] {
		t.Errorf("count_stack returned %s, with libbpf %s", got, out["retval"])
	}
	raw, err := hex.DecodeString(out["xlated"])
	if err != nil {
		t.Fatal(err)
	}
	info, err := coll.Programs["count_stack"].Info()
	if err != nil {
		t.Fatal(err)
	}
	if g, w := xlatedNamed(t, info.XlatedInsns, bpfcIDs), xlatedNamed(t, raw, libbpfIDs); !slices.Equal(g, w) {
		t.Errorf("translated instructions differ:\nbpfc   %q\nlibbpf %q", g, w)
	}
}

// runLibbpfHarness builds a C program against libbpf-dev and runs it with
// args, returning its key=value output lines.
func runLibbpfHarness(t *testing.T, src string, args ...string) map[string]string {
	t.Helper()
	gcc := testutil.Tool(t, "gcc", "/usr/include/bpf/libbpf.h")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "main")
	if msg, err := exec.Command(gcc, "-O1", "-Wall", "-Werror", "-o", bin, filepath.Join(dir, "main.c"), "-lbpf").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, msg)
	}
	cmd := exec.Command(bin, args...)
	raw, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			kv[k] = v
		}
	}
	return kv
}
