// This file turns a verifier rejection at a poisoned instruction into the
// relocation that poisoned it, in words.

package core

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/ir"
)

// poisonFunc is how the verifier names the poison helper.
var poisonFunc = "unknown#" + strconv.Itoa(PoisonHelper)

// ExplainPoison explains a verifier log that rejects program prog of obj
// at a poisoned instruction ("invalid func unknown#195896080"): it returns
// "prog P insn N: CO-RE relocation field_byte_offset of struct
// task_struct.foo: no candidate in target BTF", naming the relocation that
// poisoned instruction N. The instruction is the last one the log printed
// before the rejection. It returns "" when the log does not mention the
// poison helper or no poisoned relocation of prog is found. Relocations
// left to the kernel (deferred) are described from the object's BTF.
func ExplainPoison(obj *ir.Object, prog string, log string) string {
	if obj == nil || !strings.Contains(log, poisonFunc) {
		return ""
	}
	p := obj.Program(prog)
	if p == nil {
		return ""
	}
	insn := -1
	last := -1
	for line := range strings.Lines(log) {
		line = strings.TrimSpace(line)
		if n, ok := insnNumber(line); ok {
			last = n
			if strings.Contains(line, "call "+poisonFunc) {
				insn = n
				break
			}
		}
		if strings.Contains(line, "invalid func "+poisonFunc) {
			insn = last
			break
		}
	}

	var found *ir.CORERelo
	for _, r := range p.CORE {
		if insn >= 0 && r.Insn == insn {
			found = r
			break
		}
	}
	if found == nil && insn < 0 {
		// No instruction in the log: only a single candidate is certain.
		var cands []*ir.CORERelo
		for _, r := range p.CORE {
			if r.Poisoned || r.State == ir.Deferred {
				cands = append(cands, r)
			}
		}
		if len(cands) == 1 {
			found = cands[0]
			insn = found.Insn
		}
	}
	if found == nil || (!found.Poisoned && found.State != ir.Deferred) {
		return ""
	}
	note := found.Note
	if !found.Poisoned || note == "" {
		what := fmt.Sprintf("type %d access %q", found.TypeID, found.Access)
		if obj.BTF != nil {
			if s, err := ParseSpec(obj.BTF, found.TypeID, found.Access, found.Kind); err == nil {
				what = s.String()
			}
		}
		reason := "poisoned"
		if found.State == ir.Deferred {
			reason = "not satisfied by the kernel's BTF (relocated by the kernel)"
		}
		note = PoisonNote(found.Kind, what, reason)
	}
	return fmt.Sprintf("prog %s insn %d: %s", prog, insn, note)
}

// insnNumber parses the "N: (op) ..." prefix of a verifier log line.
func insnNumber(line string) (int, bool) {
	num, rest, ok := strings.Cut(line, ": (")
	if !ok || num == "" {
		return 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || len(rest) < 3 || rest[2] != ')' {
		return 0, false
	}
	return n, true
}
