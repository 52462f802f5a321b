// This file adapts a load to kernels older than the loader's design point
// (6.18): where the kernel cannot hash maps, the loader's blob check is
// left out and the Result says the blob's integrity was not verified (or,
// with Options.RequireIntegrity, Load refuses); where there are no
// BPF_PROG_TYPE_SYSCALL programs at all (before 5.14), Load says so.

package rt

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// ErrIntegrityUnsupported is wrapped by Load's error when
// Options.RequireIntegrity is set and the kernel cannot hash maps (before
// Linux 6.18), so the loader's blob check cannot run.
var ErrIntegrityUnsupported = errors.New("kernel cannot hash maps (Linux 6.18+), so the loader's blob integrity cannot be verified")

// ErrNoSyscallPrograms is wrapped by Load's error on a kernel without
// BPF_PROG_TYPE_SYSCALL programs (before Linux 5.14): no loader program
// can run there.
var ErrNoSyscallPrograms = errors.New("kernel has no BPF_PROG_TYPE_SYSCALL programs (Linux 5.14+), which loader programs are: load the object with the direct backend instead (bpfc -emit=direct)")

// noMapHash reports whether the error of the map hash request says the
// kernel has no map hashes: bpf_map_info is shorter there, and a non-zero
// hash field past its end is refused with E2BIG.
func noMapHash(err error) bool { return errors.Is(err, unix.E2BIG) || errors.Is(err, unix.EINVAL) }

// uncheckedInsns returns the loader's instructions without its blob check
// (spec.IntegrityCheck, the instructions [from, to)). The check starts
// after the loader's first instruction and nothing outside it jumps into
// it, so the relative jumps of the rest stay right.
func (spec *Spec) uncheckedInsns() ([]byte, error) {
	from, to := spec.IntegrityCheck[0], spec.IntegrityCheck[1]
	n := len(spec.Insns) / 8
	if from < 1 || to <= from || to > n {
		return nil, fmt.Errorf("loader spec: blob check at instructions [%d, %d) of %d: %w", from, to, n, ErrIntegrityUnsupported)
	}
	out := make([]byte, 0, len(spec.Insns)-8*(to-from))
	out = append(out, spec.Insns[:8*from]...)
	return append(out, spec.Insns[8*to:]...), nil
}

var (
	syscallOnce sync.Once
	syscallOK   bool
)

// haveSyscallPrograms probes, once, whether the kernel loads a sleepable
// BPF_PROG_TYPE_SYSCALL program "r0 = 0; exit".
func haveSyscallPrograms() bool {
	syscallOnce.Do(func() {
		insns := []byte{0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0}
		license := []byte("GPL\x00")
		var pins pinner
		defer pins.unpin()
		var a attr
		a.u32(0, progTypeSyscall)
		a.u32(4, 2)
		a.ptr(8, pins.pin(insns))
		a.ptr(16, pins.pin(license))
		a.u32(44, progFlagSleepable)
		r, err := sysBPF(cmdProgLoad, &a, attrSize)
		if err == nil {
			unix.Close(r)
		}
		syscallOK = syscallVerdict(err, kernelRelease())
	})
	return syscallOK
}

// syscallVerdict is the answer of the syscall program probe from its
// error: an unknown program type is EINVAL; success or another error means
// the type exists, except EPERM, which says nothing: before 5.11 the
// program is charged to RLIMIT_MEMLOCK before its type is looked at, and a
// user whose locked memory is used up (by BPF objects another process just
// closed, which the kernel frees later) gets EPERM for any type. The
// release decides then: syscall programs came in 5.14.
func syscallVerdict(err error, release string) bool {
	switch {
	case errors.Is(err, unix.EINVAL):
		return false
	case errors.Is(err, unix.EPERM):
		var major, minor int
		if n, _ := fmt.Sscanf(release, "%d.%d", &major, &minor); n != 2 {
			return true // unknown: let the load's own error speak
		}
		return major > 5 || major == 5 && minor >= 14
	}
	return true
}

// tooOld turns the failure of the blob map or the loader program on a
// kernel without syscall programs into ErrNoSyscallPrograms (there the
// blob map may already fail: before 5.11 its memory counts against
// RLIMIT_MEMLOCK).
func tooOld(err error) error {
	if haveSyscallPrograms() {
		return err
	}
	return fmt.Errorf("%w (this kernel: %s): %w", ErrNoSyscallPrograms, kernelRelease(), err)
}

// kernelRelease returns uname -r.
func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}
