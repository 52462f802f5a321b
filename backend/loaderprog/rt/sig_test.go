// Tests of signed loads. TestSignatureErrnos injects each errno a kernel
// answers a signed BPF_PROG_LOAD with and checks the error the caller
// sees and the unsigned fallback. TestSignedLoad runs on the real kernel:
// where it verifies signatures (the kernel matrix's 7.x guest) a signed
// loader loads with the test's key in a test keyring, and a wrong keyring,
// another key, an altered instruction, blob or signature are refused;
// elsewhere (this host: EOPNOTSUPP; before 6.18: E2BIG) the refusal is the
// clear ErrSignatureUnsupported and the unsigned fallback works.

package rt_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/testsign"
	"github.com/bpfc/bpfc/internal/testutil"
)

// signedSpec returns the loader of xdp_globals.o signed by key.
func signedSpec(t *testing.T, key *testsign.SigningKey) *rt.Spec {
	t.Helper()
	s := spec(t, "xdp_globals.o")
	sig, err := sign.Sign(s.Insns, key.Key, key.Cert)
	if err != nil {
		t.Fatal(err)
	}
	s.Signature = sig
	return s
}

// hasSignature reports whether a BPF_PROG_LOAD attribute carries one.
func hasSignature(a []byte) bool { return binary.NativeEndian.Uint64(a[152:]) != 0 }

// before618 reports whether the kernel predates Linux 6.18: it has
// neither map hashes nor signed loads, and bpfc's loaders, which check
// their blob's hash, cannot run on it.
func before618(t *testing.T) bool {
	t.Helper()
	return errors.Is(rt.SignatureSupport(), unix.E2BIG)
}

func TestSignatureErrnos(t *testing.T) {
	testutil.RequireKernel(t)
	key := testsign.NewSigningKey(t, testsign.ECP256, false)
	s := signedSpec(t, key)
	if before618(t) {
		// The blob's hash is refused before the loader is loaded: a
		// required signature says why.
		_, err := rt.Load(s, &rt.Options{RequireSignature: true})
		if !errors.Is(err, rt.ErrSignatureUnsupported) || !strings.Contains(err.Error(), "predates Linux 6.18") {
			t.Fatalf("required signature before 6.18: %v", err)
		}
		return
	}
	for _, c := range []struct {
		errno      unix.Errno
		unsupp     bool // ErrSignatureUnsupported (else ErrSignatureRejected)
		wantInText string
	}{
		{unix.E2BIG, true, "before Linux 6.18"},
		{unix.EOPNOTSUPP, true, "CONFIG_SYSTEM_DATA_VERIFICATION"},
		{unix.EKEYREJECTED, false, "does not verify over the loader's instructions"},
		{unix.ENOKEY, false, "no key in keyring 77 matches the signer"},
		{unix.EBADMSG, false, "not a PKCS#7 message"},
	} {
		t.Run(unix.ErrnoName(c.errno), func(t *testing.T) {
			defer testutil.CheckNoFDLeak(t)()
			var signedCalls, keyring int
			restore := rt.SetSysBPF(func(cmd int, a []byte, size int) (int, error) {
				if cmd == rt.CmdProgLoad && hasSignature(a) {
					signedCalls++
					keyring = int(int32(binary.NativeEndian.Uint32(a[164:])))
					return -1, c.errno
				}
				return rt.RealSysBPF(cmd, a, size)
			})
			defer restore()
			for _, require := range []bool{true, false} {
				res, err := rt.Load(s, &rt.Options{KeyringID: 77, RequireSignature: require})
				if keyring != 77 {
					t.Errorf("keyring_id %d passed, want 77", keyring)
				}
				if c.unsupp && !require {
					// Not required: loaded unsigned.
					if err != nil {
						t.Fatalf("unsigned fallback: %v", err)
					}
					if res.Signed {
						t.Error("Result.Signed set for an unsigned load")
					}
					res.Close()
					continue
				}
				if err == nil {
					res.Close()
					t.Fatalf("require=%v: loaded", require)
				}
				want := rt.ErrSignatureRejected
				if c.unsupp {
					want = rt.ErrSignatureUnsupported
				}
				if !errors.Is(err, want) || !errors.Is(err, c.errno) || !strings.Contains(err.Error(), c.wantInText) {
					t.Errorf("require=%v: %q, want %v, %v and %q", require, err, want, c.errno, c.wantInText)
				}
			}
			if signedCalls != 2 {
				t.Errorf("%d signed BPF_PROG_LOADs, want one per Load", signedCalls)
			}
		})
	}
}

func TestRequireSignatureUnsigned(t *testing.T) {
	testutil.RequireKernel(t)
	_, err := rt.Load(spec(t, "xdp_globals.o"), &rt.Options{RequireSignature: true})
	if !errors.Is(err, rt.ErrUnsigned) {
		t.Fatalf("unsigned loader with RequireSignature: %v, want ErrUnsigned", err)
	}
}

