// This file finds the string constants of a Go file without go/parser:
// that package's initialisation and code would be paid by every run of the
// bpfc command, which links this package, loads or not. A small lexer
// (comments, string, rune and number literals, identifiers, Go's
// automatic semicolons) and the grammar of constant declarations are
// enough for a skeleton's NAMEBlob, NAMEInsns and NAMESignature.

package skel

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// goToken is a token of Go source: an identifier or keyword ('i'), a
// string literal ('s', text is its value), another literal ('l'), the end
// of a statement (';', also for a newline that ends one) or a punctuation
// character (its byte).
type goToken struct {
	kind byte
	text string
}

// errGoSyntax is wrapped by goStringConsts's errors.
var errGoSyntax = errors.New("not Go source")

// goTokens splits Go source into tokens.
func goTokens(src string) ([]goToken, error) {
	var toks []goToken
	// semi inserts the semicolon a newline makes after the last token.
	semi := func() {
		if n := len(toks); n > 0 {
			switch t := toks[n-1]; {
			case t.kind == 'i' || t.kind == 's' || t.kind == 'l', t.kind == ')' || t.kind == ']' || t.kind == '}':
				toks = append(toks, goToken{kind: ';'})
			}
		}
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\n':
			semi()
			i++
		case strings.HasPrefix(src[i:], "//"):
			n := strings.IndexByte(src[i:], '\n')
			if n < 0 {
				n = len(src) - i
			}
			i += n
		case strings.HasPrefix(src[i:], "/*"):
			n := strings.Index(src[i+2:], "*/")
			if n < 0 {
				return nil, fmt.Errorf("%w: unterminated comment", errGoSyntax)
			}
			if strings.Contains(src[i+2:i+2+n], "\n") {
				semi()
			}
			i += n + 4
		case c == '`':
			n := strings.IndexByte(src[i+1:], '`')
			if n < 0 {
				return nil, fmt.Errorf("%w: unterminated raw string", errGoSyntax)
			}
			// Carriage returns are not part of a raw string's value.
			toks = append(toks, goToken{kind: 's', text: strings.ReplaceAll(src[i+1:i+1+n], "\r", "")})
			i += n + 2
		case c == '"' || c == '\'':
			j := i + 1
			for ; j < len(src) && src[j] != c && src[j] != '\n'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) || src[j] != c {
				return nil, fmt.Errorf("%w: unterminated literal", errGoSyntax)
			}
			lit := src[i : j+1]
			i = j + 1
			if c == '\'' {
				toks = append(toks, goToken{kind: 'l', text: lit})
				continue
			}
			v, err := strconv.Unquote(lit)
			if err != nil {
				return nil, fmt.Errorf("%w: string literal %.20s: %v", errGoSyntax, lit, err)
			}
			toks = append(toks, goToken{kind: 's', text: v})
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9' || src[j] >= 0x80) {
				j++
			}
			toks = append(toks, goToken{kind: 'i', text: src[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] == '.' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, goToken{kind: 'l', text: src[i:j]})
			i = j
		default:
			toks = append(toks, goToken{kind: c})
			i++
		}
	}
	semi()
	return toks, nil
}

// goStringConsts returns the top-level constants of a Go file declared
// with a string literal: const NAME = "..." (or a raw string), alone or in
// a const ( ... ) group, with or without a type, several names at once.
func goStringConsts(src []byte) (map[string]string, error) {
	toks, err := goTokens(string(src))
	if err != nil {
		return nil, err
	}
	consts := map[string]string{}
	braces := 0
	for i := 0; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.kind == '{':
			braces++
		case t.kind == '}':
			braces--
		case braces == 0 && t.kind == 'i' && t.text == "const" && i+1 < len(toks):
			if toks[i+1].kind != '(' {
				i = constSpec(toks, i+1, consts)
				continue
			}
			for i += 2; i < len(toks) && toks[i].kind != ')'; {
				if toks[i].kind == ';' {
					i++
					continue
				}
				i = constSpec(toks, i, consts)
			}
		}
	}
	return consts, nil
}

// constSpec reads the constant spec starting at toks[i] into consts and
// returns the index of the token ending it (a ';' or the group's ')').
func constSpec(toks []goToken, i int, consts map[string]string) int {
	end, depth, eq := i, 0, -1
	for ; end < len(toks); end++ {
		k := toks[end].kind
		if depth == 0 && (k == ';' || k == ')') {
			break
		}
		switch k {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '=':
			if depth == 0 && eq < 0 {
				eq = end
			}
		}
	}
	if eq < 0 {
		return end
	}
	// Names: identifiers separated by commas; a type may follow.
	var names []string
	for j := i; j < eq && toks[j].kind == 'i'; j += 2 {
		names = append(names, toks[j].text)
		if j+1 >= eq || toks[j+1].kind != ',' {
			break
		}
	}
	// Values: expressions separated by commas; only lone string literals
	// count.
	var values []*goToken
	start, depth := eq+1, 0
	for j := eq + 1; j <= end; j++ {
		if j < end {
			switch toks[j].kind {
			case '(', '[', '{':
				depth++
				continue
			case ')', ']', '}':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		var v *goToken
		if j == start+1 && toks[start].kind == 's' {
			v = &toks[start]
		}
		values = append(values, v)
		start = j + 1
	}
	for k, n := range names {
		if k < len(values) && values[k] != nil {
			consts[n] = values[k].text
		}
	}
	return end
}
