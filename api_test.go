// Tests the module's layering with go list and go/types: no exported API
// of a public package mentions a type of an internal package (so every
// exported function can be called from another module), the direct
// backend depends on neither the passes nor the loader backend, and the
// command line makes no syscalls of its own (it imports no internal/sys).

package bpfc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/internal/testutil"
)

const module = "github.com/bpfc/bpfc"

// listedPackage is what go list -json says about a package.
type listedPackage struct {
	ImportPath string
	Name       string
	Export     string
	Imports    []string
	Deps       []string
	Standard   bool
}

// goList runs go list -json with args and decodes its packages.
func goList(t *testing.T, args ...string) []listedPackage {
	t.Helper()
	goTool := testutil.Tool(t, "go") // first: a guest says host-only
	testutil.DependOnModule(t)
	cmd := exec.Command(goTool, append([]string{"list", "-json"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// isInternal reports an import path with an "internal" element.
func isInternal(path string) bool {
	return slices.Contains(strings.Split(path, "/"), "internal")
}

func TestNoInternalTypesInAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the module's export data")
	}
	pkgs := goList(t, "-export", "-deps", "./...")
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	checked := 0
	for _, p := range pkgs {
		if p.Standard || !strings.HasPrefix(p.ImportPath, module) || isInternal(p.ImportPath) || p.Name == "main" {
			continue
		}
		pkg, err := imp.Import(p.ImportPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, problem := range internalInAPI(pkg) {
			t.Error(problem)
		}
		checked++
	}
	// bpfc, btf, ir, frontend/elf, passes, passes/core, target, uapi,
	// backend/direct, backend/loaderprog, rt, skel, ...
	if checked < 12 {
		t.Errorf("checked only %d public packages", checked)
	}
}

// TestInternalInAPIFinds shows that internalInAPI finds an internal type
// wherever an exported identifier can mention it.
func TestInternalInAPIFinds(t *testing.T) {
	fset := token.NewFileSet()
	check := func(path, src string, imp types.Importer) *types.Package {
		f, err := parser.ParseFile(fset, path+".go", src, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkg, err := (&types.Config{Importer: imp}).Check(path, fset, []*ast.File{f}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return pkg
	}
	inner := check("example.com/m/internal/x", "package x\ntype T int\ntype I interface{ M() }\n", nil)
	pub := check("example.com/m/p", `package p
import "example.com/m/internal/x"
type Field struct{ F *x.T; ok int }
type hidden struct{ x.T }
type Embeds struct{ hidden }
type Method int
func (Method) Get() map[string][]x.T { return nil }
func (Method) unexported() x.T { return 0 }
type Iface interface{ Do(func(x.T)) }
func Result() (int, x.I) { return 0, nil }
var Var chan x.T
const Const x.T = 1
type Alias = x.T
type Generic[P any] struct{ v P }
var Inst Generic[x.T]
type Fine struct{ A, B int; c x.T }
func Unexported(v int) int { return v }
func private() x.T { return 0 }
`, importerFunc(func(path string) (*types.Package, error) {
		if path == inner.Path() {
			return inner, nil
		}
		return nil, fmt.Errorf("no package %s", path)
	}))
	got := internalInAPI(pub)
	for _, want := range []string{"Field", "Embeds", "Method.Get", "Iface", "Result", "Var", "Const", "Alias", "Inst"} {
		found := false
		for _, p := range got {
			if strings.HasPrefix(p, "example.com/m/p."+want+":") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s not reported; got %q", want, got)
		}
	}
	for _, p := range got {
		for _, fine := range []string{"Fine", "Unexported", "private", "unexported", "Generic:"} {
			if strings.Contains(p, "p."+fine) {
				t.Errorf("reported %q", p)
			}
		}
	}
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// internalInAPI returns, for every exported identifier of pkg whose type
// mentions a type of an internal package (in a field, parameter, result,
// method, embedded type or type argument), "pkg.Name: ... mentions T".
func internalInAPI(pkg *types.Package) []string {
	var problems []string
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		report := func(where string, typ types.Type) {
			if found := findInternal(typ, map[types.Type]bool{}); found != "" {
				problems = append(problems, fmt.Sprintf("%s.%s: %s mentions %s", pkg.Path(), where, typ, found))
			}
		}
		switch obj := obj.(type) {
		case *types.TypeName:
			if obj.IsAlias() {
				report(name, obj.Type())
				continue
			}
			report(name, obj.Type().Underlying())
			named, ok := obj.Type().(*types.Named)
			if !ok {
				continue
			}
			for m := range named.Methods() {
				if m.Exported() {
					report(name+"."+m.Name(), m.Type())
				}
			}
		default:
			report(name, obj.Type())
		}
	}
	return problems
}

// findInternal returns the first type of an internal package that a user
// of typ can see, or "".
func findInternal(typ types.Type, seen map[types.Type]bool) string {
	if seen[typ] {
		return ""
	}
	seen[typ] = true
	switch t := typ.(type) {
	case *types.Alias:
		return findInternal(types.Unalias(t), seen)
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() != nil && isInternal(obj.Pkg().Path()) {
			return t.String()
		}
		for arg := range t.TypeArgs().Types() {
			if found := findInternal(arg, seen); found != "" {
				return found
			}
		}
		// An unexported type's exported fields and methods are still
		// visible through a value of it (an embedded field, a result).
		if !obj.Exported() && obj.Pkg() != nil {
			if found := findInternal(t.Underlying(), seen); found != "" {
				return found
			}
			for m := range t.Methods() {
				if m.Exported() {
					if found := findInternal(m.Type(), seen); found != "" {
						return found
					}
				}
			}
		}
	case *types.Pointer:
		return findInternal(t.Elem(), seen)
	case *types.Slice:
		return findInternal(t.Elem(), seen)
	case *types.Array:
		return findInternal(t.Elem(), seen)
	case *types.Chan:
		return findInternal(t.Elem(), seen)
	case *types.Map:
		if found := findInternal(t.Key(), seen); found != "" {
			return found
		}
		return findInternal(t.Elem(), seen)
	case *types.Signature:
		for _, tuple := range []*types.Tuple{t.Params(), t.Results()} {
			for v := range tuple.Variables() {
				if found := findInternal(v.Type(), seen); found != "" {
					return found
				}
			}
		}
	case *types.Struct:
		for f := range t.Fields() {
			if f.Exported() || f.Embedded() {
				if found := findInternal(f.Type(), seen); found != "" {
					return found
				}
			}
		}
	case *types.Interface:
		for m := range t.Methods() {
			if m.Exported() {
				if found := findInternal(m.Type(), seen); found != "" {
					return found
				}
			}
		}
		for e := range t.EmbeddedTypes() {
			if found := findInternal(e, seen); found != "" {
				return found
			}
		}
	case *types.TypeParam:
		return findInternal(t.Constraint(), seen)
	}
	return ""
}

// TestLayering checks the dependencies the design forbids.
func TestLayering(t *testing.T) {
	for _, p := range goList(t, "-deps", "./backend/direct") {
		for _, bad := range []string{module + "/passes", module + "/backend/loaderprog"} {
			if p.ImportPath == bad || strings.HasPrefix(p.ImportPath, bad+"/") {
				t.Errorf("backend/direct depends on %s", p.ImportPath)
			}
		}
	}
	// Light skeletons import rt: they carry no ELF parser, BTF library,
	// IR or passes (rt reads the kernel's BTF with a small reader of its
	// own where struct_ops maps need it).
	for _, p := range goList(t, "-deps", "./backend/loaderprog/rt") {
		for _, bad := range []string{"btf", "frontend", "ir", "passes", "target", "backend/direct"} {
			if bad := module + "/" + bad; p.ImportPath == bad || strings.HasPrefix(p.ImportPath, bad+"/") {
				t.Errorf("backend/loaderprog/rt depends on %s", p.ImportPath)
			}
		}
	}
	for _, p := range goList(t, "./cmd/bpfc") {
		if slices.Contains(p.Imports, module+"/internal/sys") {
			t.Errorf("cmd/bpfc imports internal/sys: the command line makes no syscalls of its own")
		}
	}
	// Every run of the command pays for what it links (start-up, package
	// initialisation, pages): net would make it a dynamically linked cgo
	// binary; the others initialise tables or modules at start-up
	// (go/token, go/parser, encoding/json, regexp/syntax, the crypto
	// packages: cmd/bpfc-sign has them) or are large.
	for _, p := range goList(t, "-deps", "./cmd/bpfc") {
		switch p.ImportPath {
		case "net", "runtime/cgo", "os/user", "encoding/json", "encoding/asn1", "encoding/base64", "math/big", "regexp", "text/template", "html/template", "os/exec":
		default:
			if !strings.HasPrefix(p.ImportPath, "go/") && !strings.HasPrefix(p.ImportPath, "crypto") {
				continue
			}
		}
		t.Errorf("cmd/bpfc depends on %s (through %s)", p.ImportPath, importers(t, "./cmd/bpfc", p.ImportPath))
	}
}

// TestNoDecompressors checks that the command reads zip members and
// /proc/config.gz with internal/zipfile and internal/inflate (#10):
// archive/zip, compress/gzip and hash/crc32 build tables or pick
// implementations at start-up, compress/flate builds its encoder's
// tables, and archive/zip brings time's formatting. None of the module's
// packages the command links imports any of them, and the command links
// none of them (compress/zlib and compress/flate came with debug/elf too,
// which TestNoReplacedStdPackages keeps out).
func TestNoDecompressors(t *testing.T) {
	banned := []string{"archive/zip", "compress/gzip", "compress/flate", "compress/zlib", "hash/crc32"}
	for _, p := range goList(t, "-deps", "./cmd/bpfc") {
		if strings.HasPrefix(p.ImportPath, module+"/") || p.ImportPath == module {
			for _, imp := range p.Imports {
				if slices.Contains(banned, imp) {
					t.Errorf("%s imports %s: use internal/zipfile, internal/inflate or internal/crc32", p.ImportPath, imp)
				}
			}
			continue
		}
		if slices.Contains(banned, p.ImportPath) {
			t.Errorf("cmd/bpfc depends on %s (through %s)", p.ImportPath, importers(t, "./cmd/bpfc", p.ImportPath))
		}
	}
}

// TestNoReplacedStdPackages checks that cmd/bpfc links none of the
// standard packages bpfc replaced with small readers of its own: each
// costs text, resident pages and package initialisation in every run
// (issue #10). debug/elf came with debug/dwarf, compress/zlib,
// hash/adler32 and internal/zstd (DWARF and compressed sections, which a
// BPF object load never reads); internal/elffile reads ELF instead.
// (TestNoDecompressors keeps out the zip and gzip decoders.)
func TestNoReplacedStdPackages(t *testing.T) {
	replaced := []struct{ pkg, by string }{
		{"debug/elf", "internal/elffile"},
		{"debug/dwarf", "internal/elffile (debug/elf brought it)"},
		{"compress/zlib", "internal/elffile (debug/elf brought it)"},
		{"hash/adler32", "internal/elffile (debug/elf brought it)"},
		{"internal/zstd", "internal/elffile (debug/elf brought it)"},
	}
	deps := map[string]bool{}
	for _, p := range goList(t, "-deps", "./cmd/bpfc") {
		deps[p.ImportPath] = true
	}
	if !deps[module+"/internal/elffile"] {
		t.Errorf("cmd/bpfc does not link internal/elffile: is the list of its dependencies complete?")
	}
	for _, r := range replaced {
		if deps[r.pkg] {
			t.Errorf("cmd/bpfc depends on %s (through %s): bpfc uses %s", r.pkg, importers(t, "./cmd/bpfc", r.pkg), r.by)
		}
	}
}

// importers lists the packages among root's dependencies that import
// path directly.
func importers(t *testing.T, root, path string) string {
	var by []string
	for _, p := range goList(t, "-deps", root) {
		if slices.Contains(p.Imports, path) {
			by = append(by, p.ImportPath)
		}
	}
	if len(by) == 0 {
		return "a package using cgo"
	}
	return strings.Join(by, ", ")
}

// TestNoStartupWork checks that no package of this module linked into
// cmd/bpfc, the command itself included, has initialisation code, but
// internal/coldstart, whose initialisation is its job: the run-time runs
// every linked package's, and each one touches a 64 KiB window of the
// binary (see README, Performance). Error identities are re-exported as addresses
// (&errs.NotSupported), which the linker lays out; tables are arrays or
// switch statements, not maps; seeds and indexes are made on first use.
func TestNoStartupWork(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "bpfc")
	goTool := testutil.Tool(t, "go")
	testutil.DependOnModule(t)
	if out, err := exec.Command(goTool, "build", "-o", exe, "./cmd/bpfc").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(goTool, "tool", "nm", exe).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	inits := 0
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) != 3 || f[1] != "T" {
			continue
		}
		pkg, fn, ok := cutLastDot(f[2])
		if !ok || !(fn == "init" || strings.HasPrefix(fn, "init.") || strings.HasPrefix(fn, "map.init.")) {
			continue
		}
		if pkg != module && !strings.HasPrefix(pkg, module+"/") && pkg != "main" { // main: cmd/bpfc
			continue
		}
		if pkg == module+"/internal/coldstart" {
			inits++
			continue
		}
		t.Errorf("%s has initialisation code (%s), which every bpfc run would run", pkg, f[2])
	}
	if inits == 0 {
		t.Error("no initialisation code found in internal/coldstart: is the symbol check still reading go tool nm right?")
	}
}

// cutLastDot splits a symbol "pkg/path.name" into the package path and
// the name (which may hold dots: "map.init.0").
func cutLastDot(sym string) (pkg, name string, ok bool) {
	slash := strings.LastIndexByte(sym, '/')
	dot := strings.IndexByte(sym[slash+1:], '.')
	if dot < 0 {
		return "", "", false
	}
	return sym[:slash+1+dot], sym[slash+1+dot+1:], true
}
