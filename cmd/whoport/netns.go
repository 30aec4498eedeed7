package main

// What whoport says of network namespaces, kernel and orphaned sockets,
// and published ports (issue 11): the words and JSON fields the listing,
// the answer to whoport PORT, why, wait, free and audit share.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// netnsLabel names a namespace for people: a container by its name
// ("docker:web"), others as "netns blue".
func netnsLabel(n *inspect.Netns) string {
	if n == nil {
		return ""
	}
	if n.Container != nil || strings.HasPrefix(n.Name, "netns:") {
		return clean(n.Name)
	}
	return "netns " + clean(n.Name)
}

// elsewhere says where a socket is when it is not in whoport's own
// namespace, "in docker:web"; "" for the host's.
func elsewhere(s *inspect.Socket) string {
	if s.InHost() {
		return ""
	}
	return "in " + netnsLabel(s.Netns)
}

// forwardWords says where a published port goes: "→ 172.17.0.2:80
// (docker:web)", or for a holder that only keeps the port "keeps the port
// for a NAT rule".
func forwardWords(f *inspect.Forward) string {
	to := clean(f.String())
	switch {
	case to != "":
		return "→ " + to
	case f.Reservation:
		return "keeps the port for a NAT rule"
	}
	return "publishes it into a container"
}

// holderlessWords says who has a socket no process holds, when someone
// does: the kernel (with its device), or nobody (an orphan, closing).
func holderlessWords(s *inspect.Socket) string {
	switch {
	case s.Kernel && s.Device != "":
		return "the kernel's socket, of " + clean(s.Device)
	case s.Kernel:
		return "the kernel's socket (no process holds it: a tunnel, NFS or another kernel service)"
	case s.Orphaned:
		msg := fmt.Sprintf("orphaned (its holder closed it; the kernel finishes the close in %s", s.State.Name(s.Proto))
		if s.Timer > 0 {
			msg += fmt.Sprintf(" and drops it within %s", s.Timer.Round(time.Second))
		}
		return msg + "): nothing to stop, it goes away by itself"
	}
	return ""
}

// noHostSocketWords is said of a port whose sockets are all in other
// namespaces.
const noHostSocketWords = "no socket on this port is in whoport's own network namespace: a host bind would not conflict"

// dnatWords says what a NAT rule does with port.
func dnatWords(r *inspect.DNATRule, port uint16, hostListener bool) string {
	to := clean(r.Forward(port).String())
	if hostListener {
		return fmt.Sprintf("published by DNAT to %s too: traffic from outside goes there", to)
	}
	return fmt.Sprintf("published by DNAT to %s; no socket listens on the host, a host bind would succeed but be shadowed", to)
}

// portNotes are the lines said of one port of an answer after its
// sockets: that none is the host's, and the NAT rules that publish it.
func portNotes(port uint16, socks []*inspect.Socket, rules []inspect.DNATRule, protos []services.Proto) []string {
	var notes []string
	if len(socks) > 0 && !slices.ContainsFunc(socks, func(s *inspect.Socket) bool { return s.InHost() }) {
		notes = append(notes, noHostSocketWords)
	}
	for i := range rules {
		r := &rules[i]
		if !slices.ContainsFunc(protos, func(p services.Proto) bool { return r.Matches(p, port) }) {
			continue
		}
		host := slices.ContainsFunc(socks, func(s *inspect.Socket) bool {
			return s.InHost() && s.Listening() && (r.Proto == "" || s.Proto == r.Proto)
		})
		forwarded := slices.ContainsFunc(socks, func(s *inspect.Socket) bool {
			return s.Forward != nil && s.Forward.To == r.Target(port)
		})
		if !forwarded {
			notes = append(notes, dnatWords(r, port, host))
		}
	}
	return notes
}

// netnsHints are the hints of a snapshot about namespaces: those that
// could not be read, processes whose namespace could not be told, and NAT
// rules that could not be read.
func netnsHints(out *outcome, snap *inspect.Snapshot, root, port bool) {
	var skipped []string
	for _, n := range snap.Namespaces {
		if n.Skipped != "" {
			skipped = append(skipped, netnsLabel(n)+": "+n.Skipped)
		}
	}
	if len(skipped) > 0 {
		out.hint("%d network %s not read, %s sockets are not shown (%s)", len(skipped),
			plural(len(skipped), "namespace was", "namespaces were"), plural(len(skipped), "its", "their"), strings.Join(skipped, "; "))
	}
	switch n := len(snap.NetnsUnknown); {
	case n > 0 && root:
		out.hint("even root may not read the network namespace of %s here (a sandbox or security module): sockets in a namespace only %s are not shown",
			pidList(snap.NetnsUnknown), plural(n, "it uses", "they use"))
	case n > 0:
		out.hint("the network namespaces of %d %s of other users could not be read: sockets in namespaces only they use are not shown; run as root (sudo) to see them",
			n, plural(n, "process", "processes"))
	}
	if port && snap.DNATSkipped != "" {
		out.hint("the NAT rules were not read (%s): a port published by DNAT alone would not show", snap.DNATSkipped)
	}
}

// jsonNetns is a namespace in the JSON document.
type jsonNetns struct {
	Inode     uint64         `json:"inode"`
	Name      string         `json:"name"`
	Container *jsonContainer `json:"container,omitempty"`
	Path      string         `json:"path,omitempty"`    // in the namespaces list
	Skipped   string         `json:"skipped,omitempty"` // in the namespaces list: why it was not read
}

