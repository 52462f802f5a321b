// Package signcmd is the bpfc-sign command (../../cmd/bpfc-sign): the
// cryptography of bpfc's signing flags, in a program of its own. bpfc runs
// it for -sign-key and -verify-sig; linking the crypto packages into bpfc
// itself would make every bpfc run, plain loads included, initialise them
// (the Go FIPS module's packages, math/big, encoding/asn1) and touch their
// pages: about 0.8 MB of a load's peak RSS.
//
//	bpfc-sign -sign-key KEY.pem -sign-cert CERT.pem < DATA > SIGNATURE
//	bpfc-sign -verify-sig FILE -sign-cert CERT.pem
//
// The first form signs standard input (a loader's instructions) and writes
// the detached PKCS#7 signature (DER) to standard output (package sign).
// The second checks a signed skeleton (Go, C or a raw loader's .json)
// offline, as bpfc -verify-sig documents. Exit status: 0 ok, 1 failure,
// 2 usage error; errors go to standard error, one line each.
package signcmd

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
)

// Exit codes, as bpfc's.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// maxData bounds what -sign-key reads from standard input (a loader's
// instructions: a million instructions is 8 MB).
const maxData = 64 << 20

// Main runs the command with args (without the program name) and returns
// its exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bpfc-sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("sign-key", "", "sign standard input with the private key in PEM `FILE` (RSA or ECDSA), writing the signature to standard output")
	cert := fs.String("sign-cert", "", "the signer's X.509 certificate `FILE` (PEM or DER)")
	verify := fs.String("verify-sig", "", "check the signature of the skeleton `FILE` (Go, C or raw .json) with -sign-cert")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: bpfc-sign -sign-key KEY.pem -sign-cert CERT.pem < DATA > SIGNATURE\n       bpfc-sign -verify-sig FILE -sign-cert CERT.pem\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "bpfc-sign: %s\n", msg)
		return exitUsage
	}
	switch {
	case fs.NArg() != 0:
		return usage("no arguments besides the flags")
	case *cert == "":
		return usage("-sign-cert CERT is needed")
	case (*key == "") == (*verify == ""):
		return usage("give either -sign-key or -verify-sig")
	}
	var err error
	if *key != "" {
		err = signData(*key, *cert, stdin, stdout)
	} else {
		err = verifySkeleton(*verify, *cert, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bpfc-sign: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// signData signs what stdin holds.
func signData(keyFile, certFile string, stdin io.Reader, stdout io.Writer) error {
	key, err := sign.LoadKey(keyFile)
	if err != nil {
		return err
	}
	cert, err := sign.LoadCert(certFile)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(stdin, maxData+1))
	if err != nil {
		return fmt.Errorf("reading the data to sign: %w", err)
	}
	if len(data) > maxData {
		return fmt.Errorf("more than %d bytes to sign", maxData)
	}
	sig, err := sign.Sign(data, key, cert)
	if err != nil {
		return err
	}
	_, err = stdout.Write(sig)
	return err
}

// verifySkeleton checks the signed skeleton at path against certFile.
func verifySkeleton(path, certFile string, stdout io.Writer) error {
	cert, err := sign.LoadCert(certFile)
	if err != nil {
		return err
	}
	e, err := skel.Read(path)
	if err != nil {
		return err
	}
	if e.Signature == nil {
		return fmt.Errorf("%s: the %s skeleton is not signed", path, e.Format)
	}
	if err := sign.VerifyLoader(e.Blob, e.Insns, e.Signature, cert); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s: signature OK: %s skeleton, %d loader instructions and a %d-byte blob signed by %s\n",
		path, e.Format, len(e.Insns)/8, len(e.Blob), cert.Subject)
	return nil
}
