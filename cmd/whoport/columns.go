package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
)

// shapeOptions are the flags that shape the listing for scripts and wide
// terminals: which columns, in what order, with or without a header.
type shapeOptions struct {
	noHeader bool
	sortBy   string
	columns  []string
}

func (o *shapeOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	boolVar(f, &o.noHeader, "no-header", "leave out the listing's header line and closing count")
	f.StringVar(&o.sortBy, "sort", "port", "order the sockets by `KEY`: port, pid, proc (the holder's name) or state")
	listVar(f, &o.columns, "columns", "o", true, "the listing's `COLUMNS`, in order: "+strings.Join(columnNames(), ","))
}

// shaped reports whether a flag asked for the listing's shape: then a
// query's answer is written as the listing too.
func (o *shapeOptions) shaped(cmd *cobra.Command) bool {
	return cmd.Flags().Changed("no-header") || cmd.Flags().Changed("sort") || cmd.Flags().Changed("columns")
}

// checkForm refuses what the form asked cannot write: an unknown sort
// key or column, a shape asked of a form that has none, and connections
// in the Prometheus form, whose labels must stay few.
func (o *portOptions) checkForm(cmd *cobra.Command, format string) error {
	if !slices.Contains(sortKeys, o.sortBy) {
		return fmt.Errorf("unknown --sort %q: use %s", o.sortBy, strings.Join(sortKeys, ", "))
	}
	if cmd.Flags().Changed("columns") && len(o.columns) == 0 {
		return fmt.Errorf("-o names no column: give some of %s", strings.Join(columnNames(), ", "))
	}
	if _, err := pickColumns(o.columns, nil); err != nil {
		return err
	}
	table := cmd.Flags().Changed("no-header") || cmd.Flags().Changed("columns")
	switch {
	case format == formatProm && (o.all || len(o.states) > 0):
		return fmt.Errorf("--format prom writes listeners only, whose labels stay few: leave out -a and --state")
	case !o.shaped(cmd):
	case o.quiet:
		return fmt.Errorf("-q prints pids alone, with no columns to shape: leave out --no-header, --sort and -o")
	case o.byProcess:
		return fmt.Errorf("--by-process groups sockets by process, with no columns to shape: leave out --no-header, --sort and -o")
	case table && format != formatText && format != formatTSV:
		return fmt.Errorf("--no-header and -o shape the text and tsv listing; --format %s has no columns", format)
	}
	return nil
}

// sortKeys are the orders --sort takes.
var sortKeys = []string{"port", "pid", "proc", "state"}

// sortListing orders sockets by key: the port order Collect gives
// (port, protocol, listeners first, addresses) is kept among equals.
func sortListing(socks []inspect.Socket, key string) {
	by := map[string]func(a, b *inspect.Socket) int{
		"pid": func(a, b *inspect.Socket) int { return cmp.Compare(mainPID(a), mainPID(b)) },
		"proc": func(a, b *inspect.Socket) int {
			return cmp.Or(cmp.Compare(mainName(a), mainName(b)), cmp.Compare(mainPID(a), mainPID(b)))
		},
		"state": func(a, b *inspect.Socket) int { return cmp.Compare(a.State.Name(a.Proto), b.State.Name(b.Proto)) },
	}[key]
	if by == nil {
		return // port: Collect's order
	}
	slices.SortStableFunc(socks, func(a, b inspect.Socket) int { return by(&a, &b) })
}

// mainPID is the pid of the socket's main holder; sockets without one
// come after every held socket.
func mainPID(s *inspect.Socket) int64 {
	if len(s.Holders) == 0 {
		return 1 << 32
	}
	h, _ := inspect.MainHolder(s.Holders)
	return int64(h.PID)
}

// mainName is the name of the socket's main holder, "\x7f" (after every
// name) without one.
func mainName(s *inspect.Socket) string {
	if len(s.Holders) == 0 {
		return "\x7f"
	}
	h, _ := inspect.MainHolder(s.Holders)
	return strings.ToLower(inspect.ProgramName(h))
}

