// This file makes a network namespace with a veth pair for tests of
// programs on network interfaces (XDP, tc, sk_lookup, netfilter), through
// rtnetlink only, so it works where iproute2 is missing (the busybox of
// the kernel matrix guests has no netns and no veth).

package testutil

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Netns is a network namespace made for a test: veth0 (10.99.0.1/24) and
// veth1 (10.99.0.2/24), a veth pair, and lo, all up, IPv6 off (no router
// solicitations on the wire). Path is a bind mount of the namespace, for
// tools and programs that take a netns path (sk_lookup).
type Netns struct {
	Path         string
	Veth0, Veth1 int // ifindexes
}

// NewNetns makes the namespace (removed at cleanup) and moves the calling
// goroutine into it (see Enter). Call it after RequireKernel.
func NewNetns(tb testing.TB) *Netns {
	tb.Helper()
	dir := "/run/netns"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	ns := &Netns{Path: filepath.Join(dir, fmt.Sprintf("bpfc-test-%d-%d", os.Getpid(), nsSeq()))}
	f, err := os.Create(ns.Path)
	if err != nil {
		tb.Fatal(err)
	}
	f.Close()
	tb.Cleanup(func() {
		unix.Unmount(ns.Path, unix.MNT_DETACH)
		os.Remove(ns.Path)
	})
	// A new namespace on a thread of its own, bind-mounted at Path; the
	// thread goes back to its namespace before anything else runs on it.
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return // the thread dies with the locked goroutine
		}
		defer unix.Close(orig)
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
			return
		}
		err = unix.Mount("/proc/thread-self/ns/net", ns.Path, "", unix.MS_BIND, "")
		if rerr := unix.Setns(orig, unix.CLONE_NEWNET); rerr != nil {
			errc <- fmt.Errorf("leave the new netns: %w", rerr)
			return
		}
		runtime.UnlockOSThread()
		errc <- err
	}()
	if err := <-errc; err != nil {
		tb.Fatalf("netns %s: %v", ns.Path, err)
	}
	ns.Enter(tb)
	for _, f := range []string{"all", "default"} {
		// /proc/sys/net is the namespace of the thread that opens it.
		if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+f+"/disable_ipv6", []byte("1"), 0); err != nil && !os.IsNotExist(err) {
			tb.Fatal(err)
		}
	}
	if err := addVeth("veth0", "veth1"); err != nil {
		tb.Fatalf("add veth pair: %v", err)
	}
	for _, v := range []struct {
		name string
		idx  *int
		addr [4]byte
	}{{"veth0", &ns.Veth0, [4]byte{10, 99, 0, 1}}, {"veth1", &ns.Veth1, [4]byte{10, 99, 0, 2}}, {"lo", new(int), [4]byte{}}} {
		iface, err := net.InterfaceByName(v.name)
		if err != nil {
			tb.Fatal(err)
		}
		*v.idx = iface.Index
		if v.addr != [4]byte{} {
			if err := addAddr(iface.Index, v.addr, 24); err != nil {
				tb.Fatalf("address of %s: %v", v.name, err)
			}
		}
		if err := setUp(iface.Index); err != nil {
			tb.Fatalf("%s up: %v", v.name, err)
		}
	}
	// The kernel turns a device operational (carrier, qdisc) later, from
	// its link watch work: frames sent before are dropped.
	for _, name := range []string{"veth0", "veth1"} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			iface, err := net.InterfaceByName(name)
			if err != nil {
				tb.Fatal(err)
			}
			if iface.Flags&net.FlagRunning != 0 {
				break
			}
			if time.Now().After(deadline) {
				tb.Fatalf("%s is not running after 5 s", name)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return ns
}

var nsCount atomic.Int64

func nsSeq() int64 { return nsCount.Add(1) }

// Enter locks the calling goroutine to its thread and moves the thread
// into the namespace until the test's cleanup. Every (sub)test that works
// on the namespace's interfaces must call it: subtests run on goroutines
// of their own.
func (ns *Netns) Enter(tb testing.TB) {
	tb.Helper()
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		tb.Fatal(err)
	}
	target, err := unix.Open(ns.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		tb.Fatal(err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		unix.Close(orig)
		runtime.UnlockOSThread()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		// Leave the namespace before the thread can run anything else;
		// if that fails, the thread dies with the locked goroutine.
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			tb.Errorf("leave netns: %v", err)
		} else {
			runtime.UnlockOSThread()
		}
		unix.Close(orig)
	})
}

