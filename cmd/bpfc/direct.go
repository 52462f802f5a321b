// This file implements -emit=direct: load the object into the kernel with
// the direct backend and print what was loaded; -pin keeps it. -emit=loader
// -run prints and pins what its loader created the same way.

package main

import (
	"bytes"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/direct"
)

// row is one line of the table printed after a load.
type row struct {
	kind, name, typ string
	id              uint32
	pin             string
}

// printTable prints the table of what was loaded in one write (tabwriter
// writes every cell on its own).
func printTable(w io.Writer, rows []row) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tTYPE\tID\tPIN")
	for _, r := range rows {
		pin := r.pin
		if pin == "" {
			pin = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.kind, r.name, r.typ, r.id, pin)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func emitDirect(c *config, stdout io.Writer) error {
	coll, err := bpfc.Load(c.object, &c.opts, &direct.Options{LogLevel: uint32(c.logLevel), PinPath: c.pin})
	if err != nil {
		return err
	}
	defer coll.Close()
	return printCollection(c, coll, stdout)
}

// printCollection pins coll under -pin, then prints its warnings and the
// table of its maps and programs.
func printCollection(c *config, coll *direct.Collection, stdout io.Writer) error {
	if c.pin != "" {
		if err := coll.Pin(c.pin); err != nil {
			return err
		}
	}
	var rows []row
	for _, name := range coll.MapOrder {
		m := coll.Maps[name]
		rows = append(rows, row{kind: "map", name: name, typ: m.Type.String(), id: m.ID, pin: m.PinPath})
	}
	for _, name := range coll.ProgramOrder {
		p := coll.Programs[name]
		rows = append(rows, row{kind: "prog", name: name, typ: p.Type.String(), id: p.ID, pin: p.PinPath})
	}
	// Warnings and table in one write.
	var b bytes.Buffer
	for _, w := range coll.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	if err := printTable(&b, rows); err != nil {
		return err
	}
	_, err := stdout.Write(b.Bytes())
	return err
}
