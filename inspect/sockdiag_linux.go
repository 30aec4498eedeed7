package inspect

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/whoport/whoport/services"
)

// Constants of linux/sock_diag.h and linux/inet_diag.h that x/sys/unix
// lacks.
const (
	sockDiagByFamily    = 20 // SOCK_DIAG_BY_FAMILY
	inetDiagReqV2Len    = 56 // sizeof(struct inet_diag_req_v2)
	inetDiagMsgLen      = 72 // sizeof(struct inet_diag_msg)
	inetDiagSkV6Only    = 11 // INET_DIAG_SKV6ONLY
	inetDiagReqBytecode = 1  // INET_DIAG_REQ_BYTECODE
	nlmsgHdrLen         = unix.SizeofNlMsghdr
	sockDiagRecvBytes   = 1 << 16
)

// dumpSockDiag asks the kernel for its TCP and UDP sockets, IPv4 and IPv6,
// over NETLINK_SOCK_DIAG (one dump per family and protocol the filter
// wants), and keeps the sockets the filter passes. The kernel applies the
// filter's states and ports itself, as ss does for 'sport = :P'; a kernel
// that refuses the port filter is asked again without it. A dump that
// the kernel marks interrupted (NLM_F_DUMP_INTR: the table changed while
// it was read) is read again, up to three times. It sees the caller's
// network namespace only.
func dumpSockDiag(f Filter) ([]Socket, error) { return dumpSockDiagOn(openSockDiag, f) }

// dumpSockDiagOn is dumpSockDiag on the netlink sockets that open gives:
// a socket opened inside another network namespace dumps that
// namespace's tables.
func dumpSockDiagOn(open func() (int, error), f Filter) ([]Socket, error) {
	bc := portBytecode(f.Ports, f.Peers)
	socks, err := dumpSockDiagWith(open, f, bc)
	if errors.Is(err, unix.EINVAL) && bc != nil {
		socks, err = dumpSockDiagWith(open, f, nil)
	}
	return socks, err
}

// errDumpInterrupted is a dump whose answer had NLM_F_DUMP_INTR set.
var errDumpInterrupted = errors.New("sock_diag dump interrupted by changes to the table")

func openSockDiag() (int, error) {
	return unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
}

func dumpSockDiagWith(open func() (int, error), f Filter, bytecode []byte) ([]Socket, error) {
	fd, err := open()
	if err != nil {
		return nil, fmt.Errorf("open sock_diag: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("bind sock_diag: %w", err)
	}
	buf := make([]byte, sockDiagRecvBytes)
	var socks []Socket
	seq := uint32(0)
	for _, t := range netTables {
		if !f.wants(t.proto, t.family) {
			continue
		}
		family := uint8(unix.AF_INET)
		if t.family == IPv6 {
			family = unix.AF_INET6
		}
		proto := uint8(unix.IPPROTO_TCP)
		if t.proto == services.UDP {
			proto = unix.IPPROTO_UDP
		}
		states := f.stateMask(t.proto)
		if states == 0 {
			continue
		}
		for try := 1; ; try++ {
			seq++
			req := sockDiagRequest(family, proto, states, seq, bytecode)
			if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
				return nil, fmt.Errorf("sock_diag request: %w", err)
			}
			n := len(socks)
			socks, err = receiveSockDiag(fd, buf, seq, t, socks, &f)
			if errors.Is(err, errDumpInterrupted) && try < 3 {
				socks = socks[:n]
				continue
			}
			break
		}
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EAFNOSUPPORT) {
			continue // this family or protocol is not built into the kernel
		}
		if err != nil {
			return nil, fmt.Errorf("sock_diag %s: %w", t.file, err)
		}
	}
	return socks, nil
}

