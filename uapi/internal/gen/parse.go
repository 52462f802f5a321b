// This file reads what the generator needs out of the C header
// linux/bpf.h: the members of a named or anonymous enum with their values,
// runs of #define'd flags, and the helper list of ___BPF_FUNC_MAPPER. It
// understands the small subset of C those declarations use (integer
// literals with U/L suffixes, shifts, '|', parentheses, and references to
// names defined before), not C in general.

package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// member is one enum member or #define'd constant.
type member struct {
	Name  string
	Value uint64
	// Alias names the member this one was defined as equal to
	// ("BPF_PROG_RUN = BPF_PROG_TEST_RUN"), "" otherwise.
	Alias string
}

// header is a parsed linux/bpf.h: its text without comments.
type header struct {
	text string
	// consts are every value known so far by name, for expressions that
	// refer to other constants.
	consts map[string]uint64
}

var (
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	lineComment  = regexp.MustCompile(`//[^\n]*`)
	lineSplice   = regexp.MustCompile(`\\\n`)
)

// parseHeader strips comments and line continuations from src.
func parseHeader(src string) *header {
	s := blockComment.ReplaceAllString(src, " ")
	s = lineComment.ReplaceAllString(s, "")
	s = lineSplice.ReplaceAllString(s, " ")
	return &header{text: s, consts: map[string]uint64{}}
}

// enumBody returns the text between the braces of "enum name {", or of
// the anonymous enum whose first member is first when name is "".
func (h *header) enumBody(name, first string) (string, error) {
	var re *regexp.Regexp
	what := "enum " + name
	if name != "" {
		re = regexp.MustCompile(`\benum\s+` + regexp.QuoteMeta(name) + `\s*\{([^}]*)\}`)
	} else {
		re = regexp.MustCompile(`\benum\s*\{(\s*` + regexp.QuoteMeta(first) + `\b[^}]*)\}`)
		what = "anonymous enum starting with " + first
	}
	m := re.FindStringSubmatch(h.text)
	if m == nil {
		return "", fmt.Errorf("%s not found", what)
	}
	return m[1], nil
}

// enum returns the members of an enum (see enumBody) in order, with their
// values. Members from the first "__MAX_" one on are left out: they are
// not values of the enumeration (bpf_cmd puts a flag, BPF_COMMON_ATTRS,
// after __MAX_BPF_CMD).
func (h *header) enum(name, first string) ([]member, error) {
	body, err := h.enumBody(name, first)
	if err != nil {
		return nil, err
	}
	var out []member
	next := uint64(0)
	for item := range strings.SplitSeq(body, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n, expr, hasValue := strings.Cut(item, "=")
		n = strings.TrimSpace(n)
		if !isIdent(n) {
			return nil, fmt.Errorf("enum %s: bad member %q", name, item)
		}
		if strings.HasPrefix(n, "__MAX_") {
			break
		}
		m := member{Name: n, Value: next}
		if hasValue {
			expr = strings.TrimSpace(expr)
			v, err := h.eval(expr)
			if err != nil {
				return nil, fmt.Errorf("enum %s: %s: %w", name, n, err)
			}
			m.Value = v
			if _, ok := h.consts[expr]; ok && isIdent(expr) {
				m.Alias = expr
			}
		}
		h.consts[n] = m.Value
		next = m.Value + 1
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("enum %s has no members", name)
	}
	return out, nil
}

var defineRE = regexp.MustCompile(`(?m)^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+([^\n]*)$`)

// defineRun returns the #define'd constants of the run of consecutive
// "#define <prefix>..." lines that starts with first, in order. Blank
// lines and comments (already stripped) do not end the run; any other
// line does.
func (h *header) defineRun(first, prefix string) ([]member, error) {
	start := regexp.MustCompile(`(?m)^[ \t]*#[ \t]*define[ \t]+` + regexp.QuoteMeta(first) + `\b`).FindStringIndex(h.text)
	if start == nil {
		return nil, fmt.Errorf("#define %s not found", first)
	}
	var out []member
	for line := range strings.Lines(h.text[start[0]:]) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		m := defineRE.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil || !strings.HasPrefix(m[1], prefix) {
			break
		}
		v, err := h.eval(strings.TrimSpace(m[2]))
		if err != nil {
			return nil, fmt.Errorf("#define %s: %w", m[1], err)
		}
		h.consts[m[1]] = v
		out = append(out, member{Name: m[1], Value: v})
	}
	return out, nil
}

