package services

import (
	"cmp"
	"iter"
	"slices"
	"sort"
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
	text  string    // Default: the compact form's entry lines, sorted by first port
	base  *Registry // WithLocal: the registry the host's names add to
	local []entry   // WithLocal: the host's names, sorted by port, not yet checked against base

	lookups atomic.Int32
	built   sync.Once
	done    atomic.Bool             // built
	build   func() ([]entry, error) // makes every entry

	indexOnce sync.Once
	lines     []int32 // Default: the offset of each line of text
	ranges    []entry // Default: the entries that cover more than one port
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
		i, _ := slices.BinarySearchFunc(l.local, port, func(e entry, n uint16) int { return cmp.Compare(e.first, n) })
		for ; i < len(l.local) && l.local[i].first == port; i++ {
			if e := &l.local[i]; !hasName(named, e.protos, e.name) {
				singles = append(singles, e)
			}
		}
	} else {
		l.index()
		lines := l.lines
		i := sort.Search(len(lines), func(i int) bool { return l.firstPort(lines[i]) >= port })
		for ; i < len(lines) && l.firstPort(lines[i]) == port; i++ {
			e, err := parseEntry(l.line(lines[i]))
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

// index finds the lines of the text and parses the ranges, once.
func (l *lazy) index() {
	l.indexOnce.Do(func() {
		l.lines = make([]int32, 0, strings.Count(l.text, "\n")+1)
		for off := 0; off < len(l.text); {
			line := l.line(int32(off))
			if line != "" && line[0] != '#' {
				l.lines = append(l.lines, int32(off))
			}
			if tab := strings.IndexByte(line, '\t'); tab > 0 && strings.IndexByte(line[:tab], '-') > 0 {
				if e, err := parseEntry(line); err == nil {
					l.ranges = append(l.ranges, e)
				}
			}
			off += len(line) + 1
		}
	})
}

// line returns the line of the text at offset off, without its newline.
func (l *lazy) line(off int32) string {
	s := l.text[off:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, "\r")
}

// firstPort parses the first port of the line at offset off; a line that
// does not start with one sorts last.
func (l *lazy) firstPort(off int32) uint16 {
	n, ok := 0, false
	for _, c := range []byte(l.text[off:]) {
		if c < '0' || c > '9' || n > 65535 {
			break
		}
		n, ok = n*10+int(c-'0'), true
	}
	if !ok || n > 65535 {
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
