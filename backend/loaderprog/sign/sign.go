// Package sign makes and checks the signatures of loader programs in the
// form the Linux kernel verifies at BPF_PROG_LOAD (6.18+): a detached
// PKCS#7 / CMS SignedData (RFC 5652) over the program's instructions,
// SHA-256, without certificates and without signed attributes, whose
// signer is named by the certificate's subject key identifier (or, for a
// certificate without one, by its issuer and serial number). That is what
// bpftool's `gen skeleton -S` emits (openssl CMS_NOCERTS | CMS_BINARY |
// CMS_DETACHED | CMS_NOATTR | CMS_USE_KEYID) and what the kernel's
// verify_pkcs7_signature accepts: it finds the signer's key in the keyring
// named by BPF_PROG_LOAD's keyring_id by that identifier.
//
// RSA keys sign with PKCS #1 v1.5 (signature algorithm rsaEncryption, the
// OID the kernel's PKCS#7 parser expects for RSA), ECDSA keys (P-256,
// P-384) with ecdsa-with-SHA256 and an ASN.1 (r, s) signature value.
//
// The package is written with encoding/asn1 and the standard crypto
// packages: the Go PKCS#7 modules on the module proxy always embed the
// signer's certificate and always name the signer by issuer and serial. It
// reads keys and certificates itself too (keys.go, cert.go): crypto/x509
// links package net, and with it cgo. The bpfc command links none of it:
// its signing flags run bpfc-sign (internal/signcmd).
//
// This file holds Sign and Verify.
package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// ErrBadSignature is wrapped by Verify's errors for a signature that does
// not verify: the data, the signature or the certificate differ from the
// signed ones.
var ErrBadSignature = errors.New("signature does not verify")

// ErrMalformed is wrapped by errors for a signature that is not a PKCS#7
// SignedData of the kind this package makes and the kernel checks.
var ErrMalformed = errors.New("malformed PKCS#7 signature")

// ErrWrongSigner is wrapped by Verify's errors when the signature names a
// signer other than the certificate given.
var ErrWrongSigner = errors.New("signature is by another signer")

// ErrKeyMismatch is wrapped by errors for a private key that does not
// belong to the certificate.
var ErrKeyMismatch = errors.New("private key does not match the certificate")

// Object identifiers.
var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSAWithSHA2 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

// asn1NULL is the DER NULL that follows the rsaEncryption OID.
var asn1NULL = asn1.RawValue{Tag: asn1.TagNull, FullBytes: []byte{asn1.TagNull, 0}}

