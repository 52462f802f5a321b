// This file holds what struct_ops tests need from the system: a TCP
// connection over loopback that selects a congestion control, the list of
// registered congestion controls and a lock for the tests that register
// them, the sched_ext state in sysfs, and a small workload for a scheduler
// to schedule.

package testutil

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// CongestionControls returns the TCP congestion controls the kernel has
// registered (net.ipv4.tcp_available_congestion_control).
func CongestionControls(tb testing.TB) []string {
	tb.Helper()
	raw, err := os.ReadFile(availableCC)
	if err != nil {
		tb.Fatal(err)
	}
	return strings.Fields(string(raw))
}

// availableCC lists the registered congestion controls.
const availableCC = "/proc/sys/net/ipv4/tcp_available_congestion_control"

// LockCongestionControl serializes the tests that register congestion
// control cc: the test packages loading structops_cc.o or
// structops_link.o register the same names (bpfc_reno, bpfc_swap), and go
// test runs packages in parallel. It takes an exclusive flock(2) on the
// kernel's list of congestion controls, shared by every process of the
// machine, until the test's cleanup, then waits until cc is not
// registered (a test that just finished drops it after an RCU grace
// period) and fails the test if it stays registered (a process left
// running). The locked file stays open until cleanup: a leak check taken
// before must run at cleanup too (t.Cleanup(CheckNoFDLeak(t))), not in a
// defer. A test takes one such lock, and its subtests none.
func LockCongestionControl(tb testing.TB, cc string) {
	tb.Helper()
	f, err := os.Open(availableCC)
	if err != nil {
		tb.Fatal(err)
	}
	if err := flock(f, syscall.LOCK_EX); err != nil {
		f.Close()
		tb.Fatalf("lock %s: %v", availableCC, err)
	}
	tb.Cleanup(func() { f.Close() }) // closing drops the lock
	if !WaitCongestionControlGone(tb, cc) {
		tb.Fatalf("congestion control %s is registered before the test (by a process left running?)", cc)
	}
}

// flock is flock(2) on f, retried when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

// HasCongestionControl reports whether cc is registered.
func HasCongestionControl(tb testing.TB, cc string) bool {
	tb.Helper()
	for _, c := range CongestionControls(tb) {
		if c == cc {
			return true
		}
	}
	return false
}

// WaitCongestionControlGone waits (up to 10 s) until cc is no longer
// registered and reports whether it went: the kernel unregisters a
// congestion control whose last link reference is dropped only once it
// frees the link, after an RCU grace period.
func WaitCongestionControlGone(tb testing.TB, cc string) bool {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for HasCongestionControl(tb, cc) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// TCPTransfer connects to a listener on 127.0.0.1 with a socket that
// selects congestion control cc (setsockopt TCP_CONGESTION before
// connect), sends n bytes, waits until the listener has read them all, and
// returns the congestion control the socket reports after the transfer.
// An error is that of the setsockopt (ENOENT: cc is not registered), the
// connection or the transfer.
func TCPTransfer(cc string, n int) (string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	var wg sync.WaitGroup
	var read int64
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			readErr = err
			return
		}
		defer c.Close()
		read, readErr = io.Copy(io.Discard, c)
	}()
	var optErr error
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		if err := rc.Control(func(fd uintptr) {
			optErr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, cc)
		}); err != nil {
			return err
		}
		if optErr != nil {
			return fmt.Errorf("setsockopt(TCP_CONGESTION, %q): %w", cc, optErr)
		}
		return nil
	}}
	conn, err := d.Dial("tcp4", ln.Addr().String())
	if err != nil {
		ln.Close()
		wg.Wait()
		return "", err
	}
	tc := conn.(*net.TCPConn)
	buf := make([]byte, 64<<10)
	for sent := 0; sent < n; sent += len(buf) {
		if _, err := tc.Write(buf); err != nil {
			conn.Close()
			wg.Wait()
			return "", fmt.Errorf("send: %w", err)
		}
	}
	var got string
	rc, err := tc.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) {
			got, optErr = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
		})
	}
	conn.Close()
	wg.Wait()
	switch {
	case err != nil:
		return "", err
	case optErr != nil:
		return "", fmt.Errorf("getsockopt(TCP_CONGESTION): %w", optErr)
	case readErr != nil:
		return "", fmt.Errorf("receive: %w", readErr)
	case read < int64(n):
		return "", fmt.Errorf("received %d of %d bytes", read, n)
	}
	return strings.TrimRight(got, "\x00"), nil
}

// schedExtDir is where the kernel reports sched_ext's state.
const schedExtDir = "/sys/kernel/sched_ext"

// SchedExt returns sched_ext's state ("enabled", "disabled", ...) and the
// name of the BPF scheduler in charge ("" when none); ok is false on a
// kernel without sched_ext.
func SchedExt() (state, ops string, ok bool) {
	raw, err := os.ReadFile(schedExtDir + "/state")
	if err != nil {
		return "", "", false
	}
	state = strings.TrimSpace(string(raw))
	if raw, err := os.ReadFile(schedExtDir + "/root/ops"); err == nil {
		ops = strings.TrimSpace(string(raw))
	}
	return state, ops, true
}

// WaitSchedExt waits (up to 10 s) until sched_ext reports state, and
// returns the last state seen.
func WaitSchedExt(state string) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _, ok := SchedExt()
		if !ok {
			return "", errors.New("no sched_ext in this kernel")
		}
		if got == state {
			return got, nil
		}
		if time.Now().After(deadline) {
			return got, fmt.Errorf("sched_ext state %q after 10 s, want %q", got, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Workload runs threads goroutines on threads of their own that sleep and
// wake rounds times: each wake-up makes a task runnable for the scheduler
// in charge.
func Workload(threads, rounds int) {
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for range rounds {
				time.Sleep(200 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
}
