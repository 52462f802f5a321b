// This file assembles a guest's initramfs: busybox, the init script, the
// repository's files and test binaries (common to every kernel), and each
// kernel's config and modules (a second archive, appended).

package vmtest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Guest paths.
const (
	guestRepo = "/bpfc"         // the repository's files, test binaries beside their package
	guestPlan = "/vmtest/plan"  // one test binary per line: "import-path dir binary"
	guestArgs = "/vmtest/args"  // extra test binary flags, one per line
	guestMods = "/vmtest/mods"  // modules to insmod, in order, one path per line
	guestName = "/vmtest/label" // the matrix label of the kernel
	// guestProbeTargets holds the user-space programs the attach tests
	// probe (attach/testdata, built on the host: the guests have no gcc)
	// and examples/structops' C program, found through
	// $BPFC_PROBE_TARGETS.
	guestProbeTargets = "/vmtest/probe-targets"
)

// Markers the guest writes on its result port (the second serial port),
// each on a line of its own.
const (
	markKernel = "@@vmtest kernel " // RELEASE
	markInsmod = "@@vmtest insmod " // MODULE rc
	markBegin  = "@@vmtest begin "  // IMPORT-PATH
	markEnd    = "@@vmtest end "    // IMPORT-PATH rc seconds
	markDone   = "@@vmtest done"
)

// initScript is the guest's /init: it mounts what BPF programs and the
// tests expect, loads the modules, runs every test binary of the plan from
// its package directory with the result port as output, and powers off.
const initScript = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up 2>/dev/null
hostname vmtest
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
echo "` + markKernel + `$(uname -r)" >&3
while read -r mod; do
	[ -n "$mod" ] || continue
	insmod "/lib/modules/$(uname -r)/$mod"
	echo "` + markInsmod + `$mod $?" >&3
done </vmtest/mods
export BPFC_REQUIRE_KERNEL=1 BPFC_VMTEST="$(cat /vmtest/label)"
[ -d ` + guestProbeTargets + ` ] && export BPFC_PROBE_TARGETS=` + guestProbeTargets + `
args=$(cat /vmtest/args)
while read -r pkg dir bin; do
	[ -n "$pkg" ] || continue
	echo "` + markBegin + `$pkg" >&3
	start=$(date +%s)
	(cd "$dir" && "./$bin" -test.v=test2json $args) >&3 2>&1 </dev/null
	rc=$?
	echo "` + markEnd + `$pkg $rc $(($(date +%s) - start))" >&3
done </vmtest/plan
echo "` + markDone + `" >&3
sync
poweroff -f
`

// Binary is a test binary built for the guest.
type Binary struct {
	ImportPath string // e.g. github.com/bpfc/bpfc/backend/direct
	Dir        string // package directory relative to the repository root
	Path       string // the binary on the host
}

// CommonInitramfs writes the kernel-independent archive: busybox, /init,
// the repository's files (repoFiles, relative to repo) and the test
// binaries, each in its package directory under /bpfc, run with the
// extra test flags args, and the files of the host directory probeTargets
// (the attach tests' probe targets; "" for none).
func CommonInitramfs(w io.Writer, busybox, repo string, repoFiles []string, bins []Binary, args []string, probeTargets string) error {
	c := NewCPIO(w)
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("busybox: %w", err)
	}
	for _, d := range []string{"bin", "dev", "proc", "sys", "tmp", "run", "root", "etc", "lib/modules", "boot"} {
		c.Dir(d, 0o755)
	}
	c.CharDev("dev/console", 0o600, 5, 1)
	c.CharDev("dev/null", 0o666, 1, 3)
	c.File("bin/busybox", 0o755, bb)
	c.Symlink("bin/sh", "busybox")
	c.File("init", 0o755, []byte(initScript))
	c.File("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	c.File("etc/group", 0o644, []byte("root:x:0:\n"))
	for _, f := range repoFiles {
		b, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			return fmt.Errorf("repository file: %w", err)
		}
		perm := uint32(0o644)
		if st, err := os.Stat(filepath.Join(repo, f)); err == nil && st.Mode()&0o111 != 0 {
			perm = 0o755
		}
		if err := c.File(path.Join(guestRepo, filepath.ToSlash(f)), perm, b); err != nil {
			return err
		}
	}
	var plan bytes.Buffer
	for _, b := range bins {
		data, err := os.ReadFile(b.Path)
		if err != nil {
			return fmt.Errorf("test binary of %s: %w", b.ImportPath, err)
		}
		dir := path.Join(guestRepo, filepath.ToSlash(b.Dir))
		name := filepath.Base(b.Path)
		if err := c.File(path.Join(dir, name), 0o755, data); err != nil {
			return err
		}
		fmt.Fprintf(&plan, "%s %s %s\n", b.ImportPath, dir, name)
	}
	if probeTargets != "" {
		ents, err := os.ReadDir(probeTargets)
		if err != nil {
			return fmt.Errorf("probe targets: %w", err)
		}
		c.Dir(guestProbeTargets, 0o755)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(probeTargets, e.Name()))
			if err != nil {
				return fmt.Errorf("probe targets: %w", err)
			}
			if err := c.File(path.Join(guestProbeTargets, e.Name()), 0o755, b); err != nil {
				return err
			}
		}
	}
	c.File(guestPlan, 0o644, plan.Bytes())
	c.File(guestArgs, 0o644, []byte(strings.Join(args, " ")+"\n"))
	return c.Close()
}

// KernelInitramfs writes the kernel-specific archive: the kernel's config
// at /boot/config-RELEASE (Debian's place; the guests have no
// /proc/config.gz), the modules to load, in order, and the label.
func KernelInitramfs(w io.Writer, k *Kernel, mods []Module) error {
	c := NewCPIO(w)
	cfg, err := os.ReadFile(k.Config)
	if err != nil {
		return fmt.Errorf("kernel %s: %w", k.Label, err)
	}
	c.File("boot/config-"+k.Release, 0o644, cfg)
	var order bytes.Buffer
	for _, m := range mods {
		c.File(path.Join("lib/modules", k.Release, m.Path), 0o644, m.Data)
		fmt.Fprintln(&order, m.Path)
	}
	c.File(guestMods, 0o644, order.Bytes())
	c.File(guestName, 0o644, []byte(k.Label+"\n"))
	return c.Close()
}

// RepoFiles keeps the names (relative to root, e.g. from git ls-files)
// that are regular files in the working tree: a guest sees the working
// tree as the host's tests do. Go sources are kept: some tests compare
// generated files with committed ones.
func RepoFiles(root string, names []string) []string {
	var files []string
	for _, f := range names {
		if f == "" {
			continue
		}
		if st, err := os.Lstat(filepath.Join(root, f)); err != nil || !st.Mode().IsRegular() {
			continue // deleted in the working tree, a symlink or a submodule
		}
		files = append(files, f)
	}
	return files
}
