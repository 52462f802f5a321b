// Tests of Read: a signed loader written as a Go skeleton, a C skeleton and
// a raw loader reads back byte for byte, verifies offline, and one flipped
// byte of the embedded blob, instructions or signature is caught.

package skel

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/testsign"
)

// writeAll writes l in every form into dir and returns the files Read
// takes.
func writeAll(t *testing.T, dir string, l *loaderprog.Loader, withC bool) map[string]string {
	t.Helper()
	obj := compileObject(t, "xdp_globals.o")
	files := map[string]string{}
	var b bytes.Buffer
	if err := WriteGo(&b, l, obj, "xdpglobals"); err != nil {
		t.Fatal(err)
	}
	files["go"] = filepath.Join(dir, "skel.go")
	if err := os.WriteFile(files["go"], b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if withC {
		b.Reset()
		if err := WriteC(&b, l, obj, ""); err != nil {
			t.Fatal(err)
		}
		files["c"] = filepath.Join(dir, "skel.lskel.h")
		if err := os.WriteFile(files["c"], b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := WriteRaw(filepath.Join(dir, "raw"), l)
	if err != nil {
		t.Fatal(err)
	}
	files["raw"] = paths[len(paths)-1]
	return files
}

func TestReadSigned(t *testing.T) {
	key := testsign.NewSigningKey(t, testsign.ECP256, false)
	l, err := loaderprog.Generate(compileObject(t, "xdp_globals.o"), &loaderprog.Options{Sealed: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.SignLoader(l, key.Key, key.Cert); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := writeAll(t, dir, l, true)
	if _, err := os.Stat(filepath.Join(dir, "raw.sig")); err != nil {
		t.Errorf("raw loader without its signature file: %v", err)
	}
	for format, path := range files {
		e, err := Read(path)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if e.Format != format || !bytes.Equal(e.Blob, l.Blob) || !bytes.Equal(e.Insns, l.InsnBytes()) || !bytes.Equal(e.Signature, l.Signature) {
			t.Errorf("%s: read back differs (format %q)", format, e.Format)
		}
		if err := sign.VerifyLoader(e.Blob, e.Insns, e.Signature, key.Cert); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}

	// One flipped byte in the Go skeleton's base64 of the blob, the
	// instructions or the signature.
	src, err := os.ReadFile(files["go"])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		konst string
		want  error
	}{
		{"XdpGlobalsBlob", loaderprog.ErrBlobAltered},
		{"XdpGlobalsInsns", sign.ErrBadSignature},
		{"XdpGlobalsSignature", sign.ErrBadSignature},
	} {
		i := bytes.Index(src, []byte("const "+c.konst+" = `\n"))
		if i < 0 {
			t.Fatalf("no constant %s", c.konst)
		}
		// A character of the last full line of the literal: decodes to
		// other bytes of the same length.
		end := i + bytes.IndexByte(src[i:], '`') + 1
		end += bytes.IndexByte(src[end:], '`')
		last := bytes.LastIndexByte(src[:end-1], '\n')
		at := last - 10
		bad := bytes.Clone(src)
		if bad[at] == 'A' {
			bad[at] = 'B'
		} else {
			bad[at] = 'A'
		}
		p := filepath.Join(t.TempDir(), "bad.go")
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := Read(p)
		if err != nil {
			t.Fatal(err)
		}
		err = sign.VerifyLoader(e.Blob, e.Insns, e.Signature, key.Cert)
		if !errors.Is(err, c.want) && !(c.want == sign.ErrBadSignature && errors.Is(err, sign.ErrMalformed)) {
			t.Errorf("%s altered: %v, want %v", c.konst, err, c.want)
		}
	}
}

func TestReadUnsigned(t *testing.T) {
	l, err := loaderprog.Generate(compileObject(t, "xdp_globals.o"), nil)
	if err != nil {
		t.Fatal(err)
	}
	files := writeAll(t, t.TempDir(), l, false)
	for format, path := range files {
		e, err := Read(path)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if e.Signature != nil || !bytes.Equal(e.Insns, l.InsnBytes()) {
			t.Errorf("%s: signature %d bytes, instructions equal %v", format, len(e.Signature), bytes.Equal(e.Insns, l.InsnBytes()))
		}
	}
	if _, err := os.Stat(strings.TrimSuffix(files["raw"], ".json") + ".sig"); err == nil {
		t.Error("unsigned raw loader has a signature file")
	}
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a.go":   "package x\nconst A = 1\n",
		"b.go":   "not go",
		"c.h":    "int main(void) { return 0; }\n",
		"d.h":    "opts.data = (void *)\"\\x0\";", // unterminated
		"e.json": "{}",
		"f.json": "[",
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(p); !errors.Is(err, ErrNotSkeleton) {
			t.Errorf("%s: %v, want ErrNotSkeleton", name, err)
		}
	}
}

// TestReadBpftoolC reads the string arrays of bpftool's light skeletons:
// line continuations, octal and hex escapes.
func TestReadBpftoolC(t *testing.T) {
	src := "static inline int x__load(struct x *skel)\n{\n" +
		"\tstatic const char opts_data[] __attribute__((__aligned__(8))) = \"\\\n\\x01\\0\\0\\x02\\\n\\377\";\n" +
		"\tstatic const char opts_insn[] __attribute__((__aligned__(8))) = \"\\\n\\xb7\\0\\0\\0\\0\\0\\0\\0\";\n" +
		"\tstatic const char opts_sig[] __attribute__((__aligned__(8))) = \"\\\n\\x30\\x03\\12\";\n" +
		"\topts.data = (void *)opts_data;\n\topts.insns = (void *)opts_insn;\n}\n"
	p := filepath.Join(t.TempDir(), "x.lskel.h")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e.Blob, []byte{1, 0, 0, 2, 0xff}) || !bytes.Equal(e.Insns, []byte{0xb7, 0, 0, 0, 0, 0, 0, 0}) || !bytes.Equal(e.Signature, []byte{0x30, 3, 10}) {
		t.Errorf("read %x %x %x", e.Blob, e.Insns, e.Signature)
	}
}
