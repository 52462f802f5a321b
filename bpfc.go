// Package bpfc is the Go API of bpfc, a BPF object loader built like a
// compiler: an ELF frontend lowers a BPF object into an IR (package ir),
// ordered passes rewrite it (package passes), and a backend either loads
// it into the kernel (package backend/direct) or emits a loader program
// (package backend/loaderprog).
//
// This file ties the stages together for the common cases: Compile runs
// the frontend and every pass with the user's edits; Load also loads the
// result into the running kernel; GenerateLoader makes a loader program
// for a light skeleton. CompileFiles, LoadFiles and GenerateLoaderFiles
// do the same for several objects, which the merge pass links into one
// as libbpf's static linker (bpftool gen object) would.
package bpfc

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/bpfc/bpfc/backend/direct"
	"github.com/bpfc/bpfc/backend/loaderprog"
	"github.com/bpfc/bpfc/frontend/elf"
	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/passes"
	"github.com/bpfc/bpfc/target"
)

// Error identities shared by every stage, for errors.Is: the same values as
// the stages' own (passes.ErrNotSupported, direct.ErrNotSupported,
// loaderprog.ErrNotSupported, core.ErrNotSupported; passes.ErrNotFound,
// btf.ErrNotFound; direct.ErrInvalidObject, loaderprog.ErrInvalidObject,
// which every error of frontend/elf matches).
var (
	// ErrNotSupported: the object uses something bpfc does not support.
	ErrNotSupported error = &errs.NotSupported
	// ErrNotFound: a map, program, variable or type named by the caller
	// or the object does not exist.
	ErrNotFound error = &errs.NotFound
	// ErrInvalidObject: the object is malformed or inconsistent.
	ErrInvalidObject error = &errs.InvalidObject
)

// Options are what a user sets between opening an object and loading it.
type Options struct {
	// BTF is a target BTF file for CO-RE instead of the running kernel.
	BTF string
	// ModuleBTF maps kernel module names to split BTF files (on top of
	// BTF, or of the running kernel's vmlinux BTF) that stand for the
	// target's modules, instead of the running kernel's /sys/kernel/btf/*.
	ModuleBTF map[string]string
	// Kconfig is a kernel config file instead of the running kernel's.
	Kconfig string
	// CORE chooses where CO-RE relocations are computed. The default,
	// passes.COREAuto, lets the running kernel (Linux >= 5.17) relocate
	// when loading into it, and relocates in bpfc against a BTF file.
	CORE passes.COREMode
	// Defer prepares the IR for a loader program: everything that can be
	// resolved at load time is deferred.
	Defer bool

	// Enable lists globs (path.Match) of program names or sections that
	// are loaded although their section starts with "?" (libbpf's
	// bpf_program__set_autoload(prog, true)).
	Enable []string
	// Disable lists globs (path.Match) of program names or sections that
	// are not loaded, as libbpf's autoload switch; applied after Enable,
	// so a program both match is not loaded.
	Disable []string
	// AttachTarget sets, by program name, where a program attaches instead
	// of the target its section names, as libbpf's
	// bpf_program__set_attach_target: the kernel function of fentry,
	// fexit and fmod_ret, the tracepoint of tp_btf, the hook of lsm (looked
	// up when loading), or the kprobe's function, the tracepoint's
	// "category/name", the uprobe's "binary:function" used when attaching.
	AttachTarget map[string]string
	// MaxEntries overrides the max_entries of maps by map name.
	MaxEntries map[string]uint32
	// KeySize and ValueSize override the key_size and value_size of maps
	// by map name, as libbpf's bpf_map__set_key_size and
	// bpf_map__set_value_size do: objects (bcc's tools) leave stack trace
	// and hash maps unsized for user space to size.
	KeySize, ValueSize map[string]uint32
	// Autocreate chooses, by map name, whether struct_ops maps are
	// created, as libbpf's bpf_map__set_autocreate: a map of a
	// "?.struct_ops" section is not unless set true here; the programs
	// that only uncreated maps use are not loaded.
	Autocreate map[string]bool
	// Set writes .rodata/.data variables by name before load, and sets the
	// constants inline assembly refers to ("r0 = NAME ll"; 0 unless set).
	Set map[string]string

	// Name names the object linked from several files (default: the
	// first file's name); it names its skeleton and its kernel objects'
	// prefixes as a file name would.
	Name string
	// PartialLink lets linking leave externs no file defines (variables,
	// maps, programs of struct_ops maps), as libbpf's linker does, for a
	// later link: only with StopAfter "merge", to write the object as ELF
	// (backend/elfobj, bpfc -emit=elf).
	PartialLink bool

	// DumpAfter names a pass after which the IR is written to Dump.
	DumpAfter string
	// Dump receives the IR dump.
	Dump io.Writer
	// StopAfter names a pass after which compilation stops.
	StopAfter string
	// CheckIR runs the IR checker between passes.
	CheckIR bool
	// NoKernelLookups has kernel names looked up in vmlinux BTF read by
	// bpfc, never by the running kernel (passes.Context.NoKernelLookups).
	NoKernelLookups bool
}

