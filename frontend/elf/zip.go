// This file opens objects inside zip archives: a path "app.zip!/prog.o"
// names the member prog.o of app.zip, as libbpf names ELF files inside
// APKs. Stored and deflated members are read (libbpf reads stored ones
// only), CRC-32 checked, with package zipfile rather than archive/zip
// (which would bring compress/flate's and hash/crc32's start-up work and
// time's formatting into every run). The object is named
// "app.zip!/prog.o" in errors and dumps, and "prog" where a name is
// derived from it (skeletons, map prefixes).

package elf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/bpfc/bpfc/internal/errs"
	"github.com/bpfc/bpfc/internal/zipfile"
	"github.com/bpfc/bpfc/ir"
)

// ArchiveSep separates the path of a zip archive from the name of a
// member in it.
const ArchiveSep = "!/"

// maxMember bounds the uncompressed size of an archive member read into
// memory (a BPF object is far smaller; a deflated member claiming more is
// refused before it is inflated).
const maxMember = maxSectionLen

// Errors about archives, kinds of errs.ErrInvalidObject and
// errs.ErrNotFound.
var (
	// ErrBadArchive is returned for a zip archive that cannot be read,
	// or a member compressed with a method other than store or deflate.
	ErrBadArchive error = &errs.Sentinel{Msg: "bad zip archive", Parent: &errs.InvalidObject}
	// ErrNoMember is returned when the archive has no member of the
	// name asked for.
	ErrNoMember error = &errs.Sentinel{Msg: "no such archive member", Parent: &errs.NotFound}
)

// splitArchive splits "app.zip!/prog.o" into the archive's path and the
// member's name. A path that is a file as it stands is not split.
func splitArchive(path string) (archive, member string, ok bool) {
	i := strings.Index(path, ArchiveSep)
	if i <= 0 || i+len(ArchiveSep) == len(path) {
		return "", "", false
	}
	// syscall.Stat, not os.Stat: an os.FileInfo keeps time's formatting
	// and zone code linked (through its ModTime).
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		return "", "", false
	}
	return path[:i], path[i+len(ArchiveSep):], true
}

// openMember reads member of the zip archive at archive and lowers it.
func openMember(archive, member string) (*ir.Object, error) {
	name := filepath.Base(archive) + ArchiveSep + member
	zr, err := zipfile.Open(archive)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, err // "open PATH: reason"
		}
		return nil, fmt.Errorf("%s: %w: %w", archive, err, ErrBadArchive)
	}
	defer zr.Close()
	f := zr.Find(member)
	if f == nil {
		var have []string
		for _, zf := range zr.Members {
			if !strings.HasSuffix(zf.Name, "/") && len(have) < 8 {
				have = append(have, zf.Name)
			}
		}
		return nil, fmt.Errorf("%s: archive %s has no member %s (members: %s): %w", name, archive, member, strings.Join(have, ", "), ErrNoMember)
	}
	data, err := zr.Read(f, maxMember)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: member %s of %s: %w", name, member, archive, err)
		}
		return nil, fmt.Errorf("%s: member %s of %s: %w: %w", name, member, archive, err, ErrBadArchive)
	}
	return parse(bytes.NewReader(data), data, name)
}
