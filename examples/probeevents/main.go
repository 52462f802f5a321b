// Command probeevents attaches a kprobe and a USDT probe through a bpfc Go
// light skeleton and prints the events its BPF programs send through a
// ring buffer: every file opened (kprobe do_sys_openat2) and every hit of
// a USDT probe of your choice, with its first arguments. Nothing but the
// generated file probe_events_skel.go and the small run-time package is
// needed at run time: no ELF object, no BTF parsing.
//
// Run it as root, e.g. on a Python built with USDT probes:
//
//	go generate ./examples/probeevents
//	go run ./examples/probeevents -usdt /usr/bin/python3:python:function__entry
//
// -pid limits both probes to one process; -n and -d stop after so many
// events or so long. On a kernel without kprobes (or locked down) the
// kprobe is reported as not attached and the USDT probe still runs.
package main

//go:generate go run github.com/bpfc/bpfc/cmd/bpfc -emit=loader -lang=go -pkg main -o probe_events_skel.go ../../testdata/probe_events.o

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/backend/loaderprog/rt"
)

// event mirrors struct event of testdata/src/probe_events.c.
type event struct {
	Kind  uint32
	PID   uint32
	NArgs int32
	_     uint32
	Args  [3]int64
	Comm  [16]byte
	Path  [64]byte
}

// Event kinds (enum event_kind).
const (
	eventOpen = 1
	eventUSDT = 2
)

// config is what the flags say.
type config struct {
	usdt     string        // PATH:PROVIDER:NAME, "" for none
	pid      int           // 0: every process
	max      int           // stop after so many events (0: never)
	duration time.Duration // stop after so long (0: never)
	noKprobe bool
}

func main() {
	var c config
	flag.StringVar(&c.usdt, "usdt", "", "USDT probe `PATH:PROVIDER:NAME` to attach (e.g. /usr/bin/python3:python:function__entry)")
	flag.IntVar(&c.pid, "pid", 0, "only events of process `PID`")
	flag.IntVar(&c.max, "n", 0, "stop after `N` events")
	flag.DurationVar(&c.duration, "d", 0, "stop after `DURATION`")
	flag.BoolVar(&c.noKprobe, "no-kprobe", false, "do not attach the kprobe")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), unix.SIGINT, unix.SIGTERM)
	defer stop()
	if err := run(ctx, c, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "probeevents:", err)
		os.Exit(1)
	}
}

// run loads and attaches, then prints events to out until ctx ends, max
// events were printed or duration passed; notes (what is attached) go to
// log. Everything is detached and closed when it returns.
func run(ctx context.Context, c config, out, log io.Writer) error {
	s := NewProbeEvents()
	s.Rodata.TargetTgid = uint32(c.pid) // .rodata: set before Load
	// usdt.bpf.h reads the spec of a USDT call site from the BPF cookie
	// where the kernel has cookies, else by address: the generator wrote
	// its own kernel's answer, this is the running kernel's.
	s.Kconfig.LinuxHasBpfCookie = rt.HasBPFCookie()
	if err := s.Load(nil); err != nil {
		return err
	}
	defer s.Close() // detaches too

	attached := 0
	if !c.noKprobe {
		// SEC("kprobe/do_sys_openat2") names its target: Attach needs no
		// options for it (s.Attach() would attach it too).
		l, err := s.Progs.TraceOpen.Attach(nil)
		if err != nil {
			fmt.Fprintf(log, "kprobe not attached: %v\n", err)
		} else {
			s.Links.TraceOpen = l // closed by s.Close
			attached++
			fmt.Fprintf(log, "attached %s (%s) to %s\n", l.Program, l.Type, l.Target)
		}
	}
	if c.usdt != "" {
		// SEC("usdt") does not say which probe: the options do.
		l, err := s.Progs.TraceUsdt.Attach(&rt.AttachOptions{Target: c.usdt, PID: c.pid})
		if err != nil {
			return err
		}
		s.Links.TraceUsdt = l
		attached++
		fmt.Fprintf(log, "attached %s (%s) to %s\n", l.Program, l.Type, l.Target)
	}
	if attached == 0 {
		return errors.New("nothing attached")
	}

	rb, err := rt.NewRingBuffer(s.Maps.Events.FD)
	if err != nil {
		return err
	}
	defer rb.Close()
	if c.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.duration)
		defer cancel()
	}
	stop := context.AfterFunc(ctx, func() { rb.Close() }) // unblocks Read
	defer stop()
	for n := 0; c.max == 0 || n < c.max; n++ {
		rec, err := rb.Read(-1)
		if errors.Is(err, rt.ErrClosed) {
			break
		}
		if err != nil {
			return err
		}
		var e event
		if err := binary.Read(bytes.NewReader(rec), binary.NativeEndian, &e); err != nil {
			return fmt.Errorf("event of %d bytes: %w", len(rec), err)
		}
		fmt.Fprintln(out, e)
	}
	if d := s.Bss.Dropped; d > 0 {
		fmt.Fprintf(log, "%d events dropped: the ring buffer was full\n", d)
	}
	return nil
}

// String prints an event on one line.
func (e event) String() string {
	comm := string(bytes.TrimRight(e.Comm[:], "\x00"))
	switch e.Kind {
	case eventOpen:
		return fmt.Sprintf("open pid %d comm %s dfd %d path %s", e.PID, comm, e.Args[0], bytes.TrimRight(e.Path[:], "\x00"))
	case eventUSDT:
		n := max(0, min(int(e.NArgs), len(e.Args)))
		return fmt.Sprintf("usdt pid %d comm %s args %d %v", e.PID, comm, e.NArgs, e.Args[:n])
	}
	return fmt.Sprintf("event kind %d pid %d", e.Kind, e.PID)
}
