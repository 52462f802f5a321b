// This file reads a generated skeleton back: the blob, the loader's
// instructions and the signature a Go skeleton, a C skeleton or a raw
// loader's manifest carries, so that `bpfc -verify-sig` can check it
// offline.

package skel

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNotSkeleton is wrapped by Read's errors for a file that is not a
// skeleton bpfc wrote.
var ErrNotSkeleton = errors.New("not a bpfc light skeleton")

// Embedded is the loader a skeleton carries.
type Embedded struct {
	// Format is "go", "c" or "raw".
	Format string
	// Blob, Insns and Signature (nil when unsigned) as embedded.
	Blob, Insns, Signature []byte
}

// Read reads the loader embedded in the skeleton at path: a Go file
// (.go), a raw loader's manifest (.json, with the files it names beside
// it) or a C header (anything else).
func Read(path string) (*Embedded, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e *Embedded
	switch filepath.Ext(path) {
	case ".go":
		e, err = readGo(src)
	case ".json":
		e, err = readRaw(filepath.Dir(path), src)
	default:
		e, err = readC(src)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// readGo finds the constants NAMEBlob, NAMEInsns and NAMESignature of a Go
// skeleton (base64 in raw string literals).
func readGo(src []byte) (*Embedded, error) {
	consts, err := goStringConsts(src)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotSkeleton, err)
	}
	e := &Embedded{Format: "go"}
	for name, v := range consts {
		base, ok := strings.CutSuffix(name, "Blob")
		if !ok {
			continue
		}
		insns, ok := consts[base+"Insns"]
		if !ok {
			continue
		}
		if e.Blob != nil {
			return nil, fmt.Errorf("%w: two loaders (%sBlob and another)", ErrNotSkeleton, base)
		}
		if e.Blob, err = base64Decode(v); err != nil {
			return nil, fmt.Errorf("%sBlob: %w", base, err)
		}
		if e.Insns, err = base64Decode(insns); err != nil {
			return nil, fmt.Errorf("%sInsns: %w", base, err)
		}
		if sig, ok := consts[base+"Signature"]; ok {
			if e.Signature, err = base64Decode(sig); err != nil {
				return nil, fmt.Errorf("%sSignature: %w", base, err)
			}
		}
	}
	if e.Blob == nil {
		return nil, fmt.Errorf("%w: no NAMEBlob and NAMEInsns constants", ErrNotSkeleton)
	}
	return e, nil
}

// readRaw reads the files a raw loader's manifest names.
func readRaw(dir string, src []byte) (*Embedded, error) {
	top, err := jsonTopStrings(src)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotSkeleton, err)
	}
	// The members a Manifest names blob, insns and signature.
	m := Manifest{Blob: top["blob"], Insns: top["insns"], Signature: top["signature"]}
	if m.Blob == "" || m.Insns == "" {
		return nil, fmt.Errorf("%w: manifest names no blob and instructions", ErrNotSkeleton)
	}
	e := &Embedded{Format: "raw"}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{m.Blob, &e.Blob}, {m.Insns, &e.Insns}, {m.Signature, &e.Signature}} {
		if f.name == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.Base(f.name)))
		if err != nil {
			return nil, err
		}
		*f.dst = b
	}
	return e, nil
}

// readC reads the string literals of a C light skeleton's NAME__load:
// bpfc's (assigned to opts.data, opts.insns, opts.signature) or bpftool's
// (the arrays opts_data, opts_insn, opts_sig).
func readC(src []byte) (*Embedded, error) {
	s := string(src)
	e := &Embedded{Format: "c"}
	for _, f := range []struct {
		prefixes []string
		dst      *[]byte
		optional bool
	}{
		{[]string{"opts.data = (void *)", "opts_data[] __attribute__((__aligned__(8))) ="}, &e.Blob, false},
		{[]string{"opts.insns = (void *)", "opts_insn[] __attribute__((__aligned__(8))) ="}, &e.Insns, false},
		{[]string{"opts.signature = (void *)", "opts_sig[] __attribute__((__aligned__(8))) ="}, &e.Signature, true},
	} {
		var found bool
		for _, prefix := range f.prefixes {
			b, ok, err := cAssignedString(s, prefix)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", strings.TrimSpace(prefix), err)
			}
			if ok {
				*f.dst, found = b, true
				break
			}
		}
		if !found && !f.optional {
			return nil, fmt.Errorf("%w: no %s string", ErrNotSkeleton, strings.TrimSuffix(f.prefixes[0], " = (void *)"))
		}
	}
	return e, nil
}

// cAssignedString decodes the adjacent C string literals after prefix, up
// to the ';'.
func cAssignedString(s, prefix string) ([]byte, bool, error) {
	i := strings.Index(s, prefix)
	if i < 0 {
		return nil, false, nil
	}
	s = s[i+len(prefix):]
	if !strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), `"`) {
		return nil, false, nil // e.g. bpftool's opts.data = (void *)opts_data
	}
	var out []byte
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if strings.HasPrefix(s, ";") {
			return out, true, nil
		}
		if !strings.HasPrefix(s, `"`) {
			return nil, true, fmt.Errorf("%w: expected a string literal", ErrNotSkeleton)
		}
		s = s[1:]
		for {
			if s == "" {
				return nil, true, fmt.Errorf("%w: unterminated string literal", ErrNotSkeleton)
			}
			c := s[0]
			if c == '"' {
				s = s[1:]
				break
			}
			if c != '\\' {
				out = append(out, c)
				s = s[1:]
				continue
			}
			if len(s) < 2 {
				return nil, true, fmt.Errorf("%w: bad escape", ErrNotSkeleton)
			}
			switch e := s[1]; {
			case e == '\n': // line continuation
				s = s[2:]
			case e == 'x':
				n := 2
				for n < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[n]) >= 0 {
					n++
				}
				v, err := strconv.ParseUint(s[2:n], 16, 8)
				if err != nil {
					return nil, true, fmt.Errorf("%w: bad \\x escape", ErrNotSkeleton)
				}
				out = append(out, byte(v))
				s = s[n:]
			case e >= '0' && e <= '7':
				n := 1
				for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
					n++
				}
				v, err := strconv.ParseUint(s[1:n], 8, 8)
				if err != nil {
					return nil, true, fmt.Errorf("%w: bad octal escape", ErrNotSkeleton)
				}
				out = append(out, byte(v))
				s = s[n:]
			case e == '\\' || e == '"' || e == '\'':
				out = append(out, e)
				s = s[2:]
			case e == 'n':
				out = append(out, '\n')
				s = s[2:]
			default:
				return nil, true, fmt.Errorf("%w: unsupported escape \\%c", ErrNotSkeleton, e)
			}
		}
	}
}
