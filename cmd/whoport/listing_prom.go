package main

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"

	"github.com/whoport/whoport/inspect"
)

// prom writes the listing's listeners in Prometheus's text exposition
// format (version 0.0.4), for node_exporter's textfile collector, so that
// a fleet can be asked which hosts listen where:
//
//	whoport_listeners{proto, family, scope, port, service, process, unit, container}
//	    counts the listening sockets with those labels.
//
// Every label is bounded by what the host runs, never by its traffic:
// scope is loopback, wildcard or specific (never the address itself),
// service the port's first IANA name ("" without one), process the main
// holder's program name ("" when hidden), unit its systemd unit and
// container its container's short id ("" when none). No pid, command line
// or user: they change with every restart. Values are escaped as
// promLabels escapes them. A listing that could not see every holder
// says so in a comment first.
func (p portsReport) prom(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if hidden := countHidden(p.snap.Sockets); hidden > 0 {
		fmt.Fprintf(bw, "# incomplete: %d listening %s hidden; their process, unit and container are \"\"\n",
			hidden, plural(hidden, "socket's holder is", "sockets' holders are"))
	}
	fmt.Fprintln(bw, "# HELP whoport_listeners Listening sockets (TCP LISTEN, bound UDP) by protocol, family, address scope, port, service and holder; the value counts them.")
	fmt.Fprintln(bw, "# TYPE whoport_listeners gauge")
	var order []string
	count := map[string]int{}
	for i := range p.snap.Sockets {
		s := &p.snap.Sockets[i]
		if !s.Listening() {
			continue
		}
		service := ""
		if len(s.Port.Services) > 0 {
			service = s.Port.Services[0].Name
		}
		var process, unit, container string
		if len(s.Holders) > 0 {
			h, _ := inspect.MainHolder(s.Holders)
			process, unit = inspect.ProgramName(h), h.Unit
			if h.Container != nil {
				container = h.Container.ShortID()
			}
		}
		labels := promLabels("proto", string(s.Proto), "family", s.Family.String(), "scope", addressScope(s.Local.Addr()),
			"port", fmt.Sprint(s.Local.Port()), "service", service, "process", process, "unit", unit, "container", container)
		if count[labels] == 0 {
			order = append(order, labels)
		}
		count[labels]++
	}
	for _, labels := range order {
		fmt.Fprintf(bw, "whoport_listeners{%s} %d\n", labels, count[labels])
	}
	return bw.Flush()
}

// addressScope names the kind of address a socket listens on: loopback,
// wildcard (every address) or specific (one address of the host).
func addressScope(a netip.Addr) string {
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified():
		return "wildcard"
	}
	return "specific"
}