// sockDiagRequest builds a dump request: an nlmsghdr, an inet_diag_req_v2
// asking for sockets in the given states (a bit per state), and a filter
// of inet_diag bytecode when there is one.
func sockDiagRequest(family, proto uint8, states, seq uint32, bytecode []byte) []byte {
	n := nlmsgHdrLen + inetDiagReqV2Len
	if bytecode != nil {
		n += unix.SizeofRtAttr + len(bytecode)
	}
	b := make([]byte, n)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], sockDiagByFamily)
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(b[8:], seq)
	r := b[nlmsgHdrLen:]
	r[0], r[1] = family, proto
	ne.PutUint32(r[4:], states)
	if bytecode != nil {
		a := r[inetDiagReqV2Len:]
		ne.PutUint16(a[0:], uint16(unix.SizeofRtAttr+len(bytecode)))
		ne.PutUint16(a[2:], inetDiagReqBytecode)
		copy(a[unix.SizeofRtAttr:], bytecode)
	}
	return b
}

// inet_diag bytecode operations (linux/inet_diag.h).
const (
	bcJmp = 1 // INET_DIAG_BC_JMP
	bcSGE = 2 // INET_DIAG_BC_S_GE: local port ≥
	bcSLE = 3 // INET_DIAG_BC_S_LE: local port ≤
	bcDGE = 4 // INET_DIAG_BC_D_GE: remote port ≥
	bcDLE = 5 // INET_DIAG_BC_D_LE: remote port ≤
)

// portBytecode compiles "the local port is in one of the ranges, or with
// peers the remote port is" into inet_diag bytecode, or gives nil for no
// filter. Each op is {code u8, yes u8, no u16}: the kernel steps yes bytes
// when the condition holds and no bytes when not, and keeps the socket
// when it steps exactly onto the end (no = remaining + 4 rejects). A
// comparison is followed by a word whose no field holds the port. One
// block per range: ≥ First, ≤ Last, then a jump to the end that accepts;
// a failed comparison goes on to the next block; the last block has no
// jump and rejects on failure.
func portBytecode(ranges []PortRange, peers bool) []byte {
	type cond struct {
		ge, le byte
		r      PortRange
	}
	var conds []cond
	for _, r := range ranges {
		conds = append(conds, cond{bcSGE, bcSLE, r})
	}
	if peers {
		for _, r := range ranges {
			conds = append(conds, cond{bcDGE, bcDLE, r})
		}
	}
	if len(conds) == 0 || len(conds) > 1000 { // jumps must fit in 16 bits
		return nil
	}
	size := 20*len(conds) - 4
	b := make([]byte, 0, size)
	op := func(code, yes byte, no int) {
		b = append(b, code, yes, 0, 0)
		binary.NativeEndian.PutUint16(b[len(b)-2:], uint16(no))
	}
	for i, c := range conds {
		at := len(b)
		next := at + 20 // the next block
		if i == len(conds)-1 {
			next = size + 4 // past the end: reject
		}
		op(c.ge, 8, next-at)
		op(0, 0, int(c.r.First))
		op(c.le, 8, next-(at+8))
		op(0, 0, int(c.r.Last))
		if i < len(conds)-1 {
			op(bcJmp, 4, size-(at+16)) // to the end: accept
		}
	}
	return b
}

// receiveSockDiag reads one dump's answers until NLMSG_DONE.
func receiveSockDiag(fd int, buf []byte, seq uint32, t netTable, socks []Socket, f *Filter) ([]Socket, error) {
	var s Socket // one, not one per message: Match's argument escapes
	interrupted := false
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return socks, err
		}
		done, err := eachNetlinkMessage(buf[:n], seq, func(m netlinkMessage) error {
			interrupted = interrupted || m.flags&unix.NLM_F_DUMP_INTR != 0
			if m.typ != sockDiagByFamily {
				return nil
			}
			if len(m.body) >= inetDiagMsgLen && !f.holds(uint64(binary.NativeEndian.Uint32(m.body[68:]))) {
				return nil // idiag_inode: not a socket of the processes asked about
			}
			var err error
			if s, err = parseInetDiagMsg(m.body, t); err != nil {
				return err
			}
			if f.Match(&s) {
				if len(socks) == cap(socks) {
					// Double: append grows a big slice by a quarter at a time,
					// and a listing's thousands of sockets would be copied
					// five times over.
					socks = slices.Grow(socks, max(len(socks), 4))
				}
				socks = append(socks, s)
			}
			return nil
		})
		switch {
		case err != nil:
			return socks, err
		case done && interrupted:
			return socks, errDumpInterrupted
		case done:
			return socks, nil
		}
	}
}

