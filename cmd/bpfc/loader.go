// This file implements -emit=loader: generate the object's loader program
// and write it as a light skeleton (-lang=go|c|raw), or run it at once
// (-run, the counterpart of `bpftool prog load -L`) and print what it
// loaded as -emit=direct does; -pin keeps it.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/backend/loaderprog/rt"
	"github.com/bpfc/bpfc/backend/loaderprog/sign"
	"github.com/bpfc/bpfc/backend/loaderprog/skel"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

func emitLoader(c *config, stdout io.Writer) error {
	if c.lang == "raw" && !c.run && (c.out == "" || c.out == "-") {
		return usageError{"-lang=raw writes three files: give their base name with -o"}
	}
	// libbpf 1.1's skel_internal.h neither freezes nor hashes the blob
	// map; a signed C skeleton needs libbpf 1.7's, which does.
	gopts := &loaderprog.Options{NoIntegrity: c.lang == "c" && !c.run && c.signKey == "", Sealed: c.signKey != "", Trace: c.trace}
	obj, l, err := bpfc.GenerateLoader(c.object, &c.opts, gopts)
	if err != nil {
		return err
	}
	if c.signKey != "" {
		key, err := sign.LoadKey(c.signKey)
		if err != nil {
			return err
		}
		cert, err := sign.LoadCert(c.signCert)
		if err != nil {
			return err
		}
		if err := l.Sign(key, cert); err != nil {
			return err
		}
	}
	if c.run {
		return runLoader(c, l, stdout)
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

// runLoader runs the loader l, prints the table of what it created, pins
// it under -pin, and closes every descriptor.
func runLoader(c *config, l *loaderprog.Loader, stdout io.Writer) error {
	// A signed -run must be verified: the user asked for it.
	res, err := rt.Load(l.Spec(), &rt.Options{LogLevel: uint32(c.logLevel), KeyringID: c.keyring.id, RequireSignature: l.Signature != nil})
	if err != nil {
		return fmt.Errorf("%s: %w", l.Object, err)
	}
	defer res.Close()

	var rows []row
	var pins []string
	fail := func(err error) error {
		for _, p := range pins {
			os.Remove(p)
		}
		return fmt.Errorf("%s: %w", l.Object, err)
	}
	if c.pin != "" {
		if err := os.MkdirAll(c.pin, 0o755); err != nil {
			return fail(err)
		}
	}
	for i, m := range l.Maps {
		fd := res.MapFDs[i]
		if fd < 0 {
			continue
		}
		r := row{kind: "map", name: m.Name, typ: uapi.MapType(m.Type).String()}
		err := withFD(fd, func(f *sys.FD) error {
			info, err := sys.MapInfoByFD(f)
			if err != nil {
				return fmt.Errorf("map %s: %w", m.Name, err)
			}
			r.id = info.ID
			if c.pin == "" {
				return nil
			}
			r.pin = filepath.Join(c.pin, mapPinName(&m))
			if err := sys.ObjPin(f, r.pin); err != nil {
				return fmt.Errorf("map %s: %w", m.Name, err)
			}
			pins = append(pins, r.pin)
			return nil
		})
		if err != nil {
			return fail(err)
		}
		rows = append(rows, r)
	}
	for j, p := range l.Progs {
		fd := res.ProgFDs[j]
		if fd < 0 {
			continue
		}
		r := row{kind: "prog", name: p.Name, typ: uapi.ProgType(p.Type).String()}
		err := withFD(fd, func(f *sys.FD) error {
			info, err := sys.ProgInfoByFD(f)
			if err != nil {
				return fmt.Errorf("program %s: %w", p.Name, err)
			}
			r.id = info.ID
			if c.pin == "" {
				return nil
			}
			r.pin = filepath.Join(c.pin, strings.ReplaceAll(p.Name, ".", "_"))
			if err := sys.ObjPin(f, r.pin); err != nil {
				return fmt.Errorf("program %s: %w", p.Name, err)
			}
			pins = append(pins, r.pin)
			return nil
		})
		if err != nil {
			return fail(err)
		}
		rows = append(rows, r)
	}
	return printTable(stdout, rows)
}

// withFD lends a raw descriptor owned by the loader result to f as a
// *sys.FD without giving up ownership.
func withFD(raw int, f func(*sys.FD) error) error {
	dup, err := dupFD(raw)
	if err != nil {
		return err
	}
	defer dup.Close()
	return f(dup)
}

func dupFD(raw int) (*sys.FD, error) {
	if raw <= 0 {
		return nil, errors.New("no descriptor")
	}
	d, err := unix.FcntlInt(uintptr(raw), unix.F_DUPFD_CLOEXEC, 1)
	if err != nil {
		return nil, fmt.Errorf("dup fd %d: %w", raw, err)
	}
	return sys.NewFD(d)
}

// mapPinName is the pin file name of a map, as direct.PinName names it:
// the kernel name of global data, the object's name of other maps, dots
// replaced by '_'.
func mapPinName(m *loaderprog.MapDesc) string {
	return mapdef.PinName(m.Name, m.KernelName, m.Kind)
}
