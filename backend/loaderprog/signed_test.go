// Tests of signed loaders offline: the hash the instructions carry is the
// blob's, Sign refuses a loader without it, and VerifySigned catches one
// flipped byte anywhere in the blob, the instructions or the signature.

package loaderprog

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestBakedBlobHash(t *testing.T) {
	l := generate(t, globalsObject(), nil)
	h, err := BakedBlobHash(l.InsnBytes())
	if err != nil {
		t.Fatal(err)
	}
	if h != l.BlobHash {
		t.Errorf("baked hash %x, want the blob's %x", h, l.BlobHash)
	}
	n := generate(t, globalsObject(), &Options{NoIntegrity: true})
	if _, err := BakedBlobHash(n.InsnBytes()); !errors.Is(err, ErrNoBakedHash) {
		t.Errorf("NoIntegrity loader: %v, want ErrNoBakedHash", err)
	}
	for name, b := range map[string][]byte{"empty": nil, "odd": {1, 2, 3}, "short": l.InsnBytes()[:80]} {
		if _, err := BakedBlobHash(b); !errors.Is(err, ErrNoBakedHash) {
			t.Errorf("%s: %v, want ErrNoBakedHash", name, err)
		}
	}
}

func TestSignLoader(t *testing.T) {
	key := testutil.NewSigningKey(t, testutil.ECP256, false)
	n := generate(t, globalsObject(), &Options{NoIntegrity: true})
	if err := n.Sign(key.Key, key.Cert); !errors.Is(err, ErrUnprotectedBlob) {
		t.Errorf("Sign of a NoIntegrity loader: %v, want ErrUnprotectedBlob", err)
	}
	l := generate(t, globalsObject(), nil)
	if err := l.Sign(key.Key, key.Cert); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(l.Spec().Signature, l.Signature) || len(l.Signature) == 0 {
		t.Fatal("Spec does not carry the signature")
	}
	blob, insns, sig := l.Blob, l.InsnBytes(), l.Signature
	if err := VerifySigned(blob, insns, sig, key.Cert); err != nil {
		t.Fatalf("VerifySigned: %v", err)
	}
	other := testutil.NewSigningKey(t, testutil.ECP256, false)
	if err := VerifySigned(blob, insns, sig, other.Cert); !errors.Is(err, sign.ErrWrongSigner) {
		t.Errorf("other certificate: %v, want ErrWrongSigner", err)
	}
	if err := VerifySigned(blob, insns, nil, key.Cert); err == nil {
		t.Error("unsigned loader verified")
	}
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		return c
	}
	// Every byte of the blob and the instructions, and the bytes of the
	// signature value (the last ones).
	for i := range blob {
		if err := VerifySigned(flip(blob, i), insns, sig, key.Cert); !errors.Is(err, ErrBlobAltered) {
			t.Fatalf("blob byte %d flipped: %v, want ErrBlobAltered", i, err)
		}
	}
	for i := range insns {
		if err := VerifySigned(blob, flip(insns, i), sig, key.Cert); !errors.Is(err, sign.ErrBadSignature) {
			t.Fatalf("instruction byte %d flipped: %v, want ErrBadSignature", i, err)
		}
	}
	for i := len(sig) - 64; i < len(sig); i++ {
		err := VerifySigned(blob, insns, flip(sig, i), key.Cert)
		if !errors.Is(err, sign.ErrBadSignature) && !errors.Is(err, sign.ErrMalformed) {
			t.Fatalf("signature byte %d flipped: %v, want ErrBadSignature or ErrMalformed", i, err)
		}
	}
}
