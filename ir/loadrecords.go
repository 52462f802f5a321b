// This file encodes a program's BTF records the way BPF_PROG_LOAD takes
// them: func_info and line_info with instruction (not byte) offsets, and
// the CO-RE records left to the kernel (core_relos) with byte offsets and
// access strings as offsets into the object's BTF string table. Both
// backends hand the kernel exactly these bytes.

package ir

import (
	"encoding/binary"
	"fmt"

	"github.com/bpfc/bpfc/btf"
)

// Record sizes of the encodings LoadRecords returns.
const (
	FuncInfoRecSize  = btf.FuncInfoMinSize
	LineInfoRecSize  = btf.LineInfoMinSize
	CORERelosRecSize = btf.CORERelosMinSize
)

// LoadRecords are a program's func_info, line_info and kernel-side CO-RE
// records, encoded for BPF_PROG_LOAD.
type LoadRecords struct {
	FuncInfo, LineInfo, CORERelos    []byte
	NFuncInfo, NLineInfo, NCORERelos uint32
}

// LoadRecords encodes the records of program p in byte order order. CO-RE
// records that are Resolved are not included (their instructions are
// patched); Deferred ones are, for the kernel to relocate. A record still
// Pending, or a deferred record of an object without BTF, is an error
// wrapping ErrInvalid.
func (o *Object) LoadRecords(p *Program, order binary.ByteOrder) (LoadRecords, error) {
	var r LoadRecords
	// The three encodings share one allocation, sized up front.
	nFunc, nLine, nCORE := 0, 0, 0
	if o.BTF != nil {
		nFunc, nLine = len(p.FuncInfo), len(p.LineInfo)
	}
	for _, cr := range p.CORE {
		if cr.State != Resolved {
			nCORE++
		}
	}
	buf := make([]byte, 0, nFunc*FuncInfoRecSize+nLine*LineInfoRecSize+nCORE*CORERelosRecSize)
	if nFunc > 0 {
		r.FuncInfo = buf[: 0 : nFunc*FuncInfoRecSize]
		for _, fi := range p.FuncInfo {
			r.FuncInfo = btf.AppendFuncInfo(r.FuncInfo, btf.FuncInfo{InsnOff: uint32(fi.Insn), TypeID: fi.TypeID}, order)
		}
		r.NFuncInfo = uint32(nFunc)
		buf = buf[len(r.FuncInfo):len(r.FuncInfo)]
	}
	if nLine > 0 {
		r.LineInfo = buf[: 0 : nLine*LineInfoRecSize]
		for _, li := range p.LineInfo {
			r.LineInfo = btf.AppendLineInfo(r.LineInfo, btf.LineInfo{
				InsnOff: uint32(li.Insn), FileNameOff: li.FileNameOff, LineOff: li.LineOff, LineNum: li.LineNum, Col: li.Col,
			}, order)
		}
		r.NLineInfo = uint32(nLine)
		buf = buf[len(r.LineInfo):len(r.LineInfo)]
	}
	for _, cr := range p.CORE {
		switch cr.State {
		case Resolved:
			continue
		case Pending:
			return r, fmt.Errorf("program %s: insn %d: CO-RE relocation still pending (run every pass first): %w", p.Name, cr.Insn, ErrInvalid)
		}
		if o.BTF == nil {
			return r, fmt.Errorf("program %s: insn %d: CO-RE relocation deferred to the kernel, but the object has no BTF: %w", p.Name, cr.Insn, ErrInvalid)
		}
		off, ok := o.BTF.StringOffset(cr.Access)
		if !ok {
			return r, fmt.Errorf("program %s: insn %d: CO-RE access string %q not in the object's BTF: %w", p.Name, cr.Insn, cr.Access, ErrInvalid)
		}
		if r.CORERelos == nil {
			r.CORERelos = buf[: 0 : nCORE*CORERelosRecSize]
		}
		r.CORERelos = btf.AppendCORERelo(r.CORERelos, btf.CORERelo{InsnOff: uint32(cr.Insn * InsnSize), TypeID: cr.TypeID, AccessOff: off, Kind: cr.Kind}, order)
		r.NCORERelos++
	}
	return r, nil
}
