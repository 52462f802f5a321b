// This file lays out the Go skeleton as gofmt would, without go/format:
// that package (with go/parser and go/printer) would be linked into the
// bpfc command, and its initialisation paid by every run, loads included.
// WriteGo emits its code unindented, one construct per line; formatGo
// indents it by bracket depth and aligns, through text/tabwriter set up as
// go/printer sets it up, the columns go/printer aligns in the constructs
// WriteGo emits: struct fields (name, type, comment), constant and
// variable specs (names, type, value, comment), and the key: value
// elements of composite literals. It is not a general formatter: it
// refuses what it was not written for (a line opening two brackets, an
// unbalanced bracket), and the tests check its output against go/format
// on the skeleton of every test object.

package skel

import (
	"bytes"
	"fmt"
	"strings"
	"text/tabwriter"
)

// goLine is a line of the skeleton, parsed for formatGo.
type goLine struct {
	verbatim   bool     // inside a raw string: written as is
	blank      bool     // an empty line
	comment    bool     // a line holding only a comment
	indent     int      // indentation, in tabs
	cells      []string // aligned columns, then last
	last       string   // the rest of the line
	leading    bool     // starts with a closing bracket
	push, pops int      // contexts the line opens (0 or 1) and closes
	kind       byte     // the context the line is in
}

// formatGo formats src, Go source as WriteGo emits it.
func formatGo(src []byte) ([]byte, error) {
	var (
		stack []byte // contexts: 'S' struct fields, 'C' const/var specs, 'L' composite literal elements, 'B' other
		raw   bool   // inside a raw string literal
		lines []goLine
	)
	for n, text := range strings.Split(strings.TrimRight(string(src), "\n"), "\n") {
		if raw {
			// Inside a raw string: verbatim, up to its end.
			if end := strings.IndexByte(text, '`'); end >= 0 {
				if strings.TrimSpace(text[end+1:]) != "" {
					return nil, fmt.Errorf("gofmt: line %d: text after a raw string", n+1)
				}
				raw = false
			}
			lines = append(lines, goLine{verbatim: true, last: text})
			continue
		}
		text = strings.TrimSpace(text)
		if text == "" {
			if len(lines) > 0 && !lines[len(lines)-1].blank {
				lines = append(lines, goLine{blank: true})
			}
			continue
		}
		opens, closes, leading, code, comment, rawOpen, err := scanGoLine(text)
		if err != nil {
			return nil, fmt.Errorf("gofmt: line %d: %w", n+1, err)
		}
		raw = rawOpen
		l := goLine{last: text, leading: leading > 0, comment: code == ""}
		// Leading closers end contexts opened on earlier lines; the rest
		// of the line may open one more, or close more.
		rest := opens - (closes - leading)
		l.pops = leading
		if rest < 0 {
			l.pops -= rest
		}
		if rest > 1 || leading > 0 && rest > 0 && code[0] != '}' {
			return nil, fmt.Errorf("gofmt: line %d opens more than one bracket: %q", n+1, text)
		}
		if l.pops > len(stack) {
			return nil, fmt.Errorf("gofmt: line %d: unbalanced %q", n+1, text)
		}
		l.indent = len(stack)
		if len(stack) > 0 {
			l.kind = stack[len(stack)-1]
		}
		if leading > 0 {
			l.indent--
		}
		// The columns go/printer aligns in this line's construct.
		if leading == 0 && !l.comment {
			switch l.kind {
			case 'S': // Name Type // comment
				name, typ, _ := strings.Cut(code, " ")
				switch {
				case rest > 0 || comment == "":
					l.cells, l.last = []string{name}, typ
				default:
					l.cells, l.last = []string{name, typ}, comment
				}
			case 'C': // Names [Type] = Value // comment
				if rest != 0 {
					break
				}
				names, value, ok := strings.Cut(code, " = ")
				if !ok {
					break
				}
				name, typ, hasType := strings.Cut(names, " ")
				l.cells, l.last = []string{name}, "= "+value
				if hasType {
					l.cells = append(l.cells, typ)
				}
				if comment != "" {
					l.cells = append(l.cells, l.last)
					if !hasType {
						l.cells = append(l.cells, "")
					}
					l.last = comment
				}
			case 'L': // Key: value, on a line of its own
				if key, value, ok := cutKey(code); ok && rest == 0 && comment == "" {
					l.cells, l.last = []string{key + ":"}, value
				}
			}
		}
		stack = stack[:len(stack)-l.pops]
		if rest > 0 {
			l.push = 1
			stack = append(stack, openKind(code))
		}
		lines = append(lines, l)
	}
	if raw || len(stack) != 0 {
		return nil, fmt.Errorf("gofmt: unterminated raw string or bracket at the end")
	}

	// go/printer ends column sections (a formfeed flushes the tabwriter)
	// after a line that opens or closes a bracket, before a line that
	// closes one or holds only a comment, and before an element of a
	// composite literal that spans lines.
	var out bytes.Buffer
	tw := tabwriter.NewWriter(&out, 0, 8, 1, ' ', tabwriter.DiscardEmptyColumns|tabwriter.TabIndent|tabwriter.StripEscape)
	for i, l := range lines {
		var b []byte
		if !l.verbatim {
			b = bytes.Repeat([]byte{'\t'}, l.indent)
		}
		for _, c := range l.cells {
			b = append(append(b, escape(c)...), '\v')
		}
		b = append(b, escape(l.last)...)
		end := byte('\n')
		if l.push > 0 || l.pops > 0 {
			end = '\f'
		}
		if i+1 < len(lines) {
			next := lines[i+1]
			if next.leading || next.comment && !next.verbatim || next.kind == 'L' && next.push > 0 {
				end = '\f'
			}
		}
		tw.Write(append(b, end))
	}
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	// Trailing blanks: the padding tabwriter gives an empty last cell.
	var res bytes.Buffer
	for l := range bytes.Lines(out.Bytes()) {
		res.Write(bytes.TrimRight(l, " \t\n\f"))
		res.WriteByte('\n')
	}
	return res.Bytes(), nil
}

