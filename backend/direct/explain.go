// This file explains a verifier rejection at a poisoned CO-RE instruction:
// it finds the instruction in the verifier log and has the relocation
// record of that instruction explained, only then, by the explainer the
// core pass left on the object (ir.Object.ExplainCORE).

package direct

import (
	"errors"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// errPoisonReached heads the error of a program the verifier refused at a
// poisoned CO-RE instruction; the load error's explanation names the
// relocation (explainPoison).
var errPoisonReached = errors.New("the program reaches an instruction whose CO-RE relocation the target's types do not satisfy (poisoned: the verifier refuses its call of 0xbad2310)")

// explainPoison explains a verifier log that rejects program p at a
// poisoned instruction ("invalid func " + uapi.PoisonCOREFunc): "prog P insn N:
// " and explain's words for the CO-RE record of instruction N, the last
// one the log printed before the rejection. Without instruction lines in
// the log, the program's only record that may poison is taken. It returns
// "" when the log does not mention the poison helper, no such record is
// found or explain is nil (the core pass did not run).
func explainPoison(explain func(*ir.CORERelo) string, p *ir.Program, log string) string {
	if p == nil || explain == nil || !strings.Contains(log, uapi.PoisonCOREFunc) {
		return ""
	}
	insn := -1
	last := -1
	for line := range strings.Lines(log) {
		line = strings.TrimSpace(line)
		if n, ok := insnNumber(line); ok {
			last = n
			if strings.Contains(line, "call "+uapi.PoisonCOREFunc) {
				insn = n
				break
			}
		}
		if strings.Contains(line, "invalid func "+uapi.PoisonCOREFunc) {
			insn = last
			break
		}
	}
	var found *ir.CORERelo
	if insn >= 0 {
		for _, r := range p.CORE {
			if r.Insn == insn {
				found = r
				break
			}
		}
	} else {
		// No instruction in the log: only a single candidate is certain.
		for _, r := range p.CORE {
			if !r.MayPoison() {
				continue
			}
			if found != nil {
				return ""
			}
			found = r
		}
	}
	if found == nil || !found.MayPoison() {
		return ""
	}
	return "prog " + p.Name + " insn " + strconv.Itoa(found.Insn) + ": " + explain(found)
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
