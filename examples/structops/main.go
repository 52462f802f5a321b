// Command structops registers BPF struct_ops implementations shipped as
// bpfc light skeletons: a TCP congestion control (testdata/structops_cc.o)
// that a connection over loopback then selects, and a sched_ext scheduler
// (testdata/structops_scx.o, Linux 6.12+ with CONFIG_SCHED_CLASS_EXT)
// that schedules every task while it runs.
//
// The skeletons are generated for the struct layouts of Linux 7.2
// (testdata/btf/kernel_st.btf): tcp_congestion_ops was reordered in 6.0 and
// again in 7.x, and the run-time lays the maps out for the kernel it runs
// on, so one skeleton serves every kernel from 5.14 on. c/ is the
// congestion control through the C light skeleton (make -C c). Run it as
// root:
//
//	go generate ./examples/structops
//	go run ./examples/structops cc -name my_reno
//	go run ./examples/structops fifo -for 2s
package main

//go:generate go run github.com/bpfc/bpfc/cmd/bpfc -emit=loader -lang=go -pkg main -btf ../../testdata/btf/kernel_st.btf -o structops_cc_skel.go ../../testdata/structops_cc.o
//go:generate go run github.com/bpfc/bpfc/cmd/bpfc -emit=loader -lang=go -pkg main -btf ../../testdata/btf/kernel_st.btf -o structops_scx_skel.go ../../testdata/structops_scx.o
//go:generate go run github.com/bpfc/bpfc/cmd/bpfc -emit=loader -lang=c -btf ../../testdata/btf/kernel_st.btf -o c/structops_cc.lskel.h ../../testdata/structops_cc.o

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: structops cc [-name NAME] | fifo [-for DURATION]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	switch os.Args[1] {
	case "cc":
		name := fs.String("name", "", "register the congestion control under this name (set through the map's shadow type)")
		fs.Parse(os.Args[2:])
		r, err := runCC(*name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "structops:", err)
			os.Exit(1)
		}
		fmt.Printf("a connection selected %s: init ran %d times, cong_avoid %d times\n", r.selected, r.init, r.congAvoid)
	case "fifo":
		d := fs.Duration("for", 2*time.Second, "how long the scheduler runs")
		fs.Parse(os.Args[2:])
		r, err := runFIFO(*d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "structops:", err)
			os.Exit(1)
		}
		fmt.Printf("bpfc_fifo scheduled for %v: %d tasks enqueued, dispatch called %d times, exit kind %d\n", *d, r.enqueued, r.dispatched, r.exitKind)
	default:
		fmt.Fprintf(os.Stderr, "structops: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

// ccResult is what runCC saw.
type ccResult struct {
	selected        string // the congestion control the connection had
	init, congAvoid uint64 // calls of the callbacks (cc_calls[0], [2])
}

// runCC loads the congestion control (registered under name, if set,
// through the map's shadow type), registers it, sends 4 MiB over a
// loopback TCP connection that selects it, and unregisters it.
func runCC(name string) (ccResult, error) {
	s := NewStructopsCc()
	defer s.Close()
	if name == "" {
		name = strings.TrimRight(string(s.StructOps.BpfcReno.Name[:]), "\x00")
	} else {
		if len(name) >= len(s.StructOps.BpfcReno.Name) {
			return ccResult{}, fmt.Errorf("name %q: at most %d bytes", name, len(s.StructOps.BpfcReno.Name)-1)
		}
		s.StructOps.BpfcReno.Name = [16]byte{}
		copy(s.StructOps.BpfcReno.Name[:], name) // a data member, set before Load
	}
	if err := s.Load(nil); err != nil {
		return ccResult{}, err
	}
	if err := s.Attach(); err != nil { // registers bpfc_reno's map
		return ccResult{}, err
	}
	defer s.Detach()
	selected, err := transfer(name, 4<<20)
	if err != nil {
		return ccResult{}, err
	}
	r := ccResult{selected: selected}
	if r.init, err = lookupU64(&s.Maps.CcCalls, 0); err != nil {
		return ccResult{}, err
	}
	if r.congAvoid, err = lookupU64(&s.Maps.CcCalls, 2); err != nil {
		return ccResult{}, err
	}
	return r, nil
}

// transfer sends n bytes over a loopback TCP connection whose socket
// selects congestion control cc, and returns the one it reports after.
func transfer(cc string, n int) (string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if c, err := ln.Accept(); err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	defer wg.Wait()
	var optErr error
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		rc.Control(func(fd uintptr) { optErr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, cc) })
		return optErr
	}}
	conn, err := d.Dial("tcp4", ln.Addr().String())
	if err != nil {
		ln.Close()
		return "", fmt.Errorf("connect with congestion control %s: %w", cc, err)
	}
	defer conn.Close()
	if _, err := conn.Write(make([]byte, n)); err != nil {
		return "", err
	}
	rc, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		return "", err
	}
	var got string
	rc.Control(func(fd uintptr) { got, optErr = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION) })
	return strings.TrimRight(got, "\x00"), optErr
}

// fifoResult is what runFIFO saw.
type fifoResult struct {
	enqueued, dispatched uint64
	exitKind             int32
}

// runFIFO enables the FIFO scheduler for d while a few threads sleep and
// wake, then disables it.
func runFIFO(d time.Duration) (fifoResult, error) {
	s := NewStructopsScx()
	defer s.Close()
	if err := s.Load(nil); err != nil {
		return fifoResult{}, err
	}
	if err := s.Attach(); err != nil { // enables sched_ext with bpfc_fifo
		return fifoResult{}, err
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			for end := time.Now().Add(d); time.Now().Before(end); {
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	s.Detach() // disables it
	// The exit callback runs when the kernel tears the scheduler down.
	for deadline := time.Now().Add(5 * time.Second); s.Data.ExitKind < 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	return fifoResult{enqueued: s.Bss.Enqueued, dispatched: s.Bss.Dispatched, exitKind: s.Data.ExitKind}, nil
}

// lookupU64 reads the u64 at key of an array map.
func lookupU64(m *rt.Map, key uint32) (uint64, error) {
	var v [8]byte
	if err := m.Lookup(binary.NativeEndian.AppendUint32(nil, key), v[:]); err != nil {
		return 0, err
	}
	return binary.NativeEndian.Uint64(v[:]), nil
}
