package services

import (
	"cmp"
	"iter"
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// kind says what an entry of the registry is.
type kind uint8

const (
	kindAssigned kind = iota // a service name from IANA
	kindLocal                // a service name from the host's services file
	kindReserved             // IANA reserved the ports; desc may hold a note
	kindNote                 // unassigned, but the registry has a note (desc) on it
)

// entry is one line of the registry: a name, or a remark, on a port or a
// range of ports, for a set of protocols.
type entry struct {
	name, desc  string
	first, last uint16
	protos      uint8 // bit i set for protos[i]
	kind        kind
}

func (e *entry) named() bool { return e.kind == kindAssigned || e.kind == kindLocal }

// Registry is a table of service names and ports: IANA's, and possibly the
// host's. A Registry is immutable and safe for concurrent use.
type Registry struct {
	entries []entry // sorted by first port, registry order within a port
	ranges  []int32 // indexes of the entries that cover more than one port
	pairs   int     // named single-port (port, proto) pairs
	updated string  // newest registration or modification date, YYYY-MM-DD

	namesOnce sync.Once
	names     map[string]int32 // lower-case name to the index of its first entry
	next      []int32          // index of the next entry with the same name, or -1

	lazy *lazy // while not nil, entries are built on first need (lazy.go)
}

// newRegistry returns a registry of entries, which it sorts by first port,
// keeping their order within a port.
func newRegistry(entries []entry, updated string) *Registry {
	byFirst := func(a, b entry) int { return cmp.Compare(a.first, b.first) }
	if !slices.IsSortedFunc(entries, byFirst) {
		slices.SortStableFunc(entries, byFirst)
	}
	r := &Registry{entries: entries, updated: updated}
	var port uint16
	var set uint8 // protocols with a name on port
	for i := range entries {
		e := &entries[i]
		if e.first != port {
			r.pairs += bits.OnesCount8(set)
			port, set = e.first, 0
		}
		if e.last != e.first {
			r.ranges = append(r.ranges, int32(i))
		} else if e.named() {
			set |= e.protos
		}
	}
	r.pairs += bits.OnesCount8(set)
	return r
}

// Len returns the number of distinct (port, protocol) pairs that have a
// service name of their own, not counting ranges.
func (r *Registry) Len() int {
	r.load()
	return r.pairs
}

// Updated returns the newest registration or modification date in r's data,
// as YYYY-MM-DD (or YYYY-MM for old records), or "" if it has none.
func (r *Registry) Updated() string { return r.updated }

// Port returns what r knows about number for proto. It always answers: a port
// without a service says so through Status and, if the registry has a remark
// on it, Note. Port 0 is Reserved with Note PortZero. An unknown proto finds
// no services.
func (r *Registry) Port(number uint16, proto Proto) Port {
	p := Port{Number: number, Proto: proto, Class: ClassOf(number), Status: Unassigned}
	bit := protoBit(proto)
	for e := range r.at(number) {
		if e.protos&bit != 0 {
			p.add(e)
		}
	}
	// IANA's names first; local names come after a port's entries, but
	// before ranges.
	slices.SortStableFunc(p.Services, func(a, b Service) int { return cmpBool(a.Local, b.Local) })
	if number == 0 {
		p.Status, p.Note = Reserved, PortZero
	}
	return p
}

// at yields the entries that cover port: those for port alone, in order,
// then the ranges.
func (r *Registry) at(port uint16) iter.Seq[*entry] {
	if seq, ok := r.lazyAt(port); ok {
		return seq
	}
	r.load()
	return func(yield func(*entry) bool) {
		i, _ := slices.BinarySearchFunc(r.entries, port, func(e entry, n uint16) int { return cmp.Compare(e.first, n) })
		for ; i < len(r.entries) && r.entries[i].first == port; i++ {
			if e := &r.entries[i]; e.last == port && !yield(e) {
				return
			}
		}
		for _, i := range r.ranges {
			if e := &r.entries[i]; e.first <= port && port <= e.last && !yield(e) {
				return
			}
		}
	}
}

// add records e in p: a name in Services, or a status and note.
func (p *Port) add(e *entry) {
	switch e.kind {
	case kindAssigned:
		p.Status = Assigned
	case kindReserved:
		if p.Status == Unassigned {
			p.Status = Reserved
		}
	}
	if e.named() {
		p.Services = append(p.Services, Service{Name: e.name, Description: e.desc, Local: e.kind == kindLocal})
	} else if p.Note == "" {
		p.Note = e.desc
	}
}

// ByName returns the ports registered under name, compared without regard to
// case, sorted by port and then protocol (tcp, udp, sctp, dccp). A name may
// hold several ports (http-alt has 591, 8008 and 8080) and a range counts
// once (x11 is 6000–6063). It returns nil for an unknown name.
func (r *Registry) ByName(name string) []Registration {
	first, ok := r.nameIndex()[strings.ToLower(name)]
	if !ok {
		return nil
	}
	n := 0
	for i := first; i >= 0; i = r.next[i] {
		n += bits.OnesCount8(r.entries[i].protos)
	}
	regs := make([]Registration, 0, n)
	for i := first; i >= 0; i = r.next[i] {
		e := &r.entries[i]
		for j, proto := range protos {
			if e.protos&(1<<j) != 0 {
				regs = append(regs, Registration{
					Name: e.name, Proto: proto, First: e.first, Last: e.last,
					Description: e.desc, Local: e.kind == kindLocal,
				})
			}
		}
	}
	slices.SortStableFunc(regs, func(a, b Registration) int {
		return cmp.Or(cmp.Compare(a.First, b.First), cmp.Compare(protoBit(a.Proto), protoBit(b.Proto)))
	})
	return regs
}

// nameIndex returns r's names, built on first use so that a program that
// only looks up ports never pays for it.
func (r *Registry) nameIndex() map[string]int32 {
	r.load()
	r.namesOnce.Do(func() {
		r.names = make(map[string]int32, len(r.entries))
		r.next = make([]int32, len(r.entries))
		for i := len(r.entries) - 1; i >= 0; i-- { // backwards, to link each name's entries in order
			if e := &r.entries[i]; e.named() {
				key := strings.ToLower(e.name)
				if j, ok := r.names[key]; ok {
					r.next[i] = j
				} else {
					r.next[i] = -1
				}
				r.names[key] = int32(i)
			}
		}
	})
	return r.names
}

// Suggest returns up to n names in r that are closest to name by edit
// distance (insertions, deletions, substitutions and swaps of adjacent
// letters, ignoring case), for a "did you mean" hint. Names further than a
// third of name's length (at least one edit) are never suggested, so
// nonsense gets nothing. Among names as close, those that start with name
// come first, then those that share its first letter, then those with lower
// ports, which are older and better known.
func (r *Registry) Suggest(name string, n int) []string {
	if n <= 0 {
		return nil
	}
	query := strings.ToLower(name)
	limit := max(1, len(query)/3)
	type candidate struct {
		dist      int
		noPrefix  bool // query is not a prefix of the name
		otherHead bool // the first letter differs from query's
		port      uint16
		name      string
	}
	var found []candidate
	var buf []int
	for key, i := range r.nameIndex() {
		if abs(len(key)-len(query)) > limit {
			continue
		}
		var d int
		if d, buf = distance(query, key, buf); d <= limit {
			e := &r.entries[i] // the lowest port of the name
			found = append(found, candidate{d, !strings.HasPrefix(key, query),
				query == "" || key[0] != query[0], e.first, e.name})
		}
	}
	slices.SortFunc(found, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmpBool(a.noPrefix, b.noPrefix),
			cmpBool(a.otherHead, b.otherHead), cmp.Compare(a.port, b.port), cmp.Compare(a.name, b.name))
	})
	names := make([]string, 0, min(n, len(found)))
	for _, c := range found[:min(n, len(found))] {
		names = append(names, c.name)
	}
	return names
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// distance returns the optimal string alignment distance between the bytes
// of a and b, using buf for its rows and returning it for reuse.
func distance(a, b string, buf []int) (int, []int) {
	w := len(b) + 1
	buf = slices.Grow(buf[:0], 3*w)[:3*w]
	prev2, prev, cur := buf[:w], buf[w:2*w], buf[2*w:]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)], buf
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
