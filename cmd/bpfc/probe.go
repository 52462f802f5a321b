// This file prints `bpfc -probe`: the running kernel's BPF features, map
// types and program types, as the features package probes them.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bpfc/bpfc/features"
)

// probe prints one table of named features, then the map and program
// types, in one write (tabwriter writes every cell on its own). A probe
// that cannot tell (no privileges) is an error.
func probe(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "kernel %s\n\n", features.Release())
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FEATURE\tKERNEL\tSINCE\tWHAT")
	for _, f := range features.All() {
		s, detail, err := status(f.Check())
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", f.Name, s, f.Since, f.Desc, detail)
	}
	fmt.Fprintln(tw, "\t\t\t")
	fmt.Fprintln(tw, "MAP TYPE\tKERNEL\tSINCE\t")
	for _, t := range features.MapTypes() {
		s, _, err := status(features.MapType(t))
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", t, s, features.MapTypeSince(t))
	}
	fmt.Fprintln(tw, "\t\t\t")
	fmt.Fprintln(tw, "PROGRAM TYPE\tKERNEL\tSINCE\t")
	for _, t := range features.ProgTypes() {
		s, _, err := status(features.ProgType(t))
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", t, s, features.ProgTypeSince(t))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// status is "yes" or "no" for a probe's result, and the reason of a "no"
// when the kernel knows the feature but was built without it.
func status(err error) (s, detail string, _ error) {
	var me *features.MissingError
	switch {
	case err == nil:
		return "yes", "", nil
	case errors.As(err, &me) && me.Detail != "":
		return "no", " (" + me.Detail + ")", nil
	case errors.Is(err, features.ErrNotSupported):
		return "no", "", nil
	}
	return "", "", err
}