// ASN.1 structures (RFC 5652), as much of them as a detached signature
// without certificates, CRLs or attributes uses.
type (
	contentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue // [0] EXPLICIT, built and checked by hand
	}
	signedData struct {
		Version          int
		DigestAlgorithms []algorithmIdentifier `asn1:"set"`
		EncapContentInfo encapContentInfo
		Certificates     asn1.RawValue `asn1:"optional,tag:0"`
		CRLs             asn1.RawValue `asn1:"optional,tag:1"`
		SignerInfos      []signerInfo  `asn1:"set"`
	}
	encapContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"optional"` // [0] EXPLICIT eContent: absent when detached
	}
	algorithmIdentifier struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	signerInfo struct {
		Version            int
		SID                asn1.RawValue // IssuerAndSerialNumber or [0] SubjectKeyIdentifier
		DigestAlgorithm    algorithmIdentifier
		SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
		SignatureAlgorithm algorithmIdentifier
		Signature          []byte
		UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
	}
	issuerAndSerial struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
)

// Sign returns the detached PKCS#7 signature of data by key, the private
// key of cert: an *rsa.PrivateKey or *ecdsa.PrivateKey, or any
// crypto.Signer with such a public key (a hardware token).
func Sign(data []byte, key crypto.Signer, cert *Certificate) ([]byte, error) {
	if key == nil || cert == nil {
		return nil, errors.New("sign: no key or no certificate")
	}
	if !samePublicKey(key.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("sign: certificate %s: %w", cert.Subject, ErrKeyMismatch)
	}
	var sigAlg algorithmIdentifier
	switch key.Public().(type) {
	case *rsa.PublicKey:
		sigAlg = algorithmIdentifier{Algorithm: oidRSAEncryption, Parameters: asn1NULL}
	case *ecdsa.PublicKey:
		sigAlg = algorithmIdentifier{Algorithm: oidECDSAWithSHA2}
	default:
		return nil, fmt.Errorf("sign: %T keys are not supported (want RSA or ECDSA)", key.Public())
	}
	digest := sha256.Sum256(data)
	// An ECDSA crypto.Signer answers an ASN.1 (r, s) sequence; an RSA one
	// a PKCS #1 v1.5 signature of the digest, with SHA-256 as the options.
	sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}

	version, sid, err := signerID(cert)
	if err != nil {
		return nil, err
	}
	sha := algorithmIdentifier{Algorithm: oidSHA256}
	sd := signedData{
		Version:          version,
		DigestAlgorithms: []algorithmIdentifier{sha},
		EncapContentInfo: encapContentInfo{ContentType: oidData},
		SignerInfos: []signerInfo{{
			Version:            version,
			SID:                sid,
			DigestAlgorithm:    sha,
			SignatureAlgorithm: sigAlg,
			Signature:          sig,
		}},
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("sign: encode SignedData: %w", err)
	}
	out, err := asn1.Marshal(contentInfo{ContentType: oidSignedData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}})
	if err != nil {
		return nil, fmt.Errorf("sign: encode ContentInfo: %w", err)
	}
	return out, nil
}

// signerID returns the SignerInfo (and SignedData) version and the signer
// identifier for cert: its subject key identifier ([0] IMPLICIT, version
// 3) when it has one, else its issuer and serial number (version 1).
func signerID(cert *Certificate) (int, asn1.RawValue, error) {
	if len(cert.SubjectKeyId) > 0 {
		return 3, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: cert.SubjectKeyId}, nil
	}
	ias, err := asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber})
	if err != nil {
		return 0, asn1.RawValue{}, fmt.Errorf("sign: encode issuer and serial of %s: %w", cert.Subject, err)
	}
	return 1, asn1.RawValue{FullBytes: ias}, nil
}

// samePublicKey reports whether a and b are the same public key.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// Info describes a parsed signature.
type Info struct {
	// KeyID is the signer's subject key identifier, nil when the signer
	// is named by issuer and serial number.
	KeyID []byte
	// Issuer (DER) and Serial name the signer when KeyID is nil.
	Issuer []byte
	Serial *big.Int
	// Algorithm is "rsa" or "ecdsa".
	Algorithm string
	// Signature is the signature value.
	Signature []byte
}

// Parse decodes a signature made by Sign (or by bpftool or openssl in the
// same form) without checking it.
func Parse(sig []byte) (*Info, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(sig, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the ContentInfo", ErrMalformed, len(rest))
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: content type %v, want signedData", ErrMalformed, ci.ContentType)
	}
	if ci.Content.Class != asn1.ClassContextSpecific || ci.Content.Tag != 0 || !ci.Content.IsCompound {
		return nil, fmt.Errorf("%w: content is not [0] EXPLICIT", ErrMalformed)
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: SignedData: %v", ErrMalformed, err)
	}
	if !sd.EncapContentInfo.ContentType.Equal(oidData) {
		return nil, fmt.Errorf("%w: encapsulated content type %v, want data", ErrMalformed, sd.EncapContentInfo.ContentType)
	}
	if len(sd.EncapContentInfo.Content.FullBytes) != 0 {
		return nil, fmt.Errorf("%w: content is embedded, want a detached signature", ErrMalformed)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signers, want 1", ErrMalformed, len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	if len(si.SignedAttrs.FullBytes) != 0 {
		return nil, fmt.Errorf("%w: has signed attributes", ErrMalformed)
	}
	if !si.DigestAlgorithm.Algorithm.Equal(oidSHA256) {
		return nil, fmt.Errorf("%w: digest algorithm %v, want SHA-256", ErrMalformed, si.DigestAlgorithm.Algorithm)
	}
	info := &Info{Signature: si.Signature}
	switch a := si.SignatureAlgorithm.Algorithm; {
	case a.Equal(oidRSAEncryption), a.Equal(oidRSAWithSHA256):
		info.Algorithm = "rsa"
	case a.Equal(oidECDSAWithSHA2):
		info.Algorithm = "ecdsa"
	default:
		return nil, fmt.Errorf("%w: signature algorithm %v, want RSA or ECDSA with SHA-256", ErrMalformed, a)
	}
	switch {
	case si.SID.Class == asn1.ClassContextSpecific && si.SID.Tag == 0 && !si.SID.IsCompound:
		if si.Version != 3 || sd.Version != 3 {
			return nil, fmt.Errorf("%w: signer named by key id in a version %d/%d SignerInfo/SignedData, want 3", ErrMalformed, si.Version, sd.Version)
		}
		info.KeyID = si.SID.Bytes
	case si.SID.Class == asn1.ClassUniversal && si.SID.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if rest, err := asn1.Unmarshal(si.SID.FullBytes, &ias); err != nil || len(rest) != 0 {
			return nil, fmt.Errorf("%w: issuer and serial: %v", ErrMalformed, err)
		}
		if si.Version != 1 {
			return nil, fmt.Errorf("%w: signer named by issuer and serial in a version %d SignerInfo, want 1", ErrMalformed, si.Version)
		}
		info.Issuer, info.Serial = ias.Issuer.FullBytes, ias.Serial
	default:
		return nil, fmt.Errorf("%w: unknown signer identifier (class %d, tag %d)", ErrMalformed, si.SID.Class, si.SID.Tag)
	}
	return info, nil
}

// Verify checks that sig is a signature of data by the key of cert, as
// the kernel checks it: the signer named in sig must be cert (by subject
// key identifier or issuer and serial) and the signature value must verify
// with cert's public key over SHA-256(data). It does not check cert
// itself (validity dates, chain): the kernel trusts whatever key is in
// the keyring.
func Verify(data, sig []byte, cert *Certificate) error {
	info, err := Parse(sig)
	if err != nil {
		return err
	}
	if info.KeyID != nil {
		if !bytes.Equal(info.KeyID, cert.SubjectKeyId) {
			return fmt.Errorf("signer key id %x, certificate %s has %x: %w", info.KeyID, cert.Subject, cert.SubjectKeyId, ErrWrongSigner)
		}
	} else if !bytes.Equal(info.Issuer, cert.RawIssuer) || info.Serial.Cmp(cert.SerialNumber) != 0 {
		return fmt.Errorf("signer serial %x, certificate %s has serial %x: %w", info.Serial, cert.Subject, cert.SerialNumber, ErrWrongSigner)
	}
	digest := sha256.Sum256(data)
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if info.Algorithm != "rsa" {
			return fmt.Errorf("%s signature, RSA certificate: %w", info.Algorithm, ErrWrongSigner)
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], info.Signature); err != nil {
			return ErrBadSignature
		}
	case *ecdsa.PublicKey:
		if info.Algorithm != "ecdsa" {
			return fmt.Errorf("%s signature, ECDSA certificate: %w", info.Algorithm, ErrWrongSigner)
		}
		if !ecdsa.VerifyASN1(pub, digest[:], info.Signature) {
			return ErrBadSignature
		}
	default:
		return fmt.Errorf("certificate %s: %T keys are not supported (want RSA or ECDSA)", cert.Subject, pub)
	}
	return nil
}
