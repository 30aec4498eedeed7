package inspect

import (
	"net/netip"
	"slices"

	"github.com/whoport/whoport/services"
)

// FreePorts picks up to n ports in rng that bindable accepts, among those
// a server can count on (Candidate): first those IANA has assigned to
// nobody on TCP or UDP, then the others, each in order.
func FreePorts(reg *services.Registry, cfg NetConfig, rng PortRange, n int, bindable func(uint16) bool) []uint16 {
	var unassigned, assigned []uint16
	for p := int(rng.First); p <= int(rng.Last); p++ {
		port := uint16(p)
		if Candidate(cfg, port) != "" {
			continue
		}
		if reg.Port(port, services.TCP).Status == services.Unassigned && reg.Port(port, services.UDP).Status == services.Unassigned {
			unassigned = append(unassigned, port)
		} else {
			assigned = append(assigned, port)
		}
	}
	var out []uint16
	for _, p := range slices.Concat(unassigned, assigned) {
		if len(out) == n {
			break
		}
		if bindable(p) {
			out = append(out, p)
		}
	}
	return out
}

// Candidate says why port is no port for a server to count on, or "" when
// it is one: a port below net.ipv4.ip_unprivileged_port_start needs root
// or CAP_NET_BIND_SERVICE, one in the ephemeral range can be taken by an
// outgoing connection first, and a reserved one is set aside.
func Candidate(cfg NetConfig, port uint16) string {
	switch {
	case port < cfg.UnprivilegedPortStart:
		return "privileged"
	case inRanges([]PortRange{cfg.Ephemeral}, port):
		return "ephemeral"
	case inRanges(cfg.Reserved, port):
		return "reserved"
	}
	return ""
}

// BindableEverywhere is the condition that a server could bind port now on
// each of protos (TCP and UDP when none), IPv4 and IPv6: a dual-stack [::]
// bind, or 0.0.0.0 where the host has no IPv6.
func BindableEverywhere(p Prober, protos ...services.Proto) func(uint16) bool {
	if len(protos) == 0 {
		protos = []services.Proto{services.TCP, services.UDP}
	}
	return func(port uint16) bool {
		for _, proto := range protos {
			b := Bind{Proto: proto, Addr: netip.IPv6Unspecified(), Port: port}
			err := p.Probe(b)
			if err != nil && !InUse(err) {
				b.Addr = netip.IPv4Unspecified() // no IPv6 here
				err = p.Probe(b)
			}
			if err != nil {
				return false
			}
		}
		return true
	}
}
