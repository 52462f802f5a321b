// This file tests struct_ops through the C light skeleton: a skeleton of
// structops_cc.o generated for kernel S (testdata/btf/kernel_st.btf,
// Linux 7.2's layouts) registers the congestion control under the name set
// through its shadow type, on whatever kernel runs the test (the skeleton
// reads the kernel's BTF and lays the map out for it), a loopback
// connection runs it, and __detach unregisters it.

package skeltest

import (
	"bufio"
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testutil"
)

// cStructOpsMain registers bpfc_reno under argv[1], says so, waits for
// stdin to close, reads cc_calls and unregisters.
const cStructOpsMain = `#include <stdio.h>
#include <string.h>
#include "skel.h"

static __u64 calls(struct structops_cc *s, __u32 key)
{
	__u64 v = 0;
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = s->maps.cc_calls.map_fd;
	attr.key = (long)&key;
	attr.value = (long)&v;
	skel_sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr));
	return v;
}

int main(int argc, char **argv)
{
	struct structops_cc *s = structops_cc__open();
	int err;

	if (!s || argc < 2)
		return 1;
	/* A data member, through the map's shadow type. */
	memset(s->struct_ops.bpfc_reno->name, 0, sizeof(s->struct_ops.bpfc_reno->name));
	strncpy(s->struct_ops.bpfc_reno->name, argv[1], sizeof(s->struct_ops.bpfc_reno->name) - 1);
	err = structops_cc__load(s);
	printf("load=%d\n", err);
	if (!err) {
		err = structops_cc__attach(s);
		printf("attach=%d\n", err);
	}
	fflush(stdout);
	if (!err) {
		while (getchar() != EOF)
			;
		printf("init=%llu\ncong_avoid=%llu\n", (unsigned long long)calls(s, 0), (unsigned long long)calls(s, 2));
	}
	structops_cc__detach(s);
	structops_cc__destroy(s);
	return err ? 1 : 0;
}
`

func TestCSkeletonStructOps(t *testing.T) {
	testutil.RequireKernel(t)
	obj, err := bpfc.Compile(filepath.Join(repoRoot(t), "testdata", "structops_cc.o"),
		&bpfc.Options{Defer: true, BTF: filepath.Join(repoRoot(t), "testdata", "btf", "kernel_st.btf")})
	if err != nil {
		t.Fatal(err)
	}
	l, err := loaderprog.Generate(obj, &loaderprog.Options{NoIntegrity: true})
	if err != nil {
		t.Fatal(err)
	}
	var h bytes.Buffer
	if err := skel.WriteC(&h, l, obj, ""); err != nil {
		t.Fatal(err)
	}
	bin := buildC(t, h.Bytes(), cStructOpsMain, true)

	cmd := exec.Command(bin, "bpfc_c_skel")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	out := bufio.NewReader(stdout)
	var lines []string
	for len(lines) < 2 {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", lines, err)
		}
		lines = append(lines, strings.TrimSpace(line))
	}
	if lines[0] != "load=0" || lines[1] != "attach=0" {
		t.Fatalf("skeleton: %q", lines)
	}
	if !testutil.HasCongestionControl(t, "bpfc_c_skel") {
		t.Fatalf("bpfc_c_skel not registered: %v", testutil.CongestionControls(t))
	}
	got, err := testutil.TCPTransfer("bpfc_c_skel", 4<<20)
	if err != nil || got != "bpfc_c_skel" {
		t.Fatalf("transfer: %q, %v", got, err)
	}
	stdin.Close()
	rest, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("skeleton: %v\n%s", err, rest)
	}
	kv := parseKV(string(rest))
	if kv["init"] != "1" || kv["cong_avoid"] == "0" || kv["cong_avoid"] == "" {
		t.Errorf("callbacks: %q", rest)
	}
	if testutil.HasCongestionControl(t, "bpfc_c_skel") {
		t.Error("bpfc_c_skel registered after __detach")
	}
}
