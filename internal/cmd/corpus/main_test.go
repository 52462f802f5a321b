// This file tests the reading of a guest's result port and the report.

package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseAndReport(t *testing.T) {
	port := strings.Join([]string{
		"noise before the kernel",
		markKernel + "5.10.0-46-cloud-amd64\r",
		markBegin + "a.o libbpf",
		"libbpf 1.7: a.o: 1 programs, 1 maps loaded",
		markEnd + "a.o libbpf 0",
		markBegin + "a.o direct",
		"bpfc: a.o: program p (section tp_btf/x): BPF_PROG_LOAD: permission denied",
		"verifier log ...",
		markEnd + "a.o direct 1",
		markBegin + "a.o loader",
		"bpfc: a.o: kernel has no BPF_PROG_TYPE_SYSCALL programs (Linux 5.14+), which loader programs are",
		markEnd + "a.o loader 1",
		markBegin + "b.o libbpf",
		markEnd + "b.o libbpf 0",
		markBegin + "b.o direct",
		markEnd + "b.o direct 0",
		markBegin + "b.o loader",
		"bpfc: b.o: BPF_OBJ_GET_INFO_BY_FD: argument list too long",
		markEnd + "b.o loader 1",
		markDone,
	}, "\n") + "\n"
	kr := &kernelRun{Label: "5.10", Loads: map[string]map[string]*outcome{}}
	rel, done, err := parse(strings.NewReader(port), kr.Loads)
	if err != nil || !done || rel != "5.10.0-46-cloud-amd64" {
		t.Fatalf("parse = %q, %v, %v", rel, done, err)
	}
	kr.Release = rel
	if o := kr.Loads["a.o"][modeDirect]; o.RC != 1 || !strings.Contains(o.Output, "verifier log") {
		t.Errorf("a.o direct = %+v", o)
	}
	var out bytes.Buffer
	if !report(&out, []*kernelRun{kr}, []string{"a.o", "b.o", "c.o"}, false) {
		t.Error("report: no failure for a.o")
	}
	got := out.String()
	for _, want := range []string{
		"| 5.10 | 5.10.0-46-cloud-amd64 | 3 | 2 | 1 | 0 |",
		"[5.10] a.o: libbpf loads it, bpfc -emit=direct does not:\n    exit 1: bpfc: a.o: program p (section tp_btf/x): BPF_PROG_LOAD: permission denied\n",
		"[5.10] b.o: bpfc -emit=direct loads it, bpfc -emit=loader -run does not:\n    exit 1: bpfc: b.o: BPF_OBJ_GET_INFO_BY_FD",
		"[5.10] bpfc -emit=loader -run refused 1 objects: the kernel has no syscall programs",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

func TestParseTruncated(t *testing.T) {
	loads := map[string]map[string]*outcome{}
	_, done, err := parse(strings.NewReader(markBegin+"a.o libbpf\npartial"), loads)
	if err != nil || done {
		t.Fatalf("parse = %v, %v; want not done", done, err)
	}
	if o := loads["a.o"][modeLibbpf]; o == nil || o.ok() {
		t.Errorf("an unfinished load = %+v, want a failure", o)
	}
}

// TestCommandsCarrySettings checks that both loaders get a tool's
// settings, the same flags before the object, and other objects none.
func TestCommandsCarrySettings(t *testing.T) {
	cmds := commands("bpfc", "libbpfload", "/c/bcc-funclatency.o")
	set := toolSettings["bcc-funclatency.o"]
	for m, head := range map[string][]string{modeLibbpf: {"libbpfload"}, modeDirect: {"bpfc", "-emit=direct"}, modeLoader: {"bpfc", "-emit=loader", "-run"}} {
		want := append(append(append([]string(nil), head...), set...), "/c/bcc-funclatency.o")
		if got := cmds[m]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: %q, want %q", m, got, want)
		}
	}
	if got := commands("bpfc", "libbpfload", "/c/other.o")[modeLibbpf]; len(got) != 2 {
		t.Errorf("an object without settings: %q", got)
	}
	for name, set := range toolSettings {
		if len(set)%2 != 0 {
			t.Errorf("%s: settings %q are not flag-argument pairs (libbpfload reads pairs)", name, set)
		}
	}
}
