// This file checks that the load table's own column layout is the one
// text/tabwriter made before it (padding 2, spaces), which scripts may
// parse.

package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
)

func TestAppendColumnsAsTabwriter(t *testing.T) {
	tests := []struct {
		name  string
		lines [][5]string
	}{
		{"header only", [][5]string{{"KIND", "NAME", "TYPE", "ID", "PIN"}}},
		{"load", [][5]string{
			{"KIND", "NAME", "TYPE", "ID", "PIN"},
			{"map", ".rodata", "array", "566009", "-"},
			{"map", "a_much_longer_map_name", "percpu_hash", "7", "/sys/fs/bpf/x/a_much_longer_map_name"},
			{"prog", "sock_len", "socket_filter", "739911", "-"},
		}},
		{"empty cells", [][5]string{{"", "x", "", "", ""}, {"k", "", "t", "1", "p"}}},
		{"multi-byte names", [][5]string{{"map", "état", "array", "1", "-"}, {"prog", "ß", "xdp", "22", "/p/ß"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want bytes.Buffer
			tw := tabwriter.NewWriter(&want, 0, 8, 2, ' ', 0)
			for _, l := range tt.lines {
				tw.Write([]byte(strings.Join(l[:], "\t") + "\n"))
			}
			if err := tw.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := appendColumns(nil, tt.lines); string(got) != want.String() {
				t.Errorf("appendColumns:\n%q\ntabwriter:\n%q", got, want.String())
			}
		})
	}
}

// TestPrintTable checks printTable against the tabwriter and fmt code it
// replaced.
func TestPrintTable(t *testing.T) {
	rows := []row{
		{kind: "map", name: ".bss", typ: "array", id: 12},
		{kind: "map", name: "events", typ: "ringbuf", id: 0, pin: "/sys/fs/bpf/t/events"},
		{kind: "prog", name: "p", typ: "xdp", id: 3456789, pin: "/sys/fs/bpf/p"},
	}
	var want bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tTYPE\tID\tPIN")
	for _, r := range rows {
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
	if err := printTable(&got, rows); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("printTable:\n%s\ntabwriter:\n%s", got.String(), want.String())
	}
}
