// This file writes the "newc" cpio archives the kernel unpacks as an
// initramfs.

package vmtest

import (
	"fmt"
	"io"
	"path"
	"strings"
)

// File modes of cpio entries (the st_mode type bits).
const (
	modeDir     = 0o040000
	modeRegular = 0o100000
	modeSymlink = 0o120000
	modeCharDev = 0o020000
)

// CPIO writes a newc ("070701") cpio archive, the format the kernel's
// initramfs unpacker reads. Parent directories are written before the
// first entry under them, once per archive.
type CPIO struct {
	w    io.Writer
	n    int64 // bytes written so far, for padding
	ino  uint32
	dirs map[string]bool
	err  error
}

// NewCPIO returns a CPIO writing to w. Call Close to write the trailer.
func NewCPIO(w io.Writer) *CPIO {
	return &CPIO{w: w, dirs: map[string]bool{".": true, "/": true, "": true}}
}

// Dir adds directory name (and its missing parents) with permissions perm.
func (c *CPIO) Dir(name string, perm uint32) error {
	name = clean(name)
	if c.dirs[name] {
		return c.err
	}
	if err := c.parents(name); err != nil {
		return err
	}
	c.dirs[name] = true
	return c.entry(name, modeDir|perm, 0, nil)
}

// File adds regular file name holding data, with permissions perm.
func (c *CPIO) File(name string, perm uint32, data []byte) error {
	name = clean(name)
	if err := c.parents(name); err != nil {
		return err
	}
	return c.entry(name, modeRegular|perm, 0, data)
}

// Symlink adds symbolic link name pointing to target.
func (c *CPIO) Symlink(name, target string) error {
	name = clean(name)
	if err := c.parents(name); err != nil {
		return err
	}
	return c.entry(name, modeSymlink|0o777, 0, []byte(target))
}

// CharDev adds character device node name with the given major and minor.
func (c *CPIO) CharDev(name string, perm uint32, major, minor uint32) error {
	name = clean(name)
	if err := c.parents(name); err != nil {
		return err
	}
	return c.entry(name, modeCharDev|perm, major<<8|minor, nil)
}

// Close writes the trailer entry. It does not close the underlying writer.
func (c *CPIO) Close() error {
	if c.err != nil {
		return c.err
	}
	return c.entry("TRAILER!!!", 0, 0, nil)
}

func (c *CPIO) parents(name string) error {
	if dir := path.Dir(name); !c.dirs[dir] {
		return c.Dir(dir, 0o755)
	}
	return c.err
}

// clean makes name relative to the archive root, as the kernel expects.
func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

func (c *CPIO) entry(name string, mode, rdev uint32, data []byte) error {
	if c.err != nil {
		return c.err
	}
	c.ino++
	nlink := 1
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev>>8, rdev&0xff, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write([]byte(name + "\x00"))
	c.pad()
	c.write(data)
	c.pad()
	return c.err
}

func (c *CPIO) write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	if err != nil {
		c.err = fmt.Errorf("writing cpio archive: %w", err)
	}
}

// pad aligns the archive to 4 bytes, as newc requires after the name and
// after the data.
func (c *CPIO) pad() {
	if r := c.n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}
