// Package kbtf finds types and functions by name in the running kernel's
// BTF with the kernel's own lookup, bpf_btf_find_by_name_kind, called from
// a small BPF_PROG_TYPE_SYSCALL program that is loaded, run once and
// closed, as a loader program calls it. Answering a name in user space
// means mapping vmlinux BTF and walking its whole type section (a few MB,
// every page touched: most of a small load's time); the kernel reads its
// own copy. Callers keep their user space lookup for what the kernel does
// not answer here: kernels without syscall programs (before Linux 5.14) or
// without the privilege to load one, and names found only in a module.
package kbtf

import (
	"encoding/binary"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// Query is one name to find, of one kind.
type Query struct {
	Name string
	Kind btf.Kind
}

// MaxName is the longest name Lookup asks the kernel for (the program
// copies it, with its NUL, onto its stack); a longer one is answered 0.
const MaxName = 255

// maxQueries is the most names Lookup asks the kernel for at once. The
// kernel's lookup scans vmlinux's types for each name (measured on the
// development machine: 45 µs for a name it finds, 0.6 ms for one it has
// nowhere, as it then scans every module too; a program load and run 65
// µs), while reading vmlinux BTF here costs a few ms once, whatever the
// number of names: past a few dozen names, reading it costs less.
const maxQueries = 32

// refused remembers, for the life of the process, that the kernel would
// not load or run the lookup program: later lookups report it at once.
var refused atomic.Bool

// Lookup asks the running kernel for each query's vmlinux BTF id, all in
// one run of one program. An id is 0 where vmlinux has no such name;
// inModule then says that a module has it (the kernel's lookup tries
// modules after vmlinux; the module BTF descriptor it opens for the answer
// is closed here), and a query neither found nor in a module is in no BTF
// of the kernel. ok is false if the kernel cannot run the lookup at all,
// and for more than maxQueries names (reading vmlinux BTF costs less
// then); every id is then 0, and the caller must look in user space.
func Lookup(qs []Query) (ids []btf.TypeID, inModule []bool, ok bool) {
	ids = make([]btf.TypeID, len(qs))
	inModule = make([]bool, len(qs))
	if len(qs) == 0 {
		return ids, inModule, true
	}
	if len(qs) > maxQueries {
		return ids, inModule, false
	}
	if refused.Load() {
		return ids, inModule, false
	}
	results, err := run(qs)
	if err != nil {
		refused.Store(true)
		return ids, inModule, false
	}
	for i, r := range results {
		switch {
		case r <= 0: // -ENOENT: in neither vmlinux nor a module
		case r>>32 != 0:
			// In a module: the kernel opened the module's BTF in this
			// process for the answer.
			unix.Close(int(r >> 32))
			inModule[i] = true
		default:
			ids[i] = btf.TypeID(r)
		}
	}
	return ids, inModule, true
}

// run loads the lookup program for qs, runs it once and returns each
// query's result, the helper's return value (0 for a name too long).
func run(qs []Query) ([]int64, error) {
	insns := program(qs)
	code := ir.Marshal(make([]byte, 0, len(insns)*ir.InsnSize), insns, binary.NativeEndian)
	license := []byte("GPL\x00")
	attr := &sys.ProgLoadAttr{
		ProgType:  uapi.ProgTypeSyscall,
		ProgFlags: uapi.ProgFlagSleepable, // as syscall programs must be
		InsnCnt:   uint32(len(insns)),
		Insns:     sys.NewSlicePointer(code),
		License:   sys.NewSlicePointer(license),
		ProgName:  sys.NewObjName("bpfc_btf_find"),
	}
	fd, err := sys.ProgLoad(attr)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	// The kernel copies a syscall program's context back into CtxIn.
	ctx := make([]byte, 8*len(qs))
	if _, err := sys.TestRun(fd, sys.TestRunOpts{CtxIn: ctx}); err != nil {
		return nil, err
	}
	results := make([]int64, len(qs))
	for i := range results {
		results[i] = int64(binary.NativeEndian.Uint64(ctx[8*i:]))
	}
	return results, nil
}

// program builds the lookup program: for query i, the name is written
// onto the stack, bpf_btf_find_by_name_kind(name, len+1, kind, 0) called
// and its result stored at offset 8*i of the context.
func program(qs []Query) []ir.Insn {
	insns := []ir.Insn{ir.Mov64Reg(ir.R6, ir.R1)}
	var buf [MaxName + 8]byte
	for i, q := range qs {
		if len(q.Name) > MaxName {
			continue // its result stays 0
		}
		n := len(q.Name) + 1 // with its NUL
		padded := (n + 7) &^ 7
		clear(buf[:padded])
		copy(buf[:], q.Name)
		for off := 0; off < padded; off += 4 {
			imm := int32(binary.NativeEndian.Uint32(buf[off:]))
			insns = append(insns, ir.St(4, ir.R10, int16(off-padded), imm))
		}
		insns = append(insns,
			ir.Mov64Reg(ir.R1, ir.R10),
			ir.Add64Imm(ir.R1, int32(-padded)),
			ir.Mov64Imm(ir.R2, int32(n)),
			ir.Mov64Imm(ir.R3, int32(q.Kind)),
			ir.Mov64Imm(ir.R4, 0),
			ir.Call(int32(uapi.HelperBTFFindByNameKind)),
			ir.Stx(8, ir.R6, ir.R0, int16(8*i)),
		)
	}
	return append(insns, ir.Mov64Imm(ir.R0, 0), ir.Exit())
}
