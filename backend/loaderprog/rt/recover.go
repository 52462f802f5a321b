// This file closes what a loader run created when the kernel could not
// hand its results back: BPF_PROG_TEST_RUN of a syscall program
// (net/bpf/test_run.c, bpf_prog_test_run_syscall) copies the context in,
// runs the program, and only then copies the return value into the
// attribute and the context back into user memory; either copy_to_user
// can fail (EFAULT: a page of the destination not writable, or one that
// cannot be faulted in, as under memory pressure) after the loader has
// created every map and program, with their fds installed in this
// process's fd table, unknown to it.

package rt

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// FDRecord locates, in the blob, where a loader keeps the fds it creates
// while it runs: map i's at Maps+4*i (the fd_array region), program j's
// at Progs+4*j. The loader zeroes these slots when it starts and zeroes
// each again when it closes it after a failed step, so that after any run
// they hold exactly the fds the run left open: all of them after a
// successful run, none after a failed one or one that never ran. The blob
// map outlives the run, so Load can read them back from it.
type FDRecord struct {
	Maps, Progs int
}

// closeRecorded handles the error err of a loader run: after an EFAULT,
// which the kernel also returns when the run succeeded but its results
// could not be copied back, it reads the fds the run left open from the
// blob map mapFD (FDRecord) and closes them. It returns err with what it
// did.
func (spec *Spec) closeRecorded(mapFD int, err error, pins *pinner) error {
	if !errors.Is(err, unix.EFAULT) {
		// Every other failure of BPF_PROG_TEST_RUN comes before the
		// program runs.
		return err
	}
	if spec.FDs == nil {
		return fmt.Errorf("%w (if the loader ran, what it created may be left open: this loader keeps no record of its fds)", err)
	}
	fds, lerr := spec.recordedFDs(mapFD, pins)
	if lerr != nil {
		return fmt.Errorf("%w (if the loader ran, what it created may be left open: reading its fds back failed: %w)", err, lerr)
	}
	for _, fd := range fds {
		unix.Close(fd)
	}
	if len(fds) == 0 {
		return fmt.Errorf("%w (the loader left no fd open: it did not run, or failed and closed what it created)", err)
	}
	return fmt.Errorf("%w: the loader ran but its results could not be copied back; closed the %d fds it created (read back from %s)", err, len(fds), loaderMapName)
}

// recordedFDs reads the map and program fds the loader's last run left
// open from the blob map.
func (spec *Spec) recordedFDs(mapFD int, pins *pinner) ([]int, error) {
	rec := spec.FDs
	if rec.Maps < 0 || rec.Progs < 0 || rec.Maps+4*len(spec.Maps) > len(spec.Blob) || rec.Progs+4*len(spec.Progs) > len(spec.Blob) {
		return nil, fmt.Errorf("fd record {maps at %d, programs at %d} outside the %d-byte blob", rec.Maps, rec.Progs, len(spec.Blob))
	}
	blob := pins.pin(make([]byte, len(spec.Blob)))
	var a attr
	a.u32(offElemMapFD, uint32(mapFD))
	a.ptr(offElemKey, pins.pin(make([]byte, 4)))
	a.ptr(offElemValue, blob)
	if _, err := sysBPF(cmdMapLookupElem, &a, sizeMapElem); err != nil {
		return nil, fmt.Errorf("BPF_MAP_LOOKUP_ELEM of %s: %w", loaderMapName, err)
	}
	var fds []int
	add := func(off, n int) {
		for i := range n {
			if fd := int32(binary.NativeEndian.Uint32(blob[off+4*i:])); fd > 0 {
				fds = append(fds, int(fd))
			}
		}
	}
	add(rec.Maps, len(spec.Maps))
	add(rec.Progs, len(spec.Progs))
	return fds, nil
}
