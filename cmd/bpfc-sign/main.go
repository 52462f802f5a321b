// Command bpfc-sign makes and checks the signatures of bpfc's loader
// programs for bpfc's -sign-key and -verify-sig flags, which run it: the
// cryptography lives here so that bpfc itself links no crypto package (see
// internal/signcmd). Install it beside bpfc:
//
//	go install github.com/bpfc/bpfc/cmd/bpfc github.com/bpfc/bpfc/cmd/bpfc-sign
//
// Usage:
//
//	bpfc-sign -sign-key KEY.pem -sign-cert CERT.pem < DATA > SIGNATURE
//	bpfc-sign -verify-sig FILE -sign-cert CERT.pem
package main

import (
	"os"

	"github.com/bpfc/bpfc/internal/signcmd"
)

func main() {
	os.Exit(signcmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
