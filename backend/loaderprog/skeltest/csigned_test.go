// This file tests the signed C light skeleton against libbpf 1.7's
// skel_internal.h (Debian sid's libbpf-dev and linux-libc-dev, extracted by
// scripts/libbpf-sid.sh): it refuses to compile against bookworm's libbpf
// 1.1, compiles against 1.7, hands the signature to the kernel (which
// verifies it, or here answers EOPNOTSUPP), and with the signature taken
// out of bpf_load_and_run's options its loader passes its own blob check
// (1.7 freezes and hashes the blob map) and loads and runs.

package skeltest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testsign"
	"github.com/bpfc/bpfc/internal/testutil"
)

// sidIncludes returns gcc's include flags for the headers of
// scripts/libbpf-sid.sh.
func sidIncludes(t *testing.T) []string {
	t.Helper()
	cache := os.Getenv("BPFC_LIBBPF_SID")
	if cache == "" {
		cache = "/var/cache/bpfc-libbpf"
	}
	inc := filepath.Join(cache, "root", "usr", "include")
	if _, err := os.Stat(filepath.Join(inc, "bpf", "skel_internal.h")); err != nil {
		testutil.MissingTool(t, "needs libbpf 1.7's headers (scripts/libbpf-sid.sh, run by scripts/deps.sh): %v", err)
	}
	return []string{"-I", inc, "-I", filepath.Join(inc, "x86_64-linux-gnu")}
}

// cSignedMain loads the signed skeleton with the keyring of argv[1] and
// runs xdp_compute.
const cSignedMain = cPrelude + `
int main(int argc, char **argv)
{
	struct xdp_globals *skel = xdp_globals__open();
	int err;

	if (!skel)
		return 1;
	if (argc > 1)
		skel->keyring_id = atoi(argv[1]);
	err = xdp_globals__load(skel);
	printf("load=%d\nerrno=%d\n", err, err ? errno : 0);
	if (!err)
		printf("compute=%ld\n", run_prog(skel->progs.xdp_compute.prog_fd));
	xdp_globals__destroy(skel);
	return 0;
}
`

func TestCSkeletonSigned(t *testing.T) {
	testutil.RequireKernel(t)
	inc := sidIncludes(t)
	key := testsign.NewSigningKey(t, testsign.ECP256, false)
	obj, l := object(t, "xdp_globals.o", nil, &loaderprog.Options{Sealed: true})
	if err := sign.SignLoader(l, key.Key, key.Cert); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := skel.WriteC(&b, l, obj, ""); err != nil {
		t.Fatal(err)
	}
	header := b.Bytes()

	// bookworm's libbpf 1.1 has no signature in bpf_load_and_run_opts.
	if v, err := os.ReadFile(skelInternal); err == nil && !strings.Contains(string(v), "keyring_id") {
		gcc := testutil.Tool(t, "gcc")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "skel.h"), header, 0o644)
		os.WriteFile(filepath.Join(dir, "main.c"), []byte(cSignedMain), 0o644)
		out, err := exec.Command(gcc, "-fsyntax-only", filepath.Join(dir, "main.c")).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "needs libbpf >= 1.7") {
			t.Errorf("signed skeleton against libbpf 1.1: %v, want the #error:\n%s", err, out)
		}
	}

	bin := buildC(t, header, cSignedMain, true, inc...)
	if err := rt.SignatureSupport(); err != nil {
		// The signature reaches the kernel, which cannot verify it.
		want := "95" // EOPNOTSUPP
		if strings.Contains(err.Error(), "6.18") {
			want = "7" // E2BIG
		}
		checkKV(t, runBin(t, bin), map[string]string{"load": "-" + want, "errno": want})
	} else {
		ring := testutil.NewKeyring(t, key.Cert.Raw)
		checkKV(t, runBin(t, bin, fmt.Sprint(ring)), map[string]string{"load": "0", "compute": "127"})
		empty := testutil.NewKeyring(t)
		checkKV(t, runBin(t, bin, fmt.Sprint(empty)), map[string]string{"load": "-126", "errno": "126"}) // ENOKEY
	}

	// Without the signature, libbpf 1.7's bpf_load_and_run runs the
	// loader, whose blob check passes.
	unsigned := "#include <errno.h>\n#include <bpf/skel_internal.h>\n" +
		"#define bpf_load_and_run(o) ((o)->signature = NULL, (o)->signature_sz = 0, bpf_load_and_run(o))\n" + cSignedMain
	bin = buildC(t, header, unsigned, true, inc...)
	checkKV(t, runBin(t, bin), map[string]string{"load": "0", "compute": "127"})
}
