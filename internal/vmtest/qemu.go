// This file finds the kernels of the matrix (fetched by
// scripts/vmtest-deps.sh) and boots one under qemu.

package vmtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kernel is one kernel of the matrix, as scripts/vmtest-deps.sh lays it
// out under CACHE/matrix/LABEL.
type Kernel struct {
	Label   string // e.g. 5.10, 7.x
	Release string // uname -r, e.g. 5.10.0-46-cloud-amd64
	Vmlinuz string
	Config  string // the kernel's config (/boot/config-RELEASE)
	Modules string // its lib/modules/RELEASE tree
}

// Kernels returns the kernels under cache/matrix, oldest first. labels,
// when not empty, selects some of them (an unknown label is an error).
func Kernels(cache string, labels []string) ([]*Kernel, error) {
	dir := filepath.Join(cache, "matrix")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("no kernels in %s (run scripts/vmtest-deps.sh): %w", cache, err)
	}
	byLabel := map[string]*Kernel{}
	var all []*Kernel
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("kernel %s: %w", e.Name(), err)
		}
		k := &Kernel{
			Label:   e.Name(),
			Release: filepath.Base(target),
			Vmlinuz: filepath.Join(target, "vmlinuz"),
			Config:  filepath.Join(target, "config"),
			Modules: filepath.Join(target, "modules"),
		}
		for _, f := range []string{k.Vmlinuz, k.Config, k.Modules} {
			if _, err := os.Stat(f); err != nil {
				return nil, fmt.Errorf("kernel %s: %w (re-run scripts/vmtest-deps.sh)", k.Label, err)
			}
		}
		byLabel[k.Label] = k
		all = append(all, k)
	}
	sort.Slice(all, func(i, j int) bool { return labelLess(all[i].Label, all[j].Label) })
	if len(labels) == 0 {
		if len(all) == 0 {
			return nil, fmt.Errorf("no kernels in %s (run scripts/vmtest-deps.sh)", dir)
		}
		return all, nil
	}
	var out []*Kernel
	for _, l := range labels {
		k, ok := byLabel[l]
		if !ok {
			return nil, fmt.Errorf("no kernel %q in %s (have %s)", l, dir, strings.Join(labelsOf(all), ", "))
		}
		out = append(out, k)
	}
	return out, nil
}

func labelsOf(ks []*Kernel) []string {
	var s []string
	for _, k := range ks {
		s = append(s, k.Label)
	}
	return s
}

// labelLess orders labels like versions: 5.10 < 6.1 < 6.12 < 7.x.
func labelLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errx := strconv.Atoi(as[i])
		y, erry := strconv.Atoi(bs[i])
		switch {
		case errx == nil && erry == nil && x != y:
			return x < y
		case errx != nil && erry == nil:
			return false // "x" is newer than any number
		case errx == nil && erry != nil:
			return true
		case errx != nil && erry != nil && as[i] != bs[i]:
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

// CmdLine is the kernel command line of a guest: the console on the first
// serial port, quiet, reboot (so qemu exits) at once on a panic, and the
// BPF LSM on (5.10's CONFIG_LSM lacks it).
const CmdLine = "console=ttyS0 quiet panic=-1 oops=panic lsm=lockdown,capability,yama,bpf"

// BootOptions are the knobs of one guest.
type BootOptions struct {
	Qemu       string        // qemu-system-x86_64 binary (default: from PATH)
	MemMB      int           // guest memory (default 2048)
	Timeout    time.Duration // the guest is killed after this long
	ConsoleLog string        // file for the kernel console (first serial port)
	Results    io.Writer     // the result port (second serial port)
}

// ErrTimeout is returned by Boot when the guest did not power off in time.
var ErrTimeout = errors.New("guest timed out")

// Boot runs kernel k with initrd under qemu and returns when the guest
// powers off (or panics: qemu exits then too). TCG, because nested KVM
// dies with "emulation failure" here; cx16 off, because qemu 7.2's TCG
// double-faults in 6.12's SLUB with it.
func Boot(ctx context.Context, k *Kernel, initrd string, o BootOptions) error {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	qemu := o.Qemu
	if qemu == "" {
		qemu = "qemu-system-x86_64"
	}
	mem := o.MemMB
	if mem == 0 {
		mem = 2048
	}
	cmd := exec.CommandContext(ctx, qemu,
		"-accel", "tcg", "-cpu", "max,-cx16", "-smp", "1", "-m", strconv.Itoa(mem),
		"-nodefaults", "-display", "none", "-no-reboot",
		"-kernel", k.Vmlinuz, "-initrd", initrd, "-append", CmdLine,
		"-serial", "file:"+o.ConsoleLog, "-serial", "stdio",
	)
	cmd.Stdout = o.Results
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("kernel %s: %w after %v", k.Label, ErrTimeout, o.Timeout)
	}
	if err != nil {
		return fmt.Errorf("kernel %s: qemu: %w: %s", k.Label, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