// column is one column of the listing: its name for -o, its header, how
// to colour it and what it says of a socket.
type column struct {
	name, head string
	style      func(p palette) func(...any) string
	cell       func(r *renderer, row *listingRow) string
}

// listingRow is one socket of the listing, and what its columns share:
// the holder cells (PID, USER, WHERE, COMMAND), made once, when a column
// first asks for them.
type listingRow struct {
	s       *inspect.Socket
	peers   bool     // the listing shows connections
	holders []string // r.holderCells(s), once made
}

// holder is the i-th of the row's holder cells: pid, user, where, command.
func (row *listingRow) holder(r *renderer, i int) string {
	if row.holders == nil {
		row.holders = r.holderCells(row.s)
	}
	return row.holders[i]
}

// columns are every column -o may choose, in the order --help lists them.
var columns = []column{
	{"proto", "PROTO", nil, func(_ *renderer, row *listingRow) string { return string(row.s.Proto) }},
	{"family", "FAMILY", nil, func(_ *renderer, row *listingRow) string { return row.s.Family.String() }},
	{"address", "ADDRESS", nil, func(_ *renderer, row *listingRow) string { return listingAddress(row.s, row.peers) }},
	{"local", "LOCAL", nil, func(_ *renderer, row *listingRow) string { return endpoint(row.s.Local) }},
	{"remote", "REMOTE", nil, func(_ *renderer, row *listingRow) string {
		if row.s.Remote.Port() == 0 {
			return "-"
		}
		return endpoint(row.s.Remote)
	}},
	{"port", "PORT", palette.portStyle, func(_ *renderer, row *listingRow) string { return fmt.Sprint(row.s.Local.Port()) }},
	{"state", "STATE", palette.stateStyle, func(_ *renderer, row *listingRow) string { return row.s.State.Name(row.s.Proto) }},
	{"class", "CLASS", nil, func(_ *renderer, row *listingRow) string { return row.s.Port.Class.String() }},
	{"service", "SERVICE", palette.nameStyle, func(_ *renderer, row *listingRow) string { return serviceName(row.s) }},
	{"pid", "PID", palette.pidStyle, func(r *renderer, row *listingRow) string { return row.holder(r, 0) }},
	{"user", "USER", nil, func(r *renderer, row *listingRow) string { return row.holder(r, 1) }},
	{"name", "NAME", nil, func(_ *renderer, row *listingRow) string {
		if len(row.s.Holders) == 0 {
			return "-"
		}
		h, _ := inspect.MainHolder(row.s.Holders)
		return clean(h.Name)
	}},
	{"where", "WHERE", palette.dimStyle, func(r *renderer, row *listingRow) string { return row.holder(r, 2) }},
	{"inode", "INODE", nil, func(_ *renderer, row *listingRow) string { return fmt.Sprint(row.s.Inode) }},
	{"command", "COMMAND", nil, func(r *renderer, row *listingRow) string { return row.holder(r, 3) }},
}

func (p palette) portStyle() func(...any) string  { return p.port }
func (p palette) stateStyle() func(...any) string { return p.state }
func (p palette) nameStyle() func(...any) string  { return p.name }
func (p palette) pidStyle() func(...any) string   { return p.pid }
func (p palette) dimStyle() func(...any) string   { return p.dim }

func columnNames() []string {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	return names
}

// listingColumns are the listing's columns: the state too when the
// listing shows sockets in other states than listening.
func listingColumns(peers bool) []string {
	if peers {
		return []string{"proto", "address", "state", "class", "service", "pid", "user", "where", "command"}
	}
	return []string{"proto", "address", "class", "service", "pid", "user", "where", "command"}
}

// tsvColumns are the tab-separated form's columns: those of the listing,
// with the local and remote addresses apart, for scripts to read.
func tsvColumns(peers bool) []string {
	if peers {
		return []string{"proto", "local", "remote", "state", "class", "service", "pid", "user", "where", "command"}
	}
	return []string{"proto", "local", "class", "service", "pid", "user", "where", "command"}
}

