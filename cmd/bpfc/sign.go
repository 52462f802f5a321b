// This file implements the signing flags' helpers: -keyring's value and
// -verify-sig, which checks a generated skeleton's signature offline.

package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
)

// keyringFlag is -keyring: a keyring serial, a special keyring by name,
// or a system keyring.
type keyringFlag struct {
	id  int32
	set bool
}

// keyringNames are the special and system keyrings -keyring knows by name
// (linux/keyctl.h KEY_SPEC_*, and the kernel's VERIFY_USE_* ids).
var keyringNames = map[string]int32{
	"session": -3, "user": -4, "process": -2, "thread": -1, "user-session": -5,
	"builtin": 0, "secondary": 1, "platform": 2,
}

func (k *keyringFlag) String() string { return strconv.Itoa(int(k.id)) }
func (k *keyringFlag) Set(v string) error {
	if id, ok := keyringNames[v]; ok {
		k.id, k.set = id, true
		return nil
	}
	n, err := strconv.ParseInt(v, 0, 32)
	if err != nil {
		return fmt.Errorf("want a keyring serial or one of session, user, process, builtin, secondary, platform")
	}
	k.id, k.set = int32(n), true
	return nil
}

// verifySig checks the skeleton -verify-sig names against -sign-cert.
func verifySig(c *config, stdout io.Writer) error {
	cert, err := sign.LoadCert(c.signCert)
	if err != nil {
		return err
	}
	e, err := skel.Read(c.verifySig)
	if err != nil {
		return err
	}
	if e.Signature == nil {
		return fmt.Errorf("%s: the %s skeleton is not signed", c.verifySig, e.Format)
	}
	if err := loaderprog.VerifySigned(e.Blob, e.Insns, e.Signature, cert); err != nil {
		return fmt.Errorf("%s: %w", c.verifySig, err)
	}
	fmt.Fprintf(stdout, "%s: signature OK: %s skeleton, %d loader instructions and a %d-byte blob signed by %s\n",
		c.verifySig, e.Format, len(e.Insns)/8, len(e.Blob), cert.Subject)
	return nil
}
