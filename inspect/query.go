package inspect

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/whoport/whoport/services"
)

// Query names the sockets a user asks about: a port or a range of ports,
// optionally on one protocol and one local address.
type Query struct {
	Text        string         // as the user wrote it
	Proto       services.Proto // "" for TCP and UDP
	Addr        netip.Addr     // the zero Addr for any address
	First, Last uint16
	Service     string // the service name the port was given by, if any
}

// QueryError is a query that could not be understood. Its message says
// what was wrong and what would be right, in one line.
type QueryError struct {
	Text string
	Msg  string
}

func (e *QueryError) Error() string { return e.Msg }

func queryErr(text, format string, args ...any) error {
	return &QueryError{Text: text, Msg: fmt.Sprintf(format, args...)}
}

// ParseQuery parses one query: 8080, :8080, 127.0.0.1:8080, [::1]:8080,
// localhost:8080, 8080/udp, udp:8080, 8000-8100, a service name (ssh,
// http-alt) or any of these with an address or protocol. A service name
// stands for its ports, looked up in reg; it gives one query for each.
func ParseQuery(text string, reg *services.Registry) ([]Query, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, queryErr(text, "empty query: give a port (8080), a range (8000-8100) or a service name (ssh)")
	}
	q := Query{Text: text}
	// Protocol: "udp:53" or "53/udp".
	if p, rest, ok := strings.Cut(s, ":"); ok {
		if proto, known := protoOf(p); known {
			q.Proto, s = proto, rest
		}
	}
	if rest, p, ok := cutLast(s, "/"); ok {
		proto, known := protoOf(p)
		if !known {
			return nil, queryErr(text, "unknown protocol %q in %q: use tcp or udp (53/udp)", p, text)
		}
		if q.Proto != "" && q.Proto != proto {
			return nil, queryErr(text, "%q names two protocols: keep one (%s/%s)", text, plainOr(rest, "PORT"), proto)
		}
		q.Proto, s = proto, rest
	}
	// An address without a port: "[::1]", "127.0.0.1".
	if a, ok := bareAddr(s); ok {
		return nil, queryErr(text, "no port in %q: add one, as in %s", text, netip.AddrPortFrom(a, 8080))
	}
	// Address: "[::1]:8080", "127.0.0.1:8080", ":8080", "*:8080", "localhost:8080",
	// "[fe80::1%eth0]:8080" (the zone is dropped: the kernel's tables have none).
	var addrs []netip.Addr
	if host, port, ok := cutLast(s, ":"); ok && (strings.HasPrefix(host, "[") || !strings.Contains(host, ":")) {
		s = port
		switch h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"); {
		case h == "" || h == "*":
		case strings.EqualFold(h, "localhost"):
			addrs = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
		case isHostname(h):
			if port == "" || strings.Trim(port, "0123456789") != "" {
				port = "PORT" // the example shows what was given only if it is a number
			}
			return nil, queryErr(text, "%q is a host name, and whoport does not resolve names (localhost aside): give an address, as in 127.0.0.1:%s or [::1]:%s", h, port, port)
		default:
			a, err := netip.ParseAddr(h)
			if err != nil || (strings.HasPrefix(host, "[") != a.Is6()) {
				return nil, queryErr(text, "bad address %q in %q: write 127.0.0.1:8080 or [::1]:8080", host, text)
			}
			addrs = []netip.Addr{a.WithZone("").Unmap()}
		}
	} else if strings.Contains(s, ":") {
		return nil, queryErr(text, "bad query %q: put an IPv6 address in brackets, [::1]:8080", text)
	}
	if s == "" {
		return nil, queryErr(text, "no port in %q: add one, as in %s8080", text, plainOr(strings.TrimSpace(text), ":"))
	}
	ranges, service, err := parsePorts(s, text, reg)
	if err != nil {
		return nil, err
	}
	if addrs == nil {
		addrs = []netip.Addr{{}}
	}
	var qs []Query
	for _, r := range ranges {
		for _, a := range addrs {
			q.First, q.Last, q.Addr, q.Service = r[0], r[1], a, service
			qs = append(qs, q)
		}
	}
	return qs, nil
}

// parsePorts parses "8080", "8000-8100" or a service name into port ranges.
func parsePorts(s, text string, reg *services.Registry) (ranges [][2]uint16, service string, err error) {
	if lo, hi, ok := strings.Cut(s, "-"); ok && isNumber(lo) && isNumber(hi) {
		first, err := parsePort(lo, text)
		if err != nil {
			return nil, "", err
		}
		last, err := parsePort(hi, text)
		if err != nil {
			return nil, "", err
		}
		if first > last {
			return nil, "", queryErr(text, "range %s runs backwards: write it low to high, %d-%d", s, last, first)
		}
		return [][2]uint16{{first, last}}, "", nil
	}
	if !strings.HasPrefix(s, "-") && strings.Contains(s, "-") && strings.Trim(s, "0123456789-") == "" {
		return nil, "", queryErr(text, "bad range %q: write it low to high, as 8000-8100", s)
	}
	if isNumber(s) || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		p, err := parsePort(s, text)
		return [][2]uint16{{p, p}}, "", err
	}
	regs := reg.ByName(s)
	if len(regs) == 0 {
		msg := fmt.Sprintf("unknown service %q: give a port (1-65535) or an IANA service name such as ssh or http", s)
		if sug := reg.Suggest(s, 3); len(sug) > 0 {
			msg = fmt.Sprintf("unknown service %q (did you mean %s?)", s, strings.Join(sug, ", "))
		}
		return nil, "", queryErr(text, "%s", msg)
	}
	for _, r := range regs {
		rg := [2]uint16{r.First, r.Last}
		if !containsRange(ranges, rg) {
			ranges = append(ranges, rg)
		}
	}
	return ranges, strings.ToLower(s), nil
}

