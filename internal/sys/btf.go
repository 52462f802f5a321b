// This file wraps BPF_BTF_LOAD with the same log retry as program loads.

package sys

import "unsafe"

// BtfLoad loads raw BTF (header, types, strings). On failure it loads again
// with a log (see LogOptions; at most one opts value is used) and returns a
// *VerifierError carrying the BTF checker's log, which unwraps to the errno.
func BtfLoad(btf []byte, opts ...LogOptions) (*FD, error) {
	var o LogOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	fd, _, err := BtfLoadWithLog(btf, o)
	return fd, err
}

// BtfLoadWithLog is BtfLoad that also returns the log of a successful load
// (empty unless opts.Level > 0).
func BtfLoadWithLog(btf []byte, opts LogOptions) (*FD, string, error) {
	return loadWithLog(CmdBTFLoad, opts, func(level uint32, buf []byte) (*FD, uint32, error) {
		attr := BtfLoadAttr{BtfLogLevel: level}
		attr.Btf, attr.BtfSize = NewSlicePointerLen(btf)
		attr.BtfLogBuf, attr.BtfLogSize = NewSlicePointerLen(buf)
		r, err := BPF(CmdBTFLoad, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
		if err != nil {
			return nil, attr.BtfLogTrueSize, err
		}
		fd, err := NewFD(r)
		return fd, attr.BtfLogTrueSize, err
	})
}

// BtfLoadOnce loads raw BTF once, without a log and without retrying: for
// probes, and for a first attempt whose refusal the caller handles (a log
// is then asked for by BtfLoadWithLog).
func BtfLoadOnce(btf []byte) (*FD, error) {
	attr := BtfLoadAttr{}
	attr.Btf, attr.BtfSize = NewSlicePointerLen(btf)
	r, err := BPF(CmdBTFLoad, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err != nil {
		return nil, err
	}
	return NewFD(r)
}
