// Tests of the BPF_PROG_LOAD record encoding.

package ir

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestLoadRecordsErrors(t *testing.T) {
	prog := func(state State) *Program {
		p := &Program{Function: Function{Name: "p"}}
		p.Insns = []Insn{Mov64Imm(0, 0), Exit()}
		p.FuncInfo = []FuncInfo{{Insn: 0, TypeID: 3}}
		p.CORE = []*CORERelo{{Insn: 0, TypeID: 2, Access: "0:1", State: state}}
		return p
	}
	obj := &Object{Name: "x.o"}
	for _, tc := range []struct {
		state State
		want  string
	}{
		{Pending, "program p: insn 0: CO-RE relocation still pending"},
		{Deferred, "deferred to the kernel, but the object has no BTF"},
	} {
		_, err := obj.LoadRecords(prog(tc.state), binary.LittleEndian)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s record: %v, want ErrInvalid containing %q", tc.state, err, tc.want)
		}
	}
	// Resolved records are patched in the instructions: nothing to hand
	// over; without BTF there are no func_info records either.
	r, err := obj.LoadRecords(prog(Resolved), binary.LittleEndian)
	if err != nil || r.NCORERelos != 0 || r.NFuncInfo != 0 || r.CORERelos != nil {
		t.Errorf("resolved record, no BTF: %+v, %v; want no records", r, err)
	}
}
