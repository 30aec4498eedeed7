package services

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// magic starts the compact form, followed by a space and the registry's date.
const magic = "whoport-services 1"

const (
	protoLetters = "tusd" // the letters of protos, in order
	kindLetters  = "alrn" // the letters of the kinds, in order
)

const compactComment = `# IANA Service Name and Transport Protocol Port Number Registry, compact form.
# First line: format and version, then the newest date in the data.
# One entry a line, tab-separated: port or first-last; protocols (t=tcp u=udp
# s=sctp d=dccp); kind (a=assigned l=local r=reserved n=unassigned with a note);
# name (empty unless a or l); description or note. Sorted by first port,
# registry order within a port.
`

// The entries that cover more than one port are written twice: in their
// place, and first, after rangePrefix in comments, so that a reader
// looking up one port finds them without reading every line (lazy.go).
const (
	rangesComment = "# The entries that cover more than one port, also in their place below:\n"
	rangePrefix   = "#="
)

// WriteTo writes r in the compact form that Parse reads, which the package
// embeds (see the package documentation). The output depends only on r's
// contents, so writing the same registry twice gives the same bytes.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	r.load()
	b := make([]byte, 0, 64*len(r.entries)+len(compactComment))
	b = append(b, magic...)
	if r.updated != "" {
		b = append(b, ' ')
		b = append(b, r.updated...)
	}
	b = append(b, '\n')
	b = append(b, compactComment...)
	if len(r.ranges) > 0 {
		b = append(b, rangesComment...)
		for _, i := range r.ranges {
			b = appendEntry(append(b, rangePrefix...), &r.entries[i])
		}
	}
	for i := range r.entries {
		b = appendEntry(b, &r.entries[i])
	}
	n, err := w.Write(b)
	if err != nil {
		return int64(n), fmt.Errorf("services: write registry: %w", err)
	}
	return int64(n), nil
}

// appendEntry appends e's line of the compact form to b.
func appendEntry(b []byte, e *entry) []byte {
	b = strconv.AppendUint(b, uint64(e.first), 10)
	if e.last != e.first {
		b = append(b, '-')
		b = strconv.AppendUint(b, uint64(e.last), 10)
	}
	b = append(b, '\t')
	for i := range protoLetters {
		if e.protos&(1<<i) != 0 {
			b = append(b, protoLetters[i])
		}
	}
	b = append(b, '\t', kindLetters[e.kind], '\t')
	b = append(b, e.name...)
	b = append(b, '\t')
	b = append(b, e.desc...)
	return append(b, '\n')
}

// Parse reads a registry in the compact form that WriteTo writes.
func Parse(r io.Reader) (*Registry, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("services: parse: %w", err)
	}
	return parse(string(b))
}

// parse parses the compact form in s. The names and descriptions of the
// registry it returns are substrings of s, so parsing the embedded table
// copies no text.
func parse(s string) (*Registry, error) {
	date, s, err := parseHeader(s)
	if err != nil {
		return nil, err
	}
	entries, err := parseEntries(s)
	if err != nil {
		return nil, err
	}
	return newRegistry(entries, date), nil
}

// parseHeader checks the first line of the compact form in s, and returns
// its date and the lines after it.
func parseHeader(s string) (date, rest string, err error) {
	first, s, _ := strings.Cut(s, "\n")
	first = strings.TrimSuffix(first, "\r")
	after, ok := strings.CutPrefix(first, magic)
	date, dated := strings.CutPrefix(after, " ")
	if !ok || after != "" && (!dated || !isDate(date)) {
		return "", "", fmt.Errorf("services: parse: line 1: want %q and a date, have %.40q", magic, first)
	}
	return date, s, nil
}

// parseEntries parses the lines of the compact form after its first.
func parseEntries(s string) ([]entry, error) {
	entries := make([]entry, 0, strings.Count(s, "\n")+1)
	for n := 2; s != ""; n++ {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, fmt.Errorf("services: parse: line %d: %w", n, err)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// parseEntry parses one line of the compact form.
func parseEntry(line string) (entry, error) {
	var f [5]string // the last field may hold tabs, so split by hand
	n, start := 0, 0
	for i := 0; i < len(line) && n < 4; i++ {
		if line[i] == '\t' {
			f[n], n, start = line[start:i], n+1, i+1
		}
	}
	if n < 4 {
		return entry{}, errors.New("want 5 tab-separated fields")
	}
	f[4] = line[start:]
	var e entry
	var err error
	if e.first, e.last, err = parsePorts(f[0]); err != nil {
		return entry{}, err
	}
	for i := range len(f[1]) {
		j := strings.IndexByte(protoLetters, f[1][i])
		if j < 0 || e.protos&(1<<j) != 0 {
			return entry{}, fmt.Errorf("invalid protocols %q", f[1])
		}
		e.protos |= 1 << j
	}
	if e.protos == 0 {
		return entry{}, errors.New("no protocols")
	}
	k := strings.Index(kindLetters, f[2])
	if len(f[2]) != 1 || k < 0 {
		return entry{}, fmt.Errorf("invalid kind %q", f[2])
	}
	// A description never ends in a carriage return: a CRLF line ending
	// may leave one, and WriteTo could not give it back.
	e.kind, e.name, e.desc = kind(k), f[3], strings.TrimRight(f[4], "\r")
	if e.named() != validName(e.name) {
		return entry{}, fmt.Errorf("invalid name %q for kind %q", e.name, f[2])
	}
	return e, nil
}
