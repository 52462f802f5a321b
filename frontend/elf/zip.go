// This file opens objects inside zip archives: a path "app.zip!/prog.o"
// names the member prog.o of app.zip, as libbpf names ELF files inside
// APKs. Stored and deflated members are read (libbpf reads stored ones
// only); the object is named "app.zip!/prog.o" in errors and dumps, and
// "prog" where a name is derived from it (skeletons, map prefixes).

package elf

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpfc/bpfc/internal/errs"
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
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		return "", "", false
	}
	return path[:i], path[i+len(ArchiveSep):], true
}

// openMember reads member of the zip archive at archive and lowers it.
func openMember(archive, member string) (*ir.Object, error) {
	name := filepath.Base(archive) + ArchiveSep + member
	zr, err := zip.OpenReader(archive)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, err // "open PATH: reason"
		}
		return nil, fmt.Errorf("%s: %v: %w", archive, err, ErrBadArchive)
	}
	defer zr.Close()
	var f *zip.File
	for _, zf := range zr.File {
		if zf.Name == member {
			f = zf
			break
		}
	}
	if f == nil {
		var have []string
		for _, zf := range zr.File {
			if !strings.HasSuffix(zf.Name, "/") && len(have) < 8 {
				have = append(have, zf.Name)
			}
		}
		return nil, fmt.Errorf("%s: archive %s has no member %s (members: %s): %w", name, archive, member, strings.Join(have, ", "), ErrNoMember)
	}
	data, err := readMember(f)
	if err != nil {
		return nil, fmt.Errorf("%s: member %s of %s: %w", name, member, archive, err)
	}
	return parse(bytes.NewReader(data), data, name)
}

// readMember inflates a stored or deflated member, at most maxMember
// bytes, checking its CRC.
func readMember(f *zip.File) ([]byte, error) {
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return nil, fmt.Errorf("compression method %d: only stored and deflated members are read: %w", f.Method, ErrBadArchive)
	}
	if f.UncompressedSize64 > maxMember {
		return nil, fmt.Errorf("%d bytes is too large: %w", f.UncompressedSize64, ErrBadArchive)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrBadArchive)
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, min(f.UncompressedSize64, maxWholeRead)))
	if _, err := io.Copy(buf, io.LimitReader(rc, maxMember+1)); err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrBadArchive)
	}
	if uint64(buf.Len()) != f.UncompressedSize64 {
		return nil, fmt.Errorf("%d bytes, the archive says %d: %w", buf.Len(), f.UncompressedSize64, ErrBadArchive)
	}
	return buf.Bytes(), nil
}
