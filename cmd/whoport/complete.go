package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// Shell completion that knows the host: cobra's completion command writes
// the bash, zsh, fish and PowerShell scripts, which ask whoport itself
// (whoport __complete ARGS…) for the words to offer. whoport answers with
// the ports that listen now, each described by its holder, the service
// names of the registry, the host's pids and users, and the values every
// flag takes.

// completeWalkFiles is the most open files on a host for completion to
// look for the holders of the listening ports, to describe each port by
// its holder: at about 2.4 µs a descriptor, split over the cores, some
// 20-50 ms. On a bigger host the ports are described by the socket tables
// alone (their owner), which cost milliseconds whatever the host.
const completeWalkFiles = 20000

// addCompletions gives every command the completion of its arguments and
// of its flags' values.
func (a *app) addCompletions(root *cobra.Command) {
	for name, fn := range map[string]cobra.CompletionFunc{
		"color":  fixedValues("auto\ton a terminal, without NO_COLOR", "always", "never"),
		"format": completeFormat,
		"proc-root": func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveFilterDirs
		},
	} {
		root.RegisterFlagCompletionFunc(name, fn)
	}
	local := map[string]cobra.CompletionFunc{
		"state":   listValues(stateWords()...),
		"class":   fixedValues("system\tports 0-1023", "user\tports 1024-49151", "dynamic\tports 49152-65535"),
		"pid":     a.completePIDs,
		"user":    a.completeUsers,
		"sort":    fixedValues("port", "pid", "proc\tthe holder's name", "state"),
		"columns": listValues(columnNames()...),
		"fail-on": fixedValues("info", "warn", "high", "never"),
		"signal":  fixedValues(signalWords()...),
	}
	for _, c := range append([]*cobra.Command{root}, root.Commands()...) {
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if fn := local[f.Name]; fn != nil {
				c.RegisterFlagCompletionFunc(f.Name, fn)
			}
		})
		switch c.Name() {
		case "whoport", "watch", "kill", "why", "wait":
			c.ValidArgsFunction = a.completeQueries
		case "lookup":
			c.ValidArgsFunction = a.completeNames
		default:
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
	}
}

// fixedValues completes a flag that takes one of values ("value\tdescription").
func fixedValues(values ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, v := range values {
			if word, _, _ := strings.Cut(v, "\t"); strings.HasPrefix(strings.ToLower(word), strings.ToLower(toComplete)) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// listValues completes a flag that takes a comma-separated list of
// values: the last one of the list, after those already given.
func listValues(values ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		given, last := "", toComplete
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			given, last = toComplete[:i+1], toComplete[i+1:]
		}
		var out []string
		for _, v := range values {
			word, _, _ := strings.Cut(v, "\t")
			if strings.HasPrefix(strings.ToLower(word), strings.ToLower(last)) &&
				!slices.Contains(strings.Split(strings.ToLower(given), ","), strings.ToLower(word)) {
				out = append(out, given+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveKeepOrder
	}
}

// completeFormat completes --format with the formats the command writes.
func completeFormat(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return fixedValues(formatsOf(cmd)...)(cmd, args, toComplete)
}

// stateWords are the states --state takes, as whoport names them.
func stateWords() []string {
	var out []string
	for st := inspect.Established; st <= inspect.Closing; st++ {
		out = append(out, st.Name(services.TCP))
	}
	return append(out, "BOUND\tUDP, not connected", "CONNECTED\tUDP, connected")
}

// signalWords are the signal names --signal takes, sorted.
func signalWords() []string {
	var out []string
	for name := range signals {
		out = append(out, name)
	}
	for name := range extraSignals {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// completeQueries completes a query: the ports that listen now, each
// described by who holds it, or service names once a letter is typed.
func (a *app) completeQueries(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if toComplete != "" && unicode.IsLetter(rune(toComplete[0])) {
		return a.completeNames(cmd, args, toComplete)
	}
	sys, err := a.system()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	f := inspect.Filter{Listening: true, NoHolders: true}
	if n, err := sys.OpenFiles(); err == nil && n <= a.completeWalk {
		f.NoHolders = false
	}
	snap, err := sys.Collect(cmd.Context(), f)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, port := range listeningPorts(snap.Sockets) {
		p := strconv.Itoa(int(port.number))
		if strings.HasPrefix(p, toComplete) && !slices.Contains(args, p) {
			out = append(out, p+"\t"+port.describe())
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// listeningPort is what completion says of one port: the sockets that
// listen on it.
type listeningPort struct {
	number uint16
	socks  []*inspect.Socket
}

// listeningPorts groups the listening sockets by port, in port order.
func listeningPorts(socks []inspect.Socket) []listeningPort {
	var out []listeningPort
	for i := range socks {
		s := &socks[i]
		if n := len(out); n > 0 && out[n-1].number == s.Local.Port() {
			out[n-1].socks = append(out[n-1].socks, s)
		} else {
			out = append(out, listeningPort{s.Local.Port(), []*inspect.Socket{s}})
		}
	}
	return out
}

// describe says who listens on the port and where: "python3 (pid 4982) ·
// tcp 127.0.0.1, tcp [::1] · http-alt". Without holders (a big host, or
// hidden ones) the socket's owner stands for them.
func (p listeningPort) describe() string {
	var who, where []string
	for _, s := range p.socks {
		w := "socket of " + userName(s.UID, s.User)
		if len(s.Holders) > 0 {
			h, _ := inspect.MainHolder(s.Holders)
			w = fmt.Sprintf("%s (pid %d)", clean(inspect.ProgramName(h)), h.PID)
		}
		if !slices.Contains(who, w) {
			who = append(who, w)
		}
		where = append(where, string(s.Proto)+" "+s.Local.Addr().String())
	}
	out := strings.Join(who, ", ") + " · " + strings.Join(slices.Compact(where), ", ") // each name is cleaned once, above
	if svc := serviceName(p.socks[0]); svc != "-" {
		out += " · " + svc
	}
	return out
}

// completeNames completes a service name of the registry, with its ports
// and what it is.
func (a *app) completeNames(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if toComplete == "" {
		return nil, cobra.ShellCompDirectiveNoFileComp // thousands of names: type a letter first
	}
	sys, err := a.system()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	reg := sys.Registry()
	var out []string
	for _, name := range reg.Names(toComplete) {
		regs := reg.ByName(name)
		var ports []string
		for _, r := range regs {
			p := strconv.Itoa(int(r.First))
			if r.Last != r.First {
				p += "-" + strconv.Itoa(int(r.Last))
			}
			if !slices.Contains(ports, p) {
				ports = append(ports, p)
			}
		}
		desc := strings.Join(ports, ", ")
		if d := regs[0].Description; d != "" {
			desc += " · " + clean(d)
		}
		out = append(out, name+"\t"+desc)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completePIDs completes -p with the host's processes: pid, name and user.
func (a *app) completePIDs(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	sys, err := a.system()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	procs, err := sys.Processes(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range procs {
		if pid := strconv.Itoa(int(p.PID)); strings.HasPrefix(pid, toComplete) {
			out = append(out, fmt.Sprintf("%s\t%s (%s)", pid, clean(p.Name), userName(p.UID, p.User)))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeUsers completes --user with the accounts of the host.
func (a *app) completeUsers(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	sys, err := a.system()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, u := range sys.Users() {
		if strings.HasPrefix(u.Name, toComplete) {
			out = append(out, fmt.Sprintf("%s\tuid %d", clean(u.Name), u.UID))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
