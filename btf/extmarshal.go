// This file encodes a .BTF.ext section (MarshalExt), the inverse of
// ParseExt: the ELF writer emits the func_info, line_info and CO-RE records
// of the object it writes with it.

package btf

import (
	"encoding/binary"
	"fmt"
)

// MarshalExt encodes the records of secs, in that order, as a .BTF.ext
// section in byte order order, with the kernel's record sizes. Offsets are
// written as given: InsnOff in bytes from the start of the ELF section,
// string offsets into the BTF the records go with; nameOff gives the
// string offset of each section's name. Subsections without records are
// left out (length 0); a section without records of a kind is not listed
// in that kind's subsection.
func MarshalExt(secs []*ExtSection, nameOff func(name string) (uint32, error), order binary.ByteOrder) ([]byte, error) {
	app := appender(order)
	var subs [3][]byte
	counts := [3]func(*ExtSection) int{
		func(s *ExtSection) int { return len(s.FuncInfos) },
		func(s *ExtSection) int { return len(s.LineInfos) },
		func(s *ExtSection) int { return len(s.CORERelos) },
	}
	sizes := [3]uint32{FuncInfoMinSize, LineInfoMinSize, CORERelosMinSize}
	for k := range subs {
		// The exact size, so that b grows once.
		size := 0
		for _, s := range secs {
			if n := counts[k](s); n > 0 {
				size += 8 + n*int(sizes[k])
			}
		}
		if size == 0 {
			continue
		}
		b := make([]byte, 0, 4+size)
		b = app.AppendUint32(b, sizes[k])
		for _, s := range secs {
			n := counts[k](s)
			if n == 0 {
				continue
			}
			off, err := nameOff(s.Name)
			if err != nil {
				return nil, fmt.Errorf("btf.ext: section %s: name: %w", s.Name, err)
			}
			b = app.AppendUint32(b, off)
			b = app.AppendUint32(b, uint32(n))
			switch k {
			case 0:
				for _, r := range s.FuncInfos {
					b = AppendFuncInfo(b, r, order)
				}
			case 1:
				for _, r := range s.LineInfos {
					b = AppendLineInfo(b, r, order)
				}
			case 2:
				for _, r := range s.CORERelos {
					b = AppendCORERelo(b, r, order)
				}
			}
		}
		subs[k] = b
	}
	out := make([]byte, 0, extHeaderCoreLen+len(subs[0])+len(subs[1])+len(subs[2]))
	out = app.AppendUint16(out, btfMagic)
	out = append(out, btfVersion, 0)
	out = app.AppendUint32(out, extHeaderCoreLen)
	off := uint32(0)
	for _, b := range subs {
		out = app.AppendUint32(out, off)
		out = app.AppendUint32(out, uint32(len(b)))
		off += uint32(len(b))
	}
	for _, b := range subs {
		out = append(out, b...)
	}
	return out, nil
}
