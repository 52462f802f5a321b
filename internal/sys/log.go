// This file implements the verifier-log retry shared by program and BTF
// loads (the libbpf way: load without a log, and only when that fails load
// again with a log, growing the buffer until the whole log fits), and the
// VerifierError that carries the log.

package sys

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Default verifier log buffer sizes.
const (
	// DefaultLogSize is the first buffer size when a log is wanted.
	DefaultLogSize = 64 << 10
	// DefaultMaxLogSize is the largest buffer a retry grows to.
	DefaultMaxLogSize = 16 << 20
	// minLogSize is the smallest buffer every kernel accepts.
	minLogSize = 128
)

// LogOptions controls the verifier log of ProgLoadWithLog and BtfLoad.
type LogOptions struct {
	// Level is the log level of the first attempt. 0 loads without a log
	// first and retries with level 1 only if the load fails.
	Level uint32
	// Size is the first buffer size (0: DefaultLogSize; at least 128).
	Size uint32
	// MaxSize caps the buffer growth (0: DefaultMaxLogSize).
	MaxSize uint32
}

// VerifierError is a failed BPF_PROG_LOAD or BPF_BTF_LOAD with the kernel's
// log. It unwraps to the errno.
type VerifierError struct {
	// Cmd is CmdProgLoad or CmdBTFLoad.
	Cmd Cmd
	// Err is the errno of the last attempt (unix.ENOSPC if even the largest
	// buffer could not hold the log).
	Err error
	// Log is the verifier's (or BTF checker's) log; it may be empty.
	Log string
	// Truncated is set when the log did not fit the largest buffer; the
	// kernel then keeps the end of the log, where the error is.
	Truncated bool
}

// Error returns the command, the errno and the log's last meaningful line.
func (e *VerifierError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", e.Cmd, e.Err)
	if line := lastLogLine(e.Log); line != "" {
		b.WriteString(": ")
		b.WriteString(line)
	}
	if e.Truncated {
		b.WriteString(" (log truncated)")
	}
	return b.String()
}

// Unwrap returns the errno.
func (e *VerifierError) Unwrap() error { return e.Err }

// lastLogLine returns the last line of log that says something about the
// failure, skipping the statistics lines the verifier appends.
func lastLogLine(log string) string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "",
			strings.HasPrefix(l, "processed "),
			strings.HasPrefix(l, "verification time"),
			strings.HasPrefix(l, "stack depth"):
			continue
		}
		return l
	}
	return ""
}

// loadAttempt performs one load with the given log level and buffer (nil:
// no log) and returns the new fd, the kernel's log_true_size and the errno.
type loadAttempt func(level uint32, buf []byte) (fd *FD, trueSize uint32, err error)

// loadWithLog runs attempt the libbpf way described in LogOptions.
func loadWithLog(cmd Cmd, opts LogOptions, attempt loadAttempt) (*FD, string, error) {
	size := opts.Size
	if size == 0 {
		size = DefaultLogSize
	}
	size = max(size, minLogSize)
	maxSize := opts.MaxSize
	if maxSize == 0 {
		maxSize = DefaultMaxLogSize
	}
	maxSize = max(maxSize, size)

	level := opts.Level
	var buf []byte
	if level > 0 {
		buf = make([]byte, size)
	}
	for {
		fd, trueSize, err := attempt(level, buf)
		if err == nil {
			return fd, cString(buf), nil
		}
		if buf == nil {
			// Failed without a log: load again with one.
			level = 1
			buf = make([]byte, size)
			continue
		}
		if errors.Is(err, unix.ENOSPC) && uint32(len(buf)) < maxSize {
			next := uint64(len(buf)) * 4
			if uint64(trueSize) > uint64(len(buf)) {
				next = uint64(trueSize)
			}
			buf = make([]byte, min(next, uint64(maxSize)))
			continue
		}
		log := cString(buf)
		return nil, log, &VerifierError{
			Cmd:       cmd,
			Err:       err,
			Log:       log,
			Truncated: errors.Is(err, unix.ENOSPC),
		}
	}
}
