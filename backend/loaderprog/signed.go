// This file signs loaders and checks signed ones offline: the signature
// covers the loader's instructions (package sign), and the instructions
// carry the blob's SHA-256 in the integrity check of the prologue, which
// BakedBlobHash reads back, so one signature covers the whole loader.

package loaderprog

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/ir"
)

// ErrUnprotectedBlob is wrapped by Sign's error for a loader generated with
// NoIntegrity: a signature covers the instructions only, and without the
// blob hash in them it would say nothing about the blob.
var ErrUnprotectedBlob = errors.New("loader without blob integrity check (NoIntegrity): a signature of its instructions would not cover its blob")

// ErrNotSealed is wrapped by Sign's error for a loader generated without
// Options.Sealed: the context could then resize its maps and replace their
// initial values, which the signature does not cover.
var ErrNotSealed = errors.New("loader not sealed (Options.Sealed): its context could resize maps and replace initial values the signature does not cover")

// ErrNoBakedHash is wrapped by BakedBlobHash's error for instructions that
// do not start with bpfc's blob integrity check.
var ErrNoBakedHash = errors.New("no blob integrity check in the loader's instructions")

// ErrBlobAltered is wrapped by VerifySigned's error for a blob that is not
// the one the signed instructions carry the hash of.
var ErrBlobAltered = errors.New("blob altered")

// Sign signs the loader's instructions with key, the private key of cert,
// and keeps the signature in l.Signature (see package sign).
func (l *Loader) Sign(key crypto.Signer, cert *sign.Certificate) error {
	if !l.CheckHash {
		return fmt.Errorf("sign loader of %s: %w", l.Object, ErrUnprotectedBlob)
	}
	if !l.Sealed {
		return fmt.Errorf("sign loader of %s: %w", l.Object, ErrNotSealed)
	}
	sig, err := sign.Sign(l.InsnBytes(), key, cert)
	if err != nil {
		return fmt.Errorf("sign loader of %s: %w", l.Object, err)
	}
	l.Signature = sig
	return nil
}

// BakedBlobHash returns the blob hash that the integrity check of a
// loader's instructions (encoded in the machine's byte order) compares the
// blob map's hash with: the four 64-bit constants loaded into r3, each
// compared with r2 by the next jump ("if r2 != r3"), in bpfc's prologue or
// in the signature check of libbpf's signed loaders (bpftool gen skeleton
// -S), whose constants hold the digest the same way.
func BakedBlobHash(insnBytes []byte) ([32]byte, error) {
	var h [32]byte
	insns, err := ir.Unmarshal(insnBytes, hostOrder)
	if err != nil {
		return h, fmt.Errorf("%w: %w", ErrNoBakedHash, err)
	}
	// Look in the first instructions for four constants in a row, each
	// followed (after at most two other instructions) by the comparison.
	const window = 256
	var found []uint64
	for i := 0; i < len(insns) && i < window && len(found) < 4; i++ {
		in := insns[i]
		if in.Op != ir.OpLdImm64 || in.Src != 0 || in.Dst != ir.R3 || i+1 >= len(insns) {
			continue
		}
		cmp := false
		for j := i + 2; j < len(insns) && j <= i+4; j++ {
			if c := insns[j]; c.Op == ir.ClassJMP|ir.JumpNE|ir.SrcX && c.Dst == ir.R2 && c.Src == ir.R3 {
				cmp = true
				break
			}
		}
		if !cmp {
			found = found[:0]
			continue
		}
		found = append(found, ir.Imm64(insns, i))
		i++ // the second slot
	}
	if len(found) != 4 {
		return h, fmt.Errorf("%w: %d of the 4 hash constants compared with r2 in the first %d instructions", ErrNoBakedHash, len(found), window)
	}
	for k, v := range found {
		hostOrder.PutUint64(h[8*k:], v)
	}
	return h, nil
}

// VerifySigned checks a signed loader offline, as the kernel and the
// loader would: sig must be a signature of insns by cert's key, and the
// hash the instructions carry must be the SHA-256 of blob. A loader
// without a signature fails with rt.ErrUnsigned.
func VerifySigned(blob, insns, sig []byte, cert *sign.Certificate) error {
	if len(sig) == 0 {
		return fmt.Errorf("loader: %w", rt.ErrUnsigned)
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
