// Tests of the signing flags: -sign-key/-sign-cert write signed Go, C and
// raw skeletons that -verify-sig accepts and that openssl verifies,
// -verify-sig refuses an altered blob, instruction or signature and
// another certificate, and -run with a signature either loads verified
// (a kernel that verifies: the test's certificate in a test keyring) or
// fails with the clear refusal (this host: EOPNOTSUPP).

package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/internal/testsign"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestSignedSkeletons(t *testing.T) {
	key := testsign.NewSigningKey(t, testsign.RSA2048, false)
	other := testsign.NewSigningKey(t, testsign.RSA2048, false)
	dir := t.TempDir()
	x := obj("xdp_globals.o")
	files := map[string]string{
		"go":  filepath.Join(dir, "s.go"),
		"c":   filepath.Join(dir, "s.lskel.h"),
		"raw": filepath.Join(dir, "raw.json"),
	}
	for lang, f := range files {
		code, _, stderr := runCLI("-emit=loader", "-lang="+lang, "-sign-key", key.KeyFile, "-sign-cert", key.CertFile,
			"-o", strings.TrimSuffix(f, ".json"), x)
		if code != exitOK {
			t.Fatalf("-lang=%s: exit %d: %s", lang, code, stderr)
		}
		code, out, stderr := runCLI("-verify-sig", f, "-sign-cert", key.CertFile)
		if code != exitOK || !strings.Contains(out, "signature OK") {
			t.Errorf("-verify-sig %s: exit %d: %s%s", lang, code, out, stderr)
		}
		code, _, stderr = runCLI("-verify-sig", f, "-sign-cert", other.CertFile)
		if code != exitFailure || !strings.Contains(stderr, "another signer") {
			t.Errorf("-verify-sig %s with another certificate: exit %d: %s", lang, code, stderr)
		}
	}

	// openssl verifies the raw loader's signature over its instructions.
	verify := exec.Command(testutil.Tool(t, "openssl"), "cms", "-verify", "-binary", "-inform", "DER",
		"-in", "raw.sig", "-content", "raw.insns", "-certfile", key.CertFile, "-CAfile", key.CertFile,
		"-purpose", "any", "-out", os.DevNull)
	verify.Dir = dir
	if out, err := verify.CombinedOutput(); err != nil {
		t.Errorf("openssl cms -verify of raw.sig: %v\n%s", err, out)
	}

	// One flipped byte of the raw loader's blob, instructions or signature.
	for _, c := range []struct{ file, want string }{
		{"raw.blob", "blob altered"},
		{"raw.insns", "signature does not verify"},
		{"raw.sig", "signature does not verify"},
	} {
		p := filepath.Join(dir, c.file)
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(orig)
		bad[len(bad)-2] ^= 0x10
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI("-verify-sig", files["raw"], "-sign-cert", key.CertFile)
		if code != exitFailure || !strings.Contains(stderr, c.want) {
			t.Errorf("%s altered: exit %d, %q; want %q", c.file, code, stderr, c.want)
		}
		if err := os.WriteFile(p, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// An unsigned skeleton is not accepted.
	code, _, stderr := runCLI("-emit=loader", "-o", filepath.Join(dir, "u.go"), x)
	if code != exitOK {
		t.Fatal(stderr)
	}
	code, _, stderr = runCLI("-verify-sig", filepath.Join(dir, "u.go"), "-sign-cert", key.CertFile)
	if code != exitFailure || !strings.Contains(stderr, "not signed") {
		t.Errorf("unsigned skeleton: exit %d: %s", code, stderr)
	}
	// The Go skeleton carries the signature the raw loader has.
	src, err := os.ReadFile(files["go"])
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(src, []byte("const XdpGlobalsSignature = `"))
	if i < 0 {
		t.Fatal("Go skeleton has no signature constant")
	}
	lit := src[i+len("const XdpGlobalsSignature = `"):]
	lit = lit[:bytes.IndexByte(lit, '`')]
	goSig, err := base64.StdEncoding.DecodeString(string(lit))
	if err != nil {
		t.Fatal(err)
	}
	rawSig, _ := os.ReadFile(filepath.Join(dir, "raw.sig"))
	if !bytes.Equal(goSig, rawSig) { // RSA PKCS #1 v1.5 is deterministic
		t.Error("the Go skeleton's signature differs from the raw loader's")
	}
}

func TestRunSigned(t *testing.T) {
	testutil.RequireKernel(t)
	key := testsign.NewSigningKey(t, testsign.ECP256, false)
	x := obj("xdp_globals.o")
	if err := rt.SignatureSupport(); err != nil {
		if testutil.KernelVerifiesSignatures(t) {
			t.Fatalf("kernel with CONFIG_SYSTEM_DATA_VERIFICATION: %v", err)
		}
		code, _, stderr := runCLI("-emit=loader", "-run", "-sign-key", key.KeyFile, "-sign-cert", key.CertFile, "-keyring", "session", x)
		if code != exitFailure || !strings.Contains(stderr, "kernel cannot verify signed BPF programs") {
			t.Fatalf("signed -run on a kernel that cannot verify: exit %d: %s", code, stderr)
		}
		t.Logf("refused as expected: %s", stderr)
		return
	}
	ring := testutil.NewKeyring(t, key.Cert.Raw)
	code, out, stderr := runCLI("-emit=loader", "-run", "-sign-key", key.KeyFile, "-sign-cert", key.CertFile, "-keyring", strconv.Itoa(int(ring)), x)
	if code != exitOK {
		t.Fatalf("signed -run: exit %d: %s", code, stderr)
	}
	if rows := parseTable(t, out); rows["prog xdp_compute"].id == 0 {
		t.Errorf("signed -run loaded no xdp_compute:\n%s", out)
	}
	other := testutil.NewKeyring(t)
	code, _, stderr = runCLI("-emit=loader", "-run", "-sign-key", key.KeyFile, "-sign-cert", key.CertFile, "-keyring", strconv.Itoa(int(other)), x)
	if code != exitFailure || !strings.Contains(stderr, "kernel refused the loader's signature") {
		t.Errorf("signed -run with a keyring without the certificate: exit %d: %s", code, stderr)
	}
}

// TestSignerMissing runs the signing flags without bpfc-sign anywhere: a
// clear error, exit 1.
func TestSignerMissing(t *testing.T) {
	key := testsign.NewSigningKey(t, testsign.ECP256, false)
	t.Setenv(envSigner, "")
	t.Setenv("PATH", t.TempDir())
	for _, args := range [][]string{
		{"-emit=loader", "-sign-key", key.KeyFile, "-sign-cert", key.CertFile, "-o", filepath.Join(t.TempDir(), "s.go"), obj("xdp_globals.o")},
		{"-verify-sig", obj("xdp_globals.o"), "-sign-cert", key.CertFile},
	} {
		code, _, stderr := runCLI(args...)
		if code != exitFailure || !strings.Contains(stderr, "signing needs the bpfc-sign program") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}
