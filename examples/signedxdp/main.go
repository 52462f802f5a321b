// Command signedxdp is the example of a signed light skeleton: the loader
// program of testdata/xdp_globals.o, signed at generation time (PKCS#7 over
// the loader's instructions, which carry the SHA-256 of its data blob), so
// that a kernel that verifies BPF signatures (Linux 6.18+ with
// CONFIG_SYSTEM_DATA_VERIFICATION) loads it only if the signer's
// certificate is in the keyring the load names.
//
// The key in testkey/ is for the tests only: sign your loaders with your
// own key. To run it, add the certificate to a keyring and name it:
//
//	openssl x509 -in testkey/cert.pem -outform DER |
//		keyctl padd asymmetric bpfc @s     # prints the key's serial
//	go run ./examples/signedxdp -keyring session
//
// On a kernel that cannot verify signatures it says so; -unsigned loads
// the loader without its signature there.
package main

//go:generate go run github.com/bpfc/bpfc/cmd/bpfc -emit=loader -lang=go -pkg main -sign-key testkey/key.pem -sign-cert testkey/cert.pem -o xdp_globals_skel.go ../../testdata/xdp_globals.o

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
)

// keyrings names the special keyrings (linux/keyctl.h KEY_SPEC_*).
var keyrings = map[string]int32{"session": -3, "user": -4, "process": -2}

func main() {
	keyring := flag.String("keyring", "session", "the keyring holding the signer's certificate: a serial, session, user or process")
	unsigned := flag.Bool("unsigned", false, "do not require the kernel to verify the signature")
	flag.Parse()
	id, ok := keyrings[*keyring]
	if !ok {
		n, err := strconv.ParseInt(*keyring, 0, 32)
		if err != nil {
			fmt.Fprintln(os.Stderr, "signedxdp: -keyring:", err)
			os.Exit(2)
		}
		id = int32(n)
	}
	ret, signed, err := run(&rt.Options{KeyringID: id, RequireSignature: !*unsigned})
	if err != nil {
		fmt.Fprintln(os.Stderr, "signedxdp:", err)
		os.Exit(1)
	}
	fmt.Printf("xdp_compute returned %d (signature verified by the kernel: %v)\n", ret, signed)
}

// packet is a 64-byte Ethernet/IPv4/UDP frame (testdata/README.md).
var packet = func() []byte {
	p := make([]byte, 64)
	copy(p, []byte{
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, // Ethernet
		0x45, 0x10, 0x00, 0x32, 0x12, 0x34, 0, 0, 0x40, 0x11, 0, 0, // IPv4
		10, 0, 0, 1, 10, 0, 0, 2,
	})
	for i := 34; i < 64; i++ {
		p[i] = byte(i)
	}
	return p
}()

// run loads the signed skeleton with opts, runs xdp_compute once and
// returns its result and whether the kernel verified the signature.
func run(opts *rt.Options) (uint32, bool, error) {
	s := NewXdpGlobals()
	if err := s.Load(opts); err != nil {
		return 0, false, err
	}
	defer s.Close()
	ret, err := s.Progs.XdpCompute.Run(&rt.RunOptions{Data: packet})
	return ret, s.Signed, err
}
