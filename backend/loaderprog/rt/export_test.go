// This file exports the run-time's syscall hook to its external tests.

package rt

// SetSysBPF replaces the bpf(2) call of the run-time with f, which may
// call through to the real one with RealSysBPF; the returned function
// restores it.
func SetSysBPF(f func(cmd int, attr []byte, size int) (int, error)) (restore func()) {
	sysBPF = func(cmd int, a *attr, size int) (int, error) { return f(cmd, a[:], size) }
	return func() { sysBPF = bpfSyscall }
}

// RealSysBPF makes the real bpf(2) call with an attribute given to the
// hook of SetSysBPF.
func RealSysBPF(cmd int, a []byte, size int) (int, error) {
	return bpfSyscall(cmd, (*attr)(a), size)
}

// Commands the hook of SetSysBPF sees.
const (
	CmdMapCreate     = cmdMapCreate
	CmdMapUpdateElem = cmdMapUpdateElem
	CmdMapFreeze     = cmdMapFreeze
	CmdObjGetInfo    = cmdObjGetInfoByFD
	CmdProgLoad      = cmdProgLoad
	CmdProgTestRun   = cmdProgTestRun
)

// Offsets of BPF_PROG_TEST_RUN's attribute fields the hook of SetSysBPF
// may rewrite.
const (
	OffRunCtxSizeIn = offRunCtxSizeIn
	OffRunCtxIn     = offRunCtxIn
)
