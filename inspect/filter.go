package inspect

import (
	"slices"
	"strings"

	"github.com/whoport/whoport/services"
)

// PortRange is the ports from First to Last, both included.
type PortRange struct{ First, Last uint16 }

// Filter says which sockets Collect returns: every condition that is set
// must hold, and a condition left empty passes everything. It is a
// description, not code, so that each part goes to the cheapest layer
// that can apply it (on Linux: the protocol and family dumps sock_diag is
// asked for, its state mask and port bytecode, and the processes whose
// descriptors are read); Collect checks every part again itself.
type Filter struct {
	Ports     []PortRange      // the local port is in one of them
	Peers     bool             // or, with Ports, the remote port is: clients of the ports
	Protos    []services.Proto // services.TCP, services.UDP
	Families  []Family
	States    []State
	Listening bool // TCP listeners and bound, unconnected UDP sockets only
	Classes   []services.Class
	Exposed   bool // listeners reachable from outside the host only (see Exposed)

	// Conditions on the holders, known once they are found: a socket
	// passes when one of its holders does.
	PIDs     []int32  // held by one of these processes
	UIDs     []uint32 // owned by one of these users, or held by one of their processes
	Commands []string // held by a process whose name or arguments contain one of them, in any case

	// Keep is any further condition on the socket itself, for what the
	// fields above cannot say (a query's addresses).
	Keep func(*Socket) bool

	// NoHolders asks for the socket tables alone: Collect looks for no
	// holder (no descriptor is read), so no socket has Holders or Hidden,
	// and the conditions on holders are not applied. The tables cost
	// milliseconds where the holders cost a walk of every process.
	NoHolders bool
	// Netns chooses the network namespaces: "" or NetnsHost for whoport's
	// own, NetnsAll for every one, else a pid (the namespace it is in) or
	// a name (see Netns.Name; an ip netns name, a container's name or id).
	Netns string
	// OthersListening keeps, in namespaces other than whoport's own, the
	// listening sockets only (TCP listeners, bound UDP sockets): what
	// takes a port there. Their connections would cost a walk of the
	// kernel's whole connection table for each namespace.
	OthersListening bool
	// DNAT asks for the NAT rules of whoport's own namespace that publish
	// the ports (Snapshot.DNAT): a read of nftables, root only.
	DNAT bool

	// held, when not nil, are the only sockets (by inode) worth reading:
	// those the processes of PIDs hold, found before the tables are read.
	held map[uint64]struct{}
}

// Match reports whether the socket itself passes the filter: every
// condition but those on its holders.
func (f *Filter) Match(s *Socket) bool {
	switch {
	case !f.holds(s.Inode):
		return false
	case !f.wants(s.Proto, s.Family):
		return false
	case f.Listening && !s.Listening():
		return false
	case len(f.States) > 0 && !slices.Contains(f.States, s.State):
		return false
	case len(f.Classes) > 0 && !slices.Contains(f.Classes, services.ClassOf(s.Local.Port())):
		return false
	case f.Exposed && !Exposed(s):
		return false
	case len(f.Ports) > 0 && !inRanges(f.Ports, s.Local.Port()) &&
		!(f.Peers && s.Remote.Port() != 0 && inRanges(f.Ports, s.Remote.Port())):
		return false
	}
	return f.Keep == nil || f.Keep(s)
}

// holds reports whether the socket with this inode may be one the named
// processes hold.
func (f *Filter) holds(inode uint64) bool {
	if f.held == nil {
		return true
	}
	_, ok := f.held[inode]
	return ok
}

// MatchHeld reports whether the socket passes the conditions on its
// holders: one of them has a pid and a command asked for, and the socket
// or one of its holders belongs to a user asked for. With NoHolders every
// socket passes.
func (f *Filter) MatchHeld(s *Socket) bool {
	if f.NoHolders {
		return true
	}
	holds := func(ok func(*Process) bool) bool { return slices.ContainsFunc(s.Holders, ok) }
	switch {
	case len(f.PIDs) > 0 && !holds(func(p *Process) bool { return slices.Contains(f.PIDs, p.PID) }):
		return false
	case len(f.Commands) > 0 && !holds(func(p *Process) bool {
		return slices.ContainsFunc(f.Commands, func(c string) bool { return CommandContains(p.Name, p.Cmdline, c) })
	}):
		return false
	case len(f.UIDs) > 0 && !slices.Contains(f.UIDs, s.UID) && !holds(func(p *Process) bool { return slices.Contains(f.UIDs, p.UID) }):
		return false
	}
	return true
}

// wants reports whether sockets of the protocol and family can pass.
func (f *Filter) wants(p services.Proto, fam Family) bool {
	return (len(f.Protos) == 0 || slices.Contains(f.Protos, p)) &&
		(len(f.Families) == 0 || slices.Contains(f.Families, fam))
}

// stateMask gives the states of proto that can pass, a bit per state as
// sock_diag's idiag_states takes them.
func (f *Filter) stateMask(p services.Proto) uint32 {
	mask := ^uint32(0)
	if len(f.States) > 0 {
		mask = 0
		for _, st := range f.States {
			mask |= 1 << st
		}
	}
	if f.Listening || f.Exposed {
		listen := uint32(1 << Listen)
		if p == services.UDP {
			listen = 1 << Close
		}
		mask &= listen
	}
	return mask
}

// CommandContains reports whether a process's name or one of its
// arguments contains text, in any case.
func CommandContains(name string, cmdline []string, text string) bool {
	text = strings.ToLower(text)
	if strings.Contains(strings.ToLower(name), text) {
		return true
	}
	return slices.ContainsFunc(cmdline, func(a string) bool { return strings.Contains(strings.ToLower(a), text) })
}

func inRanges(rs []PortRange, port uint16) bool {
	for _, r := range rs {
		if r.First <= port && port <= r.Last {
			return true
		}
	}
	return false
}
