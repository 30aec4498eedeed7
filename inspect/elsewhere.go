package inspect

import (
	"fmt"
	"strings"
)

// Codes of the findings Elsewhere gives.
const (
	CodeOtherNetns = "other-netns" // a socket on the port in another network namespace
	CodeDNAT       = "dnat"        // a NAT rule sends the port's traffic elsewhere
)

// Elsewhere finds what is on the bind's port outside whoport's own
// network namespace, which Explain leaves out: sockets in other
// namespaces (a container's server on the same port does not conflict
// with a bind on the host), and NAT rules that send the port's traffic
// to another address (the bind succeeds, but traffic from outside goes
// past it). Its findings never block.
func Elsewhere(b Bind, socks []Socket, rules []DNATRule) []Finding {
	var out []Finding
	for i := range socks {
		s := &socks[i]
		if s.InHost() || s.Proto != b.Proto || s.Local.Port() != b.Port {
			continue
		}
		who := "no process"
		if h, _ := MainHolder(s.Holders); h != nil {
			who = pidAndProgram(h)
		}
		out = append(out, Finding{Code: CodeOtherNetns, Socket: s,
			Message: fmt.Sprintf("%s %s %s is in network namespace %s (held by %s): it does not conflict with a bind on this host.",
				s.Proto, addrPort(s.Local), strings.ToLower(s.State.Name(s.Proto)), s.Netns.Name, who),
		})
	}
	for i := range rules {
		r := &rules[i]
		if !r.Matches(b.Proto, b.Port) {
			continue
		}
		out = append(out, Finding{Code: CodeDNAT,
			Message: fmt.Sprintf("Port %d is published by DNAT to %s (rule in %s, chain %s): a bind on this host succeeds, but traffic from outside goes there, not to the new socket.",
				b.Port, r.Forward(b.Port), r.Table, r.Chain),
			Fix: "unpublish the port (stop or change the container that publishes it), or use another port",
		})
	}
	return out
}
