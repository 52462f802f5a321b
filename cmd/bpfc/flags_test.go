// Tests that parseFlags reads the command line as package flag read it:
// the same values, remaining arguments, errors and output (-h included),
// against a flag.FlagSet set up as cmd/bpfc set one up before.

package main

import (
	"bytes"
	"errors"
	"flag"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/passes"
)

// referenceFlags parses args with package flag, the flags registered as
// bpfc registered them before it had its own parser.
func referenceFlags(args []string) (*config, *flagValues, []string, string, error) {
	c := &config{}
	v := &flagValues{}
	var out bytes.Buffer
	fs := flag.NewFlagSet("bpfc", flag.ContinueOnError)
	fs.SetOutput(&out)
	fs.Usage = func() {
		out.WriteString(usageText)
		fs.PrintDefaults()
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
	fs.Var(&v.moduleBTF, "module-btf", "split BTF `NAME=FILE` of kernel module NAME on top of the target BTF, standing for the target's modules instead of /sys/kernel/btf/* (repeatable; raw BTF as in /sys/kernel/btf/NAME)")
	fs.StringVar(&c.opts.Kconfig, "kconfig", "", "kernel config `FILE` for .kconfig externs instead of /proc/config.gz")
	fs.StringVar(&c.core, "core", "auto", "where CO-RE relocations are computed: `auto` (the running kernel >= 5.17 when loading into it; bpfc for -btf targets, older kernels and -emit=ir), user (in bpfc) or kernel (BPF_PROG_LOAD core_relos)")
	fs.UintVar(&c.logLevel, "log-level", 0, "verifier log `LEVEL` requested on every load (a rejected program's log is always printed)")
	fs.BoolVar(&c.trace, "trace", false, "with -emit=loader: the loader prints each step's result with bpf_trace_printk (read /sys/kernel/tracing/trace_pipe)")
	fs.BoolVar(&c.probe, "probe", false, "print the running kernel's BPF features (each probed with a tiny bpf() call), map and program types, and exit")
	fs.BoolVar(&c.integrity, "require-integrity", false, "with -emit=loader -run: fail rather than run the loader without its blob check where the kernel cannot hash maps (before Linux 6.18)")
	fs.Var(&v.enable, "enable", "load programs whose name or section matches `GLOB` although their section starts with \"?\" (repeatable; -disable wins), e.g. -enable 'tcx/*'")
	fs.Var(&v.disable, "disable", "do not load programs whose name or section matches `GLOB` (repeatable), e.g. -disable 'fentry/*'")
	fs.Var(&v.maxEntries, "max-entries", "set a map's max_entries: `MAP=N` (repeatable)")
	fs.Var(&v.keySize, "key-size", "set a map's key_size in bytes: `MAP=N` (repeatable; objects leave some maps unsized for user space, as bcc's tools do)")
	fs.Var(&v.valueSize, "value-size", "set a map's value_size in bytes: `MAP=N` (repeatable; a stack trace map's is 8 × the stack depth)")
	fs.Var(&v.attachTarget, "attach-target", "set where program PROG attaches: `PROG=TARGET` (repeatable), as bpf_program__set_attach_target: the kernel function of fentry/fexit/fmod_ret, the tracepoint of tp_btf, the hook of lsm, or the target a kprobe, uprobe or tracepoint attaches to with -attach")
	fs.Var(&v.autocreate, "autocreate", "create a struct_ops map or not: `MAP=true|false` (repeatable; a map of a \"?.struct_ops\" section is not created unless set true, and the programs only uncreated maps use do not load)")
	fs.Var(&v.set, "set", "set a .rodata/.data variable, or a constant of inline assembly (\"r0 = NAME ll\", 0 unless set), before load: `VAR=VALUE` (repeatable; ints, bools, enums, strings)")
	fs.StringVar(&c.signKey, "sign-key", "", "with -emit=loader: sign the loader with the private key in PEM `FILE` (RSA or ECDSA; needs -sign-cert)")
	fs.StringVar(&c.signCert, "sign-cert", "", "the signer's X.509 certificate `FILE` (PEM or DER), for -sign-key and -verify-sig")
	fs.Var(&c.keyring, "keyring", "with -emit=loader -run and -sign-key: the keyring `ID` holding the signer's certificate: a keyring serial, session, user, process, or builtin (0), secondary (1), platform (2)")
	fs.StringVar(&c.verifySig, "verify-sig", "", "check the signature of the skeleton `FILE` (Go, C or raw .json) with -sign-cert, offline, and exit")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		err = errHelp
	}
	return c, v, fs.Args(), out.String(), err
}

