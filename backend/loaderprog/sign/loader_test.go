// Tests of SignLoader and VerifyLoader: a sealed loader with the blob check
// signs, verifies with its certificate and not another's, and one flipped
// byte anywhere in the blob, the instructions or the signature fails.

package sign_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/testsign"
)

// testLoader generates the loader of xdp_globals.o with opts.
func testLoader(t *testing.T, opts *loaderprog.Options) *loaderprog.Loader {
	t.Helper()
	obj, err := bpfc.Compile(filepath.Join("..", "..", "..", "testdata", "xdp_globals.o"), &bpfc.Options{Defer: true})
	if err != nil {
		t.Fatal(err)
	}
	l, err := loaderprog.Generate(obj, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSignLoader(t *testing.T) {
	key := testsign.NewSigningKey(t, testsign.ECP256, false)
	if err := sign.SignLoader(testLoader(t, &loaderprog.Options{NoIntegrity: true, Sealed: true}), key.Key, key.Cert); !errors.Is(err, loaderprog.ErrUnprotectedBlob) {
		t.Errorf("SignLoader of a NoIntegrity loader: %v, want ErrUnprotectedBlob", err)
	}
	if err := sign.SignLoader(testLoader(t, nil), key.Key, key.Cert); !errors.Is(err, loaderprog.ErrNotSealed) {
		t.Errorf("SignLoader of an unsealed loader: %v, want ErrNotSealed", err)
	}
	l := testLoader(t, &loaderprog.Options{Sealed: true})
	if err := sign.SignLoader(l, key.Key, key.Cert); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(l.Spec().Signature, l.Signature) || len(l.Signature) == 0 {
		t.Fatal("Spec does not carry the signature")
	}
	blob, insns, sig := l.Blob, l.InsnBytes(), l.Signature
	if err := sign.VerifyLoader(blob, insns, sig, key.Cert); err != nil {
		t.Fatalf("VerifyLoader: %v", err)
	}
	other := testsign.NewSigningKey(t, testsign.ECP256, false)
	if err := sign.VerifyLoader(blob, insns, sig, other.Cert); !errors.Is(err, sign.ErrWrongSigner) {
		t.Errorf("other certificate: %v, want ErrWrongSigner", err)
	}
	if err := sign.VerifyLoader(blob, insns, nil, key.Cert); !errors.Is(err, rt.ErrUnsigned) {
		t.Errorf("unsigned loader: %v, want rt.ErrUnsigned", err)
	}
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		return c
	}
	// Every byte of the blob and the instructions, and the bytes of the
	// signature value (the last ones).
	for i := range blob {
		if err := sign.VerifyLoader(flip(blob, i), insns, sig, key.Cert); !errors.Is(err, loaderprog.ErrBlobAltered) {
			t.Fatalf("blob byte %d flipped: %v, want ErrBlobAltered", i, err)
		}
	}
	for i := range insns {
		if err := sign.VerifyLoader(blob, flip(insns, i), sig, key.Cert); !errors.Is(err, sign.ErrBadSignature) {
			t.Fatalf("instruction byte %d flipped: %v, want ErrBadSignature", i, err)
		}
	}
	for i := len(sig) - 64; i < len(sig); i++ {
		err := sign.VerifyLoader(blob, insns, flip(sig, i), key.Cert)
		if !errors.Is(err, sign.ErrBadSignature) && !errors.Is(err, sign.ErrMalformed) {
			t.Fatalf("signature byte %d flipped: %v, want ErrBadSignature or ErrMalformed", i, err)
		}
	}
}
