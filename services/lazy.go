package services

import (
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// lazy lets a registry answer Port before it has built all its entries, so
// that a program that names one port pays for that port only. Default keeps
// the compact form's text and finds a port's lines by binary search over
// them; WithLocal keeps the host's names apart from the registry they add
// to. The first call that needs every entry (ByName, Suggest, Len, WriteTo,
// or the lazyLookups-th Port) builds them, as a registry made eagerly would
// have them.
type lazy struct {
	text      string    // Default: the compact form's entry lines, sorted by first port, without comments
	base      *Registry // WithLocal: the registry the host's names add to
	localText []byte    // WithLocal: the services file, parsed a port at a time until built

	lookups atomic.Int32
	built   sync.Once
	done    atomic.Bool             // built
	build   func() ([]entry, error) // makes every entry

	ranges []entry // Default: the entries that cover more than one port, from the text's comments
}

// lazyLookups is how many ports a lazy registry looks up before it builds
// every entry: looking one up in the text costs about a 1/200 of parsing it
// all, and a listing asks for thousands.
const lazyLookups = 64

// load builds r's entries if it was made lazily; every method that reads
// r.entries, r.ranges or r.pairs calls it first.
func (r *Registry) load() {
	if r.lazy == nil {
		return
	}
	r.lazy.built.Do(func() {
		entries, err := r.lazy.build()
		if err != nil {
			panic("services: embedded registry: " + err.Error()) // a bad go generate; tests catch it
		}
		b := newRegistry(entries, r.updated)
		r.entries, r.ranges, r.pairs = b.entries, b.ranges, b.pairs
		r.lazy.done.Store(true)
	})
}

// lazyAt yields the entries that cover port as at does, without building
// every entry, while r is lazy and has not looked up many ports.
func (r *Registry) lazyAt(port uint16) (iter.Seq[*entry], bool) {
	l := r.lazy
	if l == nil || l.done.Load() || l.lookups.Add(1) > lazyLookups {
		return nil, false
	}
	var singles, ranges []*entry
	if l.base != nil {
		for e := range l.base.at(port) {
			if e.first == e.last {
				singles = append(singles, e)
			} else {
				ranges = append(ranges, e)
			}
		}
		named := append(slices.Clip(singles), ranges...)
		local := parseLocal(l.localText, int(port))
		for i := range local {
			if e := &local[i]; !hasName(named, e.protos, e.name) {
				singles = append(singles, e)
			}
		}
	} else {
		for off := l.search(port); off < len(l.text) && l.firstPort(off) == port; off = l.next(off) {
			e, err := parseEntry(l.line(off))
			if err == nil && e.last == port {
				singles = append(singles, &e)
			}
		}
		for i := range l.ranges {
			if e := &l.ranges[i]; e.first <= port && port <= e.last {
				ranges = append(ranges, e)
			}
		}
	}
	return func(yield func(*entry) bool) {
		for _, e := range append(singles, ranges...) {
			if !yield(e) {
				return
			}
		}
	}, true
}

// search returns the offset of the first line of the text whose first port
// is port or more, by binary search over the bytes: each probe goes back
// to the start of its line.
func (l *lazy) search(port uint16) int {
	lo, hi := 0, len(l.text) // line starts
	for lo < hi {
		mid := strings.LastIndexByte(l.text[:lo+(hi-lo)/2], '\n') + 1
		if mid < lo {
			mid = lo
		}
		if l.firstPort(mid) < port {
			lo = l.next(mid)
		} else {
			hi = mid
		}
	}
	return lo
}

// next returns the offset of the line after the one at off.
func (l *lazy) next(off int) int {
	if i := strings.IndexByte(l.text[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(l.text)
}

// line returns the line of the text at offset off, without its newline.
func (l *lazy) line(off int) string {
	return strings.TrimSuffix(strings.TrimSuffix(l.text[off:l.next(off)], "\n"), "\r")
}

// firstPort parses the first port of the line at offset off; a line that
// does not start with one sorts last.
func (l *lazy) firstPort(off int) uint16 {
	n, digits := 0, 0
	for _, c := range []byte(l.text[off:min(off+6, len(l.text))]) {
		if c < '0' || c > '9' {
			break
		}
		n, digits = n*10+int(c-'0'), digits+1
	}
	if digits == 0 || n > 65535 {
		return 65535
	}
	return uint16(n)
}

// hasName reports whether one of entries names name for a protocol in bits.
func hasName(entries []*entry, bits uint8, name string) bool {
	for _, e := range entries {
		if e.named() && e.protos&bits != 0 && strings.EqualFold(e.name, name) {
			return true
		}
	}
	return false
}
