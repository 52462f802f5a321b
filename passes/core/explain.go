// This file says in words why a CO-RE relocation poisons its instruction,
// for the explanation the core pass leaves on the record (ir.CORERelo's
// Explain) and a backend shows when the verifier rejects that instruction.

package core

import (
	"strconv"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// reasonKernel is why a record deferred to the kernel poisons.
const reasonKernel = "not satisfied by the kernel's BTF (relocated by the kernel)"

// Explain returns what a verifier rejection at the instruction of r means
// when r is poisoned, or deferred to the kernel, which poisons the same
// way when it cannot satisfy r: "CO-RE relocation field_byte_offset of
// struct task_struct.foo: no candidate in target BTF". A poisoned record
// keeps the reason the relocation gave (its Note); a deferred one is
// described from local, the object's BTF. Other records get "".
func Explain(local *btf.Spec, r *ir.CORERelo) string {
	e := Explainer{Local: local}
	return e.Explain(r)
}

// Explainer is Explain for the records of one object: records that access
// the same thing in the same way (a field read in several places) share
// one explanation, worked out once.
type Explainer struct {
	// Local is the object's BTF.
	Local *btf.Spec
	seen  []explained
	buf   []byte // reused to build each message
}

type explained struct {
	id          btf.TypeID
	access      string
	kind        btf.COREKind
	poisoned    bool
	explanation string
}

// Explain is the package's Explain with e.Local.
func (e *Explainer) Explain(r *ir.CORERelo) string {
	var reason string
	switch {
	case r.Poisoned && r.Note != "":
		return r.Note
	case r.Poisoned:
		reason = "poisoned"
	case r.State == ir.Deferred:
		reason = reasonKernel
	default:
		return ""
	}
	for _, x := range e.seen {
		if x.id == r.TypeID && x.access == r.Access && x.kind == r.Kind && x.poisoned == r.Poisoned {
			return x.explanation
		}
	}
	// One buffer for the whole message: PoisonNote's format.
	b := append(e.buf[:0], "CO-RE relocation "...)
	b = append(b, r.Kind.String()...)
	b = append(b, " of "...)
	b = e.describe(b, r)
	b = append(b, ": "...)
	b = append(b, reason...)
	s := string(b)
	e.buf = b
	if e.seen == nil {
		e.seen = make([]explained, 0, 8)
	}
	e.seen = append(e.seen, explained{r.TypeID, r.Access, r.Kind, r.Poisoned, s})
	return s
}

// describe appends what r accesses ("struct task_struct.pid"), or its raw
// type id and access string when the local BTF cannot say.
func (e *Explainer) describe(b []byte, r *ir.CORERelo) []byte {
	if e.Local != nil {
		if s, err := ParseSpec(e.Local, r.TypeID, r.Access, r.Kind); err == nil {
			return s.appendString(b)
		}
	}
	b = append(b, "type "...)
	b = strconv.AppendUint(b, uint64(r.TypeID), 10)
	b = append(b, " access "...)
	return strconv.AppendQuote(b, r.Access)
}
