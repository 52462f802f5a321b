// This file implements -emit=direct: load the object into the kernel with
// the direct backend and print what was loaded; -pin keeps it. -emit=loader
// -run prints and pins what its loader created the same way. -attach
// attaches the programs and waits for a signal (or, with -pin, pins the
// links and leaves them attached).

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/attach"
	"github.com/bpfc/bpfc/backend/direct"
)

// row is one line of the table printed after a load.
type row struct {
	kind, name, typ string
	id              uint32
	pin             string
}

// printTable prints the table of what was loaded in one write.
func printTable(w io.Writer, rows []row) error {
	_, err := w.Write(appendTable(nil, rows))
	return err
}

// tableHeader is the first line of the table.
var tableHeader = [5]string{"KIND", "NAME", "TYPE", "ID", "PIN"}

// tableLine returns the cells of line i of the table of rows: the header,
// then one line per row.
func tableLine(rows []row, i int) [5]string {
	if i == 0 {
		return tableHeader
	}
	r := &rows[i-1]
	pin := r.pin
	if pin == "" {
		pin = "-"
	}
	return [5]string{r.kind, r.name, r.typ, strconv.FormatUint(uint64(r.id), 10), pin}
}

// appendTable appends the table of rows to b, laid out as text/tabwriter
// lays out cells separated by tabs with padding 2 and padchar ' ' (every
// cell but a line's last padded with spaces to its column's widest cell
// plus two), in a buffer grown once: a load's output needs neither
// tabwriter's per-cell buffers nor fmt.
func appendTable(b []byte, rows []row) []byte {
	var widths [4]int
	size := 0
	for i := 0; i <= len(rows); i++ {
		l := tableLine(rows, i)
		for j := range widths {
			widths[j] = max(widths[j], utf8.RuneCountInString(l[j])+2)
			size += len(l[j]) - utf8.RuneCountInString(l[j]) // bytes beyond one per rune
		}
		size += len(l[4]) + 1
	}
	size += (len(rows) + 1) * (widths[0] + widths[1] + widths[2] + widths[3])
	b = slices.Grow(b, size)
	for i := 0; i <= len(rows); i++ {
		l := tableLine(rows, i)
		for j, w := range widths {
			b = append(b, l[j]...)
			for k := utf8.RuneCountInString(l[j]); k < w; k++ {
				b = append(b, ' ')
			}
		}
		b = append(b, l[4]...)
		b = append(b, '\n')
	}
	return b
}

// printLinks prints the links of -attach and the programs left alone, in
// one write.
func printLinks(w io.Writer, ls *attach.Links) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PROGRAM\tLINK\tID\tPIN\tTARGET")
	for _, l := range ls.Links {
		pin := l.PinPath()
		if pin == "" {
			pin = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", l.Program, l.Type, l.ID, pin, l.Target)
	}
	for _, s := range ls.Skipped {
		reason := s.Reason
		var ae *attach.Error
		if errors.As(reason, &ae) {
			reason = ae.Err // without the program and section: the row says them
		}
		fmt.Fprintf(tw, "%s\t-\t0\t-\tnot attached: %v\n", s.Program, reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// attachAndWait attaches every program of coll; with -pin it pins the
// links and returns (they stay attached), else it waits for SIGINT or
// SIGTERM and detaches.
func attachAndWait(c *config, coll *direct.Collection, w io.Writer) error {
	// Before anything is attached, so that a signal can only end the wait.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, unix.SIGINT, unix.SIGTERM)
	defer signal.Stop(sig)
	ls, err := coll.Attach(nil)
	if err != nil {
		return err
	}
	defer ls.Close() // pinned links stay attached
	if c.pin != "" {
		if err := ls.Pin(c.pin); err != nil {
			return fmt.Errorf("%s: %w", coll.Object, err)
		}
		return printLinks(w, ls)
	}
	if err := printLinks(w, ls); err != nil {
		return err
	}
	progs, maps := 0, 0
	for _, l := range ls.Links {
		if strings.HasPrefix(l.Type, "struct_ops") {
			maps++ // a registered struct_ops map
		} else {
			progs++
		}
	}
	var done []string
	if n := progs + len(ls.Skipped); n > 0 || maps == 0 {
		done = append(done, fmt.Sprintf("attached %d of %d programs", progs, n))
	}
	if maps > 0 {
		done = append(done, fmt.Sprintf("registered %d struct_ops map%s", maps, map[bool]string{true: "s"}[maps > 1]))
	}
	fmt.Fprintf(w, "%s; waiting for SIGINT or SIGTERM\n", strings.Join(done, ", "))
	if f, ok := w.(interface{ Sync() error }); ok {
		f.Sync()
	}
	s := <-sig
	if err := ls.Close(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: detached\n", s)
	return nil
}

func emitDirect(c *config, stdout io.Writer) error {
	coll, err := bpfc.LoadFiles(c.objects, &c.opts, &direct.Options{LogLevel: uint32(c.logLevel), PinPath: c.pin})
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
	rows := make([]row, 0, len(coll.MapOrder)+len(coll.ProgramOrder))
	for _, name := range coll.MapOrder {
		m := coll.Maps[name]
		rows = append(rows, row{kind: "map", name: name, typ: m.Type.String(), id: m.ID, pin: m.PinPath})
	}
	for _, name := range coll.ProgramOrder {
		p := coll.Programs[name]
		rows = append(rows, row{kind: "prog", name: name, typ: p.Type.String(), id: p.ID, pin: p.PinPath})
	}
	// Warnings and table in one write.
	var b []byte
	for _, w := range coll.Warnings {
		b = append(b, "warning: "...)
		b = append(b, w...)
		b = append(b, '\n')
	}
	b = appendTable(b, rows)
	if c.attach {
		b = append(b, '\n')
	}
	if _, err := stdout.Write(b); err != nil {
		return err
	}
	if c.attach {
		return attachAndWait(c, coll, stdout)
	}
	return nil
}
