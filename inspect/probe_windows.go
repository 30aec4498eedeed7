//go:build windows

package inspect

import (
	"syscall"

	"github.com/whoport/whoport/services"
)

// probe makes the bind for real and closes the socket at once: it never
// listens. Windows has no SO_REUSEPORT; the flag is ignored.
func probe(b Bind) error {
	family, typ, proto := syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_TCP
	if b.Addr.Is6() {
		family = syscall.AF_INET6
	}
	if b.Proto == services.UDP {
		typ, proto = syscall.SOCK_DGRAM, syscall.IPPROTO_UDP
	}
	fd, err := syscall.Socket(family, typ, proto)
	if err != nil {
		return &BindError{b, err}
	}
	defer syscall.Closesocket(fd)
	if b.ReuseAddr {
		syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	}
	var sa syscall.Sockaddr
	if b.Addr.Is6() {
		v := 0
		if b.V6Only {
			v = 1
		}
		syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, v)
		sa = &syscall.SockaddrInet6{Port: int(b.Port), Addr: b.Addr.As16()}
	} else {
		sa = &syscall.SockaddrInet4{Port: int(b.Port), Addr: b.Addr.As4()}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return &BindError{b, err}
	}
	return nil
}

func errnoName(err error) string { return "" }
