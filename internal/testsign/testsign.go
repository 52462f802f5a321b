// Package testsign makes throw-away signing keys and self-signed
// certificates for the tests of signed loader programs. It is apart from
// testutil because it imports package sign, which imports the loader
// generator: the generator's own tests use testutil.
package testsign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bpfc/bpfc/backend/loaderprog/sign"
)

// SigningKey is a test key with its self-signed certificate.
type SigningKey struct {
	Key crypto.Signer
	// Cert is the certificate as package sign reads it.
	Cert *sign.Certificate
	// KeyPEM is the key in PKCS #8 PEM, CertPEM the certificate in PEM;
	// KeyFile and CertFile hold them in the test's temporary directory.
	KeyPEM, CertPEM   []byte
	KeyFile, CertFile string
}

// KeyKind selects the algorithm of NewSigningKey.
type KeyKind string

// Key kinds.
const (
	RSA2048 KeyKind = "rsa2048"
	ECP256  KeyKind = "ecp256"
	ECP384  KeyKind = "ecp384"
)

// NewSigningKey makes a key of the given kind and a self-signed
// certificate for it (with a subject key identifier unless noKeyID),
// written as PEM files into tb's temporary directory.
func NewSigningKey(tb testing.TB, kind KeyKind, noKeyID bool) *SigningKey {
	tb.Helper()
	var key crypto.Signer
	var err error
	switch kind {
	case RSA2048:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case ECP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		tb.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		tb.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "bpfc test signing key " + string(kind)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	if !noKeyID {
		// A key identifier as the kernel's sign-file and openssl make it:
		// SHA-1 of the public key (any unique bytes would do).
		h := sha1.Sum(pub)
		tmpl.SubjectKeyId = h[:]
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	if noKeyID && len(cert.SubjectKeyId) != 0 {
		tb.Fatalf("certificate got a key id %x", cert.SubjectKeyId)
	}
	scert, err := sign.ParseCert(der)
	if err != nil {
		tb.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	k := &SigningKey{
		Key: key, Cert: scert,
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	}
	dir := tb.TempDir()
	k.KeyFile, k.CertFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(k.KeyFile, k.KeyPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(k.CertFile, k.CertPEM, 0o644); err != nil {
		tb.Fatal(err)
	}
	return k
}
