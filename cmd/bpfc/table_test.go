// This file checks that the load table's own column layout is the one
// text/tabwriter made before it (padding 2, spaces), which scripts may
// parse.

package main

import (
	"bytes"
	"fmt"
	"testing"
	"text/tabwriter"
)

// TestPrintTable checks printTable against the tabwriter and fmt code it
// replaced.
func TestPrintTable(t *testing.T) {
	tests := []struct {
		name string
		rows []row
	}{
		{"empty", nil},
		{"load", []row{
			{kind: "map", name: ".rodata", typ: "array", id: 566009},
			{kind: "map", name: "a_much_longer_map_name", typ: "percpu_hash", id: 7, pin: "/sys/fs/bpf/x/a_much_longer_map_name"},
			{kind: "prog", name: "sock_len", typ: "socket_filter", id: 739911},
		}},
		{"empty cells", []row{{kind: "", name: "", typ: "", id: 0}, {kind: "k", name: "n", typ: "t", id: 1, pin: "p"}}},
		{"multi-byte names", []row{
			{kind: "map", name: "état", typ: "array", id: 1},
			{kind: "prog", name: "ß", typ: "xdp", id: 4294967295, pin: "/p/ß"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want bytes.Buffer
			tw := tabwriter.NewWriter(&want, 0, 8, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tNAME\tTYPE\tID\tPIN")
			for _, r := range tt.rows {
				pin := r.pin
				if pin == "" {
					pin = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.kind, r.name, r.typ, r.id, pin)
			}
			if err := tw.Flush(); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := printTable(&got, tt.rows); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("printTable:\n%q\ntabwriter:\n%q", got.String(), want.String())
			}
		})
	}
}
