// Tests of Sign and Verify: round trips for every key kind, the refusals,
// and the differential checks against Debian's openssl (it verifies our
// signatures, and signs the same bytes with bpftool's flags: for RSA, whose
// PKCS #1 v1.5 signatures are deterministic, the two must be identical).

package sign_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/testsign"
	"github.com/bpfc/bpfc/internal/testutil"
)

// insns stands for a loader program: any bytes, a multiple of 8 long.
var insns = bytes.Repeat([]byte{0xb7, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00}, 37)

var kinds = []struct {
	name    string
	kind    testsign.KeyKind
	noKeyID bool
	alg     string
}{
	{"rsa2048-keyid", testsign.RSA2048, false, "rsa"},
	{"rsa2048-issuer-serial", testsign.RSA2048, true, "rsa"},
	{"ecp256-keyid", testsign.ECP256, false, "ecdsa"},
	{"ecp384-keyid", testsign.ECP384, false, "ecdsa"},
	{"ecp256-issuer-serial", testsign.ECP256, true, "ecdsa"},
}

func TestRoundTrip(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			key := testsign.NewSigningKey(t, k.kind, k.noKeyID)
			sig, err := sign.Sign(insns, key.Key, key.Cert)
			if err != nil {
				t.Fatal(err)
			}
			if err := sign.Verify(insns, sig, key.Cert); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			info, err := sign.Parse(sig)
			if err != nil {
				t.Fatal(err)
			}
			if info.Algorithm != k.alg {
				t.Errorf("algorithm %q, want %q", info.Algorithm, k.alg)
			}
			if k.noKeyID {
				if info.KeyID != nil || info.Serial.Cmp(key.Cert.SerialNumber) != 0 || !bytes.Equal(info.Issuer, key.Cert.RawIssuer) {
					t.Errorf("signer: key id %x serial %v, want issuer and serial %v", info.KeyID, info.Serial, key.Cert.SerialNumber)
				}
			} else if !bytes.Equal(info.KeyID, key.Cert.SubjectKeyId) {
				t.Errorf("key id %x, want %x", info.KeyID, key.Cert.SubjectKeyId)
			}

			// Any flipped byte of the data or of the signature value is
			// refused.
			bad := bytes.Clone(insns)
			bad[len(bad)/2] ^= 1
			if err := sign.Verify(bad, sig, key.Cert); !errors.Is(err, sign.ErrBadSignature) {
				t.Errorf("flipped data: %v, want ErrBadSignature", err)
			}
			badSig := bytes.Clone(sig)
			badSig[len(badSig)-3] ^= 1 // inside the signature value
			if err := sign.Verify(insns, badSig, key.Cert); !errors.Is(err, sign.ErrBadSignature) && !errors.Is(err, sign.ErrMalformed) {
				t.Errorf("flipped signature: %v, want ErrBadSignature or ErrMalformed", err)
			}
			// Another key's certificate is another signer.
			other := testsign.NewSigningKey(t, k.kind, k.noKeyID)
			if err := sign.Verify(insns, sig, other.Cert); !errors.Is(err, sign.ErrWrongSigner) {
				t.Errorf("other certificate: %v, want ErrWrongSigner", err)
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	a := testsign.NewSigningKey(t, testsign.ECP256, false)
	b := testsign.NewSigningKey(t, testsign.ECP256, false)
	if _, err := sign.Sign(insns, a.Key, b.Cert); !errors.Is(err, sign.ErrKeyMismatch) {
		t.Errorf("key of another certificate: %v, want ErrKeyMismatch", err)
	}
	if _, err := sign.Sign(insns, nil, a.Cert); err == nil {
		t.Error("nil key accepted")
	}
}

func TestParseMalformed(t *testing.T) {
	key := testsign.NewSigningKey(t, testsign.RSA2048, false)
	sig, err := sign.Sign(insns, key.Key, key.Cert)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty":      nil,
		"junk":       {0x30, 0x42, 0x13, 0x37},
		"truncated":  sig[:len(sig)/2],
		"trailing":   append(bytes.Clone(sig), 0),
		"a cert":     key.Cert.Raw,
		"zero bytes": make([]byte, 64),
	} {
		if _, err := sign.Parse(b); !errors.Is(err, sign.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
		if err := sign.Verify(insns, b, key.Cert); !errors.Is(err, sign.ErrMalformed) {
			t.Errorf("Verify %s: %v, want ErrMalformed", name, err)
		}
	}
}

func TestParseKeyForms(t *testing.T) {
	rsaKey := testsign.NewSigningKey(t, testsign.RSA2048, false)
	ecKey := testsign.NewSigningKey(t, testsign.ECP256, false)
	pkcs1, err := x509.ParsePKCS8PrivateKey(pemBytes(t, rsaKey.KeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	ec, err := x509.ParsePKCS8PrivateKey(pemBytes(t, ecKey.KeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ec.(interface{ Public() crypto.PublicKey }).(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pem  []byte
		cert *sign.Certificate
	}{
		{"pkcs8 rsa", rsaKey.KeyPEM, rsaKey.Cert},
		{"pkcs1 rsa", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(pkcs1.(*rsa.PrivateKey))}), rsaKey.Cert},
		{"pkcs8 ec", ecKey.KeyPEM, ecKey.Cert},
		{"sec1 ec", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), ecKey.Cert},
		{"cert before key", append(bytes.Clone(ecKey.CertPEM), ecKey.KeyPEM...), ecKey.Cert},
	} {
		k, err := sign.ParseKey(tc.pem)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !k.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tc.cert.PublicKey) {
			t.Errorf("%s: wrong key", tc.name)
		}
	}
	// A changed prime or modulus makes an inconsistent RSA key.
	broken := *pkcs1.(*rsa.PrivateKey)
	broken.N = new(big.Int).Add(broken.N, big.NewInt(2))
	for name, b := range map[string][]byte{
		"no pem":         []byte("not a key"),
		"only cert":      ecKey.CertPEM,
		"encrypted":      pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}),
		"bad der":        pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}),
		"trailing bytes": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: append(bytes.Clone(sec1), 0)}),
		"rsa as ec":      pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(pkcs1.(*rsa.PrivateKey))}),
		"broken rsa":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(&broken)}),
	} {
		if _, err := sign.ParseKey(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Certificates: PEM and DER.
	for name, b := range map[string][]byte{"pem": ecKey.CertPEM, "der": ecKey.Cert.Raw} {
		c, err := sign.ParseCert(b)
		if err != nil || !c.Equal(ecKey.Cert) {
			t.Errorf("cert %s: %v", name, err)
		}
	}
	for name, b := range map[string][]byte{
		"junk":     []byte("junk"),
		"trailing": append(bytes.Clone(ecKey.Cert.Raw), 0),
		"key":      pemBytes(t, ecKey.KeyPEM),
	} {
		if _, err := sign.ParseCert(b); err == nil {
			t.Errorf("%s certificate accepted", name)
		}
	}
}

// TestParseOpenSSL reads keys and certificates openssl makes, in every
// form it writes them, and compares what ParseKey and ParseCert find with
// what crypto/x509 finds in the same bytes.
func TestParseOpenSSL(t *testing.T) {
	dir := t.TempDir()
	// A multi-valued RDN, the characters RFC 4514 escapes, and an
	// attribute type without a short name.
	subject := `/C=DE/ST=Land/L=Town, with a comma/O=bpfc+OU=#1 unit /CN=Signing key "quoted" a\+b;<c>/emailAddress=keys@example.org`
	for _, tc := range []struct {
		name    string
		genkey  []string // openssl args writing key.pem
		convert []string // then openssl args rewriting it into another form, or nil
		noKeyID bool
	}{
		{"rsa2048-pkcs8", []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}, nil, false},
		{"rsa3072-pkcs1", []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"}, []string{"rsa", "-traditional"}, true},
		{"p256-pkcs8", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, nil, false},
		{"p256-sec1", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}, []string{"ec"}, false},
		{"p384-sec1", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"}, []string{"ec"}, true},
		{"p521-pkcs8", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, cert := filepath.Join(dir, tc.name+".key"), filepath.Join(dir, tc.name+".crt")
			if out, err := openssl(t, dir, append(tc.genkey, "-out", key)...); err != nil {
				t.Fatalf("openssl %s: %v\n%s", tc.genkey[0], err, out)
			}
			if tc.convert != nil {
				if out, err := openssl(t, dir, append(tc.convert, "-in", key, "-out", key)...); err != nil {
					t.Fatalf("openssl %s: %v\n%s", tc.convert[0], err, out)
				}
			}
			args := []string{"req", "-x509", "-new", "-key", key, "-out", cert, "-days", "1", "-subj", subject, "-multivalue-rdn"}
			if tc.noKeyID {
				args = append(args, "-addext", "subjectKeyIdentifier=none")
			}
			if out, err := openssl(t, dir, args...); err != nil {
				t.Fatalf("openssl req: %v\n%s", err, out)
			}
			keyPEM, err := os.ReadFile(key)
			if err != nil {
				t.Fatal(err)
			}
			blk, _ := pem.Decode(keyPEM)
			var want any
			switch blk.Type {
			case "PRIVATE KEY":
				want, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
			case "RSA PRIVATE KEY":
				want, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
			case "EC PRIVATE KEY":
				want, err = x509.ParseECPrivateKey(blk.Bytes)
			default:
				t.Fatalf("openssl wrote a %q", blk.Type)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := sign.LoadKey(key)
			if err != nil {
				t.Fatalf("%s key: %v", blk.Type, err)
			}
			if !got.(interface{ Equal(crypto.PrivateKey) bool }).Equal(want) {
				t.Errorf("%s key differs from crypto/x509's", blk.Type)
			}

			c, err := sign.LoadCert(cert)
			if err != nil {
				t.Fatal(err)
			}
			certPEM, err := os.ReadFile(cert)
			if err != nil {
				t.Fatal(err)
			}
			x, err := x509.ParseCertificate(pemBytes(t, certPEM))
			if err != nil {
				t.Fatal(err)
			}
			var rdns pkix.RDNSequence
			if _, err := asn1.Unmarshal(x.RawSubject, &rdns); err != nil {
				t.Fatal(err)
			}
			switch {
			case !bytes.Equal(c.Raw, x.Raw), !bytes.Equal(c.RawIssuer, x.RawIssuer), !bytes.Equal(c.RawSubject, x.RawSubject):
				t.Errorf("raw bytes differ from crypto/x509's")
			case c.SerialNumber.Cmp(x.SerialNumber) != 0:
				t.Errorf("serial %v, crypto/x509 %v", c.SerialNumber, x.SerialNumber)
			case !bytes.Equal(c.SubjectKeyId, x.SubjectKeyId), (c.SubjectKeyId == nil) != tc.noKeyID:
				t.Errorf("key id %x, crypto/x509 %x", c.SubjectKeyId, x.SubjectKeyId)
			case !x.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(c.PublicKey):
				t.Errorf("public key differs from crypto/x509's")
			case c.Subject != strings.Replace(rdns.String(), "=#0c", "=#16", 1):
				// pkix prints a value of an unnamed type by encoding it
				// again, the IA5String emailAddress as a UTF8String (tag
				// 0x0c); its DER in the certificate has tag 0x16.
				t.Errorf("subject %q, crypto/x509/pkix %q", c.Subject, rdns.String())
			}
			// What was parsed signs: openssl checks the signature.
			sig, err := sign.Sign(insns, got, c)
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, "insns.bin", insns)
			write(t, dir, "sig.der", sig)
			if out, err := openssl(t, dir, "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-content", "insns.bin",
				"-certfile", cert, "-CAfile", cert, "-purpose", "any", "-out", os.DevNull); err != nil {
				t.Errorf("openssl cms -verify: %v\n%s", err, out)
			}
		})
	}
}

func pemBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM")
	}
	return blk.Bytes
}

// openssl runs Debian's openssl with args in dir.
func openssl(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, "openssl"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestOpenSSLVerifies has openssl check our signatures: `openssl cms
// -verify` over the detached content with the certificate as the only
// trust anchor, and the structure printed by -cmsout -print: no
// certificates, no signed attributes, the signer as the kernel finds it.
func TestOpenSSLVerifies(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			key := testsign.NewSigningKey(t, k.kind, k.noKeyID)
			sig, err := sign.Sign(insns, key.Key, key.Cert)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			write(t, dir, "insns.bin", insns)
			write(t, dir, "sig.der", sig)
			write(t, dir, "cert.pem", key.CertPEM)
			verify := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der", "-content", "insns.bin",
				"-certfile", "cert.pem", "-CAfile", "cert.pem", "-purpose", "any", "-out", os.DevNull}
			if out, err := openssl(t, dir, verify...); err != nil || !strings.Contains(out, "Verification successful") {
				t.Fatalf("openssl cms -verify: %v\n%s", err, out)
			}
			// A flipped byte of the content fails openssl too.
			bad := bytes.Clone(insns)
			bad[0] ^= 0x80
			write(t, dir, "insns.bin", bad)
			if out, err := openssl(t, dir, verify...); err == nil {
				t.Fatalf("openssl verified flipped content:\n%s", out)
			}
			out, err := openssl(t, dir, "cms", "-cmsout", "-print", "-inform", "DER", "-in", "sig.der")
			if err != nil {
				t.Fatalf("openssl cms -cmsout -print: %v\n%s", err, out)
			}
			for _, want := range []string{"certificates:\n      <ABSENT>", "signedAttrs:\n          <ABSENT>", "eContent: <ABSENT>"} {
				if !strings.Contains(out, want) {
					t.Errorf("openssl's print lacks %q:\n%s", want, out)
				}
			}
			sid := "subjectKeyIdentifier"
			if k.noKeyID {
				sid = "issuerAndSerialNumber"
			}
			if !strings.Contains(out, sid) {
				t.Errorf("openssl's print lacks the signer identifier %s:\n%s", sid, out)
			}
		})
	}
}

