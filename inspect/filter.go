package inspect

// PortRange is the ports from First to Last, both included.
type PortRange struct{ First, Last uint16 }

// Filter chooses the sockets Collect returns: every condition that is set
// must hold. Ports and Listening also go to the kernel where it takes
// them (sock_diag), so that it skips the other sockets while dumping its
// tables; Keep is ours alone.
type Filter struct {
	Ports     []PortRange        // the local port is in one of them; none for any port
	Peers     bool               // or, with Ports, the remote port is: clients of the ports
	Listening bool               // TCP listeners and bound, unconnected UDP sockets only
	Keep      func(*Socket) bool // any further condition
}

// Match reports whether the socket passes the filter.
func (f *Filter) Match(s *Socket) bool {
	if f.Listening && !s.Listening() {
		return false
	}
	if len(f.Ports) > 0 && !inRanges(f.Ports, s.Local.Port()) &&
		!(f.Peers && s.Remote.Port() != 0 && inRanges(f.Ports, s.Remote.Port())) {
		return false
	}
	return f.Keep == nil || f.Keep(s)
}

func inRanges(rs []PortRange, port uint16) bool {
	for _, r := range rs {
		if r.First <= port && port <= r.Last {
			return true
		}
	}
	return false
}
