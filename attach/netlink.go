// This file attaches tc programs the way `tc filter add dev DEV ingress bpf
// direct-action` does, for kernels without tcx links (before 6.6): it makes
// sure the interface has a clsact qdisc and adds a cls_bpf filter holding
// the program, over rtnetlink; closing the Link deletes the filter.

package attach

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// rtnetlink and tc constants not in x/sys/unix.
const (
	tcHClsact     = 0xFFFFFFF1 // TC_H_CLSACT (= TC_H_INGRESS)
	tcHMinIngress = 0xFFF2     // TC_H_MIN_INGRESS
	tcHMinEgress  = 0xFFF3     // TC_H_MIN_EGRESS
	tcaBPFFD      = 6          // TCA_BPF_FD
	tcaBPFName    = 7          // TCA_BPF_NAME
	tcaBPFFlags   = 8          // TCA_BPF_FLAGS
	tcaBPFActDir  = 1          // TCA_BPF_FLAG_ACT_DIRECT
	sizeofTcMsg   = 20
)

// nlRequest is an rtnetlink request being built: header, tcmsg,
// attributes.
type nlRequest struct {
	buf []byte
}

// newTCRequest starts a request of type typ with flags for a tcmsg on
// ifindex with the given parent, handle and info.
func newTCRequest(typ, flags uint16, ifindex int, parent, handle, info uint32) *nlRequest {
	r := &nlRequest{buf: make([]byte, unix.SizeofNlMsghdr+sizeofTcMsg, 128)}
	binary.NativeEndian.PutUint16(r.buf[4:], typ)
	binary.NativeEndian.PutUint16(r.buf[6:], flags|unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	binary.NativeEndian.PutUint32(r.buf[8:], 1) // sequence number
	tc := r.buf[unix.SizeofNlMsghdr:]
	tc[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(tc[4:], uint32(ifindex))
	binary.NativeEndian.PutUint32(tc[8:], handle)
	binary.NativeEndian.PutUint32(tc[12:], parent)
	binary.NativeEndian.PutUint32(tc[16:], info)
	return r
}

// attr appends an attribute and returns its offset (for nesting).
func (r *nlRequest) attr(typ uint16, data []byte) int {
	off := len(r.buf)
	hdr := make([]byte, unix.SizeofRtAttr)
	binary.NativeEndian.PutUint16(hdr[0:], uint16(unix.SizeofRtAttr+len(data)))
	binary.NativeEndian.PutUint16(hdr[2:], typ)
	r.buf = append(r.buf, hdr...)
	r.buf = append(r.buf, data...)
	for len(r.buf)%4 != 0 {
		r.buf = append(r.buf, 0)
	}
	return off
}

// endNested sets the length of the nested attribute started at off.
func (r *nlRequest) endNested(off int) {
	binary.NativeEndian.PutUint16(r.buf[off:], uint16(len(r.buf)-off))
}

func cstring(s string) []byte { return append([]byte(s), 0) }

func u32Bytes(v uint32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, v)
	return b
}

// send sends the request on a new rtnetlink socket and reads the answers
// up to the ACK; echo, when set, gets each tcmsg the kernel echoes.
func (r *nlRequest) send(echo func(tc []byte)) error {
	binary.NativeEndian.PutUint32(r.buf[0:], uint32(len(r.buf)))
	s, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(s)
	if err := unix.Bind(s, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	if err := unix.Sendto(s, r.buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	buf := make([]byte, os.Getpagesize()*4)
	for {
		n, _, err := unix.Recvfrom(s, buf, 0)
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		for b := buf[:n]; len(b) >= unix.SizeofNlMsghdr; {
			size := int(binary.NativeEndian.Uint32(b))
			if size < unix.SizeofNlMsghdr || size > len(b) {
				return fmt.Errorf("netlink receive: malformed message of %d bytes", size)
			}
			typ, data := binary.NativeEndian.Uint16(b[4:]), b[unix.SizeofNlMsghdr:size]
			b = b[min((size+3)&^3, len(b)):]
			switch typ {
			case unix.NLMSG_ERROR:
				if len(data) < 4 {
					return errors.New("netlink: short error message")
				}
				if code := int32(binary.NativeEndian.Uint32(data)); code != 0 {
					return unix.Errno(-code)
				}
				return nil // the ACK
			case unix.NLMSG_DONE:
				return nil
			default:
				if echo != nil && len(data) >= sizeofTcMsg {
					echo(data[:sizeofTcMsg])
				}
			}
		}
	}
}

// tcFilter is a cls_bpf filter added by attachNetlinkTC.
type tcFilter struct {
	ifindex        int
	parent, handle uint32
	info           uint32 // priority << 16 | protocol
}

// attachNetlinkTC adds a direct-action cls_bpf filter with p to the
// ingress or egress hook of clsact on ifindex, creating the clsact qdisc
// if the interface has none (it stays after the filter is gone).
func attachNetlinkTC(p *Program, ifindex int, egress bool) (*part, error) {
	q := newTCRequest(unix.RTM_NEWQDISC, unix.NLM_F_CREATE|unix.NLM_F_EXCL, ifindex, tcHClsact, tcHClsact&0xFFFF0000, 0)
	q.attr(unix.TCA_KIND, cstring("clsact"))
	if err := q.send(nil); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("add clsact qdisc: %w", err)
	}
	minor := uint32(tcHMinIngress)
	if egress {
		minor = tcHMinEgress
	}
	parent := tcHClsact&0xFFFF0000 | minor
	proto := uint32(unix.ETH_P_ALL>>8 | (unix.ETH_P_ALL&0xff)<<8) // htons
	f := newTCRequest(unix.RTM_NEWTFILTER, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ECHO, ifindex, parent, 0, proto)
	f.attr(unix.TCA_KIND, cstring("bpf"))
	opts := f.attr(unix.TCA_OPTIONS|unix.NLA_F_NESTED, nil)
	f.attr(tcaBPFFD, u32Bytes(uint32(p.FD)))
	f.attr(tcaBPFName, cstring(fmt.Sprintf("%s:[%s]", p.Name, p.Section)))
	f.attr(tcaBPFFlags, u32Bytes(tcaBPFActDir))
	f.endNested(opts)
	filter := &tcFilter{ifindex: ifindex, parent: parent}
	err := f.send(func(tc []byte) {
		filter.handle = binary.NativeEndian.Uint32(tc[8:])
		filter.info = binary.NativeEndian.Uint32(tc[16:])
	})
	if err != nil {
		return nil, fmt.Errorf("add cls_bpf filter: %w", err)
	}
	if filter.handle == 0 {
		return nil, errors.New("add cls_bpf filter: the kernel did not echo the new filter")
	}
	return &part{undo: filter.delete}, nil
}

// delete removes the filter.
func (f *tcFilter) delete() error {
	r := newTCRequest(unix.RTM_DELTFILTER, 0, f.ifindex, f.parent, f.handle, f.info)
	r.attr(unix.TCA_KIND, cstring("bpf"))
	if err := r.send(nil); err != nil && !errors.Is(err, unix.ENODEV) && !errors.Is(err, unix.ENOENT) {
		// ENODEV, ENOENT: the interface or the filter is gone already.
		return fmt.Errorf("delete cls_bpf filter (ifindex %d, handle %#x): %w", f.ifindex, f.handle, err)
	}
	return nil
}