// TestSameAsOpenSSL signs the same bytes with openssl as bpftool does
// (CMS_NOCERTS | CMS_BINARY | CMS_DETACHED | CMS_NOATTR | CMS_USE_KEYID,
// SHA-256, no S/MIME capabilities): RSA signatures must be byte-identical
// to ours; ECDSA ones (randomized) must verify with Verify.
func TestSameAsOpenSSL(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			key := testsign.NewSigningKey(t, k.kind, k.noKeyID)
			dir := t.TempDir()
			write(t, dir, "insns.bin", insns)
			write(t, dir, "cert.pem", key.CertPEM)
			write(t, dir, "key.pem", key.KeyPEM)
			args := []string{"cms", "-sign", "-binary", "-noattr", "-nocerts", "-nosmimecap", "-md", "sha256",
				"-in", "insns.bin", "-signer", "cert.pem", "-inkey", "key.pem", "-outform", "DER", "-out", "ossl.der"}
			if !k.noKeyID {
				args = append(args, "-keyid")
			}
			if out, err := openssl(t, dir, args...); err != nil {
				t.Fatalf("openssl cms -sign: %v\n%s", err, out)
			}
			theirs, err := os.ReadFile(filepath.Join(dir, "ossl.der"))
			if err != nil {
				t.Fatal(err)
			}
			if err := sign.Verify(insns, theirs, key.Cert); err != nil {
				t.Fatalf("Verify of openssl's signature: %v", err)
			}
			ours, err := sign.Sign(insns, key.Key, key.Cert)
			if err != nil {
				t.Fatal(err)
			}
			if k.alg == "rsa" && !bytes.Equal(ours, theirs) {
				t.Errorf("RSA signature differs from openssl's:\nours   %x\ntheirs %x", ours, theirs)
			}
		})
	}
}

func write(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSign signs and verifies a loader of 563 instructions (the
// size of xdp_globals.o's).
func BenchmarkSign(b *testing.B) {
	data := bytes.Repeat(insns[:8], 563)
	for _, k := range []testsign.KeyKind{testsign.RSA2048, testsign.ECP256} {
		key := testsign.NewSigningKey(b, k, false)
		b.Run("sign-"+string(k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := sign.Sign(data, key.Key, key.Cert); err != nil {
					b.Fatal(err)
				}
			}
		})
		sig, err := sign.Sign(data, key.Key, key.Cert)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("verify-"+string(k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := sign.Verify(data, sig, key.Cert); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
