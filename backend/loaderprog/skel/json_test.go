// Tests of the manifest's JSON writer and reader against encoding/json (a
// second implementation): the manifest of every test object the loader
// generator takes, signed and sealed too, written byte for byte as
// json.MarshalIndent writes it; strings with every character class
// encoding/json escapes; texts the reader must take and refuse as
// json.Unmarshal does.

package skel

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/internal/testsign"
)

// testLoaders generates the loader of every test object the generator
// takes (some objects are refused by design), and a signed, sealed
// loader of xdp_globals.o.
func testLoaders(t *testing.T) map[string]*loaderprog.Loader {
	t.Helper()
	objs, err := filepath.Glob(filepath.Join(testdataDir, "*.o"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*loaderprog.Loader{}
	for _, path := range objs {
		name := filepath.Base(path)
		obj := compileObjectOrNil(name)
		if obj == nil {
			continue
		}
		if l, err := loaderprog.Generate(obj, nil); err == nil {
			out[name] = l
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d test objects make loaders", len(out))
	}
	key := testsign.NewSigningKey(t, testsign.ECP256, false)
	l, err := loaderprog.Generate(compileObject(t, "xdp_globals.o"), &loaderprog.Options{Sealed: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.SignLoader(l, key.Key, key.Cert); err != nil {
		t.Fatal(err)
	}
	out["xdp_globals.o signed"] = l
	return out
}

func TestManifestJSON(t *testing.T) {
	for name, l := range testLoaders(t) {
		m := NewManifest(l, "x.blob", "x.insns")
		want, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalIndent(m)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: marshalIndent differs from json.MarshalIndent (%v):\n%s\nwant\n%s", name, err, got, want)
		}
		top, err := jsonTopStrings(got)
		if err != nil || top["blob"] != "x.blob" || top["insns"] != "x.insns" || top["object"] != m.Object || top["signature"] != m.Signature {
			t.Errorf("%s: read back %v, %v", name, top, err)
		}
	}
}

func TestJSONStrings(t *testing.T) {
	type inner struct {
		S string `json:"s,omitempty"`
		N int    `json:"n,omitempty"`
	}
	type all struct {
		Str     string         `json:"str"`
		Empty   string         `json:"empty,omitempty"`
		Bools   []bool         `json:"bools"`
		Nil     []string       `json:"nil"`
		None    []int          `json:"none"`
		Arr     [3]int8        `json:"arr"`
		U       uint64         `json:"u"`
		I       int64          `json:"i"`
		P       *inner         `json:"p"`
		NilP    *inner         `json:"nil_p"`
		Omitted *inner         `json:"omitted,omitempty"`
		Skip    int            `json:"-"`
		Bare    string         // no tag: the field's name
		Inner   inner          `json:"inner"`
		Slice   []inner        `json:"slice"`
		Any     any            `json:"any"`
		unexp   int            // unexported: left out
		Map     map[string]int `json:"map,omitempty"`
	}
	weird := "quote\" backslash\\ nl\n cr\r tab\t bs\b ff\f nul\x00 esc\x1b del\x7f <html> & amp é € 😀 \u2028\u2029 bad\xff\xfe utf8"
	v := all{
		Str: weird, Bools: []bool{true, false}, None: []int{}, Arr: [3]int8{-1, 0, 127},
		U: 1<<64 - 1, I: -1 << 63, P: &inner{S: weird, N: -3}, Bare: "bare",
		Slice: []inner{{}, {S: "x"}}, Any: &inner{N: 1}, unexp: 7,
	}
	want, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshalIndent(v)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("marshalIndent (%v):\n%s\nwant\n%s", err, got, want)
	}
	// A map is not a kind a manifest holds.
	if _, err := marshalIndent(all{Map: map[string]int{"a": 1}}); err == nil {
		t.Error("a map was encoded")
	}
}

func TestJSONTopStrings(t *testing.T) {
	for _, src := range []string{
		`{}`,
		` { "blob" : "a.blob" , "insns":"a.insns" } `,
		`{"blob": "a", "blob": "b"}`,
		`{"blob": "a", "blob": 5}`,
		`{"blob": "\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t", "x": [1, -2.5e+3, 0.0, true, false, null, {"y": []}, "s"], "z": {"blob": "inner"}}`,
		`{"lone": "\ud800x\udc00\ud800\u0041"}`,
		"{\"bad utf8\": \"a\xffb\"}",
		`{"n": -0, "m": 1E5, "k": 12.75e-1}`,
		// Refused:
		``, `[]`, `"blob"`, `{"blob": "a"`, `{"blob": "a",}`, `{"blob" "a"}`, `{blob: "a"}`,
		`{"a": 01}`, `{"a": 1.}`, `{"a": .5}`, `{"a": -}`, `{"a": 1e}`, `{"a": tru}`, `{"a": truex}`,
		`{"a": [1,]}`, `{"a": [1 2]}`, `{"a": "\x"}`, `{"a": "\u12"}`, "{\"a\": \"tab\there\"}",
		`{"a": "unterminated}`, `{} {}`, `{"a": 1} x`, `{"a": "b"}}`,
		strings.Repeat(`{"a":`, 2000) + `1` + strings.Repeat(`}`, 2000),
		strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000),
	} {
		var want map[string]any
		werr := json.Unmarshal([]byte(src), &want)
		got, err := jsonTopStrings([]byte(src))
		if (err == nil) != (werr == nil) {
			t.Errorf("%.60q: error %v, encoding/json's %v", src, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		strs := map[string]string{}
		for k, v := range want {
			if s, ok := v.(string); ok {
				strs[k] = s
			}
		}
		if len(got) != len(strs) {
			t.Errorf("%.60q: %q, encoding/json %q", src, got, strs)
		}
		for k, v := range strs {
			if got[k] != v {
				t.Errorf("%.60q: %s = %q, encoding/json %q", src, k, got[k], v)
			}
		}
	}
}
