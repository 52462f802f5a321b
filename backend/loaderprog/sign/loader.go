// This file signs loader programs and checks signed ones offline: the
// signature covers the loader's instructions, and the instructions carry
// the blob's SHA-256 (loaderprog.BakedBlobHash), so one signature covers
// the whole loader.

package sign

import (
	"crypto"
	"fmt"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
)

// SignLoader signs l's instructions with key, the private key of cert, and
// keeps the signature in l.Signature. The loader must check its blob's
// hash and be sealed (loaderprog.Loader.Signable).
func SignLoader(l *loaderprog.Loader, key crypto.Signer, cert *Certificate) error {
	if err := l.Signable(); err != nil {
		return err
	}
	sig, err := Sign(l.InsnBytes(), key, cert)
	if err != nil {
		return fmt.Errorf("sign loader of %s: %w", l.Object, err)
	}
	return l.SetSignature(sig)
}

// VerifyLoader checks a signed loader offline, as the kernel and the
// loader would: sig must be a signature of insns by cert's key, and the
// hash the instructions carry must be the SHA-256 of blob
// (loaderprog.ErrBlobAltered if not). A loader without a signature fails
// with rt.ErrUnsigned.
func VerifyLoader(blob, insns, sig []byte, cert *Certificate) error {
	if len(sig) == 0 {
		return fmt.Errorf("loader: %w", rt.ErrUnsigned)
	}
	if err := Verify(insns, sig, cert); err != nil {
		return fmt.Errorf("loader instructions: %w", err)
	}
	return loaderprog.CheckBlob(blob, insns)
}
