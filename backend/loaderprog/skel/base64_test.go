// Tests of base64Encode and base64Decode against encoding/base64's
// StdEncoding (a second implementation): every length around the block
// boundaries, and texts to decode, well-formed or not.

package skel

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

func TestBase64(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 70 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		enc := base64Encode(b)
		if want := base64.StdEncoding.EncodeToString(b); enc != want {
			t.Errorf("%d bytes: %q, encoding/base64 %q", n, enc, want)
		}
		if dec, err := base64Decode(base64Lines(b)); err != nil || !bytes.Equal(dec, b) {
			t.Errorf("%d bytes: decoded %x, %v", n, dec, err)
		}
	}
	for _, s := range []string{
		"", "QQ==", "QUI=", "QUJD", "QUJDRA==", "QQ==\n", "\nQU\nJD\r\n", "AB==", "ABC=",
		"Q", "QQ", "QQ=", "QQ===", "Q===", "====", "QQ==QQ==", "QQ== ", "QU JD", "QUJD=", "QUJ*", "QUJDRA", "=QUJ",
		"QUJD\n==", "QQ=\n=", "QQ=x",
	} {
		want, werr := base64.StdEncoding.DecodeString(s)
		got, err := base64Decode(s)
		if (err == nil) != (werr == nil) || err == nil && !bytes.Equal(got, want) {
			t.Errorf("%q: %x, %v; encoding/base64 %x, %v", s, got, err, want, werr)
		}
	}
}
