package inspect

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/whoport/whoport/services"
)

// Bind is a bind a server is about to make: what whoport why explains and
// probes.
type Bind struct {
	Proto     services.Proto // TCP or UDP
	Addr      netip.Addr     // 0.0.0.0 or :: for the wildcard
	Port      uint16
	V6Only    bool // IPV6_V6ONLY on an IPv6 socket; without it [::] takes IPv4 too
	ReuseAddr bool // SO_REUSEADDR
	ReusePort bool // SO_REUSEPORT
	// Who binds: the effective uid, and whether it may bind ports below
	// net.ipv4.ip_unprivileged_port_start (root or CAP_NET_BIND_SERVICE).
	UID        uint32
	Privileged bool
}

// String writes the bind as "0.0.0.0:8080/tcp" or "[::]:8080/tcp".
func (b Bind) String() string {
	return netip.AddrPortFrom(b.Addr, b.Port).String() + "/" + string(b.Proto)
}

// Finding is one reason a bind fails or may fail, with its fix.
type Finding struct {
	// Code names the rule, and stays the same from release to release:
	// same-address, wildcard-holder, specific-holder, dual-stack,
	// time-wait, reuseport, privileged-port, ephemeral-range,
	// reserved-port, which-localhost.
	Code     string
	Blocking bool    // the rule makes this bind fail; otherwise it is a warning
	Socket   *Socket // the socket the rule is about, if any
	Message  string  // one plain sentence
	Fix      string  // what to do: the pid to stop, the flag to set, the port to use
}

// Finding codes.
const (
	CodeSameAddress    = "same-address"
	CodeWildcardHolder = "wildcard-holder"
	CodeSpecificHolder = "specific-holder"
	CodeDualStack      = "dual-stack"
	CodeTimeWait       = "time-wait"
	CodeReusePort      = "reuseport"
	CodePrivileged     = "privileged-port"
	CodeEphemeral      = "ephemeral-range"
	CodeReserved       = "reserved-port"
	CodeWhichLocalhost = "which-localhost"
)

// Explain finds every reason in the socket table and the kernel's
// configuration why bind b fails or may fail, blocking ones first. It
// follows Linux's rules (inet_csk_bind_conflict): a socket on the same
// port and protocol conflicts when their addresses overlap, unless both
// set SO_REUSEADDR and the old one is not listening, or both set
// SO_REUSEPORT under the same user. The socket table does not say which
// options the old socket set, so those cases are explained, not decided:
// the probe decides.
func Explain(b Bind, socks []Socket, cfg NetConfig) []Finding {
	var out []Finding
	var conns []*Socket // TCP connections on the port, told with their server
	for i := range socks {
		s := &socks[i]
		if s.Proto != b.Proto || s.Local.Port() != b.Port {
			continue
		}
		if !overlaps(b, s) {
			if f, ok := unknownDualStack(b, s); ok {
				out = append(out, f)
			}
			continue
		}
		if s.Proto == services.TCP && s.State != TimeWait && s.Remote.Port() != 0 {
			conns = append(conns, s)
			continue
		}
		if f, ok := conflict(b, s); ok {
			out = append(out, f)
		}
	}
	out = append(out, connections(b, out, conns)...)
	if b.Port < cfg.UnprivilegedPortStart && !b.Privileged {
		out = append(out, Finding{
			Code: CodePrivileged, Blocking: true,
			Message: fmt.Sprintf("Port %d is below net.ipv4.ip_unprivileged_port_start (%d): only root or a program with CAP_NET_BIND_SERVICE may bind it.", b.Port, cfg.UnprivilegedPortStart),
			Fix:     fmt.Sprintf("run the server as root, give it the capability (setcap cap_net_bind_service=+ep BINARY, or AmbientCapabilities=CAP_NET_BIND_SERVICE in its unit), or use a port from %d up", cfg.UnprivilegedPortStart),
		})
	}
	if cfg.Ephemeral.First <= b.Port && b.Port <= cfg.Ephemeral.Last && !InRanges(cfg.Reserved, b.Port) {
		out = append(out, Finding{
			Code:    CodeEphemeral,
			Message: fmt.Sprintf("Port %d is in net.ipv4.ip_local_port_range (%d-%d): the kernel may give it to an outgoing connection, and then the bind fails.", b.Port, cfg.Ephemeral.First, cfg.Ephemeral.Last),
			Fix:     fmt.Sprintf("use a port outside %d-%d (whoport free), or add %d to net.ipv4.ip_local_reserved_ports", cfg.Ephemeral.First, cfg.Ephemeral.Last, b.Port),
		})
	}
	if InRanges(cfg.Reserved, b.Port) {
		out = append(out, Finding{
			Code:    CodeReserved,
			Message: fmt.Sprintf("Port %d is in net.ipv4.ip_local_reserved_ports: the kernel will not hand it out by itself, and an explicit bind still works.", b.Port),
		})
	}
	out = append(out, whichLocalhost(b, socks, cfg.Localhost)...)
	slices.SortStableFunc(out, func(x, y Finding) int { return boolInt(y.Blocking) - boolInt(x.Blocking) })
	return out
}

