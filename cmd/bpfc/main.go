// Command bpfc loads BPF object files into the kernel, prints their IR, or
// writes light skeletons that load them through a loader program.
//
// This file parses the command line and dispatches to the emitters in
// the other files of this directory. A run is short: the go:debug
// directive below spares the run-time's watch for a change of the CPUs it
// may use (its monitor thread would read the CPU affinity and the cgroup
// limits during the run).
//
//go:debug updatemaxprocs=0
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	// A bpfc run is short: grow the stack once, no memory profile.
	_ "github.com/bpfc/bpfc/internal/coldstart"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc"
	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/passes"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // load or verification failure
	exitUsage   = 2
)

// usageError marks errors in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// assignFlag is a repeatable NAME=VALUE flag.
type assignFlag struct {
	what string
	m    map[string]string
}

func (a *assignFlag) String() string { return "" }
func (a *assignFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want %s=VALUE, got %q", a.what, v)
	}
	if a.m == nil {
		a.m = map[string]string{}
	}
	a.m[k] = val
	return nil
}

// config is the parsed command line.
type config struct {
	emit      string
	lang      string
	out       string
	pkg       string
	run       bool
	attach    bool
	pin       string
	dumpAfter string
	core      string
	logLevel  uint
	trace     bool
	probe     bool
	integrity bool
	stderr    io.Writer // for notes that are not the command's output
	opts      bpfc.Options
	objects   []string
	signKey   string
	signCert  string
	keyring   keyringFlag
	verifySig string
}

const usageText = `usage: bpfc [flags] OBJECT.o [OBJECT.o ...]
       bpfc -probe

bpfc loads a BPF object file (clang -target bpf -g -O2) the way a compiler
compiles: the ELF frontend lowers it into an IR, passes rewrite the IR
(merge, datasec, configure, structops, externs, core, maps, link), and a
backend loads it.
Several objects are linked into one first (the merge pass), by the rules
of libbpf's static linker (bpftool gen object): one object, one skeleton.
An object inside a zip archive (stored or deflated) is APP.zip!/PROG.o.

  bpfc -emit=direct OBJ            load into the kernel, print maps and programs
  bpfc -emit=direct -pin DIR OBJ   ... and keep them pinned under DIR
  bpfc -attach OBJ                 load, attach every program whose section says
                                   where, print the links, wait for SIGINT or
                                   SIGTERM, detach
  bpfc -attach -pin DIR OBJ        ... pin the links beside the maps and
                                   programs and exit, leaving them attached
  bpfc -emit=ir OBJ                print the IR after all passes
  bpfc -emit=ir -dump-after=core OBJ
  bpfc -emit=ir -btf K.btf -module-btf MOD=M.btf OBJ
                                   CO-RE and externs against BTF files: a
                                   kernel and its module MOD (split BTF)
  bpfc -emit=loader -lang=go -pkg NAME -o FILE OBJ   write a Go light skeleton
  bpfc -emit=loader -lang=c -o FILE.lskel.h OBJ      write a C light skeleton
  bpfc -emit=loader -lang=raw -o FILE OBJ            write the raw loader
  bpfc -emit=loader -run OBJ       generate the loader and run it at once
  bpfc -emit=loader -sign-key KEY.pem -sign-cert CERT.pem [-lang=...] OBJ
                                   sign the loader (PKCS#7 over its
                                   instructions; Linux 6.18+ verifies it;
                                   runs bpfc-sign, beside bpfc or in PATH)
  bpfc -emit=loader -run -sign-key KEY.pem -sign-cert CERT.pem -keyring ID OBJ
                                   ... and load it signed, verified with the
                                   certificate in keyring ID
  bpfc -verify-sig FILE -sign-cert CERT.pem
                                   check a signed skeleton (.go, .lskel.h or
                                   a raw loader's .json) offline (bpfc-sign)
  bpfc -probe                      print which BPF features the running kernel has
  bpfc -emit=elf -o OUT.o A.o B.o  link objects into one (bpftool gen object);
                                   externs no input defines stay, for a
                                   later link
  bpfc -emit=direct A.o B.o        link and load them

Exit status: 0 ok, 1 load or verification failure, 2 usage error.

Flags:
`

