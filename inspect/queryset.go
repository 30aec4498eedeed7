package inspect

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/whoport/whoport/services"
)

// QuerySet is queries indexed for matching: their ports merged into
// sorted ranges for each protocol and address they name, so that matching
// a socket costs a binary search whatever the number of queries (every
// port of the host can be asked at once).
type QuerySet struct {
	Queries []Query
	groups  []queryGroup
	// singles are the ports asked for one by one, sorted: the answer
	// names each even when nothing is on it.
	singles []uint16
	// ranges are the ranges asked for (more than one port), merged.
	ranges []PortRange
}

// queryGroup is the ports asked on one protocol ("" for both) and one
// address (the zero Addr for any).
type queryGroup struct {
	proto  services.Proto
	addr   netip.Addr
	ranges []PortRange // sorted, merged
}

// NewQuerySet indexes qs.
func NewQuerySet(qs []Query) *QuerySet {
	set := &QuerySet{Queries: qs}
	type key struct {
		proto services.Proto
		addr  netip.Addr
	}
	at := map[key]int{}
	for _, q := range qs {
		k := key{q.Proto, q.Addr}
		i, ok := at[k]
		if !ok {
			i = len(set.groups)
			at[k] = i
			set.groups = append(set.groups, queryGroup{proto: q.Proto, addr: q.Addr})
		}
		set.groups[i].ranges = append(set.groups[i].ranges, PortRange{q.First, q.Last})
		if q.First == q.Last {
			set.singles = append(set.singles, q.First)
		} else {
			set.ranges = append(set.ranges, PortRange{q.First, q.Last})
		}
	}
	for i := range set.groups {
		set.groups[i].ranges = MergeRanges(set.groups[i].ranges)
	}
	slices.Sort(set.singles)
	set.singles = slices.Compact(set.singles)
	set.ranges = MergeRanges(set.ranges)
	return set
}

// Match reports whether a query of the set names the socket (see
// Query.Match).
func (set *QuerySet) Match(s *Socket, clients bool) bool {
	for _, g := range set.groups {
		if g.proto != "" && g.proto != s.Proto {
			continue
		}
		if rangesHave(g.ranges, s.Local.Port()) && (!g.addr.IsValid() || covers(s, g.addr)) {
			return true
		}
		if clients && !s.Listening() && s.Remote.Port() != 0 && rangesHave(g.ranges, s.Remote.Port()) &&
			(!g.addr.IsValid() || g.addr == s.Remote.Addr()) {
			return true
		}
	}
	return false
}

// Protos gives the protocols asked about on port, TCP before UDP.
func (set *QuerySet) Protos(port uint16) []services.Proto {
	tcp, udp := false, false
	for _, g := range set.groups {
		if rangesHave(g.ranges, port) {
			tcp = tcp || g.proto != services.UDP
			udp = udp || g.proto != services.TCP
		}
	}
	var ps []services.Proto
	if tcp || !udp {
		ps = append(ps, services.TCP)
	}
	if udp || !tcp {
		ps = append(ps, services.UDP)
	}
	return ps
}

// Singles are the ports asked for one by one, sorted.
func (set *QuerySet) Singles() []uint16 { return set.singles }

// Ranges are the ranges of ports asked for, merged and sorted.
func (set *QuerySet) Ranges() []PortRange { return set.ranges }

// Ports are every port asked for, as merged ranges.
func (set *QuerySet) Ports() []PortRange {
	var all []PortRange
	for _, g := range set.groups {
		all = append(all, g.ranges...)
	}
	return MergeRanges(all)
}

// MergeRanges sorts ranges and joins those that overlap or touch.
func MergeRanges(rs []PortRange) []PortRange {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b PortRange) int { return cmp.Compare(a.First, b.First) })
	var out []PortRange
	for _, r := range rs {
		if n := len(out); n > 0 && int(r.First) <= int(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// rangesHave reports whether port is in sorted, merged ranges.
func rangesHave(rs []PortRange, port uint16) bool {
	i, _ := slices.BinarySearchFunc(rs, port, func(r PortRange, p uint16) int {
		switch {
		case r.Last < p:
			return -1
		case r.First > p:
			return 1
		}
		return 0
	})
	return i < len(rs) && rs[i].First <= port && port <= rs[i].Last
}
