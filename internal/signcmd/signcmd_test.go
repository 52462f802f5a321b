// Tests of the bpfc-sign command line: a signature of standard input that
// package sign verifies, and the usage errors. (Its -verify-sig is tested
// through bpfc's in cmd/bpfc.)

package signcmd

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/testsign"
)

func TestSign(t *testing.T) {
	key := testsign.NewSigningKey(t, testsign.RSA2048, false)
	data := bytes.Repeat([]byte{0xb7, 0, 0, 0, 1, 0, 0, 0}, 10)
	var out, errOut bytes.Buffer
	if code := Main([]string{"-sign-key", key.KeyFile, "-sign-cert", key.CertFile}, bytes.NewReader(data), &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if err := sign.Verify(data, out.Bytes(), key.Cert); err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}
	if err := sign.Verify(append(data, 0), out.Bytes(), key.Cert); !errors.Is(err, sign.ErrBadSignature) {
		t.Errorf("the signature verifies other data: %v", err)
	}
	// Another certificate than the key's.
	other := testsign.NewSigningKey(t, testsign.RSA2048, false)
	out.Reset()
	errOut.Reset()
	if code := Main([]string{"-sign-key", key.KeyFile, "-sign-cert", other.CertFile}, bytes.NewReader(data), &out, &errOut); code != exitFailure || !strings.Contains(errOut.String(), "does not match") || out.Len() != 0 {
		t.Errorf("key of another certificate: exit %d, %q, %d bytes out", code, errOut.String(), out.Len())
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-sign-key", "k.pem"},
		{"-sign-cert", "c.pem"},
		{"-sign-key", "k.pem", "-verify-sig", "s.go", "-sign-cert", "c.pem"},
		{"-sign-key", "k.pem", "-sign-cert", "c.pem", "extra"},
		{"-nosuch"},
	} {
		var out, errOut bytes.Buffer
		if code := Main(args, strings.NewReader(""), &out, &errOut); code != exitUsage || errOut.Len() == 0 {
			t.Errorf("%q: exit %d, %q", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"-h"}, strings.NewReader(""), &out, &errOut); code != exitOK || !strings.Contains(errOut.String(), "usage: bpfc-sign") {
		t.Errorf("-h: exit %d, %q", code, errOut.String())
	}
}
