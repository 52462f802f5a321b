// This file holds what signed loaders need of the loader itself: the
// signature (package sign makes and checks it, SignLoader and
// VerifyLoader) covers the loader's instructions, and the instructions
// carry the blob's SHA-256 in the integrity check of the prologue, which
// BakedBlobHash reads back, so one signature covers the whole loader.
// Nothing here is cryptography but the hash: this package is linked into
// the bpfc command, whose loads must not pay for the crypto packages.

package loaderprog

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/internal/sha256"

	"github.com/bpfc/bpfc/ir"
)

// ErrUnprotectedBlob is wrapped by Signable's error (and SetSignature's,
// sign.SignLoader's) for a loader generated with NoIntegrity: a signature
// covers the instructions only, and without the blob hash in them it would
// say nothing about the blob.
var ErrUnprotectedBlob = errors.New("loader without blob integrity check (NoIntegrity): a signature of its instructions would not cover its blob")

// ErrNotSealed is wrapped by Signable's error (and SetSignature's,
// sign.SignLoader's) for a loader generated without Options.Sealed: the
// context could then resize its maps and replace their initial values,
// which the signature does not cover.
var ErrNotSealed = errors.New("loader not sealed (Options.Sealed): its context could resize maps and replace initial values the signature does not cover")

// ErrNoBakedHash is wrapped by BakedBlobHash's error for instructions that
// do not start with bpfc's blob integrity check.
var ErrNoBakedHash = errors.New("no blob integrity check in the loader's instructions")

// ErrBlobAltered is wrapped by CheckBlob's (and sign.VerifyLoader's) error
// for a blob that is not the one the signed instructions carry the hash of.
var ErrBlobAltered = errors.New("blob altered")

// Signable reports whether the loader can be signed: it must check the
// blob's hash (not NoIntegrity) and be sealed.
func (l *Loader) Signable() error {
	if !l.CheckHash {
		return fmt.Errorf("sign loader of %s: %w", l.Object, ErrUnprotectedBlob)
	}
	if !l.Sealed {
		return fmt.Errorf("sign loader of %s: %w", l.Object, ErrNotSealed)
	}
	return nil
}

// SetSignature keeps sig, a signature of the loader's instructions (see
// package sign, whose SignLoader makes and sets it), in l.Signature, if
// the loader can be signed.
func (l *Loader) SetSignature(sig []byte) error {
	if err := l.Signable(); err != nil {
		return err
	}
	if len(sig) == 0 {
		return fmt.Errorf("sign loader of %s: empty signature", l.Object)
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
	insns, err := ir.Unmarshal(insnBytes, hostOrder())
	if err != nil {
		return h, fmt.Errorf("%w: %v", ErrNoBakedHash, err)
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
		return h, ErrNoBakedHash
	}
	for k, v := range found {
		hostOrder().PutUint64(h[8*k:], v)
	}
	return h, nil
}

// CheckBlob checks that the hash the loader instructions insns carry (see
// BakedBlobHash) is the SHA-256 of blob: with a signature of the
// instructions (package sign's VerifyLoader), the blob is the signed one.
func CheckBlob(blob, insns []byte) error {
	baked, err := BakedBlobHash(insns)
	if err != nil {
		return fmt.Errorf("loader instructions: %w", err)
	}
	if got := sha256.Sum256(blob); !bytes.Equal(got[:], baked[:]) {
		return fmt.Errorf("loader blob: SHA-256 %x, the signed instructions expect %x: %w", got, baked, ErrBlobAltered)
	}
	return nil
}