// CodeConnections names TCP connections on the port whose server no
// longer listens: they keep the port until they close.
const CodeConnections = "connections"

// connections tells the TCP connections on the port: with the listening
// socket of the same holder, as a count on its finding ("and 3
// connections it accepted"), else one finding for each holder's
// connections.
func connections(b Bind, found []Finding, conns []*Socket) []Finding {
	var rest []*Socket
	accepted := make([]int, len(found)) // connections told with found[i]
	for _, c := range conns {
		i := slices.IndexFunc(found, func(f Finding) bool {
			return f.Socket != nil && f.Socket.Listening() && sharesHolder(f.Socket, c)
		})
		if i < 0 {
			rest = append(rest, c)
			continue
		}
		accepted[i]++
	}
	for i, n := range accepted {
		if n > 0 {
			found[i].Message = strings.TrimSuffix(found[i].Message, ".") + fmt.Sprintf(", and %d %s it accepted.", n, plural(n, "connection", "connections"))
		}
	}
	var out []Finding
	for len(rest) > 0 {
		first := rest[0]
		var group []*Socket
		rest = slices.DeleteFunc(rest, func(c *Socket) bool {
			if samePIDs(c, first) {
				group = append(group, c)
				return true
			}
			return false
		})
		f := Finding{Code: CodeConnections, Blocking: !b.ReuseAddr, Socket: first}
		f.Message = fmt.Sprintf("%s %s %d TCP %s on port %d (%s ⇄ %s%s) and nothing listens there: they keep the port until they close.",
			holderWords(first), holdVerb(first), len(group), plural(len(group), "connection", "connections"), b.Port,
			addrPort(first.Local), addrPort(first.Remote), map[bool]string{true: ", …", false: ""}[len(group) > 1])
		if b.ReuseAddr {
			f.Message = strings.TrimSuffix(f.Message, ".") + "; with SO_REUSEADDR the bind succeeds if they set it too."
		}
		f.Fix = stopFix(b, first) + ", or set SO_REUSEADDR (--reuseaddr to try)"
		out = append(out, f)
	}
	return out
}

func sharesHolder(a, b *Socket) bool {
	return slices.ContainsFunc(a.Holders, func(p *Process) bool {
		return slices.ContainsFunc(b.Holders, func(q *Process) bool { return p.PID == q.PID })
	})
}

