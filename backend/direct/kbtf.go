// This file finds the vmlinux BTF ids of programs' attach targets (the
// functions of fentry/fexit/lsm programs, the btf_trace_* typedefs of
// tp_btf programs, bpf_iter_* functions) with the kernel's own lookup,
// bpf_btf_find_by_name_kind, called from a small BPF_PROG_TYPE_SYSCALL
// program run once per load, as a loader program does. Finding a name in
// user space means mapping vmlinux BTF and walking its whole type section
// (a few MB: every page touched, most of a small load's time); the
// kernel's lookup reads its own copy. Where the kernel cannot run the
// program (before Linux 5.14, or without the privilege for syscall
// programs) and for names it finds in a module, findKernelSymbol's user
// space lookup answers as before.

package direct

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/btf"
	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/ir"
	"github.com/bpfc/bpfc/uapi"
)

// kernelQuery is one name looked up in the running kernel's BTF.
type kernelQuery struct {
	name string
	kind btf.Kind
}

// maxQueryName bounds a name the lookup program copies onto its stack
// (with its NUL, rounded up to 8 bytes).
const maxQueryName = 255

// kernelLookupRefused remembers, for the life of the process, that the
// kernel would not load or run the lookup program: a later load goes to
// the user space lookup at once.
var kernelLookupRefused struct {
	sync.Mutex
	refused bool
}

// resolveAttachTargets asks the kernel for the vmlinux BTF ids of the
// attach targets of the programs about to be loaded, in one run of one
// program, and keeps those it finds in vmlinux for findKernelType.
func (l *loader) resolveAttachTargets() {
	var qs []kernelQuery
	seen := map[kernelQuery]bool{}
	for _, p := range l.obj.Programs {
		if !p.Autoload || p.Unsupported != "" || p.AttachBTFKind == 0 || p.AttachBTFName == "" || structOpsModule(l.obj, p) != "" {
			continue
		}
		q := kernelQuery{p.AttachBTFName, p.AttachBTFKind}
		if !seen[q] && len(q.name) <= maxQueryName {
			seen[q] = true
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return
	}
	ids := lookupInKernel(qs)
	for i, q := range qs {
		if ids[i] != 0 {
			if l.kernelIDs == nil {
				l.kernelIDs = map[kernelQuery]btf.TypeID{}
			}
			l.kernelIDs[q] = ids[i]
		}
	}
}

// lookupInKernel runs bpf_btf_find_by_name_kind for each query in the
// kernel and returns the vmlinux ids found, 0 for a query not answered
// there (not found, found in a module, or the kernel could not run the
// lookup at all).
func lookupInKernel(qs []kernelQuery) []btf.TypeID {
	ids := make([]btf.TypeID, len(qs))
	kernelLookupRefused.Lock()
	refused := kernelLookupRefused.refused
	kernelLookupRefused.Unlock()
	if refused {
		return ids
	}
	results, err := runLookup(qs)
	if err != nil {
		kernelLookupRefused.Lock()
		kernelLookupRefused.refused = true
		kernelLookupRefused.Unlock()
		return ids
	}
	for i, r := range results {
		switch {
		case r <= 0: // -ENOENT: in neither vmlinux nor a module
		case r>>32 != 0:
			// Found in a module: the kernel opened that module's BTF
			// in this process; findKernelSymbol finds it again by
			// module name.
			unix.Close(int(r >> 32))
		default:
			ids[i] = btf.TypeID(r)
		}
	}
	return ids
}

// runLookup loads the lookup program for qs, runs it once and returns
// each query's result: the helper's return value.
func runLookup(qs []kernelQuery) ([]int64, error) {
	insns := lookupProgram(qs)
	code := ir.Marshal(make([]byte, 0, len(insns)*ir.InsnSize), insns, binary.NativeEndian)
	license := []byte("GPL\x00")
	attr := &sys.ProgLoadAttr{
		ProgType:  uapi.ProgTypeSyscall,
		ProgFlags: uapi.ProgFlagSleepable,
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

// lookupProgram builds the lookup program: for query i, the name is
// written onto the stack, bpf_btf_find_by_name_kind(name, len+1, kind, 0)
// called and its result stored at offset 8*i of the context (the kernel
// copies a syscall program's context back to the caller's buffer).
func lookupProgram(qs []kernelQuery) []ir.Insn {
	insns := []ir.Insn{ir.Mov64Reg(ir.R6, ir.R1)}
	var buf [maxQueryName + 8]byte
	for i, q := range qs {
		n := len(q.name) + 1 // with its NUL
		padded := (n + 7) &^ 7
		clear(buf[:padded])
		copy(buf[:], q.name)
		for off := 0; off < padded; off += 4 {
			imm := int32(binary.NativeEndian.Uint32(buf[off:]))
			insns = append(insns, ir.St(4, ir.R10, int16(off-padded), imm))
		}
		insns = append(insns,
			ir.Mov64Reg(ir.R1, ir.R10),
			ir.Add64Imm(ir.R1, int32(-padded)),
			ir.Mov64Imm(ir.R2, int32(n)),
			ir.Mov64Imm(ir.R3, int32(q.kind)),
			ir.Mov64Imm(ir.R4, 0),
			ir.Call(int32(uapi.HelperBTFFindByNameKind)),
			ir.Stx(8, ir.R6, ir.R0, int16(8*i)),
		)
	}
	return append(insns, ir.Mov64Imm(ir.R0, 0), ir.Exit())
}