func TestFlagsAsPackageFlag(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"x.o"},
		{"-h"},
		{"-help"},
		{"--help", "x.o"},
		{"-emit=ir", "x.o", "-pin", "d"},
		{"-emit", "loader", "-lang", "c", "-o", "f.h", "-pkg", "p", "x.o", "y.o"},
		{"--emit=elf", "-o=out.o", "a.o", "b.o"},
		{"-run", "-trace=true", "-attach=false", "-probe", "-require-integrity=1", "x.o"},
		{"-run=maybe", "x.o"},
		{"-log-level", "2", "x.o"},
		{"-log-level=0x10", "x.o"},
		{"-log-level=-1", "x.o"},
		{"-log-level=99999999999999999999", "x.o"},
		{"-emit"},
		{"-nosuch", "x.o"},
		{"---emit=ir", "x.o"},
		{"-=x", "x.o"},
		{"-", "x.o"},
		{"--", "-emit=ir", "x.o"},
		{"x.o", "-emit=ir"},
		{"", "x.o"},
		{"-disable", "a*", "-disable=b", "-set", "v=1", "-set", "w=s", "x.o"},
		{"-enable", "tcx/*", "-enable=b", "-disable", "b", "x.o"},
		{"-attach-target", "p=vfs_read", "-attach-target=q=sys_exit", "x.o"},
		{"-attach-target", "novalue", "x.o"},
		{"-set", "novalue", "x.o"},
		{"-max-entries", "m=4", "-key-size=m=8", "-value-size", "m=16", "-autocreate", "ops=true", "x.o"},
		{"-module-btf", "nf=n.btf", "-btf", "k.btf", "-kconfig", "c", "-core=user", "x.o"},
		{"-keyring", "session", "-sign-key", "k", "-sign-cert", "c", "-emit=loader", "-run", "x.o"},
		{"-keyring=17", "x.o"},
		{"-keyring=nope", "x.o"},
		{"-verify-sig", "s.go", "-sign-cert", "c.pem"},
		{"-name", "n", "-dump-after=core", "-emit=ir", "x.o"},
		{"-emit=direct", "-emit=ir", "x.o"},
	} {
		wantC, wantV, wantRest, wantOut, wantErr := referenceFlags(args)
		c := &config{}
		v := &flagValues{}
		for i := range flagDefs {
			if d := &flagDefs[i]; d.def != "" {
				v.store(c, d, d.def)
			}
		}
		var out bytes.Buffer
		rest, err := parseFlags(c, v, args, &out)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("%q: error %v, package flag's %v", args, err, wantErr)
		}
		if got := out.String(); got != wantOut {
			t.Errorf("%q: output\n%s\npackage flag's\n%s", args, got, wantOut)
		}
		if err != nil {
			continue
		}
		if !slices.Equal(rest, wantRest) && !(len(rest) == 0 && len(wantRest) == 0) {
			t.Errorf("%q: arguments %q, package flag's %q", args, rest, wantRest)
		}
		if !reflect.DeepEqual(c, wantC) {
			t.Errorf("%q: config %+v, package flag's %+v", args, c, wantC)
		}
		if !reflect.DeepEqual(v, wantV) {
			t.Errorf("%q: values %+v, package flag's %+v", args, v, wantV)
		}
	}
}

// TestFlagTable checks the table's order (-h lists it as is) and that every
// flag has a place to go.
func TestFlagTable(t *testing.T) {
	for i := range flagDefs {
		d := &flagDefs[i]
		if i > 0 && flagDefs[i-1].name >= d.name {
			t.Errorf("flag -%s is listed after -%s: keep the table sorted by name", d.name, flagDefs[i-1].name)
		}
		value := "x=1"
		if d.kind == flagBool {
			value = "true"
		} else if d.kind == flagUint || d.name == "keyring" {
			value = "1"
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("flag -%s: %v", d.name, r)
				}
			}()
			if err := (&flagValues{}).store(&config{}, d, value); err != nil {
				t.Errorf("flag -%s=%s: %v", d.name, value, err)
			}
		}()
	}
}

// TestKeyringFlag checks -keyring's names (each to the id the kernel's
// headers give it), serials, and the error for anything else.
func TestKeyringFlag(t *testing.T) {
	for _, c := range []struct {
		arg string
		id  int32
		err string
	}{
		{arg: "session", id: -3},
		{arg: "user", id: -4},
		{arg: "process", id: -2},
		{arg: "thread", id: -1},
		{arg: "user-session", id: -5},
		{arg: "builtin", id: 0},
		{arg: "secondary", id: 1},
		{arg: "platform", id: 2},
		{arg: "17", id: 17},
		{arg: "0x10", id: 16},
		{arg: "-7", id: -7},
		{arg: "nope", err: "want a keyring serial or one of session, user, process, thread, user-session, builtin, secondary, platform"},
		{arg: "4294967296", err: "want a keyring serial"},
	} {
		var k keyringFlag
		err := k.Set(c.arg)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("-keyring %s: error %v, want %q", c.arg, err, c.err)
			}
		case err != nil:
			t.Errorf("-keyring %s: %v", c.arg, err)
		case !k.set || k.id != c.id:
			t.Errorf("-keyring %s: id %d (set %v), want %d", c.arg, k.id, k.set, c.id)
		}
	}
}
