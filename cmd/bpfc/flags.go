// This file is bpfc's command-line flag parser: one table of flags and a
// parser that reads them as package flag would (the same syntax, errors
// and -h text; flags_test.go checks it against package flag), without
// registering thirty flag.Values in maps at every start: the FlagSet's
// maps, closures and usage strings were 2% of a small load's process.

package main

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/passes"
)

// errHelp is returned by parseFlags for -h and -help, after the usage
// has been printed (package flag's ErrHelp).
var errHelp = errors.New("flag: help requested")

// flagKind says how a flag's value is read.
type flagKind uint8

const (
	flagString flagKind = iota // any string
	flagBool                   // no value, or =true/=false as strconv.ParseBool reads them
	flagUint                   // strconv.ParseUint, base prefix allowed
	flagValue                  // a flag.Value of this package (Set checks it)
)

// flagDef is one flag: its name, how its value is read, the default -h
// shows ("" for none) and its usage text. In usage, a `quoted` word names
// the value in -h (as package flag's UnquoteUsage reads it).
type flagDef struct {
	name  string
	kind  flagKind
	def   string
	usage string
}

// passList stands for the pass names in a usage text; -h fills them in.
const passList = "{passes}"

// flagDefs is every flag, sorted by name (-h lists them in this order).
var flagDefs = [...]flagDef{
	{"attach", flagBool, "", "with -emit=direct: attach every program whose section says where (kprobe/..., tracepoint/..., usdt/...), print the links and stay until SIGINT or SIGTERM, then detach; with -pin, pin the links and exit"},
	{"attach-target", flagValue, "", "set where program PROG attaches: `PROG=TARGET` (repeatable), as bpf_program__set_attach_target: the kernel function of fentry/fexit/fmod_ret, the tracepoint of tp_btf, the hook of lsm, or the target a kprobe, uprobe or tracepoint attaches to with -attach"},
	{"autocreate", flagValue, "", "create a struct_ops map or not: `MAP=true|false` (repeatable; a map of a \"?.struct_ops\" section is not created unless set true, and the programs only uncreated maps use do not load)"},
	{"btf", flagString, "", "target BTF `FILE` for CO-RE (raw BTF or ELF with .BTF) instead of the running kernel"},
	{"core", flagString, "auto", "where CO-RE relocations are computed: `auto` (the running kernel >= 5.17 when loading into it; bpfc for -btf targets, older kernels and -emit=ir), user (in bpfc) or kernel (BPF_PROG_LOAD core_relos)"},
	{"disable", flagValue, "", "do not load programs whose name or section matches `GLOB` (repeatable), e.g. -disable 'fentry/*'"},
	{"dump-after", flagString, "", "with -emit=ir: print the IR after `PASS` (" + passList + ")"},
	{"emit", flagString, "direct", "what to do: `direct` (load into the kernel), loader (write a light skeleton), elf (write the linked object) or ir (print the IR)"},
	{"enable", flagValue, "", "load programs whose name or section matches `GLOB` although their section starts with \"?\" (repeatable; -disable wins), e.g. -enable 'tcx/*'"},
	{"kconfig", flagString, "", "kernel config `FILE` for .kconfig externs instead of /proc/config.gz"},
	{"key-size", flagValue, "", "set a map's key_size in bytes: `MAP=N` (repeatable; objects leave some maps unsized for user space, as bcc's tools do)"},
	{"keyring", flagValue, "", "with -emit=loader -run and -sign-key: the keyring `ID` holding the signer's certificate: a keyring serial, session, user, process, or builtin (0), secondary (1), platform (2)"},
	{"lang", flagString, "go", "light skeleton language with -emit=loader: `go`, c or raw"},
	{"log-level", flagUint, "", "verifier log `LEVEL` requested on every load (a rejected program's log is always printed)"},
	{"max-entries", flagValue, "", "set a map's max_entries: `MAP=N` (repeatable)"},
	{"module-btf", flagValue, "", "split BTF `NAME=FILE` of kernel module NAME on top of the target BTF, standing for the target's modules instead of /sys/kernel/btf/* (repeatable; raw BTF as in /sys/kernel/btf/NAME)"},
	{"name", flagString, "", "`NAME` of the object linked from several files (default: the first file's name), as a file name would name it: skeleton type, kernel map name prefix"},
	{"o", flagString, "", "output `FILE` for -emit=loader, -emit=elf and -emit=ir (default: standard output)"},
	{"pin", flagString, "", "pin every map and program (and link, with -attach) under `DIR` (on bpffs) so they stay loaded after exit"},
	{"pkg", flagString, "", "Go package `NAME` of a Go light skeleton (default: derived from the object name)"},
	{"probe", flagBool, "", "print the running kernel's BPF features (each probed with a tiny bpf() call), map and program types, and exit"},
	{"require-integrity", flagBool, "", "with -emit=loader -run: fail rather than run the loader without its blob check where the kernel cannot hash maps (before Linux 6.18)"},
	{"run", flagBool, "", "with -emit=loader: run the generated loader now and print what it loaded"},
	{"set", flagValue, "", "set a .rodata/.data variable, or a constant of inline assembly (\"r0 = NAME ll\", 0 unless set), before load: `VAR=VALUE` (repeatable; ints, bools, enums, strings)"},
	{"sign-cert", flagString, "", "the signer's X.509 certificate `FILE` (PEM or DER), for -sign-key and -verify-sig"},
	{"sign-key", flagString, "", "with -emit=loader: sign the loader with the private key in PEM `FILE` (RSA or ECDSA; needs -sign-cert)"},
	{"trace", flagBool, "", "with -emit=loader: the loader prints each step's result with bpf_trace_printk (read /sys/kernel/tracing/trace_pipe)"},
	{"value-size", flagValue, "", "set a map's value_size in bytes: `MAP=N` (repeatable; a stack trace map's is 8 × the stack depth)"},
	{"verify-sig", flagString, "", "check the signature of the skeleton `FILE` (Go, C or raw .json) with -sign-cert, offline, and exit"},
}

