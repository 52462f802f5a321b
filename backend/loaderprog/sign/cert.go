// This file reads X.509 certificates (PEM or DER) as far as signing needs
// them: the signer's identifiers (subject key identifier, issuer and
// serial number), its public key and a name to print. It decodes them with
// encoding/asn1 rather than crypto/x509, which would link the net package
// (and with it cgo) into every program that signs, the bpfc command
// included. It checks nothing of the certificate itself (dates, chain,
// its own signature): the kernel trusts whatever key is in the keyring.

package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"
)

// Certificate is what signing uses of an X.509 certificate. Its fields
// are named as crypto/x509.Certificate's.
type Certificate struct {
	// Raw is the whole certificate (DER).
	Raw []byte
	// RawIssuer and RawSubject are the DER of the issuer's and subject's
	// names.
	RawIssuer, RawSubject []byte
	// SerialNumber is the certificate's serial number.
	SerialNumber *big.Int
	// SubjectKeyId is the subject key identifier extension's value, nil
	// when the certificate has none.
	SubjectKeyId []byte
	// PublicKey is the subject's key: *rsa.PublicKey or *ecdsa.PublicKey.
	PublicKey crypto.PublicKey
	// Subject is the subject's name as an RFC 4514 string
	// ("CN=name,O=org"), for messages.
	Subject string
}

// Equal reports whether c and other are the same certificate.
func (c *Certificate) Equal(other *Certificate) bool {
	return c != nil && other != nil && bytes.Equal(c.Raw, other.Raw)
}

// Object identifiers of certificates (RFC 5280).
var oidSubjectKeyID = asn1.ObjectIdentifier{2, 5, 29, 14}

// ASN.1 structures of a certificate, as much as Certificate needs.
type (
	certificate struct {
		TBS                asn1.RawValue
		SignatureAlgorithm algorithmIdentifier
		Signature          asn1.BitString
	}
	tbsCertificate struct {
		Version            int `asn1:"optional,explicit,default:0,tag:0"`
		SerialNumber       *big.Int
		SignatureAlgorithm algorithmIdentifier
		Issuer             asn1.RawValue
		Validity           asn1.RawValue
		Subject            asn1.RawValue
		PublicKey          publicKeyInfo
		IssuerUniqueID     asn1.BitString `asn1:"optional,tag:1"`
		SubjectUniqueID    asn1.BitString `asn1:"optional,tag:2"`
		Extensions         []extension    `asn1:"optional,explicit,tag:3"`
	}
	publicKeyInfo struct {
		Algorithm algorithmIdentifier
		PublicKey asn1.BitString
	}
	extension struct {
		ID       asn1.ObjectIdentifier
		Critical bool `asn1:"optional"`
		Value    []byte
	}
	pkcs1PublicKey struct {
		N *big.Int
		E int
	}
	attributeTypeAndValue struct {
		Type  asn1.ObjectIdentifier
		Value asn1.RawValue
	}
)

// ParseCert decodes an X.509 certificate, PEM ("CERTIFICATE", the first
// one) or DER.
func ParseCert(data []byte) (*Certificate, error) {
	for rest := data; ; {
		b, r := pem.Decode(rest)
		if b == nil {
			break
		}
		rest = r
		if b.Type == "CERTIFICATE" {
			return parseCertDER(b.Bytes)
		}
	}
	cert, err := parseCertDER(data)
	if err != nil {
		return nil, fmt.Errorf("neither a PEM certificate nor DER: %w", err)
	}
	return cert, nil
}

// parseCertDER decodes a DER certificate.
func parseCertDER(der []byte) (*Certificate, error) {
	var c certificate
	if err := unmarshalAll(der, &c); err != nil {
		return nil, fmt.Errorf("X.509 certificate: %w", err)
	}
	var tbs tbsCertificate
	if err := unmarshalAll(c.TBS.FullBytes, &tbs); err != nil {
		return nil, fmt.Errorf("X.509 certificate: TBSCertificate: %w", err)
	}
	if tbs.SerialNumber == nil {
		return nil, errors.New("X.509 certificate: no serial number")
	}
	cert := &Certificate{
		Raw:          der[:len(der):len(der)],
		RawIssuer:    tbs.Issuer.FullBytes,
		RawSubject:   tbs.Subject.FullBytes,
		SerialNumber: tbs.SerialNumber,
	}
	var err error
	if cert.Subject, err = nameString(tbs.Subject.FullBytes); err != nil {
		return nil, fmt.Errorf("X.509 certificate: subject: %w", err)
	}
	if cert.PublicKey, err = parsePublicKey(tbs.PublicKey); err != nil {
		return nil, fmt.Errorf("X.509 certificate %s: %w", cert.Subject, err)
	}
	for _, e := range tbs.Extensions {
		if !e.ID.Equal(oidSubjectKeyID) {
			continue
		}
		// extnValue holds a DER KeyIdentifier, an OCTET STRING.
		if err := unmarshalAll(e.Value, &cert.SubjectKeyId); err != nil {
			return nil, fmt.Errorf("X.509 certificate %s: subject key identifier: %w", cert.Subject, err)
		}
	}
	return cert, nil
}

