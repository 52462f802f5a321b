// This file implements -emit=loader: generate the object's loader program
// and write it as a light skeleton (-lang=go|c|raw), or run it at once
// (-run, the counterpart of `bpftool prog load -L`): what it loaded is
// adopted by the direct backend, so it is printed and pinned (-pin) by the
// same code as -emit=direct.

package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/features"
	"github.com/bpfc/bpfc/ir"
)

func emitLoader(c *config, stdout io.Writer) error {
	if c.lang == "raw" && !c.run && (c.out == "" || c.out == "-") {
		return usageError{"-lang=raw writes three files: give their base name with -o"}
	}
	// libbpf 1.1's skel_internal.h neither freezes nor hashes the blob
	// map; a signed C skeleton needs libbpf 1.7's, which does.
	gopts := &loaderprog.Options{NoIntegrity: c.lang == "c" && !c.run && c.signKey == "", Sealed: c.signKey != "", Trace: c.trace}
	obj, l, err := bpfc.GenerateLoaderFiles(c.objects, &c.opts, gopts)
	if err != nil {
		return err
	}
	if c.signKey != "" {
		if err := signLoader(c, l); err != nil {
			return err
		}
	}
	if c.run {
		return runLoader(c, obj, l, stdout)
	}
	switch c.lang {
	case "raw":
		paths, err := skel.WriteRaw(strings.TrimSuffix(c.out, ".json"), l)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", strings.Join(paths, ", "))
		return nil
	case "c":
		return writeOutput(c, stdout, func(w io.Writer) error { return skel.WriteC(w, l, obj, c.pkg) })
	default:
		return writeOutput(c, stdout, func(w io.Writer) error { return skel.WriteGo(w, l, obj, c.pkg) })
	}
}

// writeOutput writes through write to the -o file (removed again on
// failure) or stdout.
func writeOutput(c *config, stdout io.Writer, write func(io.Writer) error) error {
	w, closeOut, err := output(c, stdout)
	if err != nil {
		return err
	}
	err = write(w)
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil && c.out != "" && c.out != "-" {
		os.Remove(c.out)
	}
	return err
}

// runLoader runs the loader l of obj, adopts what it created as a direct
// Collection, and prints and pins it as -emit=direct does.
func runLoader(c *config, obj *ir.Object, l *loaderprog.Loader, stdout io.Writer) error {
	// Sizes the object leaves 0 are set at generation here: name the flag.
	for _, m := range l.Maps {
		for _, s := range []struct {
			unset      bool
			size, flag string
		}{{m.NeedsMaxEntries, "max_entries", "max-entries"}, {m.NeedsKeySize, "key_size", "key-size"}, {m.NeedsValueSize, "value_size", "value-size"}} {
			if s.unset {
				return fmt.Errorf("%s: map %s: %s is 0 (set it with -%s %s=N): %w", l.Object, m.Name, s.size, s.flag, m.Name, rt.ErrSizeUnset)
			}
		}
	}
	// A signed -run must be verified: the user asked for it.
	res, err := rt.Load(l.Spec(), &rt.Options{LogLevel: uint32(c.logLevel), KeyringID: c.keyring.id, RequireSignature: l.Signature != nil, RequireIntegrity: c.integrity})
	if err != nil {
		return fmt.Errorf("%s: %w", l.Object, err)
	}
	if l.CheckHash && !res.IntegrityVerified {
		fmt.Fprintf(c.stderr, "bpfc: %s: blob integrity not verified: this kernel (%s) cannot hash maps (Linux 6.18+); -require-integrity refuses such loads\n", l.Object, features.Release())
	}
	coll, err := direct.Adopt(obj, res.MapFDs, res.ProgFDs)
	if err != nil {
		return err
	}
	defer coll.Close()
	return printCollection(c, coll, stdout)
}
