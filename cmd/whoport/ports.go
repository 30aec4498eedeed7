package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// portOptions are the flags of whoport itself.
type portOptions struct {
	quiet, all bool
	byProcess  bool
	tcp, udp   bool
	ipv4, ipv6 bool
	states     []string
	pids       []int32
	commands   []string
	users      []string
	classes    []string
	exposed    bool
	shapeOptions
	netns string
}

func (o *portOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print the pids of the holders only, one per line")
	f.BoolVar(&o.byProcess, "by-process", false, "group the sockets by the process that holds them")
	o.filterFlags(cmd)
	o.shapeOptions.flags(cmd)
}

// filterFlags are the flags that choose sockets, which watch takes too.
func (o *portOptions) filterFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "sockets in every state; with a query, also the clients connected to the port")
	f.BoolVarP(&o.tcp, "tcp", "t", false, "TCP sockets only")
	f.BoolVarP(&o.udp, "udp", "u", false, "UDP sockets only")
	f.BoolVarP(&o.ipv4, "ipv4", "4", false, "IPv4 sockets only")
	f.BoolVarP(&o.ipv6, "ipv6", "6", false, "IPv6 sockets only")
	listVar(f, &o.states, "state", "", true, "sockets in these `STATES` only: LISTEN,ESTABLISHED,TIME_WAIT,BOUND,…")
	f.Int32SliceVarP(&o.pids, "pid", "p", nil, "sockets held by these `PIDS` (repeat it, or 1,2)")
	f.Lookup("pid").DefValue = "" // pflag's help would say "(default [])"
	listVar(f, &o.commands, "command", "c", false, "sockets held by a process whose name or arguments contain `TEXT` (repeat it for any of several)")
	listVar(f, &o.users, "user", "", true, "sockets of these users (`NAMES or UIDS`): owned by one or held by their processes")
	listVar(f, &o.classes, "class", "", true, "ports of these `CLASSES` only: system (0-1023), user (1024-49151), dynamic (49152-65535)")
	boolVar(f, &o.exposed, "exposed", "listeners reachable from outside this host only: not on loopback, not link-local")
	f.StringVar(&o.netns, "netns", inspect.NetnsAll, "the network namespaces to look in: `WHICH` is all, host (whoport's own), a pid, or a name (ip netns, container, netns:[INODE])")
}

// classes are the port classes, as --class names them.
var classes = map[string]services.Class{"system": services.System, "user": services.User, "dynamic": services.Dynamic}

// checkGiven says which filter was given empty: --state ” would
// otherwise pass every socket.
func checkGiven(cmd *cobra.Command, values map[string][]string) error {
	for flag, vs := range values {
		if !cmd.Flags().Changed(flag) {
			continue
		}
		if len(vs) == 0 || slices.ContainsFunc(vs, func(v string) bool { return strings.TrimSpace(v) == "" }) {
			return fmt.Errorf("--%s was given an empty value: give one, or leave the flag out (see whoport --help)", flag)
		}
	}
	return nil
}

