package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// portOptions are the flags of whoport itself.
type portOptions struct {
	json, quiet, all bool
	tcp, udp         bool
	ipv4, ipv6       bool
}

func (o *portOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print a JSON document (see README for its schema)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print the pids of the holders only, one per line")
	f.BoolVarP(&o.all, "all", "a", false, "also show clients connected to the port (with no query: sockets in every state)")
	f.BoolVarP(&o.tcp, "tcp", "t", false, "TCP sockets only")
	f.BoolVarP(&o.udp, "udp", "u", false, "UDP sockets only")
	f.BoolVarP(&o.ipv4, "ipv4", "4", false, "IPv4 sockets only")
	f.BoolVarP(&o.ipv6, "ipv6", "6", false, "IPv6 sockets only")
}

// keep is the filter the flags make, on top of the queries.
func (o *portOptions) keep(s *inspect.Socket) bool {
	if o.tcp != o.udp && (s.Proto == services.TCP) != o.tcp {
		return false
	}
	if o.ipv4 != o.ipv6 && (s.Family == inspect.IPv4) != o.ipv4 {
		return false
	}
	return true
}

// ports answers whoport [QUERY...]: the sockets on the ports asked for, or
// with no query every listening socket.
func (a *app) ports(ctx context.Context, args []string, o portOptions) error {
	reg := a.registry()
	var qs []inspect.Query
	for _, arg := range args {
		q, err := inspect.ParseQuery(arg, reg)
		if err != nil {
			return err
		}
		qs = append(qs, q...)
	}
	for _, q := range qs {
		if q.Proto != "" && q.Proto != services.TCP && q.Proto != services.UDP {
			return fmt.Errorf("whoport inspects TCP and UDP sockets, not %s; whoport lookup %s tells what the registry says of it", q.Proto, q.Text)
		}
	}
	filter := inspect.Filter{Listening: !o.all}
	if len(qs) > 0 {
		filter = inspect.Matcher(qs, o.all)
	}
	filter.Keep = both(filter.Keep, o.keep)
	snap, err := a.system().Collect(ctx, filter)
	if err != nil {
		return withHint(err, "--proc-root names where procfs is mounted; it is "+a.procRoot)
	}
	for _, w := range snap.Warnings {
		fmt.Fprintf(a.stderr, "whoport: warning: skipped a line that does not parse: %s\n", w)
	}

	inUse := slices.ContainsFunc(snap.Sockets, func(s inspect.Socket) bool {
		return len(qs) == 0 || slices.ContainsFunc(qs, func(q inspect.Query) bool { return q.Match(&s, false) })
	})
	if !inUse {
		a.code = exitNotFound
	}
	if hidden := countHidden(snap.Sockets); hidden > 0 {
		a.hint("%s", hiddenHint(hidden, snap.Unreadable, isRoot()))
	}

	switch {
	case o.quiet:
		for _, pid := range holderPIDs(snap.Sockets) {
			fmt.Fprintln(a.stdout, pid)
		}
		return nil
	case o.json:
		return writeJSON(a.stdout, newDocument(snap, reg))
	}
	r := a.renderer(reg)
	if len(qs) == 0 {
		r.listing(snap)
		return nil
	}
	r.answer(qs, snap.Sockets, o)
	return nil
}

// both is the condition that f and g hold; a nil f always holds.
func both(f, g func(*inspect.Socket) bool) func(*inspect.Socket) bool {
	if f == nil {
		return g
	}
	return func(s *inspect.Socket) bool { return f(s) && g(s) }
}

// holderPIDs lists every holder's pid once, in order.
func holderPIDs(socks []inspect.Socket) []int32 {
	var pids []int32
	for _, s := range socks {
		for _, h := range s.Holders {
			pids = append(pids, h.PID)
		}
	}
	slices.Sort(pids)
	return slices.Compact(pids)
}

// hiddenHint explains why holders are hidden, and what would show them.
func hiddenHint(hidden int, unreadable []int32, root bool) string {
	what := fmt.Sprintf("%d %s hidden", hidden, plural(hidden, "socket's holder is", "sockets' holders are"))
	if root {
		return fmt.Sprintf("%s: even root may not read the descriptors of %s here (a sandbox or security module)",
			what, pidList(unreadable))
	}
	return fmt.Sprintf("%s: %d %s of other users could not be read; run as root (sudo) to see them",
		what, len(unreadable), plural(len(unreadable), "process", "processes"))
}

// pidList writes "pid 1" or "pids 1, 7, 9 and 3 more".
func pidList(pids []int32) string {
	if len(pids) == 0 {
		return "any process"
	}
	words := make([]string, 0, 4)
	for i, p := range pids {
		if i == 3 {
			words = append(words, fmt.Sprintf("%d more", len(pids)-3))
			break
		}
		words = append(words, fmt.Sprint(p))
	}
	return plural(len(pids), "pid ", "pids ") + strings.Join(words, ", ")
}

func isRoot() bool { return os.Geteuid() == 0 }

func countHidden(socks []inspect.Socket) int {
	n := 0
	for _, s := range socks {
		if s.Hidden {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
