package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/whoport/whoport/inspect"
)

// listing writes the sockets one line each, in the order asked (by port
// unless --sort), in the columns asked (-o): by default protocol,
// address, class and service, the holders (the first in full, the others
// counted), where the holder runs and its command line. A closing line
// counts what was shown; --no-header leaves it out with the header.
func (r *renderer) listing(socks []inspect.Socket, peers bool, o shapeOptions) {
	if len(socks) == 0 {
		if !o.noHeader {
			fmt.Fprintln(r.w, r.p.dim("no socket matches"))
		}
		return
	}
	cols, _ := pickColumns(o.columns, listingColumns(peers)) // checked before the command ran
	r.shapedTable(socks, cols, peers, o.noHeader)
	if !o.noHeader {
		fmt.Fprintln(r.w, r.p.dim(summary(socks)))
	}
}

// dnatListing writes the NAT rules that publish ports no socket of the
// host listens on, below a listing.
func (r *renderer) dnatListing(socks []inspect.Socket, rules []inspect.DNATRule) {
	for i := range rules {
		rule := &rules[i]
		port := rule.Ports.First
		if slices.ContainsFunc(socks, func(s inspect.Socket) bool {
			return s.InHost() && s.Listening() && rule.Matches(s.Proto, s.Local.Port())
		}) {
			continue
		}
		ports := fmt.Sprint(port)
		if rule.Ports.Last != port {
			ports = fmt.Sprintf("%d-%d", port, rule.Ports.Last)
		}
		proto := string(rule.Proto)
		if proto == "" {
			proto = "tcp/udp"
		}
		fmt.Fprintf(r.w, "%s\n", r.p.warn(fmt.Sprintf("%s %s: %s", proto, ports, dnatWords(rule, port, false))))
	}
}

// serviceName is the port's first IANA name for the socket's protocol, or
// "-".
func serviceName(s *inspect.Socket) string {
	if len(s.Port.Services) == 0 {
		return "-"
	}
	return s.Port.Services[0].Name
}

// holderCells are the PID, USER, WHERE and COMMAND cells of a socket.
func (r *renderer) holderCells(s *inspect.Socket) []string {
	if len(s.Holders) == 0 && s.Inode == 0 {
		return []string{"-", "-", elsewhere(s), r.noHolder(s)} // TIME_WAIT, orphans: the kernel's, whoever owned it
	}
	if len(s.Holders) == 0 {
		return []string{"-", owner(s.UID, s.User), elsewhere(s), r.noHolder(s)}
	}
	h, others := inspect.MainHolder(s.Holders)
	cmd := commandLine(h.Cmdline, h.Name)
	if len(others) > 0 {
		cmd += r.p.dim(fmt.Sprintf(" (+%d: %s)", len(others), pidWords(others)))
	}
	where := socketWhere(s, h)
	if h.ExeDeleted {
		where = append(where, "binary deleted")
	}
	return []string{fmt.Sprint(h.PID), userName(h.UID, h.User), strings.Join(where, ", "), cmd}
}

// noHolder says why a socket shows no holder.
func (r *renderer) noHolder(s *inspect.Socket) string { return noHolderWords(s, r.root) }

// noHolderWords says why a socket shows no holder, for whoport run as
// root or not.
func noHolderWords(s *inspect.Socket, root bool) string {
	switch {
	case s.Hidden && root:
		return "in use, holder hidden (unreadable even to root)"
	case s.Hidden:
		return "in use, holder hidden (run as root to see it)"
	case s.State == inspect.TimeWait:
		return "no process (TIME_WAIT)"
	case s.Kernel && s.Device != "":
		return "kernel socket (" + clean(s.Device) + ")"
	case s.Kernel:
		return "kernel socket"
	case s.Orphaned:
		return "no process: orphaned, closing by itself"
	}
	return "no process holds it"
}

// pidWords writes "101, 102, 103" or "101, 102, … 140".
func pidWords(pids []int32) string {
	if len(pids) > 4 {
		return fmt.Sprintf("%d, %d, … %d", pids[0], pids[1], pids[len(pids)-1])
	}
	w := make([]string, len(pids))
	for i, p := range pids {
		w[i] = fmt.Sprint(p)
	}
	return strings.Join(w, ", ")
}

// summary counts sockets, their distinct holders, and the hidden ones.
func summary(socks []inspect.Socket) string {
	hidden, procs := countHidden(socks), len(holderPIDs(socks))
	msg := fmt.Sprintf("%d %s, %d %s", len(socks), plural(len(socks), "socket", "sockets"),
		procs, plural(procs, "process", "processes"))
	if hidden > 0 {
		msg += fmt.Sprintf("; %d with %s hidden", hidden, plural(hidden, "its holder", "their holders"))
	}
	return msg
}
