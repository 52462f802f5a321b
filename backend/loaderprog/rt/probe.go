// This file probes whether the running kernel verifies signed
// BPF_PROG_LOADs, for callers that choose between a signed and an unsigned
// load up front, and for tests.

package rt

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

var (
	sigProbeOnce sync.Once
	sigProbeErr  error
)

// SignatureSupport reports whether the kernel verifies signatures passed
// with BPF_PROG_LOAD: nil when it does, an error wrapping
// ErrSignatureUnsupported (E2BIG before Linux 6.18, EOPNOTSUPP without
// CONFIG_SYSTEM_DATA_VERIFICATION) when it does not, another error when
// the probe itself fails (no permission). It loads a two-instruction
// syscall program with a malformed signature once per process: a kernel
// that verifies refuses it with EBADMSG.
func SignatureSupport() error {
	sigProbeOnce.Do(func() { sigProbeErr = probeSignature() })
	return sigProbeErr
}

func probeSignature() error {
	var pins pinner
	defer pins.unpin()
	// r0 = 0; exit
	insns := pins.pin([]byte{0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0})
	license := pins.pin([]byte("GPL\x00"))
	junk := pins.pin([]byte{0x30, 0x03, 0x02, 0x01, 0x00}) // SEQUENCE { INTEGER 0 }
	var a attr
	a.u32(offProgType, progTypeSyscall)
	a.u32(offProgInsnCnt, 2)
	a.ptr(offProgInsns, insns)
	a.ptr(offProgLicense, license)
	a.u32(offProgFlags, progFlagSleepable)
	a.ptr(offProgSignature, junk)
	a.u32(offProgSignatureSize, uint32(len(junk)))
	a.u32(offProgKeyringID, 0) // the builtin trusted keys: always there
	r, err := sysBPF(cmdProgLoad, &a, attrSize)
	if err == nil {
		unix.Close(r)
		return errors.New("probe signed BPF_PROG_LOAD: the kernel accepted a malformed signature")
	}
	if serr := signatureError(err, 0); errors.Is(serr, ErrSignatureUnsupported) {
		return serr
	}
	if errors.Is(err, unix.EBADMSG) || errors.Is(err, unix.EKEYREJECTED) || errors.Is(err, unix.ENOKEY) {
		return nil
	}
	return fmt.Errorf("probe signed BPF_PROG_LOAD: %w", err)
}
