// This file attaches every program of an object, as libbpf's skeleton
// __attach does: programs whose section names no target are skipped, any
// other failure detaches everything attached so far.

package attach

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Skipped is a program AttachAll did not attach, and why.
type Skipped struct {
	// Program and Section name the program.
	Program, Section string
	// Reason is the error Attach gave (it matches ErrNeedsTarget).
	Reason error
}

// Links are the attachments of an object's programs.
type Links struct {
	// Links are the attached programs, in the order they were given.
	Links []*Link
	// Skipped are the programs that need a target from the caller (XDP,
	// tc, cgroup programs, SEC("kprobe") without a function...).
	Skipped []Skipped
}

// AttachAll attaches every program of progs where its section says, with
// opts (nil: none) for all of them. Programs whose attachment needs a
// target the section does not give are skipped and listed in Skipped. If
// one attachment fails, the ones made before are detached and the error
// names the program; nothing stays attached or open.
func AttachAll(progs []*Program, opts *Options) (*Links, error) {
	ls := &Links{}
	for _, p := range progs {
		l, err := Attach(p, opts)
		if errors.Is(err, ErrNeedsTarget) {
			ls.Skipped = append(ls.Skipped, Skipped{Program: p.Name, Section: p.Section, Reason: err})
			continue
		}
		if err != nil {
			ls.Close()
			return nil, err
		}
		ls.Links = append(ls.Links, l)
	}
	return ls, nil
}

// Close detaches every link (pinned links stay attached through their
// pins).
func (ls *Links) Close() error {
	if ls == nil {
		return nil
	}
	var errs []error
	for i := len(ls.Links) - 1; i >= 0; i-- {
		errs = append(errs, ls.Links[i].Close())
	}
	ls.Links = nil
	return errors.Join(errs...)
}

// PinName is the bpffs name of a program's link in a pin directory:
// "<program>_link", dots replaced as bpftool does.
func PinName(program string) string {
	return strings.ReplaceAll(program, ".", "_") + "_link"
}

// Pin pins every link in dir (a bpffs directory, created if missing) as
// PinName(program). On error the pins made by this call are removed.
func (ls *Links) Pin(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("pin links: %w", err)
	}
	for i, l := range ls.Links {
		if err := l.Pin(filepath.Join(dir, PinName(l.Program))); err != nil {
			for _, done := range ls.Links[:i] {
				done.Unpin()
			}
			return err
		}
	}
	return nil
}
