package services

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvColumns are the columns of IANA's CSV that ParseCSV reads.
var csvColumns = [...]string{
	"Service Name", "Port Number", "Transport Protocol", "Description",
	"Assignment Notes", "Registration Date", "Modification Date",
}

// ParseCSV reads the registry in the CSV form that IANA publishes as
// https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.csv.
//
// It keeps what a port tool needs: names with a port or a range, reserved
// ports, and the remarks on unnamed ports that say more than "Unassigned".
// Names without a port (DNS-SD service names) are dropped. A row with no
// protocol counts for both tcp and udp. Descriptions are folded to one line.
// Rows for the same name, ports and description but different protocols are
// merged. A record it cannot make sense of is an error.
func ParseCSV(r io.Reader) (*Registry, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("services: parse csv: no header")
	}
	if err != nil {
		return nil, fmt.Errorf("services: parse csv: %w", err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	var col [len(csvColumns)]int
	for i, name := range csvColumns {
		if col[i] = indexOf(header, name); col[i] < 0 {
			return nil, fmt.Errorf("services: parse csv: header has no %q column", name)
		}
	}
	var b csvBuilder
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("services: parse csv: %w", err)
		}
		var f [len(csvColumns)]string
		for i, c := range col {
			f[i] = rec[c]
		}
		if err := b.add(f); err != nil {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("services: parse csv: line %d: %w", line, err)
		}
	}
	return newRegistry(b.entries, b.updated), nil
}

func indexOf(fields []string, s string) int {
	for i, f := range fields {
		if f == s {
			return i
		}
	}
	return -1
}

// csvBuilder turns CSV records into registry entries.
type csvBuilder struct {
	entries []entry
	updated string
	// same finds an entry with the same ports, name and description, to add
	// a protocol to.
	same map[sameKey]int
	// last holds the index of the latest entry with a given first port and
	// protocol: a row may join an earlier entry only if no later entry has
	// its protocol, so that names keep the registry's order.
	last map[lastKey]int
}

type sameKey struct {
	first, last uint16
	kind        kind
	name, desc  string
}

type lastKey struct {
	port  uint16
	proto uint8
}

// add adds a record, whose fields are in the order of csvColumns.
func (b *csvBuilder) add(f [len(csvColumns)]string) error {
	name, ports, proto, desc, notes := f[0], f[1], f[2], oneLine(f[3]), oneLine(f[4])
	for _, date := range f[5:] {
		if date == "" {
			continue
		}
		if !isDate(date) {
			return fmt.Errorf("invalid date %q", date)
		}
		b.updated = max(b.updated, date) // YYYY-MM-DD sorts as text
	}
	var set uint8
	switch proto {
	case "":
		set = protoBit(TCP) | protoBit(UDP)
	default:
		if set = protoBit(Proto(proto)); set == 0 {
			return fmt.Errorf("unknown transport protocol %q", proto)
		}
	}
	if ports == "" {
		return nil // a service name without a port: nothing for a port tool
	}
	first, last, err := parsePorts(ports)
	if err != nil {
		return err
	}
	e := entry{name: name, desc: desc, first: first, last: last, protos: set}
	if name != "" {
		if !validName(name) {
			return fmt.Errorf("invalid service name %q", name)
		}
		b.merge(e)
		return nil
	}
	// A row without a name: a remark on the ports, kept if it says something
	// that Status does not.
	e.kind = kindNote // "De-registered", "Removed" and the like
	if strings.HasPrefix(strings.ToLower(desc), "reserved") || strings.HasPrefix(desc, "any private") {
		e.kind = kindReserved
	}
	switch {
	case strings.EqualFold(desc, "reserved") || strings.EqualFold(desc, "unassigned"):
		e.desc = notes
	case notes != "":
		e.desc = desc + "; " + notes
	}
	if e.desc != "" || e.kind == kindReserved {
		b.merge(e)
	}
	return nil
}

// merge adds e, as more protocols of an equal earlier entry if that keeps
// the registry's order of names, and drops the protocols that entry has.
func (b *csvBuilder) merge(e entry) {
	if b.same == nil {
		b.same, b.last = make(map[sameKey]int), make(map[lastKey]int)
	}
	key := sameKey{e.first, e.last, e.kind, e.name, e.desc}
	i, ok := b.same[key]
	if ok {
		e.protos &^= b.entries[i].protos // a repeated row
		for bit := uint8(1); bit <= e.protos; bit <<= 1 {
			if j, seen := b.last[lastKey{e.first, bit}]; e.protos&bit != 0 && seen && j > i {
				ok = false
			}
		}
	}
	switch {
	case e.protos == 0:
		return
	case ok:
		b.entries[i].protos |= e.protos
	default:
		i = len(b.entries)
		b.entries = append(b.entries, e)
		b.same[key] = i
	}
	for bit := uint8(1); bit <= e.protos; bit <<= 1 {
		if e.protos&bit != 0 {
			b.last[lastKey{e.first, bit}] = i
		}
	}
}

// parsePorts parses "80" or "6000-6063". A range of one port, which the
// registry has ("4748-4748"), is that port.
func parsePorts(s string) (first, last uint16, err error) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(lo, 10, 16)
	b, err2 := a, error(nil)
	if isRange {
		b, err2 = strconv.ParseUint(hi, 10, 16)
	}
	if err1 != nil || err2 != nil || b < a {
		return 0, 0, fmt.Errorf("invalid port number %q", s)
	}
	return uint16(a), uint16(b), nil
}

// validName reports whether name can be a service name: the registry's own
// are letters, digits and a few of "-_.+*/", but older files may hold more,
// so only spaces and control characters are refused.
func validName(name string) bool {
	for i := range len(name) {
		if c := name[i]; c <= ' ' || c == 0x7f {
			return false
		} else if c >= utf8.RuneSelf {
			return !strings.ContainsFunc(name, func(r rune) bool {
				return unicode.IsSpace(r) || unicode.IsControl(r)
			})
		}
	}
	return name != ""
}

// isDate reports whether s is YYYY-MM or YYYY-MM-DD.
func isDate(s string) bool {
	if len(s) != 7 && len(s) != 10 {
		return false
	}
	for i := range len(s) {
		if (s[i] == '-') != (i == 4 || i == 7) || s[i] != '-' && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// oneLine folds runs of white space in s, newlines included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
