// Package sys is bpfc's thin, typed layer over the bpf(2) system call:
// attribute structs, the commands, file descriptors and the calls. The
// kernel's enums and flags it passes (map and program types, attach
// types, helper ids) are package uapi's.
//
// Every attribute struct mirrors its part of the Linux 6.18 uapi
// union bpf_attr (or struct bpf_*_info) byte for byte, with explicit
// padding, so it can be handed to the kernel as it is and so the loader
// backend can take field offsets from it with unsafe.Offsetof. Pointer
// fields have the type Pointer, which keeps the memory it points to alive
// for the garbage collector.
//
// Errors returned by the kernel wrap the errno together with the command
// name ("BPF_MAP_CREATE: operation not permitted"), so errors.Is(err,
// unix.EPERM) works. Program and BTF loads that fail can be retried with a
// verifier log (ProgLoadWithLog, BtfLoad); they return a *VerifierError.
//
// File descriptors are owned by *FD values and must be closed explicitly;
// no finalizer closes them.
//
// The package supports 64-bit little-endian Linux only.
package sys
