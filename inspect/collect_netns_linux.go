package inspect

import (
	"net/netip"
	"slices"
	"strconv"
	"sync"

	"github.com/whoport/whoport/services"
)

// planNetns finds the network namespaces the filter's scope names and
// records them in the snapshot: host is whoport's own when it is among
// them, others the rest.
func (s System) planNetns(snap *Snapshot, scope string) (found netnsFound, host *Netns, others []*Netns, err error) {
	found, err = s.findNetns(scope != "" && scope != NetnsHost)
	if err != nil {
		return found, nil, nil, err
	}
	nss, err := s.scope(found, scope)
	if err != nil {
		return found, nil, nil, err
	}
	snap.Namespaces = nss
	snap.NetnsUnknown = found.unknown
	for _, n := range nss {
		if n.Host {
			host = n
		} else {
			others = append(others, n)
		}
	}
	return found, host, others, nil
}

// annotate says, once holders are attached, who has the sockets no
// process holds (the kernel, with the device where one owns the socket;
// nobody, for orphans), where published ports go, and which NAT rules of
// whoport's own namespace send the filter's ports elsewhere.
func (s System) annotate(snap *Snapshot, f Filter, found netnsFound, someUnreadable bool, dnat <-chan dnatRead) {
	markHolderless(snap.Sockets, someUnreadable)
	if s.live {
		s.nameKernelSockets(snap.Sockets)
	}
	if found.names == nil {
		found.names = &containerNames{sys: s}
	}
	for i := range snap.Sockets {
		for _, h := range snap.Sockets[i].Holders {
			if c := h.Container; c != nil && c.Name == "" {
				c.Name = found.names.of(c)
			}
		}
	}
	hostIn := slices.ContainsFunc(snap.Namespaces, func(n *Netns) bool { return n.Host })
	if f.DNAT && hostIn && s.live && !f.aboutHolders() {
		if dnat == nil { // a scope that named whoport's own namespace
			dnat = s.startDNAT(f, true)
		}
		d := <-dnat
		if d.err != nil {
			snap.DNATSkipped = dnatSkipped(d.err)
		}
		for _, r := range d.rules {
			if f.wantsDNAT(r) {
				snap.DNAT = append(snap.DNAT, r)
			}
		}
	}
	if !s.needsWhere(snap) {
		return
	}
	if !found.searched {
		found, _ = s.findNetns(true)
	}
	w := &netnsWhere{sys: s, found: found}
	markForwards(snap.Sockets, snap.DNAT, w)
}

// aboutHolders reports whether the filter has conditions on holders, which
// a NAT rule, having none, cannot meet.
func (f *Filter) aboutHolders() bool {
	return len(f.PIDs) > 0 || len(f.UIDs) > 0 || len(f.Commands) > 0
}

// hasOwn reports whether scope includes whoport's own namespace whatever
// namespaces are found: "", "host" and "all" do (a name or a pid may too,
// once resolved).
func hasOwn(scope string) bool { return scope == "" || scope == NetnsHost || scope == NetnsAll }

// dnatRead is what reading the NAT rules gave.
type dnatRead struct {
	rules []DNATRule
	err   error
}

// startDNAT reads the NAT rules of whoport's own namespace in the
// background, while the tables and the holders are read, when annotate
// will want them: for a scope with that namespace in it (or, with
// hostIn, one found to have it). It gives nil when it will not.
func (s System) startDNAT(f Filter, hostIn bool) <-chan dnatRead {
	if !f.DNAT || !s.live || !(hostIn || hasOwn(f.Netns)) || f.aboutHolders() {
		return nil
	}
	ch := make(chan dnatRead, 1)
	go func() {
		var addrs []netip.Addr
		var once sync.Once
		local := func(a netip.Addr) bool {
			if a.IsLoopback() {
				return true
			}
			// thread-self: another goroutine's locked thread may be in
			// another namespace (netlinkIn), and it may be the first.
			once.Do(func() { addrs = netnsAddrs(s.proc, "thread-self") })
			return slices.Contains(addrs, a)
		}
		rules, err := readDNAT(local)
		ch <- dnatRead{rules, err}
	}()
	return ch
}

// needsWhere reports whether a published port or a NAT rule needs the
// namespaces' addresses to say where it goes.
func (s System) needsWhere(snap *Snapshot) bool {
	if len(snap.DNAT) > 0 {
		return true
	}
	for i := range snap.Sockets {
		for _, h := range snap.Sockets[i].Holders {
			if forwardOf(h, &snap.Sockets[i]) != nil {
				return true
			}
		}
	}
	return false
}

// netnsWhere finds the namespace an address or a path belongs to,
// reading each namespace's addresses once.
type netnsWhere struct {
	sys   System
	found netnsFound
	addrs map[*Netns][]netip.Addr
}

func (w *netnsWhere) of(a netip.Addr) *Netns {
	if w.addrs == nil {
		w.addrs = map[*Netns][]netip.Addr{}
		for _, n := range w.found.others {
			if n.PID != 0 {
				w.addrs[n] = netnsAddrs(w.sys.proc, strconv.Itoa(int(n.PID)))
			}
		}
	}
	for _, n := range w.found.others {
		if slices.Contains(w.addrs[n], a) {
			return n
		}
	}
	return nil
}

func (w *netnsWhere) byContainer(id string) *Netns {
	for _, n := range w.found.others {
		if n.Container != nil && n.Container.ID == id {
			return n
		}
	}
	return nil
}

func (w *netnsWhere) byPath(p string) *Netns {
	if pid, err := strconv.Atoi(p); err == nil { // pasta also takes a pid
		p = w.sys.proc + "/" + strconv.Itoa(pid) + "/ns/net"
	}
	ino, err := netnsFile(p)
	if err != nil {
		return nil
	}
	for _, n := range w.found.others {
		if n.Inode == ino {
			return n
		}
	}
	n := &Netns{Inode: ino, Path: p}
	n.Name = n.name()
	return n
}

// nameKernelSockets names the device behind each UDP socket no process
// was found to hold, from the tunnel devices of its namespace.
func (s System) nameKernelSockets(socks []Socket) {
	tunnels := map[*Netns][]Tunnel{}
	for i := range socks {
		sk := &socks[i]
		if !holderlessUDP(sk) {
			continue
		}
		if _, done := tunnels[sk.Netns]; done {
			continue
		}
		handle := ""
		if n := sk.Netns; n != nil && !n.Host {
			handle = s.netnsHandle(n)
		}
		ts, _ := tunnelsIn(handle)
		tunnels[sk.Netns] = ts
	}
	nameKernelSockets(socks, tunnels)
}

// wantsDNAT reports whether a NAT rule is about the sockets the filter
// asks for: a port it asks for, a protocol it asks for.
func (f *Filter) wantsDNAT(r DNATRule) bool {
	return (len(f.Ports) == 0 || slices.ContainsFunc(f.Ports, func(p PortRange) bool { return p.First <= r.Ports.Last && r.Ports.First <= p.Last })) &&
		(len(f.Protos) == 0 || r.Proto == "" || slices.Contains(f.Protos, r.Proto)) &&
		(len(f.Classes) == 0 || slices.Contains(f.Classes, services.ClassOf(r.Ports.First)))
}
