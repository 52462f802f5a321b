// This file pins a whole collection to a bpffs directory, one pin per map
// and program named after it, and removes those pins again.

package direct

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpfc/bpfc/backend/mapdef"
	"github.com/bpfc/bpfc/ir"
)

// Pin pins every map and program of the collection under dir (which must be
// on a bpffs; it is created if missing) as dir/NAME, NAME being the
// program's or map's name (the kernel name for global data maps) with dots
// replaced by '_' since bpffs refuses them, as libbpf and bpftool name
// pins. Programs and maps share the directory, so a program and a map of
// the same name collide: Pin then fails. On failure the pins made by this
// call are removed.
func (c *Collection) Pin(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("pin %s: %w", c.Object, err)
	}
	var made []string
	var undo []func() // restore the PinPath fields Pin changed
	fail := func(err error) error {
		for _, p := range made {
			os.Remove(p)
		}
		for _, u := range undo {
			u()
		}
		return fmt.Errorf("pin %s: %w", c.Object, err)
	}
	for _, name := range c.MapOrder {
		m := c.Maps[name]
		path := filepath.Join(dir, PinName(m))
		if m.PinPath == path {
			continue // pinned by name there already
		}
		old := m.PinPath
		if err := m.Pin(path); err != nil {
			return fail(err)
		}
		if old != "" {
			m.PinPath = old // keep the by-name pin as the map's own
		}
		undo = append(undo, func() { m.PinPath = old })
		made = append(made, path)
	}
	for _, name := range c.ProgramOrder {
		p := c.Programs[name]
		path := filepath.Join(dir, strings.ReplaceAll(name, ".", "_"))
		old := p.PinPath
		if err := p.Pin(path); err != nil {
			return fail(err)
		}
		undo = append(undo, func() { p.PinPath = old })
		made = append(made, path)
	}
	c.pins = append(c.pins, made...)
	return nil
}

// PinName returns the file name Collection.Pin gives map m: libbpf's
// bpf_map__name (the kernel name of global data maps, the object's name of
// other maps) with dots, which bpffs refuses, replaced by '_'.
func PinName(m *Map) string {
	var kind ir.MapKind
	if m.Def != nil {
		kind = m.Def.Kind
	}
	return mapdef.PinName(m.Name, m.KernelName, kind)
}

// Unpin removes the pins made by Pin. Pins of maps pinned by name
// (LIBBPF_PIN_BY_NAME) stay unless withMapPins is set.
func (c *Collection) Unpin(withMapPins bool) error {
	var errs []error
	for _, p := range c.pins {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	c.pins = nil
	for _, p := range c.Programs {
		p.PinPath = ""
	}
	if withMapPins {
		for _, m := range c.Maps {
			errs = append(errs, m.Unpin())
		}
	}
	return errors.Join(errs...)
}