// Target returns the target kernel described by the options.
func (o *Options) Target() passes.Target {
	return target.New(target.Options{BTF: o.BTF, Modules: o.ModuleBTF, Kconfig: o.Kconfig})
}

// Compile reads the object at path and runs every pass over it, applying
// the options' edits right after the datasec pass.
func Compile(path string, opts *Options) (*ir.Object, error) {
	return CompileFiles([]string{path}, opts)
}

// CompileFiles reads the objects at paths, links them into one (the merge
// pass: weak and strong definitions, externs resolved by name, sections
// concatenated, BTF merged and deduplicated) and runs every other pass
// over it, as Compile does for one object.
func CompileFiles(paths []string, opts *Options) (*ir.Object, error) {
	if opts == nil {
		opts = &Options{}
	}
	return compileFiles(paths, opts, opts.Target())
}

// compileFiles is CompileFiles against tg (tests give a fresh target).
func compileFiles(paths []string, opts *Options, tg passes.Target) (*ir.Object, error) {
	obj, err := Open(paths...)
	if err != nil {
		return nil, err
	}
	if opts.Name != "" {
		obj.Name = opts.Name
	}
	ctx := &passes.Context{
		Target:      tg,
		Defer:       opts.Defer,
		CORE:        opts.CORE,
		DumpAfter:   opts.DumpAfter,
		Dump:        opts.Dump,
		StopAfter:   opts.StopAfter,
		CheckIR:     opts.CheckIR,
		PartialLink: opts.PartialLink,
		Configure:   func(obj *ir.Object) error { return opts.apply(obj) },

		NoKernelLookups: opts.NoKernelLookups,
	}
	if err := passes.Run(ctx, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// OptionError is the error for one of the Options' edits that cannot be
// applied. It names the Options field; a command line can spell it as the
// flag that set it.
type OptionError struct {
	// Option is the field: "Enable", "Disable", "AttachTarget",
	// "MaxEntries", "KeySize", "ValueSize", "Autocreate" or "Set".
	Option string
	// Key is the glob of Enable or Disable, the program of AttachTarget,
	// the map of MaxEntries, KeySize, ValueSize or Autocreate, or the
	// variable of Set.
	Key string
	// Value is the value asked for (all but Enable and Disable).
	Value string
	// Err says why the edit failed.
	Err error
}

// Error names the field and entry: `Options.Set["mode"] = "X": ...`.
func (e *OptionError) Error() string {
	switch e.Option {
	case "Enable", "Disable":
		return fmt.Sprintf("Options.%s %q: %v", e.Option, e.Key, e.Err)
	case "MaxEntries", "KeySize", "ValueSize", "Autocreate":
		return fmt.Sprintf("Options.%s[%q] = %s: %v", e.Option, e.Key, e.Value, e.Err)
	}
	return fmt.Sprintf("Options.%s[%q] = %q: %v", e.Option, e.Key, e.Value, e.Err)
}

// Unwrap returns Err.
func (e *OptionError) Unwrap() error { return e.Err }

// Open reads the objects at paths with the frontend: one object read
// from one path, or, for several, an object holding them as the inputs
// of the merge pass, named after the first.
func Open(paths ...string) (*ir.Object, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no object file given")
	}
	units := make([]*ir.Object, 0, len(paths))
	for _, p := range paths {
		obj, err := elf.Open(p)
		if err != nil {
			return nil, err
		}
		units = append(units, obj)
	}
	if len(units) == 1 {
		return units[0], nil
	}
	return &ir.Object{Name: units[0].Name, Inputs: units}, nil
}

// apply performs the user's edits on obj in a deterministic order.
func (o *Options) apply(obj *ir.Object) error {
	for _, sw := range [...]struct {
		option string
		globs  []string
		set    func(*ir.Object, string) (int, error)
	}{{"Enable", o.Enable, passes.Enable}, {"Disable", o.Disable, passes.Disable}} {
		for _, g := range sw.globs {
			n, err := sw.set(obj, g)
			if err == nil && n == 0 {
				err = fmt.Errorf("no program matches (programs: %s)", programNames(obj))
			}
			if err != nil {
				return &OptionError{Option: sw.option, Key: g, Err: err}
			}
		}
	}
	for _, name := range sortedKeys(o.AttachTarget) {
		if err := passes.SetAttachTarget(obj, name, o.AttachTarget[name]); err != nil {
			if errors.Is(err, passes.ErrNotFound) {
				err = fmt.Errorf("%w (programs: %s)", err, programNames(obj))
			}
			return &OptionError{Option: "AttachTarget", Key: name, Value: o.AttachTarget[name], Err: err}
		}
	}
	for _, name := range sortedKeys(o.MaxEntries) {
		if err := passes.SetMaxEntries(obj, name, o.MaxEntries[name]); err != nil {
			return &OptionError{Option: "MaxEntries", Key: name, Value: strconv.FormatUint(uint64(o.MaxEntries[name]), 10), Err: err}
		}
	}
	for _, name := range sortedKeys(o.KeySize) {
		if err := passes.SetKeySize(obj, name, o.KeySize[name]); err != nil {
			return &OptionError{Option: "KeySize", Key: name, Value: strconv.FormatUint(uint64(o.KeySize[name]), 10), Err: err}
		}
	}
	for _, name := range sortedKeys(o.ValueSize) {
		if err := passes.SetValueSize(obj, name, o.ValueSize[name]); err != nil {
			return &OptionError{Option: "ValueSize", Key: name, Value: strconv.FormatUint(uint64(o.ValueSize[name]), 10), Err: err}
		}
	}
	for _, name := range sortedKeys(o.Autocreate) {
		if err := passes.SetAutocreate(obj, name, o.Autocreate[name]); err != nil {
			return &OptionError{Option: "Autocreate", Key: name, Value: strconv.FormatBool(o.Autocreate[name]), Err: err}
		}
	}
	for _, name := range sortedKeys(o.Set) {
		if err := passes.SetVariable(obj, name, o.Set[name]); err != nil {
			return &OptionError{Option: "Set", Key: name, Value: o.Set[name], Err: err}
		}
	}
	return nil
}

// sortedKeys returns m's keys in order; nil, allocating nothing, when m is
// empty (a plain load sets no edits).
func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func programNames(obj *ir.Object) string {
	s := ""
	for i, p := range obj.Programs {
		if i > 0 {
			s += ", "
		}
		s += p.Name + " (" + p.Section + ")"
	}
	return s
}

// Load compiles the object at path and loads it into the running kernel
// with the direct backend.
func Load(path string, opts *Options, dopts *direct.Options) (*direct.Collection, error) {
	return LoadFiles([]string{path}, opts, dopts)
}

// LoadFiles links the objects at paths (CompileFiles) and loads the result
// into the running kernel with the direct backend. When the kernel refuses
// a call to a __weak kfunc that it found by name and whose declared
// prototype does not match its own (a weak direct.KfuncProtoError), the
// objects are compiled again with every kfunc's prototype checked here,
// which leaves that kfunc out (as libbpf does), and loaded again; the
// Collection's Warnings say so.
func LoadFiles(paths []string, opts *Options, dopts *direct.Options) (*direct.Collection, error) {
	if opts == nil {
		opts = &Options{}
	}
	return loadFiles(paths, opts, dopts, opts.Target())
}

// loadFiles is LoadFiles against tg (tests give a fresh target).
func loadFiles(paths []string, opts *Options, dopts *direct.Options, tg passes.Target) (*direct.Collection, error) {
	obj, err := compileFiles(paths, opts, tg)
	if err != nil {
		return nil, err
	}
	coll, err := direct.Load(obj, dopts)
	var kerr *direct.KfuncProtoError
	if !errors.As(err, &kerr) || !kerr.Weak {
		return coll, err
	}
	again := *opts
	again.NoKernelLookups = true
	if obj, err = compileFiles(paths, &again, tg); err != nil {
		return nil, err
	}
	if coll, err = direct.Load(obj, dopts); err != nil {
		return nil, err
	}
	coll.Warnings = append(coll.Warnings, fmt.Sprintf("kfunc %s (__weak) is declared with a prototype (func_proto [%d]) incompatible with the kernel's FUNC [%d]: left out, as libbpf leaves it (compiled and loaded again with every kfunc's prototype checked in bpfc)",
		kerr.Extern, kerr.LocalType, kerr.KernelFunc))
	return coll, nil
}

// GenerateLoader compiles the object at path for a loader program (every
// fact that can be found at load time is deferred: CO-RE to the kernel,
// kfuncs and ksyms to bpf_btf_find_by_name_kind / bpf_kallsyms_lookup_name)
// and generates the loader. Write it with skel.WriteGo, WriteC or
// WriteRaw, or run it with its Spec and the rt package. The returned
// object is the IR the loader was generated from (the emitters need it).
func GenerateLoader(path string, opts *Options, gopts *loaderprog.Options) (*ir.Object, *loaderprog.Loader, error) {
	return GenerateLoaderFiles([]string{path}, opts, gopts)
}

// GenerateLoaderFiles links the objects at paths (CompileFiles) and
// generates one loader for the result: one skeleton for all of them.
func GenerateLoaderFiles(paths []string, opts *Options, gopts *loaderprog.Options) (*ir.Object, *loaderprog.Loader, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	o.Defer = true
	obj, err := CompileFiles(paths, &o)
	if err != nil {
		return nil, nil, err
	}
	l, err := loaderprog.Generate(obj, gopts)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: loader: %w", obj.Name, err)
	}
	return obj, l, nil
}