// parsePort parses one port number, 1 to 65535.
func parsePort(s, text string) (uint16, error) {
	if !isNumber(s) {
		return 0, queryErr(text, "invalid port %q: ports are numbers from 1 to 65535", s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	switch {
	case err != nil || n > 65535:
		return 0, queryErr(text, "port %s is out of range: ports are 1 to 65535", s)
	case n == 0:
		return 0, queryErr(text, "%s; give a port from 1 to 65535", services.PortZero)
	}
	return uint16(n), nil
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func protoOf(s string) (services.Proto, bool) {
	switch p := services.Proto(strings.ToLower(s)); p {
	case services.TCP, services.UDP, services.SCTP, services.DCCP:
		return p, true
	}
	return "", false
}

// bareAddr reads s as an address alone, without a port: 127.0.0.1 or
// [::1].
func bareAddr(s string) (netip.Addr, bool) {
	if b, ok := strings.CutPrefix(s, "["); ok {
		if !strings.HasSuffix(b, "]") {
			return netip.Addr{}, false
		}
		s = strings.TrimSuffix(b, "]")
	} else if strings.Contains(s, ":") {
		return netip.Addr{}, false // host:port, or IPv6 that wants brackets
	}
	a, err := netip.ParseAddr(s)
	return a, err == nil
}

// isHostname reports whether s looks like a host name rather than an
// address: letters, digits, dots and dashes, with a letter somewhere.
func isHostname(s string) bool {
	letter := false
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '.', c == '-':
		default:
			return false
		}
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return false
	}
	return letter
}

// cutLast slices s around the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

func containsRange(rs [][2]uint16, r [2]uint16) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// Match reports whether the socket is one the query names: its local port
// is in the query's range, or, with clients, its remote port is (a client
// connected to the port). A query for one address also matches a wildcard
// socket that covers it: 0.0.0.0 covers every IPv4 address, and [::]
// every IPv6 address and, unless the socket is IPV6_V6ONLY, IPv4 too.
func (q Query) Match(s *Socket, clients bool) bool {
	if q.Proto != "" && q.Proto != s.Proto {
		return false
	}
	if q.inRange(s.Local.Port()) && (!q.Addr.IsValid() || covers(s, q.Addr)) {
		return true
	}
	return clients && !s.Listening() && s.Remote.Port() != 0 && q.inRange(s.Remote.Port()) &&
		(!q.Addr.IsValid() || q.Addr == s.Remote.Addr())
}

func (q Query) inRange(port uint16) bool { return q.First <= port && port <= q.Last }

// covers reports whether the socket's local address takes addr: the same
// address, or a wildcard over it. A wildcard addr (0.0.0.0 or ::) asks
// which sockets a wildcard bind would meet.
func covers(s *Socket, addr netip.Addr) bool {
	local := s.Local.Addr()
	dualStack := local == netip.IPv6Unspecified() && !s.V6Only
	switch {
	case local == addr:
		return true
	case addr == netip.IPv6Unspecified():
		return true
	case addr == netip.IPv4Unspecified():
		return local.Is4() || dualStack
	case local == netip.IPv4Unspecified():
		return addr.Is4()
	case local == netip.IPv6Unspecified():
		return addr.Is6() || dualStack
	}
	return false
}

// Matcher returns the filter for Collect that accepts the sockets any of
// the queries match: their ports (merged) go to the kernel, and when every
// query names its protocol, only those protocols are dumped.
func Matcher(qs []Query, clients bool) Filter {
	set := NewQuerySet(qs)
	f := Filter{Peers: clients, Ports: set.Ports(), Keep: func(s *Socket) bool { return set.Match(s, clients) }}
	protos := map[services.Proto]bool{}
	for _, q := range qs {
		protos[q.Proto] = true
	}
	if !protos[""] { // every query names its protocol: dump only those
		for _, p := range []services.Proto{services.TCP, services.UDP} {
			if protos[p] {
				f.Protos = append(f.Protos, p)
			}
		}
	}
	return f
}

// plainOr returns s if it is all printable ASCII without spaces, as a
// hint may repeat it, else alt: a hint stays one line, whatever was typed.
func plainOr(s, alt string) string {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return alt
		}
	}
	return s
}