// lookupFlag returns the flag called name, or nil.
func lookupFlag(name string) *flagDef {
	for i := range flagDefs {
		if flagDefs[i].name == name {
			return &flagDefs[i]
		}
	}
	return nil
}

// flagValues holds the repeatable flags until parseArgs checks them.
type flagValues struct {
	enable, disable                                                          listFlag
	moduleBTF, attachTarget, maxEntries, keySize, valueSize, autocreate, set assignFlag
}

// store stores value of flag d in c or v.
func (v *flagValues) store(c *config, d *flagDef, value string) error {
	switch d.name {
	case "attach":
		c.attach = value == "true"
	case "probe":
		c.probe = value == "true"
	case "require-integrity":
		c.integrity = value == "true"
	case "run":
		c.run = value == "true"
	case "trace":
		c.trace = value == "true"
	case "btf":
		c.opts.BTF = value
	case "core":
		c.core = value
	case "dump-after":
		c.dumpAfter = value
	case "emit":
		c.emit = value
	case "kconfig":
		c.opts.Kconfig = value
	case "lang":
		c.lang = value
	case "name":
		c.opts.Name = value
	case "o":
		c.out = value
	case "pin":
		c.pin = value
	case "pkg":
		c.pkg = value
	case "sign-cert":
		c.signCert = value
	case "sign-key":
		c.signKey = value
	case "verify-sig":
		c.verifySig = value
	case "log-level":
		n, err := strconv.ParseUint(value, 0, strconv.IntSize)
		if err != nil {
			return numError(err)
		}
		c.logLevel = uint(n)
	case "enable":
		return v.enable.Set(value)
	case "disable":
		return v.disable.Set(value)
	case "keyring":
		return c.keyring.Set(value)
	case "autocreate":
		return v.autocreate.Set(value)
	case "attach-target":
		return v.attachTarget.Set(value)
	case "key-size":
		return v.keySize.Set(value)
	case "max-entries":
		return v.maxEntries.Set(value)
	case "module-btf":
		return v.moduleBTF.Set(value)
	case "set":
		return v.set.Set(value)
	case "value-size":
		return v.valueSize.Set(value)
	default:
		panic("flag -" + d.name + " has no place to go")
	}
	return nil
}

// numError words a strconv error as package flag does.
func numError(err error) error {
	if errors.Is(err, strconv.ErrRange) {
		return errors.New("value out of range")
	}
	return errors.New("parse error")
}

