//go:build !linux

package inspect

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v3/net"
	"github.com/shirou/gopsutil/v3/process"

	"github.com/whoport/whoport/services"
)

// Collect reads the TCP and UDP sockets the filter passes and the
// processes that hold them, through gopsutil's net.Connections. Without
// inodes, sockets with the same addresses and state are folded into one
// with all their holders. With the filter's NoHolders no process is
// described.
func (s System) Collect(ctx context.Context, f Filter) (*Snapshot, error) {
	switch f.Netns { // network namespaces are Linux's: here there is one, the host's
	case "", NetnsHost, NetnsAll:
	default:
		return nil, &ScopeError{Scope: f.Netns}
	}
	conns, err := net.ConnectionsWithContext(ctx, "inet")
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	type key struct {
		proto         services.Proto
		family        Family
		local, remote netip.AddrPort
		state         State
	}
	snap := &Snapshot{Source: "gopsutil"}
	index := make(map[key]int)
	holders := make(map[uint64][]int32)
	hidden := false // gopsutil gives pid 0 when it cannot see the holder
	for _, c := range conns {
		sk, ok := fromConnection(c)
		if !ok || !f.Match(&sk) {
			continue
		}
		k := key{sk.Proto, sk.Family, sk.Local, sk.Remote, sk.State}
		i, seen := index[k]
		if !seen {
			i = len(snap.Sockets)
			index[k] = i
			sk.Inode = uint64(i + 1) // a stand-in, to tie holders to sockets
			snap.Sockets = append(snap.Sockets, sk)
		}
		if f.NoHolders {
			continue
		}
		if c.Pid > 0 {
			holders[uint64(i+1)] = append(holders[uint64(i+1)], c.Pid)
		} else {
			hidden = true
		}
	}
	d := &describer{ctx: ctx, sys: s}
	procs := d.describeAll(pidsOf(holders))
	attach(snap.Sockets, holders, procs, hidden)
	snap.Sockets = slices.DeleteFunc(snap.Sockets, func(sk Socket) bool { return !f.MatchHeld(&sk) })
	reg := s.Registry()
	for i := range snap.Sockets {
		sk := &snap.Sockets[i]
		sk.Inode = 0
		sk.Port = reg.Port(sk.Local.Port(), sk.Proto)
		if len(sk.Holders) > 0 {
			sk.UID, sk.User = sk.Holders[0].UID, sk.Holders[0].User
		}
	}
	sortSockets(snap.Sockets)
	return snap, nil
}

// fromConnection converts one of gopsutil's connections.
func fromConnection(c net.ConnectionStat) (Socket, bool) {
	var sk Socket
	switch c.Type {
	case 1: // SOCK_STREAM
		sk.Proto = services.TCP
	case 2: // SOCK_DGRAM
		sk.Proto = services.UDP
	default:
		return sk, false
	}
	sk.Family = IPv4
	if c.Family == 23 || c.Family == 28 || c.Family == 30 { // AF_INET6 on windows, freebsd, darwin
		sk.Family = IPv6
	}
	sk.Local = fromGopsutilAddr(c.Laddr)
	sk.Remote = fromGopsutilAddr(c.Raddr)
	sk.State = stateOf(sk.Proto, c.Status, sk.Remote)
	return sk, true
}

func fromGopsutilAddr(a net.Addr) netip.AddrPort {
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(a.IP, "["), "]"))
	if err != nil {
		ip = netip.IPv4Unspecified()
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(a.Port))
}

func stateOf(proto services.Proto, status string, remote netip.AddrPort) State {
	for st, name := range tcpStates {
		if name != "" && strings.EqualFold(name, strings.ReplaceAll(status, " ", "_")) {
			return State(st)
		}
	}
	if proto == services.UDP && remote.Port() != 0 {
		return Established
	}
	if proto == services.UDP {
		return Close
	}
	return 0 // shown as UNKNOWN
}

// platformFacts adds the parent and start time through gopsutil.
type platformFacts struct{}

func (platformFacts) fill(d *describer, p *process.Process, out *Process) {
	out.PPID, _ = p.PpidWithContext(d.ctx)
	if ms, err := p.CreateTimeWithContext(d.ctx); err == nil {
		out.Started = time.UnixMilli(ms)
	}
	if out.User == "" { // Windows has no uids
		out.User, _ = p.UsernameWithContext(d.ctx)
	}
}
