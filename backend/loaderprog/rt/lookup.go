// This file reads a map's elements from user space: what a skeleton needs
// for the maps it does not mmap (hashes, arrays that are not global data).

package rt

import "fmt"

// cmdMapLookupElem is BPF_MAP_LOOKUP_ELEM.
const cmdMapLookupElem = 1

// Lookup copies the value stored under key into value (the map's value
// size; for per-CPU maps, value size rounded up to 8 times the number of
// possible CPUs). A missing key is an error that Is unix.ENOENT.
func (m *Map) Lookup(key, value []byte) error {
	if m.FD <= 0 {
		return fmt.Errorf("lookup in %s: map not loaded", m.Name)
	}
	var pins pinner
	defer pins.unpin()
	var a attr
	a.u32(offElemMapFD, uint32(m.FD))
	a.ptr(offElemKey, pins.pin(key))
	a.ptr(offElemValue, pins.pin(value))
	if _, err := sysBPF(cmdMapLookupElem, &a, sizeMapElem); err != nil {
		return fmt.Errorf("lookup in %s: BPF_MAP_LOOKUP_ELEM: %w", m.Name, err)
	}
	return nil
}
