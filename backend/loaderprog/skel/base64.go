// This file encodes and decodes standard base64 (RFC 4648, padded), as
// encoding/base64's StdEncoding does, for the constants of Go skeletons:
// encoding/base64 builds its alphabets' tables at start-up in every
// program that links it, the bpfc command included, loads or not.

package skel

import (
	"errors"
	"fmt"
)

// base64Alphabet is the standard alphabet.
const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// base64Encode encodes b, padded with '='.
func base64Encode(b []byte) string {
	out := make([]byte, 0, (len(b)+2)/3*4)
	for len(b) >= 3 {
		v := uint(b[0])<<16 | uint(b[1])<<8 | uint(b[2])
		out = append(out, base64Alphabet[v>>18], base64Alphabet[v>>12&63], base64Alphabet[v>>6&63], base64Alphabet[v&63])
		b = b[3:]
	}
	switch len(b) {
	case 1:
		v := uint(b[0]) << 16
		out = append(out, base64Alphabet[v>>18], base64Alphabet[v>>12&63], '=', '=')
	case 2:
		v := uint(b[0])<<16 | uint(b[1])<<8
		out = append(out, base64Alphabet[v>>18], base64Alphabet[v>>12&63], base64Alphabet[v>>6&63], '=')
	}
	return string(out)
}

// errBase64 is wrapped by base64Decode's errors.
var errBase64 = errors.New("illegal base64 data")

// base64Digit returns the value of a character of the alphabet, or -1.
func base64Digit(c byte) int {
	switch {
	case c >= 'A' && c <= 'Z':
		return int(c - 'A')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 26
	case c >= '0' && c <= '9':
		return int(c-'0') + 52
	case c == '+':
		return 62
	case c == '/':
		return 63
	}
	return -1
}

// base64Decode decodes s as base64.StdEncoding.DecodeString does: it
// skips newlines (\n, \r), wants the padding and ignores the bits the
// padding leaves over.
func base64Decode(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)/4*3)
	var quad [4]int
	n, pad := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || c == '\r' {
			continue
		}
		if pad > 0 && c != '=' {
			return nil, fmt.Errorf("%w at input byte %d", errBase64, i)
		}
		d := base64Digit(c)
		switch {
		case c == '=' && n >= 2:
			pad++
			d = 0
		case d < 0:
			return nil, fmt.Errorf("%w at input byte %d", errBase64, i)
		}
		quad[n] = d
		n++
		if n < 4 {
			continue
		}
		v := quad[0]<<18 | quad[1]<<12 | quad[2]<<6 | quad[3]
		switch pad {
		case 0:
			out = append(out, byte(v>>16), byte(v>>8), byte(v))
		case 1:
			out = append(out, byte(v>>16), byte(v>>8))
		case 2:
			out = append(out, byte(v>>16))
		}
		n = 0
		if pad > 0 {
			// Only newlines may follow the padding.
			for i++; i < len(s); i++ {
				if s[i] != '\n' && s[i] != '\r' {
					return nil, fmt.Errorf("%w at input byte %d", errBase64, i)
				}
			}
		}
	}
	if n != 0 {
		return nil, fmt.Errorf("%w: %d characters left over", errBase64, n)
	}
	return out, nil
}
