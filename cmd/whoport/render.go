package main

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// renderer writes reports as text for people.
type renderer struct {
	w     io.Writer
	p     palette
	now   time.Time
	root  bool // whether whoport runs as root, which changes what hidden means
	width int  // of the terminal, to fit the listing to; 0 for no limit
}

// renderer makes the renderer for a's stdout.
func (a *app) renderer(sys inspect.System) *renderer {
	return &renderer{w: a.stdout, p: newPalette(a.colorOn()), now: a.clock.Now(), root: sys.Identity().Root(), width: a.width}
}

func (r *renderer) printf(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

// answer writes the sockets the queries found, grouped by port: each port
// asked for by itself is named even when nothing is on it.
func (r *renderer) answer(rep portsReport) {
	set, socks, o := rep.queries, rep.snap.Sockets, rep.opts
	byPort := make(map[uint16][]*inspect.Socket)
	for i := range socks {
		s := &socks[i]
		port := s.Local.Port()
		if !set.Match(s, false) {
			port = s.Remote.Port() // a client of the port
		}
		byPort[port] = append(byPort[port], s)
	}
	ports := slices.Clone(set.Singles())
	for p := range byPort {
		ports = append(ports, p)
	}
	for _, rule := range rep.snap.DNAT { // ports published with no socket on them
		for _, q := range set.Ranges() {
			for p := max(q.First, rule.Ports.First); p <= min(q.Last, rule.Ports.Last); p++ {
				ports = append(ports, p)
				if p == 65535 {
					break
				}
			}
		}
	}
	slices.Sort(ports)
	ports = slices.Compact(ports)
	var emptyRanges []inspect.PortRange
	for _, q := range set.Ranges() {
		i, _ := slices.BinarySearch(ports, q.First)
		if i == len(ports) || ports[i] > q.Last {
			emptyRanges = append(emptyRanges, q)
		}
	}
	for i, port := range ports {
		if i > 0 {
			fmt.Fprintln(r.w)
		}
		asked := askedProtos(set, port, o)
		protos := asked
		if len(byPort[port]) > 0 { // name the port for the protocols in use
			protos = nil
			for _, s := range byPort[port] {
				protos = append(protos, s.Proto)
			}
			slices.Sort(protos)
			protos = slices.Compact(protos)
		}
		r.header(port, protos, rep.headers[port])
		notes := portNotes(port, byPort[port], rep.snap.DNAT, asked)
		if len(byPort[port]) == 0 && len(notes) == 0 {
			fmt.Fprint(r.w, "  ")
			r.notInUse(protoWords(asked), "this port"+readWhere(rep.snap), fmt.Sprint(port), rep.unfiltered[port])
			continue
		}
		r.sockets(byPort[port])
		for _, n := range notes {
			fmt.Fprintf(r.w, "  %s\n", r.p.warn(n))
		}
	}
	for _, q := range emptyRanges {
		if len(ports) > 0 {
			fmt.Fprintln(r.w)
		}
		fmt.Fprintf(r.w, "%s  ", r.p.port(fmt.Sprintf("%d-%d", q.First, q.Last)))
		var held []inspect.Socket
		for p := q.First; ; p++ {
			held = append(held, rep.unfiltered[p]...)
			if p == q.Last {
				break
			}
		}
		r.notInUse(protoWords(askedProtos(set, q.First, o)), fmt.Sprintf("these %d ports", int(q.Last)-int(q.First)+1)+readWhere(rep.snap), fmt.Sprintf("%d-%d", q.First, q.Last), held)
	}
}

// notInUse says that no socket on where passed: none at all, or, when
// filters left out the sockets there are (held), that the port is in
// use all the same.
func (r *renderer) notInUse(protos, where, ports string, held []inspect.Socket) {
	if len(held) == 0 {
		fmt.Fprintf(r.w, "%s\n", r.p.dim("not in use: no "+protos+" socket on "+where))
		return
	}
	var kinds []string
	for _, s := range held {
		k := fmt.Sprintf("%s %s", s.Proto, s.State.Name(s.Proto))
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	fmt.Fprintf(r.w, "%s\n", r.p.warn(fmt.Sprintf("no socket on %s matches the filters (%s is in use: %d %s, %s)",
		ports, ports, len(held), plural(len(held), "socket", "sockets"), strings.Join(kinds, ", "))))
}

// askedProtos gives the protocols asked about on port, as the queries and
// -t or -u narrow them.
func askedProtos(set *inspect.QuerySet, port uint16, o portOptions) []services.Proto {
	return slices.DeleteFunc(set.Protos(port), func(p services.Proto) bool {
		return o.tcp != o.udp && (p == services.TCP) != o.tcp
	})
}

func protoWords(ps []services.Proto) string {
	words := make([]string, len(ps))
	for i, p := range ps {
		words[i] = strings.ToUpper(string(p))
	}
	return strings.Join(words, " or ")
}

// header names a port: its IANA services for each protocol and its class.
//
//	8080  http-alt: HTTP Alternate (see port 80) · user port
func (r *renderer) header(port uint16, protos []services.Proto, known map[services.Proto]services.Port) {
	var parts []string
	var last string
	for _, proto := range protos {
		s := r.serviceText(known[proto])
		if s == last {
			continue
		}
		parts = append(parts, s)
		last = s
	}
	if len(parts) > 1 {
		for i, p := range protos {
			parts[i] = string(p) + " " + parts[i]
		}
	}
	fmt.Fprintf(r.w, "%s  %s %s\n", r.p.port(port), strings.Join(parts, "; "),
		r.p.dim("· "+services.ClassOf(port).String()+" port"))
}

// serviceText is "http, www, www-http: World Wide Web HTTP", or the status
// of a port without a name. IANA's names come first; the host's own
// /etc/services names are shown only where IANA has none.
func (r *renderer) serviceText(p services.Port) string {
	svcs := p.Services
	if i := slices.IndexFunc(svcs, func(s services.Service) bool { return s.Local }); i > 0 {
		svcs = svcs[:i]
	}
	if len(svcs) == 0 {
		return r.p.dim(p.Status.String())
	}
	names := make([]string, len(svcs))
	for i, s := range svcs {
		names[i] = s.Name
		if s.Local {
			names[i] += " (local)"
		}
	}
	text := r.p.name(strings.Join(names, ", "))
	if d := svcs[0].Description; d != "" && !strings.EqualFold(d, svcs[0].Name) {
		text += ": " + clean(d)
	}
	return text
}

// sockets writes sockets, each with its holders below it.
func (r *renderer) sockets(socks []*inspect.Socket) {
	width := 0
	for _, s := range socks {
		width = max(width, len(endpoint(s.Local)))
	}
	for _, s := range socks {
		line := fmt.Sprintf("  %-3s  %-11s  %-*s", s.Proto, s.State.Name(s.Proto), width, endpoint(s.Local))
		line = strings.Replace(line, s.State.Name(s.Proto), r.p.state(s.State.Name(s.Proto)), 1)
		if s.Remote.Port() != 0 {
			line += "  ⇄ " + endpoint(s.Remote)
		} else if dual, known := s.DualStack(); dual {
			line += "  " + r.p.dim("(IPv4 too)")
		} else if !known {
			line += "  " + r.p.dim("(IPv4 too, unless V6ONLY: /proc/net does not say)")
		}
		if w := elsewhere(s); w != "" {
			line += "  " + r.p.name(w)
		}
		fmt.Fprintln(r.w, strings.TrimRight(line, " "))
		r.holders(s)
		if f := s.Forward; f != nil && (f.Via != "docker-proxy" || f.Container != nil || f.Netns != nil) {
			fmt.Fprintf(r.w, "%s%s\n", holderIndent, r.p.dim("published port: "+clean(f.Via)+" "+forwardWords(f)))
		}
	}
}

const holderIndent = "       "

// holders writes who holds the socket, or why nobody is shown.
func (r *renderer) holders(s *inspect.Socket) {
	switch {
	case len(s.Holders) > 0:
		for _, h := range s.Holders {
			r.holder(h)
		}
	case s.Hidden:
		cure := "run as root to see it"
		if r.root {
			cure = "its holder's descriptors cannot be read, even by root"
		}
		fmt.Fprintf(r.w, "%s%s\n", holderIndent, r.p.warn(fmt.Sprintf("in use, holder hidden: socket of %s; %s", owner(s.UID, s.User), cure)))
	case holderlessWords(s) != "":
		fmt.Fprintf(r.w, "%s%s\n", holderIndent, r.p.dim("no process: "+holderlessWords(s)))
	case s.Inode == 0 && s.State == inspect.TimeWait:
		msg := "no process: the kernel keeps this closed connection in TIME_WAIT"
		if s.Timer > 0 {
			msg += fmt.Sprintf(" for %s more", s.Timer.Round(time.Second))
		}
		fmt.Fprintf(r.w, "%s%s\n", holderIndent, r.p.dim(msg))
	default:
		fmt.Fprintf(r.w, "%s%s\n", holderIndent, r.p.dim("no process holds it (socket of "+owner(s.UID, s.User)+")"))
	}
}

// holder writes one process: pid, command line, and who it is.
func (r *renderer) holder(h *inspect.Process) {
	facts := append([]string{userName(h.UID, h.User)}, r.lifeFacts(h)...)
	facts = append(facts, whereFacts(h)...)
	fmt.Fprintf(r.w, "%s%s  %s  %s\n", holderIndent, r.p.pid(fmt.Sprintf("pid %-6d", h.PID)),
		commandLine(h.Cmdline, h.Name), r.p.dim("("+strings.Join(facts, ", ")+")"))
}

// lifeFacts are a process's age and a replaced binary.
func (r *renderer) lifeFacts(h *inspect.Process) []string {
	var f []string
	if a := age(r.now, h.Started); a != "" {
		f = append(f, "up "+a)
	}
	if h.ExeDeleted {
		f = append(f, r.p.warn("binary deleted since it started: "+clean(h.Exe)))
	}
	return f
}

// whereFacts say where a process runs: its systemd unit, the socket unit
// that passed it its sockets, its container, and for docker-proxy where
// it forwards.
func whereFacts(h *inspect.Process) []string {
	var f []string
	if h.Unit != "" {
		u := clean(h.Unit)
		if h.UserUnit {
			u += " (user unit)"
		}
		f = append(f, u)
	}
	for _, su := range h.SocketUnits {
		f = append(f, "via "+clean(su))
	}
	if c := h.Container; c != nil {
		f = append(f, c.Runtime+" container "+c.ShortID())
	}
	if h.ForwardsTo != "" {
		f = append(f, "forwards to "+clean(h.ForwardsTo))
	}
	return f
}

// owner names a socket's owner: "alice (uid 1000)", or "uid 1001" when
// the user database lacks a name.
func owner(uid uint32, name string) string {
	if name == "" {
		return fmt.Sprintf("uid %d", uid)
	}
	return fmt.Sprintf("%s (uid %d)", clean(name), uid)
}

// userName names a process's user, cleaned for the terminal: "alice",
// or "uid 1001".
func userName(uid uint32, name string) string { return clean(rawUserName(uid, name)) }

// rawUserName is userName not cleaned, for a writer that cleans what it
// writes itself (promLabels): cleaned twice, a backslash would be doubled
// twice.
func rawUserName(uid uint32, name string) string {
	if name == "" {
		return fmt.Sprintf("uid %d", uid)
	}
	return name
}

// endpoint writes an address and port, IPv6 in brackets.
func endpoint(ap netip.AddrPort) string {
	if ap.Addr().Is6() {
		return "[" + ap.Addr().String() + "]:" + fmt.Sprint(ap.Port())
	}
	return ap.String()
}
