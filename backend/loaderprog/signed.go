// This file signs loaders and checks signed ones offline: the signature
// covers the loader's instructions (package sign), and the instructions
// carry the blob's SHA-256 in the integrity check of the prologue, which
// BakedBlobHash reads back, so one signature covers the whole loader.

package loaderprog

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
)

// ErrUnprotectedBlob is returned by Sign for a loader generated with
// NoIntegrity: a signature covers the instructions only, and without the
// blob hash in them it would say nothing about the blob.
var ErrUnprotectedBlob = errors.New("loader without blob integrity check (NoIntegrity): a signature of its instructions would not cover its blob")

// ErrNoBakedHash is wrapped by BakedBlobHash's error for instructions that
// do not start with bpfc's blob integrity check.
var ErrNoBakedHash = errors.New("no blob integrity check in the loader's instructions")

// Sign signs the loader's instructions with key, the private key of cert,
// and keeps the signature in l.Signature (see package sign).
func (l *Loader) Sign(key crypto.Signer, cert *x509.Certificate) error {
	if !l.CheckHash {
		return fmt.Errorf("sign loader of %s: %w", l.Object, ErrUnprotectedBlob)
	}
	sig, err := sign.Sign(l.InsnBytes(), key, cert)
	if err != nil {
		return fmt.Errorf("sign loader of %s: %w", l.Object, err)
	}
	l.Signature = sig
	return nil
}

// BakedBlobHash returns the blob hash that the integrity check in the
// prologue of a loader's instructions (encoded in the machine's byte
// order) compares the blob map's hash with.
func BakedBlobHash(insnBytes []byte) ([32]byte, error) {
	var h [32]byte
	insns, err := ir.Unmarshal(insnBytes, hostOrder)
	if err != nil {
		return h, fmt.Errorf("%w: %v", ErrNoBakedHash, err)
	}
	// r6 = r1, then emitIntegrity: r1 = r10; r1 += off; r2 = 32;
	// r3 = blob map; call probe_read_kernel; if r0 != 0 goto bad; then
	// per 8 bytes: r2 = *(u64 *)(r10 + off); r3 = imm64; if r2 != r3 ...
	i := 0
	next := func() *ir.Insn {
		if i >= len(insns) {
			return nil
		}
		i++
		return &insns[i-1]
	}
	skip := func(n int) bool {
		for range n {
			if next() == nil {
				return false
			}
		}
		return true
	}
	// Find the helper call that reads the cached hash.
	for {
		in := next()
		if in == nil || i > 16 {
			return h, ErrNoBakedHash
		}
		if in.Op == ir.OpCall && in.Imm == int32(sys.HelperProbeReadKernel) {
			break
		}
	}
	if !skip(1) { // if r0 != 0 goto bad
		return h, ErrNoBakedHash
	}
	for k := range 4 {
		ld := next()
		if ld == nil || ld.Op != ir.ClassLDX|ir.SizeDW|ir.ModeMEM || ld.Src != ir.R10 {
			return h, ErrNoBakedHash
		}
		at := i
		if !skip(2) {
			return h, ErrNoBakedHash
		}
		if insns[at].Op != ir.OpLdImm64 || insns[at].Src != 0 {
			return h, ErrNoBakedHash
		}
		hostOrder.PutUint64(h[8*k:], ir.Imm64(insns, at))
		if jne := next(); jne == nil || jne.Op != ir.ClassJMP|ir.JumpNE|ir.SrcX {
			return h, ErrNoBakedHash
		}
	}
	return h, nil
}

// VerifySigned checks a signed loader offline, as the kernel and the
// loader would: sig must be a signature of insns by cert's key, and the
// hash the instructions carry must be the SHA-256 of blob.
func VerifySigned(blob, insns, sig []byte, cert *x509.Certificate) error {
	if len(sig) == 0 {
		return fmt.Errorf("loader: %w", errors.New("not signed"))
	}
	if err := sign.Verify(insns, sig, cert); err != nil {
		return fmt.Errorf("loader instructions: %w", err)
	}
	baked, err := BakedBlobHash(insns)
	if err != nil {
		return fmt.Errorf("loader instructions: %w", err)
	}
	if got := sha256.Sum256(blob); !bytes.Equal(got[:], baked[:]) {
		return fmt.Errorf("loader blob: SHA-256 %x, the signed instructions expect %x: %w", got, baked, ErrBlobAltered)
	}
	return nil
}

// ErrBlobAltered is wrapped by VerifySigned's error for a blob that is not
// the one the signed instructions carry the hash of.
var ErrBlobAltered = errors.New("blob altered")
