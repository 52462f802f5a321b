// Tests of the verifier-log retry logic against a fake loader, so every
// path (no log first, growth by factor, growth to log_true_size, the cap)
// is exercised deterministically.

package sys

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLoadWithLogPaths(t *testing.T) {
	tests := []struct {
		name string
		opts LogOptions
		// needed is the log size the fake kernel needs (0: the load
		// fails with EACCES whatever the buffer).
		needed uint32
		// reportTrue makes the fake kernel report log_true_size.
		reportTrue bool
		wantSizes  []int // buffer sizes of the attempts (0: no log)
		wantErr    error
		wantTrunc  bool
	}{
		{name: "success without log", needed: 1, opts: LogOptions{}, wantSizes: []int{0}},
		{name: "failure retried with log", opts: LogOptions{Size: 256}, wantSizes: []int{0, 256}, wantErr: unix.EACCES},
		{name: "grow by four", opts: LogOptions{Level: 1, Size: 128}, needed: 1000, wantSizes: []int{128, 512, 2048}},
		{name: "grow to true size", opts: LogOptions{Level: 1, Size: 128}, needed: 1000, reportTrue: true, wantSizes: []int{128, 1000}},
		{name: "tiny size clamped", opts: LogOptions{Level: 2, Size: 1}, needed: 100, wantSizes: []int{128}},
		{name: "capped", opts: LogOptions{Level: 1, Size: 128, MaxSize: 300}, needed: 1000, wantSizes: []int{128, 300}, wantErr: unix.ENOSPC, wantTrunc: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sizes []int
			_, log, err := loadWithLog(CmdProgLoad, tt.opts, func(level uint32, buf []byte) (*FD, uint32, error) {
				sizes = append(sizes, len(buf))
				if (buf == nil) != (level == 0) {
					t.Errorf("level %d with buffer of %d bytes", level, len(buf))
				}
				if buf != nil {
					copy(buf, "log line\x00")
				}
				if tt.needed == 0 {
					return nil, 0, unix.EACCES
				}
				if buf != nil && uint32(len(buf)) < tt.needed {
					if tt.reportTrue {
						return nil, tt.needed, unix.ENOSPC
					}
					return nil, 0, unix.ENOSPC
				}
				return nil, 0, nil
			})
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("attempt buffer sizes %v, want %v", sizes, tt.wantSizes)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if len(tt.wantSizes) > 0 && tt.wantSizes[len(tt.wantSizes)-1] > 0 && log != "log line" {
					t.Errorf("log %q", log)
				}
				return
			}
			var ve *VerifierError
			if !errors.As(err, &ve) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want *VerifierError wrapping %v", err, tt.wantErr)
			}
			if ve.Truncated != tt.wantTrunc || ve.Log != "log line" {
				t.Errorf("Truncated %v, Log %q", ve.Truncated, ve.Log)
			}
		})
	}
}
