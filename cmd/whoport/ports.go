package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// portOptions are the flags of whoport itself.
type portOptions struct {
	json, quiet, all bool
	byProcess        bool
	tcp, udp         bool
	ipv4, ipv6       bool
	states           []string
	pid              int32
	pidSet           bool
	command          string
	user             string
	class            string

	// What the flags mean, once checked.
	stateSet map[inspect.State]bool
	uid      *uint32
}

func (o *portOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print a JSON document (see README for its schema)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print the pids of the holders only, one per line")
	f.BoolVarP(&o.all, "all", "a", false, "sockets in every state; with a query, also the clients connected to the port")
	f.BoolVar(&o.byProcess, "by-process", false, "group the sockets by the process that holds them")
	f.BoolVarP(&o.tcp, "tcp", "t", false, "TCP sockets only")
	f.BoolVarP(&o.udp, "udp", "u", false, "UDP sockets only")
	f.BoolVarP(&o.ipv4, "ipv4", "4", false, "IPv4 sockets only")
	f.BoolVarP(&o.ipv6, "ipv6", "6", false, "IPv6 sockets only")
	f.StringSliceVar(&o.states, "state", nil, "sockets in these `STATES` only: LISTEN,ESTABLISHED,TIME_WAIT,BOUND,…")
	f.Int32VarP(&o.pid, "pid", "p", 0, "sockets held by this `PID`")
	f.StringVarP(&o.command, "command", "c", "", "sockets held by a process whose name or arguments contain `TEXT`")
	f.StringVar(&o.user, "user", "", "sockets of this user (`NAME or UID`): owned by it or held by its processes")
	f.StringVar(&o.class, "class", "", "ports of this `CLASS` only: system (0-1023), user (1024-49151) or dynamic (49152-65535)")
}

// check reads what the flags mean, or says what is wrong with them.
func (o *portOptions) check() error {
	if len(o.states) > 0 {
		o.stateSet = map[inspect.State]bool{}
	}
	for _, name := range o.states {
		st, ok := inspect.ParseState(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("unknown state %q: use LISTEN, ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING, CLOSE, or for UDP BOUND and CONNECTED", name)
		}
		o.stateSet[st] = true
	}
	if o.pid < 0 || (o.pid == 0 && o.pidSet) {
		return fmt.Errorf("invalid --pid %d: give a process id, 1 or more", o.pid)
	}
	switch o.class {
	case "", "system", "user", "dynamic":
	default:
		return fmt.Errorf("unknown class %q: use system (0-1023), user (1024-49151) or dynamic (49152-65535)", o.class)
	}
	if o.user != "" {
		uid, err := lookupUID(o.user)
		if err != nil {
			return err
		}
		o.uid = &uid
	}
	return nil
}

// lookupUID reads a user name or number.
func lookupUID(s string) (uint32, error) {
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		return uint32(n), nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return 0, fmt.Errorf("unknown user %q: give a user name or a number", s)
	}
	n, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("user %q has no numeric uid (%s)", s, u.Uid)
	}
	return uint32(n), nil
}

// keep is what the flags ask of a socket itself, known before its holders
// are looked for.
func (o *portOptions) keep(s *inspect.Socket) bool {
	if o.tcp != o.udp && (s.Proto == services.TCP) != o.tcp {
		return false
	}
	if o.ipv4 != o.ipv6 && (s.Family == inspect.IPv4) != o.ipv4 {
		return false
	}
	if o.stateSet != nil && !o.stateSet[s.State] {
		return false
	}
	if o.class != "" && services.ClassOf(s.Local.Port()).String() != o.class {
		return false
	}
	return true
}

// keepHeld is what the flags ask of a socket's holders: a socket passes
// when one of its holders does (for --user, or when it is the user's own).
func (o *portOptions) keepHeld(s *inspect.Socket) bool {
	if o.pid != 0 && !slices.ContainsFunc(s.Holders, func(p *inspect.Process) bool { return p.PID == o.pid }) {
		return false
	}
	if o.command != "" && !slices.ContainsFunc(s.Holders, func(p *inspect.Process) bool { return commandContains(p, o.command) }) {
		return false
	}
	if o.uid != nil && s.UID != *o.uid && !slices.ContainsFunc(s.Holders, func(p *inspect.Process) bool { return p.UID == *o.uid }) {
		return false
	}
	return true
}

// commandContains reports whether the process's name or one of its
// arguments contains text, in any case.
func commandContains(p *inspect.Process, text string) bool {
	text = strings.ToLower(text)
	if strings.Contains(strings.ToLower(p.Name), text) {
		return true
	}
	return slices.ContainsFunc(p.Cmdline, func(a string) bool { return strings.Contains(strings.ToLower(a), text) })
}

// ports answers whoport [QUERY...]: the sockets on the ports asked for, or
// with no query every listening socket.
func (a *app) ports(ctx context.Context, args []string, o portOptions) error {
	reg := a.registry()
	qs, err := socketQueries(args, reg)
	if err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	filter := inspect.Filter{Listening: !o.all && o.stateSet == nil}
	if len(qs) > 0 {
		filter = inspect.Matcher(qs, o.all)
	}
	filter.Keep = both(filter.Keep, o.keep)
	snap, err := a.system().Collect(ctx, filter)
	if err != nil {
		return withHint(err, "--proc-root names where procfs is mounted; it is "+a.procRoot)
	}
	snap.Sockets = slices.DeleteFunc(snap.Sockets, func(s inspect.Socket) bool { return !o.keepHeld(&s) })
	for _, w := range snap.Warnings {
		fmt.Fprintf(a.stderr, "whoport: warning: skipped a line that does not parse: %s\n", w)
	}

	// Exit 0 when something matched: a socket on a port asked for (a
	// hidden holder or a TIME_WAIT remnant too), with -a a client of it,
	// or with no query anything listed.
	inUse := len(snap.Sockets) > 0
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
	switch {
	case o.byProcess:
		r.byProcess(snap.Sockets)
	case len(qs) == 0:
		r.listing(snap.Sockets, o.all || o.stateSet != nil)
	default:
		r.answer(qs, snap.Sockets, o)
	}
	return nil
}

// socketQueries parses queries about sockets: TCP and UDP ones.
func socketQueries(args []string, reg *services.Registry) ([]inspect.Query, error) {
	var qs []inspect.Query
	for _, arg := range args {
		q, err := inspect.ParseQuery(arg, reg)
		if err != nil {
			return nil, err
		}
		if p := q[0].Proto; p != "" && p != services.TCP && p != services.UDP {
			return nil, fmt.Errorf("whoport inspects TCP and UDP sockets, not %s; whoport lookup %s tells what the registry says of it", p, arg)
		}
		qs = append(qs, q...)
	}
	return qs, nil
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
	return fmt.Sprintf("%d %s hidden: %s", hidden, plural(hidden, "socket's holder is", "sockets' holders are"), hiddenWhy(unreadable, root))
}

// hiddenWhy says why processes could not be read, and what would help.
func hiddenWhy(unreadable []int32, root bool) string {
	if root {
		return fmt.Sprintf("even root may not read the descriptors of %s here (a sandbox or security module)", pidList(unreadable))
	}
	return fmt.Sprintf("%d %s of other users could not be read; run as root (sudo) to see them",
		len(unreadable), plural(len(unreadable), "process", "processes"))
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
