// This file writes and reads the raw loader's JSON manifest without
// encoding/json: that package's initialisation and code would be paid by
// every run of the bpfc command, which links this package, loads or not.
// The writer produces what json.MarshalIndent(v, "", "  ") does for the
// kinds of values a Manifest holds; the reader takes only the top-level
// string members a manifest's reader needs, checking the whole text is
// JSON.

package skel

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// marshalIndent encodes v as json.MarshalIndent(v, "", "  ") does. It
// knows strings, booleans, integers, arrays, slices, pointers and structs
// (fields named by their json tags, "-" and omitempty honoured), which is
// all a Manifest holds; anything else is an error.
func marshalIndent(v any) ([]byte, error) {
	return appendJSON(nil, reflect.ValueOf(v), 0)
}

// appendJSON appends v, its nested values indented depth levels.
func appendJSON(b []byte, v reflect.Value, depth int) ([]byte, error) {
	switch v.Kind() {
	case reflect.String:
		return appendJSONString(b, v.String()), nil
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendJSON(b, v.Elem(), depth)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return append(b, "null"...), nil
		}
		if v.Len() == 0 {
			return append(b, "[]"...), nil
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonNewline(b, depth+1)
			var err error
			if b, err = appendJSON(b, v.Index(i), depth+1); err != nil {
				return nil, err
			}
		}
		return append(jsonNewline(b, depth), ']'), nil
	case reflect.Struct:
		b = append(b, '{')
		n := 0
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" && opts == "" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := v.Field(i)
			if opts == "omitempty" && jsonEmpty(fv) {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = jsonNewline(b, depth+1)
			b = append(appendJSONString(b, name), ": "...)
			var err error
			if b, err = appendJSON(b, fv, depth+1); err != nil {
				return nil, err
			}
		}
		if n == 0 {
			return append(b, '}'), nil
		}
		return append(jsonNewline(b, depth), '}'), nil
	}
	return nil, fmt.Errorf("json: cannot encode a %s", v.Type())
}

// jsonNewline starts a new line indented depth levels.
func jsonNewline(b []byte, depth int) []byte {
	b = append(b, '\n')
	for range depth {
		b = append(b, "  "...)
	}
	return b
}

// jsonEmpty reports whether omitempty leaves v out.
func jsonEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes: control characters, quote and backslash, the HTML characters
// <, > and &, U+2028 and U+2029; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\b':
				b = append(b, `\b`...)
			case c == '\f':
				b = append(b, `\f`...)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\r':
				b = append(b, `\r`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// errJSON is wrapped by jsonTopStrings's errors.
var errJSON = errors.New("invalid JSON")

// maxJSONDepth bounds the nesting jsonTopStrings follows (encoding/json's
// bound).
const maxJSONDepth = 10000

// jsonTopStrings checks that src is one JSON object and returns its
// members whose values are strings (the last one of a repeated name).
func jsonTopStrings(src []byte) (map[string]string, error) {
	p := &jsonParser{s: src}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, p.fail("want an object")
	}
	top := map[string]string{}
	if err := p.object(0, top); err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.fail("text after the object")
	}
	return top, nil
}

// jsonParser walks JSON text.
type jsonParser struct {
	s []byte
	i int
}

func (p *jsonParser) fail(what string) error {
	return fmt.Errorf("%w: offset %d: %s", errJSON, p.i, what)
}

func (p *jsonParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// value skips one value; strings at depth 1 (members of the top object)
// are returned decoded with ok set.
func (p *jsonParser) value(depth int) (str string, ok bool, err error) {
	if depth > maxJSONDepth {
		return "", false, p.fail("nested too deep")
	}
	p.space()
	if p.i >= len(p.s) {
		return "", false, p.fail("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return "", false, p.object(depth, nil)
	case c == '[':
		p.i++
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return "", false, nil
		}
		for {
			if _, _, err := p.value(depth + 1); err != nil {
				return "", false, err
			}
			p.space()
			if p.i >= len(p.s) {
				return "", false, p.fail("unterminated array")
			}
			p.i++
			switch p.s[p.i-1] {
			case ',':
				continue
			case ']':
				return "", false, nil
			}
			p.i--
			return "", false, p.fail("want , or ]")
		}
	case c == '"':
		s, err := p.str()
		return s, err == nil, err
	case c == '-' || c >= '0' && c <= '9':
		return "", false, p.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(string(p.s[p.i:min(len(p.s), p.i+5)]), lit) {
				p.i += len(lit)
				return "", false, nil
			}
		}
		return "", false, p.fail(fmt.Sprintf("unexpected %q", c))
	}
}

// object skips an object, recording its string members in strs if it is
// not nil.
func (p *jsonParser) object(depth int, strs map[string]string) error {
	p.i++ // {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return p.fail("want a member name")
		}
		name, err := p.str()
		if err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return p.fail("want :")
		}
		p.i++
		s, isStr, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		if strs != nil {
			if isStr {
				strs[name] = s
			} else {
				delete(strs, name)
			}
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail("unterminated object")
		}
		p.i++
		switch p.s[p.i-1] {
		case ',':
			continue
		case '}':
			return nil
		}
		p.i--
		return p.fail("want , or }")
	}
}

// str decodes the string at p.i.
func (p *jsonParser) str() (string, error) {
	p.i++ // "
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", p.fail("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("control character in a string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.s[p.i:])
			b.WriteRune(r) // U+FFFD for invalid UTF-8, as encoding/json
			p.i += size
			continue
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", p.fail("unterminated escape")
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.fail(`bad \u escape`)
			}
			if utf16IsSurrogate(r) {
				// A pair makes one rune; a lone half is U+FFFD.
				r2 := rune(-1)
				if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					if v, ok := p.hex4(); ok {
						r2 = v
					} else {
						return "", p.fail(`bad \u escape`)
					}
					if !(r >= 0xd800 && r < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000) {
						p.i = save
						r2 = -1
					}
				}
				if r2 < 0 {
					r = utf8.RuneError
				} else {
					r = (r-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
				}
			}
			b.WriteRune(r)
		default:
			return "", p.fail(fmt.Sprintf("bad escape \\%c", e))
		}
	}
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

// hex4 decodes the four hex digits at p.i.
func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

// number skips a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() error {
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return p.fail("bad number")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail("bad number")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail("bad number")
		}
	}
	return nil
}