// rtnetlink constants not in x/sys/unix.
const (
	iflaInfoKind = 1 // IFLA_INFO_KIND
	iflaInfoData = 2 // IFLA_INFO_DATA
	vethInfoPeer = 1 // VETH_INFO_PEER
)

var ne = binary.NativeEndian

// nlMsg builds an rtnetlink request.
type nlMsg struct{ b []byte }

func newNlMsg(typ, flags uint16, body []byte) *nlMsg {
	m := &nlMsg{b: make([]byte, unix.SizeofNlMsghdr, 256)}
	ne.PutUint16(m.b[4:], typ)
	ne.PutUint16(m.b[6:], flags|unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	m.b = append(m.b, body...)
	return m
}

// attr appends an attribute and returns its offset, for nesting.
func (m *nlMsg) attr(typ uint16, data []byte) int {
	off := len(m.b)
	m.b = ne.AppendUint16(m.b, uint16(unix.SizeofRtAttr+len(data)))
	m.b = ne.AppendUint16(m.b, typ)
	m.b = append(m.b, data...)
	for len(m.b)%4 != 0 {
		m.b = append(m.b, 0)
	}
	return off
}

func (m *nlMsg) end(off int) { ne.PutUint16(m.b[off:], uint16(len(m.b)-off)) }

func ifinfomsg(index int, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	ne.PutUint32(b[4:], uint32(index))
	ne.PutUint32(b[8:], flags)
	ne.PutUint32(b[12:], change)
	return b
}

// send sends the request on a new rtnetlink socket (in the calling
// thread's namespace) and waits for the acknowledgement.
func (m *nlMsg) send() error {
	ne.PutUint32(m.b, uint32(len(m.b)))
	s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer unix.Close(s)
	if err := unix.Sendto(s, m.b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(s, buf, 0)
		if err != nil {
			return err
		}
		for b := buf[:n]; len(b) >= unix.SizeofNlMsghdr; {
			size := int(ne.Uint32(b))
			if size < unix.SizeofNlMsghdr || size > len(b) {
				return fmt.Errorf("malformed netlink message")
			}
			if ne.Uint16(b[4:]) == unix.NLMSG_ERROR {
				if code := int32(ne.Uint32(b[unix.SizeofNlMsghdr:])); code != 0 {
					return unix.Errno(-code)
				}
				return nil
			}
			b = b[min((size+3)&^3, len(b)):]
		}
	}
}

// addVeth creates the veth pair name - peer.
func addVeth(name, peer string) error {
	m := newNlMsg(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, ifinfomsg(0, 0, 0))
	m.attr(unix.IFLA_IFNAME, append([]byte(name), 0))
	info := m.attr(unix.IFLA_LINKINFO|unix.NLA_F_NESTED, nil)
	m.attr(iflaInfoKind, []byte("veth\x00"))
	data := m.attr(iflaInfoData|unix.NLA_F_NESTED, nil)
	p := m.attr(vethInfoPeer|unix.NLA_F_NESTED, ifinfomsg(0, 0, 0))
	m.attr(unix.IFLA_IFNAME, append([]byte(peer), 0))
	m.end(p)
	m.end(data)
	m.end(info)
	return m.send()
}

// addAddr gives interface index the IPv4 address addr/prefix.
func addAddr(index int, addr [4]byte, prefix uint8) error {
	ifa := make([]byte, unix.SizeofIfAddrmsg)
	ifa[0], ifa[1] = unix.AF_INET, prefix
	ne.PutUint32(ifa[4:], uint32(index))
	m := newNlMsg(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL, ifa)
	m.attr(unix.IFA_LOCAL, addr[:])
	m.attr(unix.IFA_ADDRESS, addr[:])
	return m.send()
}

// setUp sets interface index up.
func setUp(index int) error {
	return newNlMsg(unix.RTM_NEWLINK, 0, ifinfomsg(index, unix.IFF_UP, unix.IFF_UP)).send()
}