// escape brackets s with tabwriter.Escape, so that its tabs are text.
func escape(s string) []byte {
	if s == "" {
		return nil
	}
	b := make([]byte, 0, len(s)+2)
	return append(append(append(b, tabwriter.Escape), s...), tabwriter.Escape)
}

// openKind is the construct the bracket that ends code opens.
func openKind(code string) byte {
	switch {
	case strings.HasSuffix(code, "struct {"):
		return 'S'
	case code == "const (" || code == "var (":
		return 'C'
	case strings.HasPrefix(code, "func ") || strings.HasPrefix(code, "if ") || strings.HasPrefix(code, "for ") ||
		strings.HasPrefix(code, "switch ") || strings.HasPrefix(code, "} else") || code == "import (" || strings.HasSuffix(code, "struct{"):
		return 'B'
	}
	return 'L'
}

// cutKey splits a composite literal element "Key: value," into its key
// and the rest.
func cutKey(code string) (key, value string, ok bool) {
	i := 0
	for i < len(code) && (code[i] == '_' || code[i] >= 'a' && code[i] <= 'z' || code[i] >= 'A' && code[i] <= 'Z' || i > 0 && code[i] >= '0' && code[i] <= '9') {
		i++
	}
	if i == 0 || !strings.HasPrefix(code[i:], ": ") {
		return "", "", false
	}
	return code[:i], code[i+2:], true
}

// scanGoLine counts the brackets a line of Go opens and closes outside
// literals and comments, and how many closing brackets it starts with;
// it splits off a trailing comment (code is the rest, trimmed) and says
// whether the line ends inside a raw string literal.
func scanGoLine(text string) (opens, closes, leading int, code, comment string, rawOpen bool, err error) {
	atStart := true
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case '(', '[', '{':
			opens++
			atStart = false
		case ')', ']', '}':
			closes++
			if atStart {
				leading++
			}
		case '"', '\'':
			atStart = false
			j := i + 1
			for ; j < len(text) && text[j] != c; j++ {
				if text[j] == '\\' {
					j++
				}
			}
			if j >= len(text) {
				return 0, 0, 0, "", "", false, fmt.Errorf("unterminated literal in %q", text)
			}
			i = j
		case '`':
			atStart = false
			j := strings.IndexByte(text[i+1:], '`')
			if j < 0 {
				return opens, closes, leading, text, "", true, nil
			}
			i += j + 1
		case '/':
			if i+1 < len(text) && text[i+1] == '/' {
				return opens, closes, leading, strings.TrimSpace(text[:i]), text[i:], false, nil
			}
			atStart = false
		case ' ', ',':
			if c == ',' {
				atStart = false
			}
		default:
			atStart = false
		}
	}
	return opens, closes, leading, text, "", false, nil
}
