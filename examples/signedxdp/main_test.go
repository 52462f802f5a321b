// Tests of the signed example: the committed skeleton is what bpfc
// generates today with the committed test key (RSA PKCS #1 v1.5 signatures
// are deterministic), its signature checks offline, and on the kernel the
// skeleton loads verified with the certificate in a test keyring and is
// refused with a keyring holding another certificate or none (the kernel
// matrix's 7.x guest), or, where the kernel cannot verify, is refused with
// the clear error when the signature is required and loads unsigned when
// it is not.

package main

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/internal/testsign"
	"github.com/bpfc/bpfc/internal/testutil"
)

func TestSkeletonUpToDate(t *testing.T) {
	obj, l, err := bpfc.GenerateLoader("../../testdata/xdp_globals.o", nil, &loaderprog.Options{Sealed: true})
	if err != nil {
		t.Fatal(err)
	}
	key, err := sign.LoadKey("testkey/key.pem")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := sign.LoadCert("testkey/cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.SignLoader(l, key, cert); err != nil {
		t.Fatal(err)
	}
	var fresh bytes.Buffer
	if err := skel.WriteGo(&fresh, l, obj, "main"); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("xdp_globals_skel.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh.Bytes(), committed) {
		t.Fatal("xdp_globals_skel.go is stale: run go generate ./examples/signedxdp")
	}
}

// cert is the committed certificate, compiled in so that the test binary
// runs alone in a guest of the kernel matrix.
var cert = func() []byte {
	c, err := sign.ParseCert([]byte(certPEM))
	if err != nil {
		panic(err)
	}
	return c.Raw
}()

func TestVerifyOffline(t *testing.T) {
	c, err := sign.ParseCert(cert)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := XdpGlobalsSpec()
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.VerifyLoader(spec.Blob, spec.Insns, spec.Signature, c); err != nil {
		t.Fatal(err)
	}
}

func TestSignedRun(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	if err := rt.SignatureSupport(); err != nil {
		if testutil.KernelVerifiesSignatures(t) {
			t.Fatalf("kernel with CONFIG_SYSTEM_DATA_VERIFICATION: %v", err)
		}
		_, _, err := run(&rt.Options{KeyringID: unix.KEY_SPEC_SESSION_KEYRING, RequireSignature: true})
		if !errors.Is(err, rt.ErrSignatureUnsupported) {
			t.Fatalf("required signature on a kernel that cannot verify: %v", err)
		}
		ret, signed, err := run(&rt.Options{})
		if err != nil && errors.Is(rt.SignatureSupport(), unix.E2BIG) && !errors.Is(err, rt.ErrSignatureUnsupported) {
			// No unsigned fallback before 6.18 either: the sealed
			// loader checks its blob, which needs the map hashes of
			// 6.18; before 5.14 no loader program runs at all.
			if !errors.Is(err, rt.ErrIntegrityUnsupported) && !errors.Is(err, rt.ErrNoSyscallPrograms) {
				t.Errorf("sealed loader on %s: %v, want ErrIntegrityUnsupported or ErrNoSyscallPrograms", testutil.KernelRelease(), err)
			}
			return
		}
		if err != nil || ret != 127 || signed {
			t.Fatalf("unsigned fallback: returned %d, signed %v, %v; want 127, false", ret, signed, err)
		}
		return
	}
	ring := testutil.NewKeyring(t, cert)
	ret, signed, err := run(&rt.Options{KeyringID: ring, RequireSignature: true})
	if err != nil || ret != 127 || !signed {
		t.Fatalf("signed load: returned %d, signed %v, %v; want 127, true", ret, signed, err)
	}
	other := testsign.NewSigningKey(t, testsign.RSA2048, false)
	for name, ring := range map[string]int32{
		"keyring without the certificate": testutil.NewKeyring(t),
		"keyring with another key":        testutil.NewKeyring(t, other.Cert.Raw),
	} {
		_, _, err := run(&rt.Options{KeyringID: ring, RequireSignature: true})
		if !errors.Is(err, rt.ErrSignatureRejected) || !errors.Is(err, unix.ENOKEY) {
			t.Errorf("%s: %v, want ErrSignatureRejected with ENOKEY", name, err)
		}
	}
}

// TestSealed: the signed skeleton's loader is sealed, so Load refuses
// global data or map sizes set before it (they are what was signed).
func TestSealed(t *testing.T) {
	s := NewXdpGlobals()
	s.Rodata.RodataMode = ModeXor
	if err := s.Load(nil); !errors.Is(err, rt.ErrSealed) {
		s.Close()
		t.Errorf("Load after setting .rodata: %v, want ErrSealed", err)
	}
	s = NewXdpGlobals()
	s.Maps.Bss.MaxEntries = 2
	if err := s.Load(nil); !errors.Is(err, rt.ErrSealed) {
		s.Close()
		t.Errorf("Load after setting max_entries: %v, want ErrSealed", err)
	}
}