func newJSONNetns(n *inspect.Netns) *jsonNetns {
	if n == nil {
		return nil
	}
	return &jsonNetns{Inode: n.Inode, Name: n.Name, Container: newJSONContainer(n.Container)}
}

func newJSONContainer(c *inspect.Container) *jsonContainer {
	if c == nil {
		return nil
	}
	return &jsonContainer{Runtime: c.Runtime, ID: c.ID, Pod: c.Pod, Name: c.Name}
}

// jsonForward is where a published port goes.
type jsonForward struct {
	Via         string         `json:"via"`
	To          *jsonEndpoint  `json:"to,omitempty"`
	Target      string         `json:"target,omitempty"`
	Netns       *jsonNetns     `json:"netns,omitempty"`
	Container   *jsonContainer `json:"container,omitempty"`
	Reservation bool           `json:"reservation,omitempty"`
}

func newJSONForward(f *inspect.Forward) *jsonForward {
	if f == nil {
		return nil
	}
	j := &jsonForward{Via: f.Via, Target: f.Target, Netns: newJSONNetns(f.Netns), Container: newJSONContainer(f.Container), Reservation: f.Reservation}
	if f.To.IsValid() {
		j.To = &jsonEndpoint{f.To.Addr().String(), f.To.Port()}
	}
	return j
}

// jsonDNAT is a NAT rule that publishes ports.
type jsonDNAT struct {
	Proto     string         `json:"proto,omitempty"`
	First     uint16         `json:"first_port"`
	Last      uint16         `json:"last_port"`
	To        jsonEndpoint   `json:"to"` // port 0: the same port
	Table     string         `json:"table"`
	Chain     string         `json:"chain"`
	Netns     *jsonNetns     `json:"netns,omitempty"`
	Container *jsonContainer `json:"container,omitempty"`
}

// netnsDocument adds the namespaces and NAT rules to a document.
func netnsDocument(doc *document, snap *inspect.Snapshot) {
	for _, n := range snap.Namespaces {
		j := newJSONNetns(n)
		j.Path, j.Skipped = n.Path, n.Skipped
		doc.Namespaces = append(doc.Namespaces, *j)
	}
	doc.NetnsUnknown = len(snap.NetnsUnknown)
	for _, r := range snap.DNAT {
		doc.DNAT = append(doc.DNAT, jsonDNAT{Proto: string(r.Proto), First: r.Ports.First, Last: r.Ports.Last,
			To: jsonEndpoint{r.To.Addr().String(), r.To.Port()}, Table: r.Table, Chain: r.Chain,
			Netns: newJSONNetns(r.Netns), Container: newJSONContainer(r.Container)})
	}
	doc.DNATSkipped = snap.DNATSkipped
}

// netnsSocket adds a socket's namespace and who has it to its JSON.
func netnsSocket(j *jsonSocket, s *inspect.Socket) {
	j.Netns = newJSONNetns(s.Netns)
	j.Kernel, j.Device, j.Orphaned = s.Kernel, s.Device, s.Orphaned
	j.Forward = newJSONForward(s.Forward)
}

// socketWhere is the WHERE of a socket held by h: its namespace when not
// the host's, who h is, and where a published port goes.
func socketWhere(s *inspect.Socket, h *inspect.Process) []string {
	var where []string
	if w := elsewhere(s); w != "" {
		where = append(where, w)
	}
	facts := whereFacts(h)
	if s.Forward != nil {
		facts = slices.DeleteFunc(facts, func(f string) bool { return strings.HasPrefix(f, "forwards to ") })
		facts = append(facts, forwardWords(s.Forward))
	}
	return append(where, facts...)
}

// elsewhereHints notes, as hints, what is on the binds' ports outside
// whoport's own network namespace (wait and free are about the host's):
// sockets in other namespaces, and NAT rules that publish the ports.
func elsewhereHints(ctx context.Context, sys inspect.System, out *outcome, binds []inspect.Bind) {
	if len(binds) == 0 {
		return
	}
	f := inspect.Filter{Netns: inspect.NetnsAll, DNAT: true}
	for _, b := range binds {
		f.Ports = append(f.Ports, inspect.PortRange{First: b.Port, Last: b.Port})
		if !slices.Contains(f.Protos, b.Proto) {
			f.Protos = append(f.Protos, b.Proto)
		}
	}
	snap, err := sys.Collect(ctx, f)
	if err != nil {
		return // only a note: the answer stands without it
	}
	for _, b := range binds {
		for _, e := range inspect.Elsewhere(b, snap.Sockets, snap.DNAT) {
			out.hint("%s", clean(e.Message))
		}
	}
}

// partlyRead reports whether some namespace's sockets could not be read,
// or some processes' namespaces could not be told: "not in use" then
// holds only for what was read.
func partlyRead(snap *inspect.Snapshot) bool {
	return len(snap.NetnsUnknown) > 0 || slices.ContainsFunc(snap.Namespaces, func(n *inspect.Netns) bool { return n.Skipped != "" })
}

// readWhere qualifies "not in use" when some namespaces were not read.
func readWhere(snap *inspect.Snapshot) string {
	if partlyRead(snap) {
		return " in the network namespaces whoport could read"
	}
	return ""
}
