// This file wraps program loading and BPF_PROG_TEST_RUN.

package sys

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/uapi"
)

// progLoadAttempts is how often PROG_LOAD is tried while the kernel answers
// EAGAIN (libbpf does the same).
const progLoadAttempts = 5

// InsnSize is the size of one BPF instruction.
const InsnSize = 8

// progLoad issues BPF_PROG_LOAD, retrying on EAGAIN, and returns the bare
// errno on failure.
func progLoad(attr *ProgLoadAttr) (*FD, error) {
	var err error
	for range progLoadAttempts {
		var r int
		r, err = BPF(CmdProgLoad, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
		if err == nil {
			return NewFD(r)
		}
		if !errors.Is(err, unix.EAGAIN) {
			break
		}
	}
	return nil, err
}

// ProgLoad loads a program as attr describes, without touching its log
// fields. EAGAIN is retried a few times.
func ProgLoad(attr *ProgLoadAttr) (*FD, error) {
	fd, err := progLoad(attr)
	if err != nil {
		return nil, cmdErr(CmdProgLoad, err)
	}
	return fd, nil
}

// ProgLoadWithLog loads a program, managing the verifier log as
// LogOptions describes; the log fields of attr are ignored and attr is not
// modified. It returns the log of the successful load (empty when no log
// was asked for) or a *VerifierError that unwraps to the errno.
func ProgLoadWithLog(attr *ProgLoadAttr, opts LogOptions) (*FD, string, error) {
	return loadWithLog(CmdProgLoad, opts, func(level uint32, buf []byte) (*FD, uint32, error) {
		a := *attr
		a.LogLevel = level
		a.LogBuf, a.LogSize = NewSlicePointerLen(buf)
		a.LogTrueSize = 0
		fd, err := progLoad(&a)
		return fd, a.LogTrueSize, err
	})
}

// LoadInsns is a convenience for tests and probes: it loads insns (raw
// 8-byte instructions) as a program of type typ with license "GPL".
func LoadInsns(typ uapi.ProgType, insns []byte, name string) (*FD, error) {
	if len(insns) == 0 || len(insns)%InsnSize != 0 {
		return nil, fmt.Errorf("%s: instructions: %d bytes is not a positive multiple of %d", CmdProgLoad, len(insns), InsnSize)
	}
	attr := ProgLoadAttr{
		ProgType: typ,
		InsnCnt:  uint32(len(insns) / InsnSize),
		Insns:    NewSlicePointer(insns),
		License:  NewStringPointer("GPL"),
		ProgName: NewObjName(name),
	}
	fd, _, err := ProgLoadWithLog(&attr, LogOptions{})
	return fd, err
}

// ProgTestRun issues BPF_PROG_TEST_RUN with attr; results are written into
// attr (Retval, Duration, DataSizeOut, CtxSizeOut).
func ProgTestRun(attr *ProgTestRunAttr) error {
	return bpfNoFD(CmdProgTestRun, unsafe.Pointer(attr), unsafe.Sizeof(*attr))
}

// TestRunOpts are the inputs of TestRun.
type TestRunOpts struct {
	// DataIn is the packet (or other data) input.
	DataIn []byte
	// DataOutSize is the size of the data output buffer. 0 means
	// len(DataIn)+256 when DataIn is set (room for XDP head adjustment),
	// else no data output.
	DataOutSize int
	// CtxIn is the context input. It is passed as it is, not copied: the
	// kernel writes a syscall program's context back into it.
	CtxIn []byte
	// CtxOutSize is the size of the context output buffer (0: none).
	CtxOutSize int
	// Repeat runs the program that many times (0 and 1 mean once).
	Repeat uint32
	// Flags are TestRun* flags; CPU goes with TestRunOnCPU.
	Flags, CPU uint32
	// BatchSize is the batch size of XDP live-frame mode.
	BatchSize uint32
}

// TestRunResult is the output of TestRun.
type TestRunResult struct {
	// Retval is the program's return value (R0, truncated to 32 bits).
	Retval uint32
	// DataOut and CtxOut are the outputs, cut to the length the kernel
	// reported.
	DataOut, CtxOut []byte
	// Duration is the average run time per repetition.
	Duration time.Duration
}

// TestRun runs the program fd once (or Repeat times) with BPF_PROG_TEST_RUN.
func TestRun(fd *FD, opts TestRunOpts) (*TestRunResult, error) {
	if err := checkFD(fd); err != nil {
		return nil, cmdErr(CmdProgTestRun, err)
	}
	dataOutSize := opts.DataOutSize
	if dataOutSize == 0 && len(opts.DataIn) > 0 {
		dataOutSize = len(opts.DataIn) + 256
	}
	var dataOut, ctxOut []byte
	if dataOutSize > 0 {
		dataOut = make([]byte, dataOutSize)
	}
	if opts.CtxOutSize > 0 {
		ctxOut = make([]byte, opts.CtxOutSize)
	}
	attr := ProgTestRunAttr{
		ProgFd:    fd.Uint(),
		Repeat:    opts.Repeat,
		Flags:     opts.Flags,
		Cpu:       opts.CPU,
		BatchSize: opts.BatchSize,
	}
	attr.DataIn, attr.DataSizeIn = NewSlicePointerLen(opts.DataIn)
	attr.DataOut, attr.DataSizeOut = NewSlicePointerLen(dataOut)
	attr.CtxIn, attr.CtxSizeIn = NewSlicePointerLen(opts.CtxIn)
	attr.CtxOut, attr.CtxSizeOut = NewSlicePointerLen(ctxOut)
	if err := ProgTestRun(&attr); err != nil {
		return nil, err
	}
	res := &TestRunResult{
		Retval:   attr.Retval,
		Duration: time.Duration(attr.Duration),
	}
	if dataOut != nil {
		res.DataOut = dataOut[:min(int(attr.DataSizeOut), len(dataOut))]
	}
	if ctxOut != nil {
		res.CtxOut = ctxOut[:min(int(attr.CtxSizeOut), len(ctxOut))]
	}
	return res, nil
}