// parsePublicKey decodes an RSA or EC SubjectPublicKeyInfo.
func parsePublicKey(pki publicKeyInfo) (crypto.PublicKey, error) {
	switch alg := pki.Algorithm.Algorithm; {
	case alg.Equal(oidRSAEncryption):
		var k pkcs1PublicKey
		if err := unmarshalAll(pki.PublicKey.RightAlign(), &k); err != nil {
			return nil, fmt.Errorf("RSA public key: %w", err)
		}
		if k.N.Sign() <= 0 || k.E <= 0 {
			return nil, errors.New("RSA public key: modulus or exponent not positive")
		}
		return &rsa.PublicKey{N: k.N, E: k.E}, nil
	case alg.Equal(oidECPublicKey):
		var oid asn1.ObjectIdentifier
		if err := unmarshalAll(pki.Algorithm.Parameters.FullBytes, &oid); err != nil {
			return nil, fmt.Errorf("EC public key: curve: %w", err)
		}
		curve := curveByOID(oid)
		if curve == nil {
			return nil, fmt.Errorf("EC public key: curve %v is not supported (want P-224, P-256, P-384 or P-521)", oid)
		}
		k, err := ecdsa.ParseUncompressedPublicKey(curve, pki.PublicKey.RightAlign())
		if err != nil {
			return nil, fmt.Errorf("EC public key: %w", err)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("%v public keys are not supported (want RSA or ECDSA)", alg)
	}
}

// attributeName returns the short name RFC 4514 (and crypto/x509/pkix)
// gives an attribute type of names, or "" (the type then prints as its
// dotted OID).
func attributeName(oid asn1.ObjectIdentifier) string {
	if len(oid) != 4 || oid[0] != 2 || oid[1] != 5 || oid[2] != 4 {
		return ""
	}
	switch oid[3] {
	case 3:
		return "CN"
	case 5:
		return "SERIALNUMBER"
	case 6:
		return "C"
	case 7:
		return "L"
	case 8:
		return "ST"
	case 9:
		return "STREET"
	case 10:
		return "O"
	case 11:
		return "OU"
	case 17:
		return "POSTALCODE"
	}
	return ""
}

// rdnSET is a RelativeDistinguishedName: encoding/asn1 decodes a slice
// type whose name ends in SET as a SET OF.
type rdnSET []attributeTypeAndValue

// nameString formats a DER Name as RFC 4514 (and pkix.RDNSequence's
// String) does: the relative distinguished names last to first, separated
// by commas, the attributes of one joined by "+", each TYPE=value with
// the special characters escaped; an attribute of a type without a short
// name as its dotted OID, "=#" and its value's DER in hex.
func nameString(der []byte) (string, error) {
	var rdns []rdnSET
	if err := unmarshalAll(der, &rdns); err != nil {
		return "", err
	}
	var b strings.Builder
	for i := len(rdns) - 1; i >= 0; i-- {
		if i < len(rdns)-1 {
			b.WriteByte(',')
		}
		for j, atv := range rdns[i] {
			if j > 0 {
				b.WriteByte('+')
			}
			var s string
			name := attributeName(atv.Type)
			if _, err := asn1.Unmarshal(atv.Value.FullBytes, &s); name == "" || err != nil {
				b.WriteString(atv.Type.String())
				b.WriteString("=#")
				b.WriteString(hex.EncodeToString(atv.Value.FullBytes))
				continue
			}
			b.WriteString(name)
			b.WriteByte('=')
			escapeValue(&b, s)
		}
	}
	return b.String(), nil
}

// escapeValue writes an attribute value with a backslash before the
// characters RFC 4514 section 2.4 says to escape.
func escapeValue(b *strings.Builder, s string) {
	for i, r := range s {
		switch {
		case strings.ContainsRune(`,+"\<>;`, r),
			r == ' ' && (i == 0 || i == len(s)-1),
			r == '#' && i == 0:
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
}

// LoadCert reads a certificate file (see ParseCert).
func LoadCert(path string) (*Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("certificate: %w", err)
	}
	c, err := ParseCert(data)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", path, err)
	}
	return c, nil
}
