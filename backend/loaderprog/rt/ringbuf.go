// This file reads BPF ring buffers (BPF_MAP_TYPE_RINGBUF) from user space,
// as libbpf's ring_buffer__poll does: the consumer position page is mapped
// writable, the producer position page and the data area (mapped twice in
// a row by the kernel, so that a record that wraps around is contiguous)
// read-only; an epoll on the map fd wakes the reader when records come.

package rt

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/bpfc/bpfc/internal/sys"
	"github.com/bpfc/bpfc/uapi"
)

// Ring buffer record header bits (BPF_RINGBUF_*).
const (
	ringbufBusy    = 1 << 31
	ringbufDiscard = 1 << 30
	ringbufHdrSize = 8
)

// ErrClosed is returned by RingBuffer.Read after Close.
var ErrClosed = errors.New("ring buffer closed")

// RingBuffer reads the records of a BPF ring buffer map. Read and Close
// may be called from different goroutines; Read from one only.
type RingBuffer struct {
	mu         sync.Mutex // held by Read; Close takes it to unmap
	cons, prod []byte     // the consumer page, the producer page and data
	data       []byte     // the data area, twice
	mask       uint64
	epfd       int
	wake       int // eventfd that Close signals
	closed     atomic.Bool
}

// NewRingBuffer maps the ring buffer map fd (a skeleton's Map.FD; the
// skeleton keeps owning it) for reading.
func NewRingBuffer(fd int) (*RingBuffer, error) {
	if fd <= 0 {
		return nil, fmt.Errorf("ring buffer: map not loaded (fd %d)", fd)
	}
	mfd, err := sys.NewFD(fd) // borrowed: never closed here
	if err != nil {
		return nil, err
	}
	info, err := sys.MapInfoByFD(mfd)
	if err != nil {
		return nil, fmt.Errorf("ring buffer: %w", err)
	}
	if info.Type != uapi.MapTypeRingbuf {
		return nil, fmt.Errorf("ring buffer: map %q is a %s, not a ring buffer", info.Name, info.Type)
	}
	page := os.Getpagesize()
	size := int(info.MaxEntries)
	r := &RingBuffer{mask: uint64(size - 1), epfd: -1, wake: -1}
	if r.cons, err = unix.Mmap(fd, 0, page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return nil, fmt.Errorf("ring buffer %q: mmap consumer page: %w", info.Name, err)
	}
	if r.prod, err = unix.Mmap(fd, int64(page), page+2*size, unix.PROT_READ, unix.MAP_SHARED); err != nil {
		r.Close()
		return nil, fmt.Errorf("ring buffer %q: mmap producer page and data: %w", info.Name, err)
	}
	r.data = r.prod[page:]
	if r.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		r.Close()
		return nil, fmt.Errorf("ring buffer: epoll: %w", err)
	}
	if r.wake, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		r.Close()
		return nil, fmt.Errorf("ring buffer: eventfd: %w", err)
	}
	for _, f := range []int{fd, r.wake} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(f)}
		if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, f, &ev); err != nil {
			r.Close()
			return nil, fmt.Errorf("ring buffer: epoll_ctl: %w", err)
		}
	}
	return r, nil
}

func (r *RingBuffer) consumerPos() *uint64 { return (*uint64)(unsafe.Pointer(&r.cons[0])) }
func (r *RingBuffer) producerPos() *uint64 { return (*uint64)(unsafe.Pointer(&r.prod[0])) }

// next returns the next committed record (a copy) and whether there was
// one; discarded records are skipped.
func (r *RingBuffer) next() ([]byte, bool) {
	for {
		cons := atomic.LoadUint64(r.consumerPos())
		prod := atomic.LoadUint64(r.producerPos())
		if cons >= prod {
			return nil, false
		}
		hdr := atomic.LoadUint32((*uint32)(unsafe.Pointer(&r.data[cons&r.mask])))
		if hdr&ringbufBusy != 0 {
			return nil, false // reserved, not committed yet
		}
		n := uint64(hdr &^ (ringbufBusy | ringbufDiscard))
		start := (cons + ringbufHdrSize) & r.mask
		var rec []byte
		if hdr&ringbufDiscard == 0 {
			rec = append([]byte(nil), r.data[start:start+n]...)
		}
		atomic.StoreUint64(r.consumerPos(), cons+(n+ringbufHdrSize+7)&^7)
		if rec != nil {
			return rec, true
		}
	}
}

// Read returns the next record, waiting for one up to timeout (negative:
// forever). It returns os.ErrDeadlineExceeded when the time runs out and
// ErrClosed once Close was called.
func (r *RingBuffer) Read(timeout time.Duration) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	deadline := time.Now().Add(timeout)
	events := make([]unix.EpollEvent, 2)
	for {
		if r.closed.Load() {
			return nil, ErrClosed
		}
		if rec, ok := r.next(); ok {
			return rec, nil
		}
		ms := -1
		if timeout >= 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return nil, os.ErrDeadlineExceeded
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		if _, err := unix.EpollWait(r.epfd, events, ms); err != nil && !errors.Is(err, unix.EINTR) {
			return nil, fmt.Errorf("ring buffer: epoll_wait: %w", err)
		}
	}
}

// Close unmaps the ring buffer and wakes a Read waiting in another
// goroutine (which then returns ErrClosed). The map stays open.
func (r *RingBuffer) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	if r.wake >= 0 {
		unix.Write(r.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
	r.mu.Lock() // a Read returns once it sees closed
	defer r.mu.Unlock()
	var errs []error
	for _, m := range [][]byte{r.cons, r.prod} {
		if m != nil {
			errs = append(errs, unix.Munmap(m))
		}
	}
	r.cons, r.prod, r.data = nil, nil, nil
	for _, fd := range []int{r.epfd, r.wake} {
		if fd >= 0 {
			errs = append(errs, unix.Close(fd))
		}
	}
	r.epfd, r.wake = -1, -1
	return errors.Join(errs...)
}