func parseArgs(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	var v flagValues
	for i := range flagDefs {
		if d := &flagDefs[i]; d.def != "" {
			v.store(c, d, d.def)
		}
	}
	rest, err := parseFlags(c, &v, args, stderr)
	if err != nil {
		if errors.Is(err, errHelp) {
			return nil, err
		}
		return nil, usageError{err.Error()}
	}
	if c.verifySig != "" {
		if len(rest) != 0 {
			return nil, usageError{"-verify-sig takes no object file"}
		}
		if c.signCert == "" {
			return nil, usageError{"-verify-sig needs -sign-cert CERT"}
		}
		if c.signKey != "" || c.keyring.set {
			return nil, usageError{"-verify-sig checks a skeleton: -sign-key and -keyring do not apply"}
		}
		return c, nil
	}
	if c.probe {
		if len(rest) != 0 {
			return nil, usageError{"-probe takes no object file"}
		}
		return c, nil
	}
	if len(rest) == 0 {
		printUsage(stderr)
		return nil, usageError{"want at least one object file"}
	}
	c.objects = rest
	switch c.emit {
	case "direct", "ir", "loader", "elf":
	default:
		return nil, usageError{fmt.Sprintf("-emit=%s: want direct, loader, elf or ir", c.emit)}
	}
	switch c.lang {
	case "go", "c", "raw":
	default:
		return nil, usageError{fmt.Sprintf("-lang=%s: want go, c or raw", c.lang)}
	}
	switch c.core {
	case "auto":
		c.opts.CORE = passes.COREAuto
	case "user":
		c.opts.CORE = passes.COREUser
	case "kernel":
		c.opts.CORE = passes.COREKernel
	default:
		return nil, usageError{fmt.Sprintf("-core=%s: want auto, user or kernel", c.core)}
	}
	if c.dumpAfter != "" {
		if c.emit != "ir" {
			return nil, usageError{"-dump-after needs -emit=ir"}
		}
		if !slices.Contains(passes.Names(), c.dumpAfter) {
			return nil, usageError{fmt.Sprintf("-dump-after=%s: no such pass (passes: %s)", c.dumpAfter, strings.Join(passes.Names(), ", "))}
		}
	}
	if c.emit == "elf" {
		if c.out == "" || c.out == "-" {
			return nil, usageError{"-emit=elf writes an ELF object: give its file with -o"}
		}
		if len(v.enable) > 0 || len(v.disable) > 0 || len(v.attachTarget.m) > 0 || len(v.set.m) > 0 || len(v.maxEntries.m) > 0 || len(v.keySize.m) > 0 || len(v.valueSize.m) > 0 ||
			len(v.autocreate.m) > 0 || c.pin != "" {
			return nil, usageError{"-enable, -disable, -attach-target, -set, -max-entries, -key-size, -value-size, -autocreate and -pin apply when loading, not to -emit=elf"}
		}
	}
	if c.pin != "" && c.emit == "ir" {
		return nil, usageError{"-pin needs -emit=direct or -emit=loader -run"}
	}
	if c.trace && c.emit != "loader" {
		return nil, usageError{"-trace needs -emit=loader"}
	}
	if (c.signKey != "") != (c.signCert != "") {
		return nil, usageError{"-sign-key and -sign-cert go together"}
	}
	if c.signKey != "" && c.emit != "loader" {
		return nil, usageError{"-sign-key needs -emit=loader"}
	}
	if c.keyring.set && (!c.run || c.signKey == "") {
		return nil, usageError{"-keyring needs -emit=loader -run with -sign-key"}
	}
	if c.run && c.emit != "loader" {
		return nil, usageError{"-run needs -emit=loader"}
	}
	if c.integrity && !c.run {
		return nil, usageError{"-require-integrity needs -emit=loader -run"}
	}
	if c.attach && c.emit != "direct" {
		return nil, usageError{"-attach needs -emit=direct"}
	}
	c.opts.Enable, c.opts.Disable = v.enable, v.disable
	c.opts.AttachTarget = v.attachTarget.m
	c.opts.Set = v.set.m
	c.opts.ModuleBTF = v.moduleBTF.m
	if c.opts.MaxEntries, err = sizes("max-entries", v.maxEntries.m); err != nil {
		return nil, err
	}
	if c.opts.KeySize, err = sizes("key-size", v.keySize.m); err != nil {
		return nil, err
	}
	if c.opts.ValueSize, err = sizes("value-size", v.valueSize.m); err != nil {
		return nil, err
	}
	for k, v := range v.autocreate.m {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return nil, usageError{fmt.Sprintf("-autocreate %s=%s: want true or false", k, v)}
		}
		if c.opts.Autocreate == nil {
			c.opts.Autocreate = map[string]bool{}
		}
		c.opts.Autocreate[k] = on
	}
	return c, nil
}

