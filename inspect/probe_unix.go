//go:build unix

package inspect

import (
	"golang.org/x/sys/unix"

	"github.com/whoport/whoport/services"
)

// probe makes the bind for real and closes the socket at once: it never
// listens, so it never accepts a connection. A nil error means the bind
// succeeds now; otherwise the error is a *BindError with the errno.
func probe(b Bind) error {
	family, typ := unix.AF_INET, unix.SOCK_STREAM
	if b.Addr.Is6() {
		family = unix.AF_INET6
	}
	if b.Proto == services.UDP {
		typ = unix.SOCK_DGRAM
	}
	fd, err := unix.Socket(family, typ, 0)
	if err != nil {
		return &BindError{b, err}
	}
	defer unix.Close(fd)
	unix.CloseOnExec(fd)
	set := func(level, opt int, on bool) error {
		v := 0
		if on {
			v = 1
		}
		return unix.SetsockoptInt(fd, level, opt, v)
	}
	if err := set(unix.SOL_SOCKET, unix.SO_REUSEADDR, b.ReuseAddr); err != nil {
		return &BindError{b, err}
	}
	if b.ReusePort {
		if err := set(unix.SOL_SOCKET, unix.SO_REUSEPORT, true); err != nil {
			return &BindError{b, err}
		}
	}
	var sa unix.Sockaddr
	if b.Addr.Is6() {
		if err := set(unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, b.V6Only); err != nil {
			return &BindError{b, err}
		}
		sa = &unix.SockaddrInet6{Port: int(b.Port), Addr: b.Addr.As16()}
	} else {
		sa = &unix.SockaddrInet4{Port: int(b.Port), Addr: b.Addr.As4()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return &BindError{b, err}
	}
	return nil
}

// errnoName gives "EADDRINUSE" for an errno.
func errnoName(err error) string {
	if e, ok := err.(unix.Errno); ok {
		return unix.ErrnoName(e)
	}
	return ""
}