// netlinkMessage is one message of a netlink answer.
type netlinkMessage struct {
	typ, flags uint16
	body       []byte
}

// eachNetlinkMessage calls fn for each message of sequence seq in b, one
// datagram of a dump's answer, and reports whether the dump is done
// (NLMSG_DONE, or an NLMSG_ERROR, whose errno it returns); fn sees those
// too, for their flags. It never reads
// past b: a message that claims more bytes than b holds is an error.
func eachNetlinkMessage(b []byte, seq uint32, fn func(netlinkMessage) error) (done bool, err error) {
	ne := binary.NativeEndian
	for len(b) >= nlmsgHdrLen {
		l := int(ne.Uint32(b[0:]))
		if l < nlmsgHdrLen || l > len(b) {
			return false, errors.New("truncated netlink message")
		}
		m := netlinkMessage{typ: ne.Uint16(b[4:]), flags: ne.Uint16(b[6:]), body: b[nlmsgHdrLen:l]}
		stale := ne.Uint32(b[8:]) != seq
		b = b[min(nlmAlign(l), len(b)):]
		if stale {
			continue // an answer to an earlier request
		}
		if err := fn(m); err != nil {
			return false, err
		}
		switch m.typ {
		case unix.NLMSG_DONE:
			return true, nil
		case unix.NLMSG_ERROR:
			if len(m.body) >= 4 {
				if errno := int32(ne.Uint32(m.body)); errno < 0 {
					return true, unix.Errno(-errno)
				}
			}
			return true, nil
		}
	}
	return false, nil
}

func nlmAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// parseInetDiagMsg parses a struct inet_diag_msg and its attributes.
func parseInetDiagMsg(m []byte, t netTable) (Socket, error) {
	if len(m) < inetDiagMsgLen {
		return Socket{}, errors.New("short inet_diag_msg")
	}
	ne := binary.NativeEndian
	s := Socket{
		Proto:  t.proto,
		Family: t.family,
		State:  State(m[1]),
		UID:    ne.Uint32(m[64:]),
		Inode:  uint64(ne.Uint32(m[68:])),
	}
	id := m[4:52] // struct inet_diag_sockid
	addrLen := 4
	if t.family == IPv6 {
		addrLen = 16
	}
	src, _ := netip.AddrFromSlice(id[4 : 4+addrLen])
	dst, _ := netip.AddrFromSlice(id[20 : 20+addrLen])
	s.Local = netip.AddrPortFrom(src.Unmap(), binary.BigEndian.Uint16(id[0:]))
	s.Remote = netip.AddrPortFrom(dst.Unmap(), binary.BigEndian.Uint16(id[2:]))
	if s.State == TimeWait || m[2] != 0 && closing(s.State) { // idiag_timer: one is running
		s.Timer = time.Duration(ne.Uint32(m[52:])) * time.Millisecond // idiag_expires
	}
	if s.State == Listen {
		s.ZeroBacklog = ne.Uint32(m[60:]) == 0 // idiag_wqueue: a listener's backlog
	}
	for a := m[inetDiagMsgLen:]; len(a) >= unix.SizeofRtAttr; {
		l := int(ne.Uint16(a[0:]))
		if l < unix.SizeofRtAttr || l > len(a) {
			break
		}
		if ne.Uint16(a[2:]) == inetDiagSkV6Only && l > unix.SizeofRtAttr {
			s.V6Only = a[unix.SizeofRtAttr] != 0
		}
		a = a[min(nlmAlign(l), len(a)):]
	}
	return s, nil
}
