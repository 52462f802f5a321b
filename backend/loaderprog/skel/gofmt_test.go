// Tests that the Go skeleton of every test object the loader generator
// takes is laid out as gofmt lays it out: go/format (a second
// implementation) leaves it unchanged.

package skel

import (
	"bytes"
	"go/format"
	"strconv"
	"testing"
)

func TestWriteGoIsGofmted(t *testing.T) {
	for name, l := range testLoaders(t) {
		var b bytes.Buffer
		if err := WriteGo(&b, l, compileObject(t, l.Object), ""); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want, err := format.Source(b.Bytes())
		if err != nil {
			t.Errorf("%s: go/format: %v", name, err)
			continue
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s: not as gofmt lays it out:\n%s", name, lineDiff(b.Bytes(), want))
		}
	}
}

// lineDiff shows the first lines where got and want differ.
func lineDiff(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	var out bytes.Buffer
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 8; i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			shown++
			out.WriteString("line ")
			out.WriteString(strconv.Itoa(i + 1))
			out.WriteString(":\n  got  ")
			out.Write(gl)
			out.WriteString("\n  want ")
			out.Write(wl)
			out.WriteString("\n")
		}
	}
	return out.String()
}
