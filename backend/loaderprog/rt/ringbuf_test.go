// Tests of RingBuffer on a real ring buffer map fed by a program that
// calls bpf_ringbuf_output, run with BPF_PROG_TEST_RUN: records in order
// across many wrap-arounds of a one-page ring, timeouts, Close waking a
// blocked Read, and refusal of a map that is not a ring buffer.

package rt

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/internal/testutil"
	"github.com/bpfc/bpfc/uapi"
)

// ringbufWriter loads a socket filter that outputs the 8-byte record
// {"bpfc", skb->len} to the ring buffer map m.
func ringbufWriter(t *testing.T, m *sys.FD) *sys.FD {
	t.Helper()
	var insns []byte
	insn := func(code, regs uint8, off int16, imm int32) {
		insns = append(insns, code, regs)
		insns = binary.LittleEndian.AppendUint16(insns, uint16(off))
		insns = binary.LittleEndian.AppendUint32(insns, uint32(imm))
	}
	insn(0x61, 0x1<<4|0x2, 0, 0)              // r2 = *(u32 *)(r1 + 0): skb->len
	insn(0x62, 0xa, -8, 0x63667062)           // *(u32 *)(r10 - 8) = "bpfc"
	insn(0x63, 0x2<<4|0xa, -4, 0)             // *(u32 *)(r10 - 4) = r2
	insn(0x18, 0x1<<4|0x1, 0, int32(m.Int())) // r1 = map (BPF_PSEUDO_MAP_FD)
	insn(0x00, 0, 0, 0)                       //
	insn(0xbf, 0xa<<4|0x2, 0, 0)              // r2 = r10
	insn(0x07, 0x2, 0, -8)                    // r2 += -8
	insn(0xb7, 0x3, 0, 8)                     // r3 = 8
	insn(0xb7, 0x4, 0, 0)                     // r4 = 0
	insn(0x85, 0, 0, 130)                     // call bpf_ringbuf_output
	insn(0xb7, 0x0, 0, 0)                     // r0 = 0
	insn(0x95, 0, 0, 0)                       // exit
	p, err := sys.LoadInsns(uapi.ProgTypeSocketFilter, insns, "ringbuf_out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func newRingbufMap(t *testing.T, size uint32) *sys.FD {
	t.Helper()
	m, err := sys.MapCreate(&sys.MapCreateAttr{MapType: uapi.MapTypeRingbuf, MaxEntries: size})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestRingBuffer(t *testing.T) {
	testutil.RequireKernel(t)
	t.Cleanup(testutil.CheckNoFDLeak(t))
	m := newRingbufMap(t, uint32(os.Getpagesize()))
	prog := ringbufWriter(t, m)
	r, err := NewRingBuffer(m.Int())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Read(10 * time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read of an empty ring: %v, want os.ErrDeadlineExceeded", err)
	}
	// 16 bytes a record: 5 rounds of 200 records go around a 4 KiB ring
	// about 4 times.
	for round := range 5 {
		for i := range 200 {
			pkt := make([]byte, 14+round*200+i) // skb->len tells the record
			if _, err := sys.TestRun(prog, sys.TestRunOpts{DataIn: pkt}); err != nil {
				t.Fatal(err)
			}
			if i%50 != 49 {
				continue
			}
			for j := i - 49; j <= i; j++ {
				rec, err := r.Read(time.Second)
				if err != nil {
					t.Fatalf("round %d record %d: %v", round, j, err)
				}
				want := uint32(round*200 + j) // the length after the Ethernet header
				if len(rec) != 8 || string(rec[:4]) != "bpfc" || binary.LittleEndian.Uint32(rec[4:]) != want {
					t.Fatalf("round %d record %d: % x, want \"bpfc\" %d", round, j, rec, want)
				}
			}
		}
	}
	if _, err := r.Read(0); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read after every record: %v", err)
	}

	// Close wakes a Read blocked in another goroutine.
	done := make(chan error)
	go func() {
		_, err := r.Read(-1)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("blocked Read after Close: %v, want ErrClosed", err)
	}
}

func TestRingBufferNotARing(t *testing.T) {
	testutil.RequireKernel(t)
	m, err := sys.MapCreate(&sys.MapCreateAttr{MapType: uapi.MapTypeArray, KeySize: 4, ValueSize: 8, MaxEntries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := NewRingBuffer(m.Int()); err == nil {
		t.Error("NewRingBuffer of an array map: no error")
	}
	if _, err := NewRingBuffer(-1); err == nil {
		t.Error("NewRingBuffer(-1): no error")
	}
}