var fnRE = regexp.MustCompile(`\bFN\(\s*([a-z0-9_]+)\s*,\s*([0-9]+)\s*,\s*##ctx\s*\)`)

// helpers returns the helper functions of ___BPF_FUNC_MAPPER: name
// ("map_lookup_elem", without the bpf_ prefix) and number.
func (h *header) helpers() ([]member, error) {
	m := regexp.MustCompile(`#[ \t]*define[ \t]+___BPF_FUNC_MAPPER\(FN, ctx\.\.\.\)([^\n]*)`).FindStringSubmatch(h.text)
	if m == nil {
		return nil, fmt.Errorf("___BPF_FUNC_MAPPER(FN, ctx...) not found (a header before Linux 6.1?)")
	}
	var out []member
	for _, fn := range fnRE.FindAllStringSubmatch(m[1], -1) {
		v, err := strconv.ParseUint(fn[2], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("helper %s: %w", fn[1], err)
		}
		if uint64(len(out)) != v {
			return nil, fmt.Errorf("helper %s is number %d, want %d (the list is dense)", fn[1], v, len(out))
		}
		out = append(out, member{Name: fn[1], Value: v})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("___BPF_FUNC_MAPPER lists no helper")
	}
	return out, nil
}

// isIdent reports whether s is a C identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if c != '_' && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// eval computes a constant expression: integer literals (decimal, hex,
// with U/L suffixes), known names, parentheses, '<<' and '|'.
func (h *header) eval(expr string) (uint64, error) {
	p := &exprParser{h: h, s: expr}
	v, err := p.or()
	if err != nil {
		return 0, fmt.Errorf("%q: %w", expr, err)
	}
	if p.skip(); p.i != len(p.s) {
		return 0, fmt.Errorf("%q: unexpected %q", expr, p.s[p.i:])
	}
	return v, nil
}

type exprParser struct {
	h *header
	s string
	i int
}

func (p *exprParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *exprParser) or() (uint64, error) {
	v, err := p.shift()
	for err == nil {
		if p.skip(); p.i >= len(p.s) || p.s[p.i] != '|' {
			break
		}
		p.i++
		var w uint64
		w, err = p.shift()
		v |= w
	}
	return v, err
}

func (p *exprParser) shift() (uint64, error) {
	v, err := p.atom()
	for err == nil {
		if p.skip(); !strings.HasPrefix(p.s[p.i:], "<<") {
			break
		}
		p.i += 2
		var n uint64
		if n, err = p.atom(); err == nil {
			if n >= 64 {
				return 0, fmt.Errorf("shift by %d", n)
			}
			v <<= n
		}
	}
	return v, err
}

func (p *exprParser) atom() (uint64, error) {
	p.skip()
	if p.i >= len(p.s) {
		return 0, fmt.Errorf("missing operand")
	}
	if p.s[p.i] == '(' {
		p.i++
		v, err := p.or()
		if err != nil {
			return 0, err
		}
		if p.skip(); p.i >= len(p.s) || p.s[p.i] != ')' {
			return 0, fmt.Errorf("missing ')'")
		}
		p.i++
		return v, nil
	}
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z') {
		j++
	}
	tok := p.s[p.i:j]
	if tok == "" {
		return 0, fmt.Errorf("unexpected %q", p.s[p.i:])
	}
	p.i = j
	if tok[0] >= '0' && tok[0] <= '9' {
		v, err := strconv.ParseUint(strings.TrimRight(tok, "uUlL"), 0, 64)
		if err != nil {
			return 0, fmt.Errorf("literal %q: %w", tok, err)
		}
		return v, nil
	}
	v, ok := p.h.consts[tok]
	if !ok {
		return 0, fmt.Errorf("unknown name %s", tok)
	}
	return v, nil
}