// pickColumns gives the columns named (in any case, each once), or the
// default ones when none is.
func pickColumns(names, defaults []string) ([]column, error) {
	if len(names) == 0 {
		names = defaults
	}
	var out []column
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		i := slices.IndexFunc(columns, func(c column) bool { return c.name == n })
		switch {
		case i < 0:
			return nil, fmt.Errorf("unknown column %q for -o: use %s", n, strings.Join(columnNames(), ", "))
		case slices.ContainsFunc(out, func(c column) bool { return c.name == n }):
			return nil, fmt.Errorf("column %q is given twice to -o: name each column once", n)
		}
		out = append(out, columns[i])
	}
	return out, nil
}

// listingAddress is the listing's ADDRESS: the local address, and the
// remote one when the listing shows connections, or whether an IPv6
// wildcard takes IPv4 too.
func listingAddress(s *inspect.Socket, peers bool) string {
	addr := endpoint(s.Local)
	if peers && s.Remote.Port() != 0 {
		addr += " ⇄ " + endpoint(s.Remote)
	} else if dual, known := s.DualStack(); dual {
		addr += " +v4"
	} else if !known {
		addr += " +v4?"
	}
	return addr
}

// shapedTable writes sockets one line each in the columns given, with a
// header unless noHeader. When the renderer has a width, the command is
// cut to fit it, and nothing else is: an address is never cut.
func (r *renderer) shapedTable(socks []inspect.Socket, cols []column, peers, noHeader bool) {
	t := table{width: r.width}
	for i, c := range cols {
		var style func(...any) string
		if c.style != nil {
			style = c.style(r.p)
		}
		t.style = append(t.style, style)
		if c.name == "command" {
			t.cut = i + 1
		}
	}
	if !noHeader {
		head := make([]string, len(cols))
		for i, c := range cols {
			head[i] = c.head
		}
		t.add(head...)
	}
	for i := range socks {
		row := listingRow{s: &socks[i], peers: peers}
		cells := make([]string, len(cols))
		for j, c := range cols {
			cells[j] = c.cell(r, &row)
		}
		t.add(cells...)
	}
	t.write(r.w)
}

// tsv writes sockets as tab-separated values, one line each, in the
// columns given, with a header line unless noHeader: no padding, no
// colour, nothing cut. Tabs and newlines inside values are escaped (\t,
// \n), as every control character is.
func (r *renderer) tsv(socks []inspect.Socket, cols []column, peers, noHeader bool) {
	if !noHeader {
		head := make([]string, len(cols))
		for i, c := range cols {
			head[i] = strings.ToLower(c.head)
		}
		fmt.Fprintln(r.w, strings.Join(head, "\t"))
	}
	cells := make([]string, len(cols))
	for i := range socks {
		row := listingRow{s: &socks[i], peers: peers}
		for j, c := range cols {
			cells[j] = c.cell(r, &row)
		}
		fmt.Fprintln(r.w, strings.Join(cells, "\t"))
	}
}

// fit cuts s to width visible characters, ending it with "…" when cut.
// Colour codes (ESC [ … m) take no width and are kept, and a cut string
// that carries one is reset at its end.
func fit(s string, width int) string {
	if width <= 0 || visibleWidth(s) <= width {
		return s
	}
	var b strings.Builder
	n, styled := 0, false
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			j := i + 1
			for j < len(s) && s[j] != 'm' {
				j++
			}
			b.WriteString(s[i:min(j+1, len(s))])
			styled = true
			i = j + 1
			continue
		}
		if n == width-1 {
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		n++
		i += size
	}
	b.WriteString("…")
	if styled {
		b.WriteString("\x1b[0m")
	}
	return b.String()
}

// visibleWidth counts the characters of s that take room: colour codes
// do not.
func visibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		n++
		i += size
	}
	return n
}

// peers reports whether the listing shows sockets in other states than
// listening: then it has a STATE column, and connections their peer.
func (p portsReport) peers() bool { return p.opts.all || len(p.opts.states) > 0 || len(p.qs) > 0 }

// tsv writes the sockets found as tab-separated values.
func (p portsReport) tsv(r *renderer) {
	cols, _ := pickColumns(p.opts.columns, tsvColumns(p.peers()))
	r.tsv(p.snap.Sockets, cols, p.peers(), p.opts.noHeader)
}
