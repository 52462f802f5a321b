// This file tests the C light skeletons: generated headers compiled with
// gcc against libbpf-dev's skel_internal.h and run, and compared with the
// light skeleton bpftool (Debian's, libbpf 1.1) generates for the same
// object: both must load, give the same results, and load programs with
// the same translated instructions (modulo map ids).

package skeltest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testutil"
)

const skelInternal = "/usr/include/bpf/skel_internal.h"

// cPrelude is the start of every test program: packet, test run and
// xlated dump helpers. The including file includes "skel.h" after it.
const cPrelude = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

/* bpftool's skeleton names the enum type of a .rodata variable. */
enum op_mode { MODE_ADD = 1, MODE_SUB = 2, MODE_XOR = 3 };

static unsigned char pkt[] = {
	0x02,0x00,0x00,0x00,0x00,0x02,0x02,0x00,0x00,0x00,0x00,0x01,0x08,0x00,0x45,0x10,
	0x00,0x32,0x12,0x34,0x00,0x00,0x40,0x11,0x00,0x00,0x0a,0x00,0x00,0x01,0x0a,0x00,
	0x00,0x02,0x22,0x23,0x24,0x25,0x26,0x27,0x28,0x29,0x2a,0x2b,0x2c,0x2d,0x2e,0x2f,
	0x30,0x31,0x32,0x33,0x34,0x35,0x36,0x37,0x38,0x39,0x3a,0x3b,0x3c,0x3d,0x3e,0x3f,
};

static __attribute__((unused)) long run_prog(int fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = fd;
	attr.test.data_in = (unsigned long)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.repeat = 1;
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &attr, sizeof(attr)) < 0)
		return -errno;
	return attr.test.retval;
}

static __attribute__((unused)) void print_xlated(const char *name, int fd)
{
	struct bpf_prog_info info;
	union bpf_attr attr;
	unsigned char *buf;
	__u32 i, len;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)&info;
	if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) < 0) {
		printf("xlated_%s_errno=%d\n", name, errno);
		return;
	}
	len = info.xlated_prog_len;
	buf = calloc(1, len + 1);
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = len;
	info.xlated_prog_insns = (unsigned long)buf;
	attr.info.info_len = sizeof(info);
	if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) < 0) {
		printf("xlated_%s_errno=%d\n", name, errno);
		free(buf);
		return;
	}
	printf("xlated_%s=", name);
	for (i = 0; i < len; i++)
		printf("%02x", buf[i]);
	printf("\n");
	free(buf);
}

