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
	"bytes"
	"errors"
	"flag"
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
	fs := flag.NewFlagSet("bpfc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		// One write: PrintDefaults writes every flag on its own.
		var b bytes.Buffer
		b.WriteString(usageText)
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
		stderr.Write(b.Bytes())
	}
	fs.StringVar(&c.emit, "emit", "direct", "what to do: `direct` (load into the kernel), loader (write a light skeleton), elf (write the linked object) or ir (print the IR)")
	fs.StringVar(&c.lang, "lang", "go", "light skeleton language with -emit=loader: `go`, c or raw")
	fs.StringVar(&c.out, "o", "", "output `FILE` for -emit=loader, -emit=elf and -emit=ir (default: standard output)")
	fs.StringVar(&c.pkg, "pkg", "", "Go package `NAME` of a Go light skeleton (default: derived from the object name)")
	fs.BoolVar(&c.run, "run", false, "with -emit=loader: run the generated loader now and print what it loaded")
	fs.BoolVar(&c.attach, "attach", false, "with -emit=direct: attach every program whose section says where (kprobe/..., tracepoint/..., usdt/...), print the links and stay until SIGINT or SIGTERM, then detach; with -pin, pin the links and exit")
	fs.StringVar(&c.opts.Name, "name", "", "`NAME` of the object linked from several files (default: the first file's name), as a file name would name it: skeleton type, kernel map name prefix")
	fs.StringVar(&c.pin, "pin", "", "pin every map and program (and link, with -attach) under `DIR` (on bpffs) so they stay loaded after exit")
	fs.StringVar(&c.dumpAfter, "dump-after", "", "with -emit=ir: print the IR after `PASS` ("+strings.Join(passes.Names(), ", ")+")")
	fs.StringVar(&c.opts.BTF, "btf", "", "target BTF `FILE` for CO-RE (raw BTF or ELF with .BTF) instead of the running kernel")
	moduleBTF := &assignFlag{what: "MODULE"}
	fs.Var(moduleBTF, "module-btf", "split BTF `NAME=FILE` of kernel module NAME on top of the target BTF, standing for the target's modules instead of /sys/kernel/btf/* (repeatable; raw BTF as in /sys/kernel/btf/NAME)")
	fs.StringVar(&c.opts.Kconfig, "kconfig", "", "kernel config `FILE` for .kconfig externs instead of /proc/config.gz")
	fs.StringVar(&c.core, "core", "auto", "where CO-RE relocations are computed: `auto` (the running kernel >= 5.17 when loading into it; bpfc for -btf targets, older kernels and -emit=ir), user (in bpfc) or kernel (BPF_PROG_LOAD core_relos)")
	fs.UintVar(&c.logLevel, "log-level", 0, "verifier log `LEVEL` requested on every load (a rejected program's log is always printed)")
	fs.BoolVar(&c.trace, "trace", false, "with -emit=loader: the loader prints each step's result with bpf_trace_printk (read /sys/kernel/tracing/trace_pipe)")
	fs.BoolVar(&c.probe, "probe", false, "print the running kernel's BPF features (each probed with a tiny bpf() call), map and program types, and exit")
	fs.BoolVar(&c.integrity, "require-integrity", false, "with -emit=loader -run: fail rather than run the loader without its blob check where the kernel cannot hash maps (before Linux 6.18)")
	var disable listFlag
	fs.Var(&disable, "disable", "do not load programs whose name or section matches `GLOB` (repeatable), e.g. -disable 'fentry/*'")
	maxEntries := &assignFlag{what: "MAP"}
	fs.Var(maxEntries, "max-entries", "set a map's max_entries: `MAP=N` (repeatable)")
	keySize := &assignFlag{what: "MAP"}
	fs.Var(keySize, "key-size", "set a map's key_size in bytes: `MAP=N` (repeatable; objects leave some maps unsized for user space, as bcc's tools do)")
	valueSize := &assignFlag{what: "MAP"}
	fs.Var(valueSize, "value-size", "set a map's value_size in bytes: `MAP=N` (repeatable; a stack trace map's is 8 × the stack depth)")
	autocreate := &assignFlag{what: "MAP"}
	fs.Var(autocreate, "autocreate", "create a struct_ops map or not: `MAP=true|false` (repeatable; a map of a \"?.struct_ops\" section is not created unless set true, and the programs only uncreated maps use do not load)")
	set := &assignFlag{what: "VAR"}
	fs.Var(set, "set", "set a .rodata/.data variable, or a constant of inline assembly (\"r0 = NAME ll\", 0 unless set), before load: `VAR=VALUE` (repeatable; ints, bools, enums, strings)")
	fs.StringVar(&c.signKey, "sign-key", "", "with -emit=loader: sign the loader with the private key in PEM `FILE` (RSA or ECDSA; needs -sign-cert)")
	fs.StringVar(&c.signCert, "sign-cert", "", "the signer's X.509 certificate `FILE` (PEM or DER), for -sign-key and -verify-sig")
	fs.Var(&c.keyring, "keyring", "with -emit=loader -run and -sign-key: the keyring `ID` holding the signer's certificate: a keyring serial, session, user, process, or builtin (0), secondary (1), platform (2)")
	fs.StringVar(&c.verifySig, "verify-sig", "", "check the signature of the skeleton `FILE` (Go, C or raw .json) with -sign-cert, offline, and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err.Error()}
	}
	if c.verifySig != "" {
		if fs.NArg() != 0 {
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
		if fs.NArg() != 0 {
			return nil, usageError{"-probe takes no object file"}
		}
		return c, nil
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return nil, usageError{"want at least one object file"}
	}
	c.objects = fs.Args()
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
		if len(disable) > 0 || len(set.m) > 0 || len(maxEntries.m) > 0 || len(keySize.m) > 0 || len(valueSize.m) > 0 ||
			len(autocreate.m) > 0 || c.pin != "" {
			return nil, usageError{"-disable, -set, -max-entries, -key-size, -value-size, -autocreate and -pin apply when loading, not to -emit=elf"}
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
	c.opts.Disable = disable
	c.opts.Set = set.m
	c.opts.ModuleBTF = moduleBTF.m
	var err error
	if c.opts.MaxEntries, err = sizes("max-entries", maxEntries.m); err != nil {
		return nil, err
	}
	if c.opts.KeySize, err = sizes("key-size", keySize.m); err != nil {
		return nil, err
	}
	if c.opts.ValueSize, err = sizes("value-size", valueSize.m); err != nil {
		return nil, err
	}
	for k, v := range autocreate.m {
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
	if errors.Is(err, flag.ErrHelp) {
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
		case "Disable":
			flag = "-disable " + oe.Key
		case "MaxEntries", "KeySize", "ValueSize":
			flag = fmt.Sprintf("-%s %s=%s", sizeFlag(oe.Option), oe.Key, oe.Value)
		case "Autocreate":
			flag = fmt.Sprintf("-autocreate %s=%s", oe.Key, oe.Value)
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