// filter reads what the flags and queries ask into the filter Collect
// takes, or says what is wrong with them.
func (o *portOptions) filter(cmd *cobra.Command, qs []inspect.Query, sys inspect.System) (inspect.Filter, error) {
	f := inspect.Filter{Listening: !o.all && len(o.states) == 0}
	if len(qs) > 0 {
		f = inspect.Matcher(qs, o.all)
	}
	if o.tcp != o.udp { // the query's own protocols still hold: -t 53/udp is nothing
		f.Protos = []services.Proto{map[bool]services.Proto{true: services.TCP, false: services.UDP}[o.tcp]}
	}
	if o.ipv4 != o.ipv6 {
		f.Families = []inspect.Family{map[bool]inspect.Family{true: inspect.IPv4, false: inspect.IPv6}[o.ipv4]}
	}
	if err := checkGiven(cmd, map[string][]string{"state": o.states, "command": o.commands, "user": o.users, "class": o.classes}); err != nil {
		return f, err
	}
	for _, name := range o.states {
		st, ok := inspect.ParseState(strings.TrimSpace(name))
		if !ok {
			return f, fmt.Errorf("unknown state %q: use LISTEN, ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE_WAIT, LAST_ACK, CLOSING, CLOSE, or for UDP BOUND and CONNECTED", name)
		}
		f.States = append(f.States, st)
	}
	if err := checkPIDs(o.pids); err != nil {
		return f, err
	}
	f.PIDs = append(f.PIDs, o.pids...)
	for _, name := range o.classes {
		c, ok := classes[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			return f, fmt.Errorf("unknown class %q: use system (0-1023), user (1024-49151) or dynamic (49152-65535)", name)
		}
		f.Classes = append(f.Classes, c)
	}
	for _, name := range o.users {
		uid, err := sys.LookupUID(strings.TrimSpace(name))
		if err != nil {
			return f, err
		}
		f.UIDs = append(f.UIDs, uid)
	}
	f.Commands = o.commands
	f.Exposed = o.exposed
	f.Netns, f.DNAT = o.netns, true
	f.OthersListening = !o.all && len(o.states) == 0 // a container's connections: with -a
	return f, nil
}

// ports answers whoport [QUERY...]: the sockets on the ports asked for, or
// with no query every listening socket.
func (a *app) ports(cmd *cobra.Command, args []string, o portOptions) (outcome, error) {
	var out outcome
	if o.quiet && a.format != formatText {
		return out, fmt.Errorf("-q prints pids alone, and --format %s a document: give one", a.format)
	}
	if o.byProcess && a.format != formatText {
		return out, fmt.Errorf("--by-process is a way to print text; the JSON lists every socket with its holders")
	}
	if err := o.checkForm(cmd, a.format); err != nil {
		return out, err
	}
	sys, qs, filter, err := a.socketFilter(cmd, args, o)
	if err != nil {
		return out, err
	}
	snap, err := sys.Collect(cmd.Context(), filter)
	if err != nil {
		return out, err
	}
	// Exit 0 when something matched: a socket on a port asked for (a
	// hidden holder or a TIME_WAIT remnant too), with -a a client of it,
	// or with no query anything listed.
	if len(snap.Sockets) == 0 && len(snap.DNAT) == 0 { // a port published by DNAT alone is in use too
		out.code = exitNotFound
	}
	a.snapshotNotes(&out, snap, sys)
	sortListing(snap.Sockets, o.sortBy)
	netnsHints(&out, snap, sys.Identity().Root(), len(qs) > 0)
	set := inspect.NewQuerySet(qs)
	rep := portsReport{snap: snap, qs: qs, queries: set, opts: o, shaped: o.shaped(cmd)}
	if len(qs) > 0 { // a listing has no port headers
		rep.headers = portHeaders(set, snap.Sockets, sys.Registry())
	}
	if len(qs) > 0 && o.filtering(cmd) {
		if rep.unfiltered, err = unfiltered(sys, qs, o.netns, snap.Sockets); err != nil {
			return out, err
		}
	}
	return out, a.write(rep, sys)
}

// socketFilter opens the host and reads the queries and the filter flags
// into the filter Collect takes: what whoport and watch ask the same way.
func (a *app) socketFilter(cmd *cobra.Command, args []string, o portOptions) (inspect.System, []inspect.Query, inspect.Filter, error) {
	sys, err := a.system()
	if err != nil {
		return sys, nil, inspect.Filter{}, err
	}
	qs, err := socketQueries(args, sys.Registry())
	if err != nil {
		return sys, nil, inspect.Filter{}, err
	}
	f, err := o.filter(cmd, qs, sys)
	return sys, qs, f, err
}