func holdVerb(s *Socket) string {
	if len(s.Holders) > 1 {
		return "hold"
	}
	return "holds"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Reconcile makes the findings agree with what the kernel answered to the
// probe (probe is its error, nil when the bind succeeded). Where the bind
// succeeded, nothing blocks it, and a conflict the socket table could not
// decide (both set SO_REUSEADDR or SO_REUSEPORT, a [::] socket whose
// IPV6_V6ONLY is unknown) was settled in its favour. Where it failed with
// EADDRINUSE, such a conflict was settled against it, and blocks. b is
// the bind that was explained and probed.
func Reconcile(b Bind, fs []Finding, probe error) []Finding {
	for i := range fs {
		f := &fs[i]
		if f.Socket == nil || f.Code == CodeWhichLocalhost {
			continue
		}
		unknown := f.Code == CodeDualStack && f.Socket.V6OnlyUnknown
		switch {
		case unknown && probe == nil:
			f.Message = strings.TrimSuffix(f.Message, ".") + "; the bind succeeded, so it is v6-only."
			f.Fix = ""
		case unknown && InUse(probe):
			f.Blocking = true
			f.Message = strings.TrimSuffix(f.Message, ".") + "; the bind failed, so it is dual-stack."
			f.Fix = stopFix(b, f.Socket) + ", or keep the families apart with IPV6_V6ONLY"
		case probe == nil && f.Blocking:
			f.Blocking = false
			f.Message = strings.TrimSuffix(f.Message, ".") + "; yet the bind succeeded: the kernel let them share the port."
			f.Fix = ""
		case probe == nil:
			f.Message = strings.TrimSuffix(f.Message, ".") + " The bind succeeded, so it did."
			f.Fix = ""
		case InUse(probe) && !f.Blocking && f.Code != CodeTimeWait:
			f.Blocking = true
			f.Message = strings.TrimSuffix(f.Message, ".") + " The bind failed, so it did not."
		case InUse(probe) && !f.Blocking:
			f.Blocking = true
			f.Message = strings.TrimSuffix(f.Message, ".") + " The bind failed, so the old socket did not set SO_REUSEADDR."
		}
	}
	slices.SortStableFunc(fs, func(x, y Finding) int { return boolInt(y.Blocking) - boolInt(x.Blocking) })
	return fs
}

// coverage is the addresses a bind or socket takes on its port.
type coverage struct {
	all4, all6 bool
	addr       netip.Addr // a specific address, IPv4 unmapped
}

func (c coverage) overlaps(d coverage) bool {
	switch {
	case c.all4 && (d.all4 || d.addr.Is4()):
		return true
	case c.all6 && (d.all6 || d.addr.Is6()):
		return true
	case d.all4 && c.addr.Is4(), d.all6 && c.addr.Is6():
		return true
	}
	return c.addr.IsValid() && c.addr == d.addr
}

// coverOf gives what an address takes: 0.0.0.0 every IPv4 address, ::
// every IPv6 address and, unless v6only, every IPv4 address too.
func coverOf(a netip.Addr, v6only bool) coverage {
	switch {
	case a == netip.IPv4Unspecified():
		return coverage{all4: true}
	case a == netip.IPv6Unspecified():
		return coverage{all4: !v6only, all6: true}
	}
	return coverage{addr: a.Unmap()}
}

// overlaps reports whether the bind and the socket take a common address.
// A socket whose IPV6_V6ONLY is not known is taken to be v6-only: no
// conclusion is drawn from a value that was not read.
func overlaps(b Bind, s *Socket) bool {
	return coverOf(b.Addr, b.V6Only).overlaps(coverOf(s.Local.Addr(), s.V6Only || s.V6OnlyUnknown))
}

// unknownDualStack is the warning for a socket that overlaps the bind only
// if it is dual-stack, when the table did not say whether it is.
func unknownDualStack(b Bind, s *Socket) (Finding, bool) {
	if !s.V6OnlyUnknown || !coverOf(b.Addr, b.V6Only).overlaps(coverOf(s.Local.Addr(), false)) {
		return Finding{}, false
	}
	return Finding{
		Code: CodeDualStack, Socket: s,
		Message: fmt.Sprintf("%s holds %s; if it is dual-stack (IPV6_V6ONLY off) it also takes IPv4 and conflicts with %s, but /proc/net does not say whether it is.",
			holderWords(s), addrPort(s.Local), netip.AddrPortFrom(b.Addr, b.Port)),
		Fix: "the probe decides: where the bind succeeds, that socket is v6-only",
	}, true
}

// conflict explains one socket whose address overlaps the bind's.
func conflict(b Bind, s *Socket) (Finding, bool) {
	f := Finding{Socket: s, Blocking: true}
	holder := holderWords(s)
	switch {
	case s.State == TimeWait:
		left := ""
		if s.Timer > 0 {
			left = fmt.Sprintf(" for %s more", s.Timer.Round(time.Second))
		}
		f.Code = CodeTimeWait
		f.Blocking = !b.ReuseAddr
		f.Message = fmt.Sprintf("A closed connection %s ⇄ %s stays in TIME_WAIT%s; no process holds it, and it blocks the port unless both the old and the new socket set SO_REUSEADDR.",
			addrPort(s.Local), addrPort(s.Remote), left)
		f.Fix = "set SO_REUSEADDR on the server's socket (--reuseaddr to try: it is enough when the old server set it too, as most do), or wait" + left
		if b.ReuseAddr {
			f.Message = fmt.Sprintf("A closed connection %s ⇄ %s stays in TIME_WAIT%s; with SO_REUSEADDR the bind succeeds if the old socket set it too.",
				addrPort(s.Local), addrPort(s.Remote), left)
			f.Fix = "if the bind still fails, the old server did not set SO_REUSEADDR: wait" + left
		}
		return f, true
	}
	local := s.Local.Addr()
	switch {
	case b.ReusePort:
		f.Code = CodeReusePort
		who := "its owner"
		if s.UID != b.UID {
			who = fmt.Sprintf("its owner is %s and the bind would be uid %d: SO_REUSEPORT needs the same user", ownerWords(s), b.UID)
		} else {
			who = "if the bind fails, it did not set SO_REUSEPORT"
		}
		f.Message = fmt.Sprintf("%s holds %s; SO_REUSEPORT lets several sockets share a port only when every one of them set it, under the same user: %s.", holder, addrPort(s.Local), who)
		f.Fix = stopFix(b, s) + ", or set SO_REUSEPORT in the holder too and run both as the same user"
	case crossFamily(b, s):
		f.Code = CodeDualStack
		f.Message = fmt.Sprintf("%s holds %s; an IPv6 socket on [::] also takes IPv4 unless it sets IPV6_V6ONLY (a dual-stack socket; net.ipv6.bindv6only=1 makes V6ONLY the default), so %s and %s overlap.",
			holder, addrPort(s.Local), addrPort(s.Local), netip.AddrPortFrom(b.Addr, b.Port))
		if b.Addr.Is6() {
			f.Fix = stopFix(b, s) + ", or keep the families apart: set IPV6_V6ONLY on your IPv6 socket (--v6only to try)"
		} else {
			f.Fix = stopFix(b, s) + ", or have the holder set IPV6_V6ONLY so that its [::] leaves IPv4 alone"
		}
	case local == b.Addr.Unmap():
		f.Code = CodeSameAddress
		f.Message = fmt.Sprintf("%s holds %s, the very address and port.", holder, addrPort(s.Local))
		f.Fix = stopFix(b, s) + ", or use another port (whoport free)"
	case local.IsUnspecified():
		f.Code = CodeWildcardHolder
		f.Message = fmt.Sprintf("%s holds %s, the wildcard, which takes every address on port %d, %s included.", holder, addrPort(s.Local), b.Port, addrWords(b.Addr))
		f.Fix = stopFix(b, s) + ", or have it bind only the addresses it serves, or use another port (whoport free)"
	default:
		f.Code = CodeSpecificHolder
		f.Message = fmt.Sprintf("%s holds %s; a bind to the wildcard %s would take every address, %s included.", holder, addrPort(s.Local), addrWords(b.Addr), addrWords(local))
		f.Fix = stopFix(b, s) + fmt.Sprintf(", or bind a specific address the holder does not use (such as %s), or use another port (whoport free)", otherAddr(local, b.Port))
	}
	// SO_REUSEADDR on both sockets lets a TCP bind share the port with a
	// socket that is not listening, and a UDP bind with any.
	if b.ReuseAddr && (s.Proto == services.UDP || !s.Listening()) {
		f.Blocking = false
		f.Message = strings.TrimSuffix(f.Message, ".") + "; with SO_REUSEADDR the bind succeeds if that socket set it too."
	}
	return f, true
}

// crossFamily reports whether the bind and the socket overlap only
// through a dual-stack IPv6 wildcard.
func crossFamily(b Bind, s *Socket) bool {
	sockV6 := s.Local.Addr().Is6()
	bindV6 := b.Addr.Is6()
	return sockV6 != bindV6
}

// whichLocalhost warns when 127.0.0.1 and ::1 on the port lead to
// different processes: a client of "localhost" tries ::1 first (RFC 6724
// prefers it), and reaches whoever holds that. Where localhost stands for
// one address only (localhost, from /etc/hosts; nil for both), its
// clients reach one server and there is nothing to warn of.
func whichLocalhost(b Bind, socks []Socket, localhost []netip.Addr) []Finding {
	if localhost != nil && !(slices.Contains(localhost, netip.AddrFrom4([4]byte{127, 0, 0, 1})) && slices.Contains(localhost, netip.IPv6Loopback())) {
		return nil
	}
	var v4, v6 *Socket
	for i := range socks {
		s := &socks[i]
		if s.Proto != b.Proto || s.Local.Port() != b.Port || !s.Listening() {
			continue
		}
		a := s.Local.Addr()
		switch {
		case a.Is4() && (a.IsLoopback() || a.IsUnspecified()) && s.Family == IPv4:
			v4 = s
		case a == netip.IPv6Loopback() || (a.IsUnspecified() && a.Is6()):
			v6 = s
		}
	}
	if v4 == nil || v6 == nil || samePIDs(v4, v6) {
		return nil
	}
	return []Finding{{
		Code: CodeWhichLocalhost, Socket: v6,
		Message: fmt.Sprintf("localhost:%d means two servers: %s holds %s and %s holds %s; a client of localhost tries ::1 first, and reaches the second.",
			b.Port, holderWords(v4), addrPort(v4.Local), holderWords(v6), addrPort(v6.Local)),
		Fix: "stop one of them, or point clients at 127.0.0.1 or [::1] explicitly",
	}}
}

func samePIDs(a, b *Socket) bool {
	return slices.EqualFunc(a.Holders, b.Holders, func(x, y *Process) bool { return x.PID == y.PID })
}

// holderWords names the holders of a socket: "pid 812 (nginx)", "pids 812
// and 813 (nginx)", or the owner when they are hidden.
func holderWords(s *Socket) string {
	switch len(s.Holders) {
	case 0:
		if s.Hidden {
			return "A process of " + ownerWords(s) + " (hidden: run as root to see it)"
		}
		return "A socket of " + ownerWords(s) + " with no process"
	case 1:
		return fmt.Sprintf("pid %d (%s)", s.Holders[0].PID, s.Holders[0].Name)
	}
	pids := make([]string, len(s.Holders))
	for i, h := range s.Holders {
		pids[i] = fmt.Sprint(h.PID)
	}
	return fmt.Sprintf("pids %s (%s)", strings.Join(pids, ", "), s.Holders[0].Name)
}

func ownerWords(s *Socket) string {
	if s.User != "" {
		return fmt.Sprintf("%s (uid %d)", s.User, s.UID)
	}
	return fmt.Sprintf("uid %d", s.UID)
}

// stopFix says which processes to stop, with the whoport kill command
// that signals exactly those: their pids on the port and protocol.
func stopFix(b Bind, s *Socket) string {
	switch {
	case len(s.Holders) == 0 && s.Hidden && b.UID == 0:
		return "find its holder: even root cannot read it here (a sandbox or security module)"
	case len(s.Holders) == 0 && s.Hidden:
		return "find and stop its holder (run as root to see it)"
	case len(s.Holders) == 0:
		return "no process holds it, so there is none to stop: the kernel closes it by itself when its timer runs out (an orphaned connection), or it is the kernel's own"
	}
	pids := make([]string, len(s.Holders))
	for i, h := range s.Holders {
		pids[i] = fmt.Sprint(h.PID)
	}
	return fmt.Sprintf("stop %s with whoport kill -p %s %d/%s", strings.ToLower(holderWords(s)[:1])+holderWords(s)[1:], strings.Join(pids, ","), s.Local.Port(), s.Proto)
}

// otherAddr suggests another address of the same family: 127.0.0.2 for a
// loopback holder, and the loopback for others.
func otherAddr(a netip.Addr, port uint16) string {
	switch {
	case a == netip.AddrFrom4([4]byte{127, 0, 0, 1}):
		return fmt.Sprintf("127.0.0.2:%d", port)
	case a.Is4():
		return fmt.Sprintf("127.0.0.1:%d", port)
	case a == netip.IPv6Loopback():
		return fmt.Sprintf("a global IPv6 address, port %d", port)
	}
	return fmt.Sprintf("[::1]:%d", port)
}

// addrWords writes an address as it is written with a port: [::1].
func addrWords(a netip.Addr) string {
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

func addrPort(ap netip.AddrPort) string {
	if ap.Addr().Is6() {
		return "[" + ap.Addr().String() + "]:" + fmt.Sprint(ap.Port())
	}
	return ap.String()
}
