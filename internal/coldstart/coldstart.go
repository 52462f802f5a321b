// Package coldstart tunes the Go run-time for a short-lived command (bpfc
// loads an object and exits in milliseconds): a command imports it for
// its side effects, which its initialisation applies before almost every
// other package's (the package imports only runtime, and packages are
// initialised in import-path order, each after its imports).
//
// Both effects cut the pages of the binary a run touches, which for a
// short run are much of its peak RSS and its page faults:
//
//   - The main goroutine's stack grows once, to 128 KiB, with a few frames
//     on it. A goroutine starts with a few KiB of stack and the run-time
//     doubles it whenever a call needs more, copying it each time; a copy
//     walks every frame on the stack and reads each function's stack maps
//     in the binary's pclntab: a 64 KiB window of the binary read in per
//     function, about half a megabyte for a bpfc load. The grown stack's
//     pages are touched only as calls use them.
//   - Memory profile sampling is off (runtime.MemProfileRate = 0): each
//     sample (one per 512 KiB allocated, at random) walks the stack the
//     same way, and nothing in a command reads the profile.
package coldstart

import "runtime"

func init() {
	runtime.MemProfileRate = 0
	reserve(false)
}

// frame is the stack frame reserve asks for; the stack grows to the next
// power of two that holds it and what is already on the stack.
const frame = 64 << 10

// reserve has a frame of 64 KiB, so its prologue grows the stack. The
// frame is never written (touch is false), so it costs no memory.
//
//go:noinline
func reserve(touch bool) byte {
	if touch {
		var buf [frame]byte
		return use(buf[:])
	}
	return 0
}

//go:noinline
func use(b []byte) byte { return b[len(b)/2] }