// filtering reports whether flags narrow what the queries name.
func (o *portOptions) filtering(cmd *cobra.Command) bool {
	for _, name := range []string{"tcp", "udp", "ipv4", "ipv6", "state", "pid", "command", "user", "class"} {
		if cmd.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// unfiltered gives, for each port asked for where the filters left no
// socket, the sockets that are on it all the same (from the tables
// alone), so that a filtered-out port is never called free.
func unfiltered(sys inspect.System, qs []inspect.Query, netns string, kept []inspect.Socket) (map[uint16][]inspect.Socket, error) {
	shown := map[uint16]bool{}
	for _, s := range kept {
		shown[s.Local.Port()] = true
	}
	if !slices.ContainsFunc(qs, func(q inspect.Query) bool { return !showsSome(shown, q.First, q.Last) }) {
		return nil, nil // every query shows a socket: no table to read again
	}
	f := inspect.Matcher(qs, false)
	f.Netns, f.OthersListening = netns, true
	all, err := sys.Tables(f)
	if err != nil {
		return nil, err
	}
	out := map[uint16][]inspect.Socket{}
	for _, s := range all.Sockets {
		if p := s.Local.Port(); !shown[p] {
			out[p] = append(out[p], s)
		}
	}
	return out, nil
}

// showsSome reports whether a port from first to last is shown.
func showsSome(shown map[uint16]bool, first, last uint16) bool {
	for p := range shown {
		if p >= first && p <= last {
			return true
		}
	}
	return false
}

// snapshotNotes adds what the command must say of how the snapshot was
// taken: where the table came from when it was not sock_diag on a host
// that has it, lines that did not parse, holders that are hidden, and
// processes that were not searched.
func (a *app) snapshotNotes(out *outcome, snap *inspect.Snapshot, sys inspect.System) {
	if snap.Fallback != "" {
		fmt.Fprintf(a.stderr, "whoport: warning: sock_diag failed (%s): the sockets come from /proc/net, which does not say whether an IPv6 socket is IPV6_V6ONLY\n", oneLine(snap.Fallback))
	}
	for _, w := range snap.Warnings {
		fmt.Fprintf(a.stderr, "whoport: warning: skipped a line that does not parse: %s\n", clean(w))
	}
	if hidden := countHidden(snap.Sockets); hidden > 0 {
		out.hint("%s", hiddenHint(hidden, snap, sys.Identity().Root()))
	}
	if n := len(snap.NoSuchPIDs); n > 0 {
		pids := make([]string, n)
		for i, pid := range snap.NoSuchPIDs {
			pids[i] = strconv.Itoa(int(pid))
		}
		if n == 1 {
			out.hint("no process has pid %s (it exited, or never was)", pids[0])
		} else {
			out.hint("no processes have pids %s (they exited, or never were)", strings.Join(pids, ", "))
		}
	}
	if snap.Searched != nil && len(snap.Sockets) > 0 {
		out.hint("-p searches the processes it names, their parents and their children: other processes that share these sockets are not shown (leave -p out to see every holder)")
	}
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
func hiddenHint(hidden int, snap *inspect.Snapshot, root bool) string {
	return fmt.Sprintf("%d %s hidden: %s", hidden, plural(hidden, "socket's holder is", "sockets' holders are"), hiddenWhy(snap, root))
}

// hiddenWhy says why processes could not be read, and what would help.
func hiddenWhy(snap *inspect.Snapshot, root bool) string {
	switch {
	case root:
		return fmt.Sprintf("even root may not read the descriptors of %s here (a sandbox or security module)", pidList(snap.Unreadable))
	case snap.Hidepid != "":
		return fmt.Sprintf("this procfs is mounted with %s, which hides other users' processes; run as root (sudo) to see them", snap.Hidepid)
	}
	return fmt.Sprintf("%d %s of other users could not be read; run as root (sudo) to see them",
		len(snap.Unreadable), plural(len(snap.Unreadable), "process", "processes"))
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
