// This file tests the kernel matrix's pieces that run on the host: the
// cpio writer (read back with the cpio tool when installed), the result
// port parser and test2json classification, the known-failures list,
// label ordering and module dependencies.

package vmtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
)

func TestCPIORoundTrip(t *testing.T) {
	cpio, err := exec.LookPath("cpio")
	if err != nil {
		testutil.MissingTool(t, "needs cpio (scripts/vmtest-deps.sh installs it): %v", err)
	}
	var b bytes.Buffer
	c := NewCPIO(&b)
	c.File("/a/b/c.txt", 0o644, []byte("hello"))
	c.File("a/odd", 0o755, []byte("12345")) // not a multiple of 4
	c.Symlink("a/link", "b/c.txt")
	c.Dir("empty", 0o700)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if b.Len()%4 != 0 {
		t.Errorf("archive size %d not 4-aligned", b.Len())
	}
	dir := t.TempDir()
	cmd := exec.Command(cpio, "-idm", "--quiet", "--no-absolute-filenames")
	cmd.Dir = dir
	cmd.Stdin = &b
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v: %s", err, out)
	}
	for name, want := range map[string]string{"a/b/c.txt": "hello", "a/odd": "12345", "a/link": "hello"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "a/odd")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("a/odd: %v %v, want mode 0755", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Join(dir, "empty")); err != nil || !st.IsDir() {
		t.Errorf("empty: %v, want a directory", err)
	}
}

func TestCPIOParentsOnce(t *testing.T) {
	var b bytes.Buffer
	c := NewCPIO(&b)
	c.File("x/y/1", 0o644, nil)
	c.File("x/y/2", 0o644, nil)
	c.File("x/z", 0o644, nil)
	c.Close()
	var names []string
	for _, part := range strings.Split(b.String(), "070701")[1:] {
		// header fields after the magic: 13*8 hex digits, then the name.
		names = append(names, strings.SplitN(part[13*8:], "\x00", 2)[0])
	}
	want := []string{"x", "x/y", "x/y/1", "x/y/2", "x/z", "TRAILER!!!"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("entries %q, want %q", names, want)
	}
}

// sampleOutput is what a test binary run with -test.v=test2json prints
// (as Go 1.26 does: ^V frames the lines test2json must interpret).
const sampleOutput = "\x16=== RUN   TestA\n" +
	"\x16--- PASS: TestA (0.00s)\n" +
	"\x16=== RUN   TestB\n" +
	"\x16=== RUN   TestB/one\n" +
	"    b_test.go:10: boom\n" +
	"\x16--- FAIL: TestB/one (0.00s)\n" +
	"\x16=== RUN   TestB/two\n" +
	"\x16--- PASS: TestB/two (0.00s)\n" +
	"\x16--- FAIL: TestB (0.00s)\n" +
	"\x16=== RUN   TestC\n" +
	"    c_test.go:3: host-only: needs gcc: not found\n" +
	"\x16--- SKIP: TestC (0.00s)\n" +
	"\x16=== RUN   TestD\n" +
	"    d_test.go:7: no kernel BTF\n" +
	"\x16--- SKIP: TestD (0.00s)\n" +
	"\x16=== RUN   TestE\n" +
	"    e_test.go:4: linked in 70ms\n" +
	"    e_test.go:9: host-only: harness: gcc not found\n" +
	"\x16--- SKIP: TestE (0.00s)\n" +
	"\x16=== RUN   TestF\n" +
	"    f_test.go:2: host-only: needs gcc\n" +
	"    f_test.go:5: but skipped for another reason\n" +
	"\x16--- SKIP: TestF (0.00s)\n" +
	"\x16FAIL\n"

