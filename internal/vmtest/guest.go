// This file runs one guest for a command of the kernel matrix (vmtest, the
// corpus tool): the kernel's initramfs written from the common part and the
// kernel's own, the guest booted, its result port handed to the caller's
// parser while it runs; and the small file and flag helpers both commands
// share.

package vmtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// GuestBoot is one boot of a kernel with the commands' shared initramfs.
type GuestBoot struct {
	Kernel  *Kernel
	Modules []Module // modules the guest loads (see ResolveModules)
	Common  string   // the initramfs part every kernel shares
	Work    string   // a directory for the kernel's initramfs
	Boot    BootOptions
}

// Run writes the guest's initramfs, boots it and feeds its result port to
// parse while it runs (parse must read until EOF or return an error; what
// it leaves is drained). It returns the time the guest took, the boot's
// error and parse's error. An initramfs that cannot be written is a boot
// error, and parse is not called.
func (g *GuestBoot) Run(parse func(io.Reader) error) (took time.Duration, bootErr, parseErr error) {
	initrd := filepath.Join(g.Work, g.Kernel.Label+".initrd")
	defer os.Remove(initrd)
	if err := WriteFile(initrd, func(w io.Writer) error {
		f, err := os.Open(g.Common)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
			return err
		}
		return KernelInitramfs(w, g.Kernel, g.Modules)
	}); err != nil {
		return 0, fmt.Errorf("initramfs: %w", err), nil
	}
	pr, pw := io.Pipe()
	parsed := make(chan error, 1)
	go func() {
		err := parse(pr)
		io.Copy(io.Discard, pr)
		parsed <- err
	}()
	t0 := time.Now()
	opts := g.Boot
	opts.Results = pw
	bootErr = Boot(context.Background(), g.Kernel, initrd, opts)
	pw.Close()
	parseErr = <-parsed
	return time.Since(t0), bootErr, parseErr
}

// WriteFile creates path and fills it.
func WriteFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Split returns the non-empty, trimmed fields of a comma-separated list.
func Split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Output runs a command in dir ("" for the current directory) and returns
// its trimmed standard output; an error carries its standard error.
func Output(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