func TestSignedLoad(t *testing.T) {
	testutil.RequireKernel(t)
	defer testutil.CheckNoFDLeak(t)()
	key := testsign.NewSigningKey(t, testsign.RSA2048, false)
	s := signedSpec(t, key)

	probe := rt.SignatureSupport()
	if probe != nil {
		if testutil.KernelVerifiesSignatures(t) {
			t.Fatalf("kernel with CONFIG_SYSTEM_DATA_VERIFICATION: probe says %v", probe)
		}
		if !errors.Is(probe, rt.ErrSignatureUnsupported) {
			t.Fatalf("probe: %v, want ErrSignatureUnsupported", probe)
		}
		// A kernel that cannot verify: required, the load fails with
		// the clear error; not required, the loader loads unsigned.
		_, err := rt.Load(s, &rt.Options{RequireSignature: true, KeyringID: unix.KEY_SPEC_SESSION_KEYRING})
		if !errors.Is(err, rt.ErrSignatureUnsupported) || !(errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.E2BIG)) {
			t.Fatalf("required signature on a kernel that cannot verify: %v", err)
		}
		t.Logf("refused as expected: %v", err)
		res, err := rt.Load(s, nil)
		switch {
		case errors.Is(err, rt.ErrSignatureUnsupported) || errors.Is(err, rt.ErrSignatureRejected):
			t.Fatalf("unsigned fallback refused for its signature: %v", err)
		case err != nil && before618(t):
			t.Logf("no unsigned fallback before 6.18 either: %v", err)
		case err != nil:
			t.Fatalf("unsigned fallback: %v", err)
		default:
			defer res.Close()
			if res.Signed || !allOpen(res.ProgFDs) {
				t.Errorf("unsigned fallback: signed %v, program fds %v", res.Signed, res.ProgFDs)
			}
		}
		return
	}

	ring := testutil.NewKeyring(t, key.Cert.Raw)
	ok := &rt.Options{KeyringID: ring, RequireSignature: true}
	res, err := rt.Load(s, ok)
	if err != nil {
		t.Fatalf("signed load: %v", err)
	}
	if !res.Signed || !allOpen(res.ProgFDs) || !allOpen(res.MapFDs) {
		t.Errorf("signed load: signed %v, fds %v %v", res.Signed, res.MapFDs, res.ProgFDs)
	}
	res.Close()

	// Other key kinds, and a signer named by issuer and serial number (a
	// certificate without a subject key identifier).
	for _, k := range []struct {
		kind    testsign.KeyKind
		noKeyID bool
	}{{testsign.ECP256, false}, {testsign.ECP384, false}, {testsign.RSA2048, true}, {testsign.ECP256, true}} {
		key := testsign.NewSigningKey(t, k.kind, k.noKeyID)
		res, err := rt.Load(signedSpec(t, key), &rt.Options{KeyringID: testutil.NewKeyring(t, key.Cert.Raw), RequireSignature: true})
		if err != nil {
			t.Errorf("%s (no key id: %v): %v", k.kind, k.noKeyID, err)
			continue
		}
		if !res.Signed {
			t.Errorf("%s (no key id: %v): not signed", k.kind, k.noKeyID)
		}
		res.Close()
	}

	refused := func(name string, s *rt.Spec, opts *rt.Options, want ...error) {
		t.Helper()
		res, err := rt.Load(s, opts)
		if err == nil {
			res.Close()
			t.Errorf("%s: loaded", name)
			return
		}
		for _, w := range want {
			if !errors.Is(err, w) {
				t.Errorf("%s: %v, want %v", name, err, w)
			}
		}
		t.Logf("%s: %v", name, err)
	}
	empty := testutil.NewKeyring(t)
	refused("wrong keyring", s, &rt.Options{KeyringID: empty, RequireSignature: true}, rt.ErrSignatureRejected, unix.ENOKEY)
	other := testsign.NewSigningKey(t, testsign.RSA2048, false)
	refused("another key's signature", signedSpec(t, other), ok, rt.ErrSignatureRejected, unix.ENOKEY)

	flipped := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		return c
	}
	bad := *s
	bad.Insns = flipped(s.Insns, len(s.Insns)/2)
	refused("altered instruction", &bad, ok, rt.ErrSignatureRejected, unix.EKEYREJECTED)
	bad = *s
	bad.Signature = flipped(s.Signature, len(s.Signature)-5)
	refused("altered signature", &bad, ok, rt.ErrSignatureRejected)
	bad = *s
	bad.Blob = flipped(s.Blob, len(s.Blob)-9)
	refused("altered blob", &bad, ok, rt.ErrBlobIntegrity)
}

// allOpen reports whether fds holds descriptors, all open.
func allOpen(fds []int) bool {
	for _, fd := range fds {
		if fd <= 0 {
			return false
		}
	}
	return len(fds) > 0
}