#include "skel.h"
`

const cXDPGlobalsMain = cPrelude + `
int main(int argc, char **argv)
{
	struct xdp_globals *skel = xdp_globals__open();
	int err;

	if (!skel) {
		printf("open=failed\n");
		return 1;
	}
	if (argc > 1)
		skel->rodata->rodata_mode = atoi(argv[1]); /* before load */
	err = xdp_globals__load(skel);
	printf("load=%d\n", err);
	if (err) {
		printf("errno=%d\n", errno);
		xdp_globals__destroy(skel);
		return 1;
	}
	printf("compute=%ld\n", run_prog(skel->progs.xdp_compute.prog_fd));
	printf("bss_runs=%u\nbss_result=%u\n", skel->bss->bss_runs, skel->bss->bss_result);
	printf("rodata_mode=%u\n", (unsigned)skel->rodata->rodata_mode);
	skel->data->data_base = 200; /* through the mmaped .data */
	printf("compute_base200=%ld\n", run_prog(skel->progs.xdp_compute.prog_fd));
	printf("bump=%ld\n", run_prog(skel->progs.xdp_bump.prog_fd));
	printf("attach=%d\n", xdp_globals__attach(skel));
	print_xlated("xdp_compute", skel->progs.xdp_compute.prog_fd);
	print_xlated("xdp_bump", skel->progs.xdp_bump.prog_fd);
	xdp_globals__destroy(skel);
	return 0;
}
`

const cTracingMain = cPrelude + `
int main(void)
{
	struct tracing *skel = tracing__open_and_load();
	char buf[4096];
	long n, total = 0;
	int i, iter;

	if (!skel) {
		printf("open_and_load=failed errno=%d\n", errno);
		return 1;
	}
	printf("attach=%d\n", tracing__attach(skel));
	for (i = 0; i < 20; i++) {
		getppid();
		usleep(1000);
	}
	printf("rawtp_attached=%d\n", skel->bss->rawtp_calls > 0);
	printf("sched_switch_attached=%d\n", skel->bss->switch_calls > 0);
	iter = syscall(__NR_bpf, BPF_ITER_CREATE, &(union bpf_attr){ .iter_create.link_fd = skel->links.dump_task_fd }, sizeof(union bpf_attr));
	while (iter >= 0 && (n = read(iter, buf, sizeof(buf))) > 0)
		total += n;
	printf("iter_read=%d\n", iter >= 0 && total > 0 && skel->bss->iter_tasks > 0);
	if (iter >= 0)
		close(iter);
	tracing__detach(skel);
	tracing__destroy(skel);
	return 0;
}
`

// buildC compiles main.c with header as skel.h (and gcc's extra
// arguments, e.g. include directories) and returns the binary.
func buildC(t *testing.T, header []byte, mainSrc string, werror bool, extra ...string) string {
	t.Helper()
	gcc := testutil.Tool(t, "gcc", skelInternal)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "skel.h"), header, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.c"), []byte(mainSrc), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "main")
	args := append(extra, "-O1", "-g0", "-Wall", "-o", bin, filepath.Join(dir, "main.c"))
	if werror {
		args = append(args, "-Werror")
	}
	out, err := exec.Command(gcc, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", filepath.Base(bin), args, err, out)
	}
	return string(out)
}

// cSkeleton generates the bpfc C light skeleton of a test object.
func cSkeleton(t *testing.T, name string) []byte {
	t.Helper()
	obj, l := object(t, name, nil, &loaderprog.Options{NoIntegrity: true})
	var b bytes.Buffer
	if err := skel.WriteC(&b, l, obj, ""); err != nil {
		t.Fatalf("WriteC: %v", err)
	}
	return b.Bytes()
}

func TestCSkeletonRefusesIntegrity(t *testing.T) {
	obj, l := object(t, "xdp_globals.o", nil, nil)
	if err := skel.WriteC(&bytes.Buffer{}, l, obj, ""); err == nil {
		t.Error("WriteC accepted a loader that checks its blob hash")
	}
}

func TestCSkeletonXDPGlobals(t *testing.T) {
	testutil.RequireKernel(t)
	bin := buildC(t, cSkeleton(t, "xdp_globals.o"), cXDPGlobalsMain, true)
	checkKV(t, runBin(t, bin), map[string]string{
		"load": "0", "compute": "127", "bss_runs": "1", "bss_result": "127", "rodata_mode": "1",
		// 200+7 + 3*5 + 4 + 2 runs
		"compute_base200": "228", "bump": "201", "attach": "0",
	})
	checkKV(t, runBin(t, bin, "3"), map[string]string{"load": "0", "compute": "105", "rodata_mode": "3"})
}

func TestCSkeletonTracing(t *testing.T) {
	testutil.RequireKernel(t)
	bin := buildC(t, cSkeleton(t, "tracing.o"), cTracingMain, true)
	checkKV(t, runBin(t, bin), map[string]string{
		"attach": "0", "rawtp_attached": "1", "sched_switch_attached": "1", "iter_read": "1",
	})
}

// TestCSkeletonBpftool compiles bpftool's light skeleton of the same
// object with the same program: both must load and agree on results and
// translated instructions.
func TestCSkeletonBpftool(t *testing.T) {
	testutil.RequireKernel(t)
	bpftool := testutil.Tool(t, "bpftool")
	objPath := filepath.Join(repoRoot(t), "testdata", "xdp_globals.o")
	theirs, err := exec.Command(bpftool, "gen", "skeleton", "-L", objPath, "name", "xdp_globals").Output()
	if err != nil {
		t.Fatalf("bpftool gen skeleton -L: %v", err)
	}
	ours := buildC(t, cSkeleton(t, "xdp_globals.o"), cXDPGlobalsMain, true)
	ref := buildC(t, theirs, cXDPGlobalsMain, false)
	for _, args := range [][]string{nil, {"3"}} {
		a, b := parseKV(runBin(t, ours, args...)), parseKV(runBin(t, ref, args...))
		if b["load"] != "0" {
			t.Fatalf("bpftool's light skeleton does not load here: %v", b)
		}
		for _, k := range []string{"load", "compute", "bss_runs", "bss_result", "rodata_mode", "compute_base200", "bump", "attach"} {
			if a[k] != b[k] {
				t.Errorf("args %q: %s: bpfc %q, bpftool %q", args, k, a[k], b[k])
			}
		}
		for _, p := range []string{"xdp_compute", "xdp_bump"} {
			x, y := normXlated(t, a["xlated_"+p]), normXlated(t, b["xlated_"+p])
			if len(x) == 0 || !bytes.Equal(x, y) {
				t.Errorf("args %q: %s: translated instructions differ:\nbpfc    %x\nbpftool %x", args, p, x, y)
			}
		}
	}
}

// normXlated decodes translated instructions and zeroes the map ids of
// map loads (ld_imm64 with BPF_PSEUDO_MAP_FD or _MAP_VALUE), which differ
// between two loads.
func normXlated(t *testing.T, h string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimSpace(h))
	if err != nil {
		t.Fatalf("xlated %q: %v", h, err)
	}
	for i := 0; i+16 <= len(b); i += 8 {
		if b[i] != 0x18 {
			continue
		}
		src := b[i+1] >> 4
		if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
			src = b[i+1] & 0x0f
		}
		if src == 1 || src == 2 {
			copy(b[i+4:i+8], []byte{0, 0, 0, 0})
		}
		i += 8
	}
	return b
}

// bpftoolFails are the objects of TestCSkeletonBpftoolObjects whose light
// skeleton Debian's bpftool (libbpf 1.1's gen_loader) cannot generate or
// load, with the reason. Their bpfc skeleton is still loaded; bpftool must
// still fail (else the entry goes).
var bpftoolFails = map[string]string{
	// libbpf's loader generation refuses prog array initial slots
	// (ENOTSUP), which bpfc supports.
	"tailcall.o": "libbpf 1.1 gen_loader: no prog array initial slots",
}

// TestCSkeletonBpftoolObjects loads more test objects through both C
// light skeletons and compares every program's translated instructions.
// Objects bpftool's loader cannot handle (bpftoolFails) are only loaded
// through bpfc's.
func TestCSkeletonBpftoolObjects(t *testing.T) {
	testutil.RequireKernel(t)
	bpftool := testutil.Tool(t, "bpftool")
	for _, name := range []string{"tracing.o", "sockfilter.o", "subprogs.o", "core_fields.o", "core_task.o", "multi_prog.o", "tailcall.o", "mapinmap.o"} {
		t.Run(name, func(t *testing.T) {
			obj, l := object(t, name, nil, &loaderprog.Options{NoIntegrity: true})
			var ours bytes.Buffer
			if err := skel.WriteC(&ours, l, obj, "skel"); err != nil {
				t.Fatal(err)
			}
			var mainSrc strings.Builder
			mainSrc.WriteString(cPrelude)
			mainSrc.WriteString("int main(void)\n{\n\tstruct skel *s = skel__open_and_load();\n\n")
			mainSrc.WriteString("\tif (!s) {\n\t\tprintf(\"load=%d\\n\", -errno);\n\t\treturn 0;\n\t}\n\tprintf(\"load=0\\n\");\n")
			var progs, all []string
			for _, p := range l.Progs {
				all = append(all, p.Name)
				if p.Autoload {
					progs = append(progs, p.Name)
				}
				mainSrc.WriteString("\tif (s->progs." + p.Name + ".prog_fd > 0)\n\t\tprint_xlated(\"" + p.Name + "\", s->progs." + p.Name + ".prog_fd);\n")
			}
			mainSrc.WriteString("\tskel__destroy(s);\n\treturn 0;\n}\n")
			a := parseKV(runBin(t, buildC(t, ours.Bytes(), mainSrc.String(), true)))
			if a["load"] != "0" {
				t.Fatalf("bpfc's C light skeleton of %s does not load: %v", name, a)
			}

			known, fails := bpftoolFails[name]
			var stderr bytes.Buffer
			cmd := exec.Command(bpftool, "gen", "skeleton", "-L", filepath.Join(repoRoot(t), "testdata", name), "name", "skel")
			cmd.Stderr = &stderr
			theirs, err := cmd.Output()
			if err != nil {
				if !fails {
					t.Fatalf("bpftool gen skeleton -L %s: %v: %s", name, err, firstLines(stderr.Bytes()))
				}
				t.Logf("bpftool gen skeleton -L refuses %s (%s): %v: %s", name, known, err, firstLines(stderr.Bytes()))
				return
			}
			b := parseKV(runBin(t, buildC(t, theirs, mainSrc.String(), false)))
			if b["load"] != "0" {
				if !fails {
					t.Fatalf("bpftool's light skeleton of %s does not load: load=%s", name, b["load"])
				}
				t.Logf("bpftool's light skeleton of %s does not load (%s): load=%s", name, known, b["load"])
				return
			}
			if fails {
				t.Errorf("bpftool's light skeleton of %s loads: drop it from bpftoolFails (%s)", name, known)
			}
			// libbpf 1.1's gen_loader numbers program descriptors by load
			// order while bpftool's skeleton struct lists every program:
			// after a program that is not autoloaded ("?xdp") each fd
			// lands in the previous program's slot. Compare bpftool's
			// filled slots, in order, with bpfc's loaded programs.
			var theirSlots []string
			for _, p := range all {
				if h, ok := b["xlated_"+p]; ok {
					theirSlots = append(theirSlots, h)
				}
			}
			if len(progs) != len(all) {
				t.Logf("%s has programs that are not autoloaded: bpftool's skeleton puts fds into the wrong slots (libbpf 1.1 bug); comparing by load order", name)
			}
			if len(theirSlots) != len(progs) {
				t.Fatalf("bpftool loaded %d programs, bpfc %d", len(theirSlots), len(progs))
			}
			for i, p := range progs {
				x, y := normXlated(t, a["xlated_"+p]), normXlated(t, theirSlots[i])
				if len(x) == 0 || !bytes.Equal(x, y) {
					t.Errorf("%s: translated instructions differ (%d and %d bytes)", p, len(x), len(y))
				}
			}
		})
	}
}

func firstLines(b []byte) string {
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 4)
	return strings.Join(lines[:min(3, len(lines))], " | ")
}

// TestCSkeletonsBuild generates the C skeleton of every test object the
// loader backend takes and compiles each one on its own with gcc -Wall
// -Werror: a header must compile with nothing included before it, and
// names (members, padding, functions) must not collide. All headers go
// into one translation unit, which also checks they can be used together.
func TestCSkeletonsBuild(t *testing.T) {
	gcc := testutil.Tool(t, "gcc", skelInternal)
	root := repoRoot(t)
	objs, err := filepath.Glob(filepath.Join(root, "testdata", "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var mainSrc strings.Builder
	var calls []string
	for _, path := range objs {
		name := filepath.Base(path)
		opts := &bpfc.Options{Defer: true}
		if name == "maps_kinds.o" {
			opts.MaxEntries = map[string]uint32{"user_sized_map": 16}
		}
		obj, err := bpfc.Compile(path, opts)
		if err != nil {
			t.Logf("%s: not compiled: %v", name, err)
			continue
		}
		l, err := loaderprog.Generate(obj, &loaderprog.Options{NoIntegrity: true})
		if err != nil {
			t.Logf("%s: no loader: %v", name, err)
			continue
		}
		var h bytes.Buffer
		if err := skel.WriteC(&h, l, obj, ""); err != nil {
			t.Fatalf("%s: WriteC: %v", name, err)
		}
		cname := skel.CName(name)
		if err := os.WriteFile(filepath.Join(dir, cname+".lskel.h"), h.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		// Each header alone, first in its translation unit.
		alone := filepath.Join(dir, cname+".c")
		src := "#include \"" + cname + ".lskel.h\"\n\nint " + cname + "_main(void)\n{\n\tstruct " + cname + " *s = " + cname +
			"__open();\n\n\t" + cname + "__destroy(s);\n\treturn 0;\n}\n"
		if err := os.WriteFile(alone, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(gcc, "-Wall", "-Werror", "-c", "-o", filepath.Join(dir, cname+".o"), alone).CombinedOutput(); err != nil {
			t.Errorf("%s: gcc: %v\n%s", name, err, out)
		}
		mainSrc.WriteString("#include \"" + cname + ".lskel.h\"\n")
		calls = append(calls, "\t"+cname+"__destroy("+cname+"__open());\n")
	}
	if len(calls) < 8 {
		t.Fatalf("only %d objects gave a C skeleton", len(calls))
	}
	mainSrc.WriteString("\nint main(void)\n{\n" + strings.Join(calls, "") + "\treturn 0;\n}\n")
	mainPath := filepath.Join(dir, "all.c")
	if err := os.WriteFile(mainPath, []byte(mainSrc.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-Wall", "-Werror", "-o", filepath.Join(dir, "all"), mainPath).CombinedOutput(); err != nil {
		t.Errorf("all headers together: gcc: %v\n%s", err, out)
	}
}

const cSkelEdgeMain = cPrelude + `#include "skel.h"