func TestParseAndClassify(t *testing.T) {
	goTool := testutil.Tool(t, "go")
	port := "@@vmtest kernel 6.1.0-57-cloud-amd64\n" +
		"@@vmtest insmod kernel/net/netfilter/nf_conntrack.ko 0\n" +
		"@@vmtest begin example.com/m/pkg\n" + sampleOutput +
		"@@vmtest end example.com/m/pkg 1 3\n" +
		"@@vmtest begin example.com/m/crash\n" +
		"\x16=== RUN   TestHang\npartial line@@vmtest end example.com/m/crash 2 9\n" +
		"@@vmtest begin example.com/m/lost\n" +
		"\x16=== RUN   TestLost\n"
	var progress []string
	g, err := ParseGuest(strings.NewReader(port), func(p *PackageRun) { progress = append(progress, p.ImportPath) })
	if err != nil {
		t.Fatal(err)
	}
	if g.Release != "6.1.0-57-cloud-amd64" || g.Insmod["kernel/net/netfilter/nf_conntrack.ko"] != 0 || g.Done {
		t.Errorf("guest = %+v", g)
	}
	if want := []string{"example.com/m/pkg", "example.com/m/crash"}; !reflect.DeepEqual(progress, want) {
		t.Errorf("progress %q, want %q", progress, want)
	}
	if len(g.Packages) != 3 || g.Packages[0].RC != 1 || g.Packages[0].Seconds != 3 || !g.Packages[1].Ended || g.Packages[2].Ended {
		t.Fatalf("packages = %+v", g.Packages)
	}

	got := map[string]Outcome{}
	reasons := map[string]string{}
	for _, p := range g.Packages {
		rs, err := Results(goTool, "example.com/m", p)
		if err != nil {
			t.Fatal(err)
		}
		known, err := ParseKnown(strings.NewReader("# comment\n6.1,7.x pkg TestB/* a known bug\n* pkg TestA passes now\n"))
		if err != nil {
			t.Fatal(err)
		}
		Classify(known, "6.1", rs)
		for _, r := range rs {
			got[r.Package+" "+r.Test] = r.Outcome
			reasons[r.Package+" "+r.Test] = r.Reason
		}
	}
	want := map[string]Outcome{
		"pkg TestA":      Fixed,
		"pkg TestB/one":  KnownFail,
		"pkg TestB/two":  Pass, // matched by the entry, but a sibling still fails
		"pkg TestC":      HostOnly,
		"pkg TestD":      Skip,
		"pkg TestE":      HostOnly, // logged before its host-only skip
		"pkg TestF":      Skip,     // its last message is not host-only
		"crash TestHang": Fail,
		"lost TestLost":  Fail,
		"lost ":          Fail,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes:\n got %v\nwant %v", got, want)
	}
	if r := reasons["pkg TestC"]; r != "needs gcc: not found" {
		t.Errorf("host-only reason %q", r)
	}
	if r := reasons["pkg TestE"]; r != "harness: gcc not found" {
		t.Errorf("host-only reason after a log %q", r)
	}
	if r := reasons["pkg TestD"]; r != "no kernel BTF" {
		t.Errorf("skip reason %q", r)
	}
	if r := reasons["pkg TestB/one"]; !strings.Contains(r, "a known bug") || !strings.Contains(r, "boom") {
		t.Errorf("known failure reason %q", r)
	}
}

func TestHostOnlyMark(t *testing.T) {
	if HostOnlyMark != testutil.HostOnlyPrefix {
		t.Errorf("vmtest.HostOnlyMark %q != testutil.HostOnlyPrefix %q", HostOnlyMark, testutil.HostOnlyPrefix)
	}
}

func TestParseKnownErrors(t *testing.T) {
	for _, in := range []string{"5.10 pkg\n", "5.10 pkg Test[ reason\n"} {
		if _, err := ParseKnown(strings.NewReader(in)); err == nil {
			t.Errorf("ParseKnown(%q) succeeded", in)
		}
	}
}

func TestUnused(t *testing.T) {
	ks, err := ParseKnown(strings.NewReader("5.10 pkg TestX why\n6.1 pkg TestY why\n"))
	if err != nil {
		t.Fatal(err)
	}
	Classify(ks, "5.10", []Result{{Package: "pkg", Test: "TestX", Outcome: Fail}})
	un := Unused(ks, []string{"5.10", "6.1"})
	if len(un) != 1 || un[0].Test != "TestY" {
		t.Errorf("unused = %+v, want the TestY entry", un)
	}
	if un := Unused(ks, []string{"5.10"}); len(un) != 0 {
		t.Errorf("unused on 5.10 only = %+v, want none", un)
	}
}

func TestLabelOrder(t *testing.T) {
	labels := []string{"7.x", "6.12", "5.10", "6.1", "6.6"}
	sort.Slice(labels, func(i, j int) bool { return labelLess(labels[i], labels[j]) })
	if want := []string{"5.10", "6.1", "6.6", "6.12", "7.x"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("order %q, want %q", labels, want)
	}
}

func TestParseDepends(t *testing.T) {
	info := []byte("license=GPL\x00depends=nf_defrag_ipv6,libcrc32c,nf_defrag_ipv4\x00retpoline=Y\x00")
	if got, want := parseDepends(info), []string{"nf_defrag_ipv6", "libcrc32c", "nf_defrag_ipv4"}; !reflect.DeepEqual(got, want) {
		t.Errorf("depends %q, want %q", got, want)
	}
	if got := parseDepends([]byte("depends=\x00")); got != nil {
		t.Errorf("empty depends = %q", got)
	}
}
