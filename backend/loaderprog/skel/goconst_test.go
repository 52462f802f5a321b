// Tests of goStringConsts against go/parser (a second implementation): the
// Go skeleton of every test object the loader generator takes, and Go
// sources with the forms of constant declarations and the literals and
// comments that could mislead a scanner.

package skel

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"strconv"
	"testing"
)

// parserConsts is what goStringConsts returns, by go/parser: the
// top-level constants whose value is a string literal.
func parserConsts(t *testing.T, src []byte) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("go/parser: %v\n%s", err, src)
	}
	consts := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					consts[n.Name] = v
				}
			}
		}
	}
	return consts
}

func TestGoStringConsts(t *testing.T) {
	srcs := map[string][]byte{
		"forms": []byte("package p\n\n" +
			"// const InComment = \"no\"\n/* const InBlock = `no` */\n" +
			"const A = \"a\"\nconst B string = `b\r\nline \"two\"`\nconst C, D = \"c\", `d`\n" +
			"const (\n\tE = \"e\" // trailing\n\tF MyString = \"f\"\n\tG = \"g\" + \"h\"\n\tH, I = 1, \"i\"\n\tJ = iota\n\tK\n\tL = len(\"l\")\n)\n" +
			"const M =\n\t`m\nm`\n" +
			"const N = 'n'\nconst O = \"o\\\"`//\\x41\\u00e9\"; const P = \"p\"\n" +
			"const ( Q = \"q\"; R = \"r\" )\n" +
			"var V = \"v\"\nconst (\n)\ntype MyString string\n" +
			"func f() {\n\tconst Local = \"no\"\n\t_ = `const InRaw = \"no\"`\n\tif true {\n\t\tconst Deeper = \"no\"\n\t}\n}\n" +
			"const S = /* a comment */ \"s\"\nconst T = \"t\" /* multi\nline */\nconst U = 1.5e+3\nconst W = \"w\"\n"),
	}
	for name, l := range testLoaders(t) {
		var b bytes.Buffer
		if err := WriteGo(&b, l, compileObject(t, l.Object), ""); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		srcs[name] = b.Bytes()
	}
	for name, src := range srcs {
		want := parserConsts(t, src)
		got, err := goStringConsts(src)
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("%s: %v\n got %q\nwant %q", name, err, got, want)
		}
	}
	for _, bad := range []string{"const A = \"unterminated\n", "const A = `raw", "/* open", "const A = \"\\q\""} {
		if _, err := goStringConsts([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