int main(void)
{
	struct skel_edge *s = skel_edge__open();
	__u32 v;

	if (!s)
		return 1;
	s->data->my_var = 101;
	s->data->myVar = 102;
	s->data->type = 103;
	s->data->func = 104;
	s->data->len = 105;
	s->data->map = 106;
	s->data->_under = 107;
	s->data->__under = 108;
	s->data->__pad0 = 109;
	s->data->odd_byte = 110;
	s->data->odd_packed[0] = 111;
	v = 112;
	memcpy(&s->data->odd_packed[1], &v, 4);
	s->data->aligned64 = 113;
	v = 114;
	memcpy(s->data->either, &v, 4);
	s->data->outer.n = 115;
	s->data->outer.items[0].tag = 116;
	s->data->outer.items[0].v = 117;
	s->data->outer.items[1].tag = 118;
	s->data->outer.items[1].v = 119;
	s->data->outer.name[0] = 'x';
	s->data->outer.ok = 0;
	s->data->e8 = 1;
	s->data->e16 = 1;
	s->data->e64 = 1;
	s->data->ebig = 1;
	s->data->eneg = 2;
	s->data->flag = 0;
	memcpy(s->data->text, "HEY", 3);
	s->data->flexible.n = 120;
	s->data->nothing.a = 125;
	s->data->after_nothing = 121;
	s->data_a_b->dotted = 122;
	s->data_a_b_2->underscored = 123;
	s->rodata->ro_val = 124;
	printf("load=%d\n", skel_edge__load(s));
	printf("set=%ld\n", run_prog(s->progs.Load.prog_fd));
	printf("close=%ld\nattach=%ld\n", run_prog(s->progs.Close.prog_fd), run_prog(s->progs.Attach.prog_fd));
	printf("mmaped_underscored=%u\n", s->data_a_b_2->underscored);
	/* not_loaded (?raw_tp) is not loaded: attaching all must skip it. */
	printf("not_loaded_fd=%d\n", s->progs.not_loaded.prog_fd);
	printf("attach_all=%d\n", skel_edge__attach(s));
	skel_edge__destroy(s);
	return 0;
}
`

// TestCSkeletonEdge runs the C skeleton of skel_edge.o: values written
// through the mirrored structs before load must reach the program.
func TestCSkeletonEdge(t *testing.T) {
	testutil.RequireKernel(t)
	bin := buildC(t, cSkeleton(t, "skel_edge.o"), cSkelEdgeMain, true)
	checkKV(t, runBin(t, bin), map[string]string{
		"load": "0", "set": "2", "close": "2", "attach": "2", "mmaped_underscored": "123",
		"not_loaded_fd": "0", "attach_all": "0",
	})
}
