// This file turns global data sections (.data, .rodata, .bss and their
// ".<name>" variants) into array maps of one element holding the section,
// as libbpf does: mmapable, read-only for programs when .rodata*, named
// after the section, with the section's BTF DATASEC as value type.

package elf

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/internal/elffile"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// dataKind classifies a section as global data: ".data", ".rodata",
// ".bss" or "" for other sections.
func (rd *reader) dataKind(idx int) string {
	s := rd.section(idx)
	if s == nil || s.Flags&elffile.SHF_EXECINSTR != 0 {
		return ""
	}
	isKind := func(k string) bool { return s.Name == k || strings.HasPrefix(s.Name, k+".") }
	switch {
	case s.Type == elffile.SHT_PROGBITS && isKind(".data"):
		return ".data"
	case s.Type == elffile.SHT_PROGBITS && isKind(".rodata"):
		return ".rodata"
	case s.Type == elffile.SHT_NOBITS && isKind(".bss"):
		return ".bss"
	}
	return ""
}

// readData creates a map for every non-empty global data section. Their
// initial values share one allocation.
func (rd *reader) readData() error {
	nMaps, nBytes := 0, 0
	for idx, s := range rd.f.Sections {
		if kind := rd.dataKind(idx); kind == "" || s.Size == 0 {
			continue
		} else if kind != ".bss" && s.Size <= 1<<32-1 {
			nBytes += int(s.Size)
		}
		nMaps++
	}
	if nMaps == 0 {
		return nil
	}
	values := make([]byte, 0, nBytes)
	rd.obj.Maps = slices.Grow(rd.obj.Maps, nMaps)
	for idx, s := range rd.f.Sections {
		kind := rd.dataKind(idx)
		if kind == "" || s.Size == 0 {
			continue
		}
		if s.Size > 1<<32-1 {
			return fmt.Errorf("section %q: %d bytes is too large for a map value: %w", s.Name, s.Size, ErrBadELF)
		}
		m := &ir.Map{
			Name:       s.Name,
			Kind:       ir.MapData,
			Section:    s.Name,
			Type:       uapi.MapTypeArray,
			KeySize:    4,
			ValueSize:  uint32(s.Size),
			MaxEntries: 1,
			Flags:      uapi.MapFlagMmapable,
		}
		if kind == ".rodata" {
			m.Flags |= uapi.MapFlagRdonlyProg
			m.ReadOnly = true
		}
		if kind != ".bss" {
			b, err := rd.sectionData(idx)
			if err != nil {
				return err
			}
			// A copy (the passes write initial values in place), capacity
			// capped: appending to one value must not run into the next.
			n := len(values)
			values = append(values, b...)
			m.Data = values[n:len(values):len(values)]
		}
		id, _, err := rd.datasec(s.Name)
		if err != nil {
			return err
		}
		m.ValueType = id
		if rd.dataMaps == nil {
			rd.dataMaps = make(map[int]*ir.Map, nMaps)
		}
		rd.dataMaps[idx] = m
		rd.obj.Maps = append(rd.obj.Maps, m)
	}
	return nil
}

// readDataSections records, for the datasec pass, the size and the global
// and weak variables of every section the object's BTF has a DATASEC for
// (global data, .maps, license, ...): clang leaves those DATASECs unsized
// and their global VARs at offset 0. Global data sections without a
// DATASEC (string literals) and the legacy map sections are recorded
// too, for the merge pass, which lays sections out by their alignment and
// resolves symbols by name.
func (rd *reader) readDataSections() error {
	for idx, s := range rd.f.Sections {
		if idx == 0 || s.Flags&elffile.SHF_EXECINSTR != 0 {
			continue
		}
		if id, _, err := rd.datasec(s.Name); err != nil || id == 0 {
			if err != nil {
				return err
			}
			if rd.dataMaps[idx] == nil && !rd.isLegacyMaps(idx) {
				continue
			}
		}
		if s.Size > 1<<32-1 {
			return fmt.Errorf("section %q: %d bytes is too large: %w", s.Name, s.Size, ErrBadELF)
		}
		ds := &ir.DataSection{Name: s.Name, Size: uint32(s.Size), Align: uint32(max(1, min(s.Addralign, 1<<12)))}
		n := 0
		for k := 1; k < len(rd.syms); k++ {
			if rd.isDataVar(&rd.syms[k], idx) {
				n++
			}
		}
		if n > 0 {
			ds.Vars = make([]ir.DataVar, 0, n) // sized once
		}
		for k := 1; k < len(rd.syms); k++ {
			sym := &rd.syms[k]
			if !rd.isDataVar(sym, idx) {
				continue
			}
			if sym.Value > uint64(s.Size) || sym.Size > uint64(s.Size)-sym.Value {
				return fmt.Errorf("section %q: symbol %s at %d size %d is outside the %d-byte section: %w",
					s.Name, sym.Name, sym.Value, sym.Size, s.Size, ErrBadELF)
			}
			vis := sym.Visibility()
			ds.Vars = append(ds.Vars, ir.DataVar{
				Name:   sym.Name,
				Offset: uint32(sym.Value),
				Size:   uint32(sym.Size),
				Hidden: vis == elffile.STV_HIDDEN || vis == elffile.STV_INTERNAL,
				Weak:   sym.Bind() == elffile.STB_WEAK,
			})
		}
		rd.obj.DataSections = append(rd.obj.DataSections, ds)
	}
	return nil
}

// isDataVar reports whether sym is a global or weak variable of section
// idx, which readDataSections records.
func (rd *reader) isDataVar(sym *symbol, idx int) bool {
	return int(sym.Section) == idx && sym.Type() == elffile.STT_OBJECT &&
		(sym.Bind() == elffile.STB_GLOBAL || sym.Bind() == elffile.STB_WEAK)
}
