package inspect

import (
	"net/netip"
	"slices"

	"github.com/whoport/whoport/services"
)

// FreePorts picks up to n ports in rng that bindable accepts, outside the
// ephemeral range and the reserved ports: first those IANA has assigned
// to nobody on TCP or UDP, then the others, each in order. Ports below
// cfg.UnprivilegedPortStart are left out unless privileged: whoever asks
// could not bind them.
func FreePorts(reg *services.Registry, cfg NetConfig, rng PortRange, n int, privileged bool, bindable func(uint16) bool) []uint16 {
	var unassigned, assigned []uint16
	for p := int(rng.First); p <= int(rng.Last); p++ {
		port := uint16(p)
		if inRanges([]PortRange{cfg.Ephemeral}, port) || inRanges(cfg.Reserved, port) {
			continue
		}
		if !privileged && port < cfg.UnprivilegedPortStart {
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

// BindableEverywhere is the condition that a server could bind port now on
// TCP and UDP, IPv4 and IPv6: a dual-stack [::] bind, or 0.0.0.0 where the
// host has no IPv6.
func BindableEverywhere(p Prober) func(uint16) bool {
	return func(port uint16) bool {
		for _, proto := range []services.Proto{services.TCP, services.UDP} {
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
