// This file says in words why a CO-RE relocation poisons its instruction.
// The core pass hands Explain to the backends (ir.Object.ExplainCORE): one
// whose program the verifier rejects at a poisoned instruction asks it
// about that instruction's record, as libbpf re-parses the relocation's
// spec when it fixes up such a verifier log. Nothing is built for a load
// that succeeds.

package core

import (
	"strconv"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/ir"
)

// reasonKernel is why a record deferred to the kernel poisons.
const reasonKernel = "not satisfied by the kernel's BTF (relocated by the kernel)"

// Explain returns what a verifier rejection at the instruction of r means
// when r may poison it (r.MayPoison): "CO-RE relocation field_byte_offset
// of struct task_struct.foo: no candidate in target BTF". A record the
// core pass poisoned keeps the reason the relocation gave (its Note); one
// deferred to the kernel, which poisons the same way when it cannot
// satisfy it, is described from local, the object's BTF. Other records
// get "".
func Explain(local *btf.Spec, r *ir.CORERelo) string {
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
	// PoisonNote's format.
	b := make([]byte, 0, 128)
	b = append(b, "CO-RE relocation "...)
	b = append(b, r.Kind.String()...)
	b = append(b, " of "...)
	b = describe(b, local, r)
	b = append(b, ": "...)
	b = append(b, reason...)
	return string(b)
}

// describe appends what r accesses ("struct task_struct.pid"), or its raw
// type id and access string when the local BTF cannot say.
func describe(b []byte, local *btf.Spec, r *ir.CORERelo) []byte {
	if local != nil {
		if s, err := ParseSpec(local, r.TypeID, r.Access, r.Kind); err == nil {
			return s.appendString(b)
		}
	}
	b = append(b, "type "...)
	b = strconv.AppendUint(b, uint64(r.TypeID), 10)
	b = append(b, " access "...)
	return strconv.AppendQuote(b, r.Access)
}
