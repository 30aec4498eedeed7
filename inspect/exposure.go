package inspect

import "net/netip"

// Exposed reports whether a listening socket can be reached from outside
// this host: a TCP listener or a bound UDP socket on an address other
// people's packets can arrive at. The wildcards (0.0.0.0, [::]) and any
// other unicast or multicast address are; loopback (127.0.0.0/8, ::1) is
// not, nor an address that only the local link reaches: link-local
// unicast (169.254.0.0/16, fe80::/10) and link-local or interface-local
// multicast (224.0.0.0/24, ff02::/16, ff01::/16). A socket that does not
// listen (a connection, TIME_WAIT) exposes nothing by itself, nor does one
// in another network namespace (a container's 0.0.0.0 is reached through
// its published ports, if any).
func Exposed(s *Socket) bool {
	return s.Listening() && s.InHost() && exposedAddr(s.Local.Addr())
}

// exposedAddr reports whether a socket bound to addr takes packets from
// beyond this host and its local links.
func exposedAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	return addr.IsValid() && !addr.IsLoopback() && !addr.IsLinkLocalUnicast() &&
		!addr.IsLinkLocalMulticast() && !addr.IsInterfaceLocalMulticast()
}