// sizes parses the values of a MAP=N flag; nil if the flag was not given.
func sizes(flag string, m map[string]string) (map[string]uint32, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := map[string]uint32{}
	for k, v := range m {
		n, err := strconv.ParseUint(v, 0, 32)
		if err != nil {
			return nil, usageError{fmt.Sprintf("-%s %s=%s: %v", flag, k, v, err)}
		}
		out[k] = uint32(n)
	}
	return out, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseArgs(args, stderr)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "bpfc: %v\n", err)
		return exitUsage
	}
	c.stderr = stderr
	switch {
	case c.verifySig != "":
		err = verifySig(c, stdout)
	case c.probe:
		err = probe(stdout)
	case c.emit == "ir":
		err = emitIR(c, stdout)
	case c.emit == "direct":
		err = emitDirect(c, stdout)
	case c.emit == "loader":
		err = emitLoader(c, stdout)
	case c.emit == "elf":
		err = emitELF(c, stdout)
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "bpfc: %v\n", err)
			return exitUsage
		}
		msg := flagMessage(err)
		if errors.Is(err, unix.EPERM) && !strings.Contains(msg, "needs root") {
			msg += " (loading BPF needs root, or CAP_BPF with CAP_PERFMON or CAP_NET_ADMIN)"
		}
		if errors.Is(err, direct.ErrNotBPFFS) {
			msg += "\n(bpfc -pin DIR pins under DIR, a directory of a mounted bpffs, instead of /sys/fs/bpf)"
		}
		fmt.Fprintf(stderr, "bpfc: %s\n", msg)
		return exitFailure
	}
	return exitOK
}

// flagMessage is err's message with the library's API names spelled as the
// flags that set them: `Options.Set["v"] = "x": ...` as `-set v=x: ...`,
// the hint for an unsized map as `-max-entries MAP=N` (or -key-size,
// -value-size).
func flagMessage(err error) string {
	msg := err.Error()
	var oe *bpfc.OptionError
	if errors.As(err, &oe) {
		flag := ""
		switch oe.Option {
		case "Enable":
			flag = "-enable " + oe.Key
		case "Disable":
			flag = "-disable " + oe.Key
		case "MaxEntries", "KeySize", "ValueSize":
			flag = fmt.Sprintf("-%s %s=%s", sizeFlag(oe.Option), oe.Key, oe.Value)
		case "Autocreate":
			flag = fmt.Sprintf("-autocreate %s=%s", oe.Key, oe.Value)
		case "AttachTarget":
			flag = fmt.Sprintf("-attach-target %s=%s", oe.Key, oe.Value)
		case "Set":
			flag = fmt.Sprintf("-set %s=%s", oe.Key, oe.Value)
		}
		if flag != "" {
			msg = strings.Replace(msg, oe.Error(), flag+": "+oe.Err.Error(), 1)
		}
	}
	var se *mapdef.SizeError
	if errors.As(err, &se) {
		msg = strings.Replace(msg, se.Error(), fmt.Sprintf("%v (set it with -%s %s=N)", se.Size, sizeFlag(se.Field()), se.Map), 1)
	}
	return msg
}

// sizeFlag is the flag of a map size of the API: "max-entries" for
// "MaxEntries", "key-size", "value-size".
func sizeFlag(field string) string {
	switch field {
	case "KeySize":
		return "key-size"
	case "ValueSize":
		return "value-size"
	}
	return "max-entries"
}

// output opens the -o file, or returns stdout.
func output(c *config, stdout io.Writer) (io.Writer, func() error, error) {
	if c.out == "" || c.out == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(c.out)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}
