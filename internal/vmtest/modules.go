// This file picks the kernel modules a guest loads at boot and orders them
// by dependency, reading each module's .modinfo (Debian's packages ship no
// modules.dep: depmod runs at install time).

package vmtest

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Module is a kernel module ready to be put into an initramfs: its path
// under lib/modules/RELEASE (without compression suffix) and its
// uncompressed bytes.
type Module struct {
	Name string // normalized: '-' as '_'
	Path string // e.g. kernel/net/netfilter/nf_conntrack.ko
	Data []byte
}

// moduleSuffixes are the file name endings of modules, compressed or not.
var moduleSuffixes = []string{".ko", ".ko.xz", ".ko.zst", ".ko.gz"}

// modName normalizes a module name as the kernel does ('-' and '_' are the
// same).
func modName(s string) string { return strings.ReplaceAll(s, "-", "_") }

// ResolveModules returns the modules named in want and everything they
// depend on, in an order insmod can load them (dependencies first), from
// the module tree dir (lib/modules/RELEASE). Modules built into the kernel
// (modules.builtin) are left out.
func ResolveModules(dir string, want []string) ([]Module, error) {
	index := map[string]string{} // name -> path relative to dir
	err := filepath.WalkDir(filepath.Join(dir, "kernel"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, suf := range moduleSuffixes {
			if base, ok := strings.CutSuffix(d.Name(), suf); ok {
				rel, err := filepath.Rel(dir, p)
				if err != nil {
					return err
				}
				index[modName(base)] = rel
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("module tree %s: %w", dir, err)
	}
	builtin := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(dir, "modules.builtin")); err == nil {
		for _, line := range strings.Fields(string(b)) {
			builtin[modName(strings.TrimSuffix(filepath.Base(line), ".ko"))] = true
		}
	}

	var out []Module
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name, from string) error
	visit = func(name, from string) error {
		name = modName(name)
		switch state[name] {
		case 1:
			return fmt.Errorf("module %s: dependency cycle through %s", name, from)
		case 2:
			return nil
		}
		if builtin[name] {
			state[name] = 2
			return nil
		}
		rel, ok := index[name]
		if !ok {
			if from != "" {
				return fmt.Errorf("module %s (needed by %s) not found under %s", name, from, dir)
			}
			return fmt.Errorf("module %s not found under %s", name, dir)
		}
		state[name] = 1
		data, err := readModule(filepath.Join(dir, rel))
		if err != nil {
			return err
		}
		deps, err := modDepends(data)
		if err != nil {
			return fmt.Errorf("module %s: %w", rel, err)
		}
		for _, d := range deps {
			if err := visit(d, name); err != nil {
				return err
			}
		}
		state[name] = 2
		for _, suf := range moduleSuffixes[1:] {
			rel = strings.TrimSuffix(rel, strings.TrimPrefix(suf, ".ko"))
		}
		out = append(out, Module{Name: name, Path: filepath.ToSlash(rel), Data: data})
		return nil
	}
	for _, w := range want {
		if err := visit(w, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readModule returns the uncompressed bytes of a module file.
func readModule(path string) ([]byte, error) {
	switch {
	case strings.HasSuffix(path, ".ko"):
		return os.ReadFile(path)
	case strings.HasSuffix(path, ".ko.gz"):
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		b, err := io.ReadAll(z)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return b, nil
	}
	// xz and zstd: the standard library has neither; the tools are
	// installed by scripts/vmtest-deps.sh.
	tool := "xz"
	if strings.HasSuffix(path, ".zst") {
		tool = "zstd"
	}
	var stderr bytes.Buffer
	cmd := exec.Command(tool, "-dc", path)
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s -dc %s: %w: %s", tool, path, err, strings.TrimSpace(stderr.String()))
	}
	return b, nil
}

// modDepends returns the "depends=" list of a module's .modinfo section.
func modDepends(data []byte) ([]string, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not an ELF module: %w", err)
	}
	sec := f.Section(".modinfo")
	if sec == nil {
		return nil, fmt.Errorf("no .modinfo section")
	}
	info, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf(".modinfo: %w", err)
	}
	return parseDepends(info), nil
}

// parseDepends returns the module names of the "depends=" entry of
// .modinfo bytes (NUL-separated key=value strings).
func parseDepends(info []byte) []string {
	for _, kv := range bytes.Split(info, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			var deps []string
			for _, d := range strings.Split(string(v), ",") {
				if d != "" {
					deps = append(deps, d)
				}
			}
			return deps
		}
	}
	return nil
}