// parseFlags reads the flags at the start of args into c and v and
// returns the arguments after them, as flag.FlagSet.Parse does with
// ContinueOnError: a flag error is printed to stderr with the usage and
// returned; -h and -help print the usage and return errHelp.
func parseFlags(c *config, v *flagValues, args []string, stderr io.Writer) ([]string, error) {
	for len(args) > 0 {
		s := args[0]
		if len(s) < 2 || s[0] != '-' {
			break
		}
		dashes := 1
		if s[1] == '-' {
			dashes = 2
			if len(s) == 2 { // "--" ends the flags
				args = args[1:]
				break
			}
		}
		name := s[dashes:]
		if len(name) == 0 || name[0] == '-' || name[0] == '=' {
			return nil, flagFail(stderr, "bad flag syntax: "+s)
		}
		args = args[1:]
		value, hasValue := "", false
		if i := strings.IndexByte(name, '='); i > 0 {
			name, value, hasValue = name[:i], name[i+1:], true
		}
		d := lookupFlag(name)
		if d == nil {
			if name == "help" || name == "h" {
				printUsage(stderr)
				return nil, errHelp
			}
			return nil, flagFail(stderr, "flag provided but not defined: -"+name)
		}
		if d.kind == flagBool {
			b := true
			if hasValue {
				var err error
				if b, err = strconv.ParseBool(value); err != nil {
					return nil, flagFail(stderr, "invalid boolean value "+strconv.Quote(value)+" for -"+name+": parse error")
				}
			}
			v.store(c, d, strconv.FormatBool(b))
			continue
		}
		if !hasValue {
			if len(args) == 0 {
				return nil, flagFail(stderr, "flag needs an argument: -"+name)
			}
			value, args = args[0], args[1:]
		}
		if err := v.store(c, d, value); err != nil {
			return nil, flagFail(stderr, "invalid value "+strconv.Quote(value)+" for flag -"+name+": "+err.Error())
		}
	}
	return args, nil
}

// flagFail prints msg and the usage, as package flag does, and returns
// msg as the error.
func flagFail(stderr io.Writer, msg string) error {
	io.WriteString(stderr, msg+"\n")
	printUsage(stderr)
	return errors.New(msg)
}

// printUsage writes the usage text and the flags, in one write, as
// flag.PrintDefaults lays them out, into a buffer sized once (-h is a
// whole process: each string built on the way was fresh memory).
func printUsage(w io.Writer) {
	passNames := strings.Join(passes.Names(), ", ")
	size := len(usageText)
	for i := range flagDefs {
		size += len(flagDefs[i].name) + len(flagDefs[i].usage) + len(flagDefs[i].def) + 64
		size += strings.Count(flagDefs[i].usage, "\n") * 5
		if strings.Contains(flagDefs[i].usage, passList) {
			size += len(passNames)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, usageText...)
	for i := range flagDefs {
		d := &flagDefs[i]
		b = append(b, "  -"...)
		b = append(b, d.name...)
		// The value's name: the usage's `quoted` word, which the text
		// keeps unquoted, or the kind's.
		usage, name, quoted, rest := d.usage, "", "", ""
		if i := strings.IndexByte(usage, '`'); i >= 0 {
			if j := strings.IndexByte(usage[i+1:], '`'); j >= 0 {
				quoted, rest = usage[i+1:i+1+j], usage[i+1+j+1:]
				usage, name = usage[:i], quoted
			}
		}
		if name == "" {
			switch d.kind {
			case flagString:
				name = "string"
			case flagUint:
				name = "uint"
			case flagValue:
				name = "value"
			}
		}
		if name != "" {
			b = append(b, ' ')
			b = append(b, name...)
		}
		if len(d.name) == 1 && name == "" {
			b = append(b, '\t')
		} else {
			b = append(b, "\n    \t"...)
		}
		b = appendUsage(b, usage, passNames)
		b = appendUsage(b, quoted, passNames)
		b = appendUsage(b, rest, passNames)
		if d.def != "" {
			b = append(b, " (default "...)
			b = strconv.AppendQuote(b, d.def)
			b = append(b, ')')
		}
		b = append(b, '\n')
	}
	w.Write(b)
}

// appendUsage appends a piece of a flag's usage text to b, its line breaks
// indented as package flag indents them and passList replaced by the pass
// names.
func appendUsage(b []byte, s, passNames string) []byte {
	for s != "" {
		i := strings.IndexAny(s, "\n{")
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		switch {
		case s[i] == '\n':
			b = append(b, "\n    \t"...)
			s = s[i+1:]
		case strings.HasPrefix(s[i:], passList):
			b = append(b, passNames...)
			s = s[i+len(passList):]
		default:
			b = append(b, '{')
			s = s[i+1:]
		}
	}
	return b
}
