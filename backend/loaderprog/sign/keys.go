// This file reads signing keys: PEM private keys (PKCS #8, PKCS #1 RSA,
// SEC 1 EC), decoded with encoding/asn1 and the crypto packages' own
// constructors rather than crypto/x509, which would link the net package
// (and with it cgo) into every program that signs, the bpfc command
// included.

package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
)

// Object identifiers of keys (RFC 8017, RFC 5480, SEC 2).
var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidP224        = asn1.ObjectIdentifier{1, 3, 132, 0, 33}
	oidP256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384        = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidP521        = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
)

// curveByOID returns the named curve of oid, or nil.
func curveByOID(oid asn1.ObjectIdentifier) elliptic.Curve {
	switch {
	case oid.Equal(oidP224):
		return elliptic.P224()
	case oid.Equal(oidP256):
		return elliptic.P256()
	case oid.Equal(oidP384):
		return elliptic.P384()
	case oid.Equal(oidP521):
		return elliptic.P521()
	}
	return nil
}

// ASN.1 structures of private keys.
type (
	// pkcs8 is a PrivateKeyInfo (RFC 5208), without its attributes.
	pkcs8 struct {
		Version    int
		Algorithm  algorithmIdentifier
		PrivateKey []byte
		Attributes asn1.RawValue `asn1:"optional,tag:0"`
	}
	// pkcs1PrivateKey is an RSAPrivateKey (RFC 8017 A.1.2).
	pkcs1PrivateKey struct {
		Version        int
		N              *big.Int
		E              int
		D              *big.Int
		P, Q           *big.Int
		Dp, Dq, Qinv   *big.Int
		OtherPrimeInfo asn1.RawValue `asn1:"optional"`
	}
	// sec1PrivateKey is an ECPrivateKey (RFC 5915).
	sec1PrivateKey struct {
		Version    int
		PrivateKey []byte
		Curve      asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
		PublicKey  asn1.BitString        `asn1:"optional,explicit,tag:1"`
	}
)

// ParseKey decodes the first private key of a PEM file: "PRIVATE KEY"
// (PKCS #8), "RSA PRIVATE KEY" (PKCS #1) or "EC PRIVATE KEY" (SEC 1), RSA
// or ECDSA, unencrypted.
func ParseKey(pemBytes []byte) (crypto.Signer, error) {
	for rest := pemBytes; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no PEM private key found")
		}
		if _, enc := b.Headers["Proc-Type"]; enc || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, fmt.Errorf("PEM %q is encrypted: give an unencrypted key", b.Type)
		}
		var key crypto.Signer
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			key, err = parsePKCS8(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = parsePKCS1(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = parseSEC1(b.Bytes, nil)
		default:
			continue // e.g. a certificate in the same file
		}
		if err != nil {
			return nil, fmt.Errorf("PEM %q: %w", b.Type, err)
		}
		return key, nil
	}
}

// unmarshalAll decodes der into v and refuses trailing bytes.
func unmarshalAll(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the DER value", len(rest))
	}
	return nil
}

// parsePKCS8 decodes a PKCS #8 PrivateKeyInfo holding an RSA or EC key.
func parsePKCS8(der []byte) (crypto.Signer, error) {
	var k pkcs8
	if err := unmarshalAll(der, &k); err != nil {
		return nil, fmt.Errorf("PKCS #8: %w", err)
	}
	switch alg := k.Algorithm.Algorithm; {
	case alg.Equal(oidRSAEncryption):
		return parsePKCS1(k.PrivateKey)
	case alg.Equal(oidECPublicKey):
		var curve asn1.ObjectIdentifier
		if err := unmarshalAll(k.Algorithm.Parameters.FullBytes, &curve); err != nil {
			return nil, fmt.Errorf("PKCS #8 EC key: curve: %w", err)
		}
		return parseSEC1(k.PrivateKey, curve)
	default:
		return nil, fmt.Errorf("PKCS #8: %v keys are not supported (want RSA or ECDSA)", alg)
	}
}

// parsePKCS1 decodes a two-prime PKCS #1 RSAPrivateKey and checks it.
func parsePKCS1(der []byte) (*rsa.PrivateKey, error) {
	var k pkcs1PrivateKey
	if err := unmarshalAll(der, &k); err != nil {
		return nil, fmt.Errorf("PKCS #1: %w", err)
	}
	if k.Version != 0 || len(k.OtherPrimeInfo.FullBytes) != 0 {
		return nil, errors.New("PKCS #1: multi-prime RSA keys are not supported")
	}
	for _, v := range []*big.Int{k.N, k.D, k.P, k.Q} {
		if v.Sign() <= 0 {
			return nil, errors.New("PKCS #1: a key value is not positive")
		}
	}
	// The CRT values of the file are left for Precompute to derive.
	key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: k.N, E: k.E}, D: k.D, Primes: []*big.Int{k.P, k.Q}}
	key.Precompute()
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("PKCS #1: %w", err)
	}
	return key, nil
}

// parseSEC1 decodes a SEC 1 ECPrivateKey on curve (from the PKCS #8
// wrapper) or on the curve it names itself.
func parseSEC1(der []byte, curveOID asn1.ObjectIdentifier) (*ecdsa.PrivateKey, error) {
	var k sec1PrivateKey
	if err := unmarshalAll(der, &k); err != nil {
		return nil, fmt.Errorf("SEC 1: %w", err)
	}
	if k.Version != 1 {
		return nil, fmt.Errorf("SEC 1: version %d, want 1", k.Version)
	}
	if curveOID == nil {
		curveOID = k.Curve
	}
	curve := curveByOID(curveOID)
	if curve == nil {
		return nil, fmt.Errorf("SEC 1: curve %v is not supported (want P-224, P-256, P-384 or P-521)", curveOID)
	}
	// The scalar is fixed-length, but some encoders drop leading zeros
	// (OpenSSL once did) or add one: normalise.
	size := (curve.Params().N.BitLen() + 7) / 8
	d := k.PrivateKey
	for len(d) > size && d[0] == 0 {
		d = d[1:]
	}
	if len(d) > size {
		return nil, fmt.Errorf("SEC 1: %d-byte private key for a %d-byte curve", len(d), size)
	}
	padded := make([]byte, size)
	copy(padded[size-len(d):], d)
	key, err := ecdsa.ParseRawPrivateKey(curve, padded)
	if err != nil {
		return nil, fmt.Errorf("SEC 1: %w", err)
	}
	return key, nil
}

// LoadKey reads a private key file (see ParseKey).
func LoadKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	k, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return k, nil
}
