package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
)

type killOptions struct {
	all, yes, dryRun, force bool
	signal                  string
	timeout                 time.Duration
}

func (a *app) killCommand() *cobra.Command {
	var o killOptions
	cmd := &cobra.Command{
		Use:   "kill PORT...",
		Short: "Signal the processes listening on a port, and wait until it is free",
		Long: `kill signals the processes that listen on the port (not the clients
connected to it, unless --all), after showing them and asking on a
terminal; without a terminal it needs --yes. Each pid is checked to still
be the process that was seen (by its start time) just before it is
signalled, so a reused pid is never signalled; pid 1 and whoport itself
never are. Then it waits until the port can be bound by a server that sets
SO_REUSEADDR, and says so, or names who still holds it.

Exit status: 0 freed, 1 still held, 2 error.`,
		Example: `  whoport kill 8080
  whoport kill --yes --force 8080
  whoport kill --dry-run --all 5432`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.kill(cmd.Context(), args, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "also signal the clients connected to the port")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask")
	f.BoolVarP(&o.dryRun, "dry-run", "n", false, "show what would be signalled, and signal nothing")
	f.StringVarP(&o.signal, "signal", "s", "TERM", "the `SIGNAL` to send: a name (TERM, INT, HUP, KILL, …) or a number")
	f.BoolVarP(&o.force, "force", "f", false, "send KILL to those still holding the port after --timeout")
	f.DurationVar(&o.timeout, "timeout", 5*time.Second, "how long to wait for the port to be free")
	return cmd
}

// target is a process to signal and the sockets it holds on the port.
type target struct {
	p     *inspect.Process
	socks []*inspect.Socket
}

func (a *app) kill(ctx context.Context, args []string, o killOptions) error {
	sig, err := parseSignal(o.signal)
	if err != nil {
		return err
	}
	if !o.yes && !o.dryRun && !isTerminal(a.stdin) {
		return fmt.Errorf("standard input is not a terminal, so whoport cannot ask: add --yes to signal, or --dry-run to see what would be")
	}
	reg := a.registry()
	qs, err := socketQueries(args, reg)
	if err != nil {
		return err
	}
	sys := a.system()
	snap, err := sys.Collect(ctx, inspect.Matcher(qs, o.all))
	if err != nil {
		return err
	}
	targets, listeners, hidden := killTargets(snap.Sockets, o.all)
	p := newPalette(a.colorOn())
	if len(listeners) == 0 && len(targets) == 0 {
		fmt.Fprintf(a.stdout, "nothing listens on %s: nothing to do\n", strings.Join(args, ", "))
		return nil
	}
	if len(targets) == 0 {
		a.code = exitNotFound
		fmt.Fprintf(a.stdout, "%s %s, but %s: nothing to signal\n", strings.Join(args, ", "), "is in use", "its holders are hidden")
		a.hint("%s", hiddenHint(hidden, snap.Unreadable, isRoot()))
		return nil
	}
	r := a.renderer(reg)
	verb := "would send"
	if !o.dryRun {
		verb = "will send"
	}
	fmt.Fprintf(a.stdout, "%s SIG%s to:\n", verb, sigName(sig))
	for _, t := range targets {
		r.holder(t.p)
		for _, s := range t.socks {
			fmt.Fprintf(a.stdout, "%s  %s\n", holderIndent, p.dim(r.socketWords(s)))
		}
	}
	if hidden > 0 {
		a.hint("%s", hiddenHint(hidden, snap.Unreadable, isRoot()))
	}
	if o.dryRun {
		a.code = exitNotFound // still held
		fmt.Fprintln(a.stdout, p.dim("dry run: nothing sent"))
		return nil
	}
	if !o.yes {
		if !a.confirm(fmt.Sprintf("send SIG%s to %d %s?", sigName(sig), len(targets), plural(len(targets), "process", "processes"))) {
			a.code = exitNotFound
			fmt.Fprintln(a.stdout, "nothing sent")
			return nil
		}
	}
	a.signalAll(sys, targets, sig)
	if a.waitFree(ctx, listeners, o.timeout) {
		return a.freed(args)
	}
	if o.force && sig != syscall.SIGKILL {
		fmt.Fprintf(a.stdout, "still held after %s: sending SIGKILL\n", o.timeout)
		a.signalAll(sys, targets, syscall.SIGKILL)
		if a.waitFree(ctx, listeners, 2*time.Second) {
			return a.freed(args)
		}
	}
	// Who holds it now: a child that inherited the socket, a sibling.
	a.code = exitNotFound
	now, err := sys.Collect(ctx, inspect.Matcher(qs, false))
	if err != nil {
		return err
	}
	signalled := map[int32]*inspect.Process{}
	for _, t := range targets {
		signalled[t.p.PID] = t.p
	}
	fmt.Fprintf(a.stdout, "%s is still held:\n", strings.Join(args, ", "))
	for _, s := range now.Sockets {
		if !s.Listening() {
			continue
		}
		for _, h := range s.Holders {
			fmt.Fprintf(a.stdout, "%spid %d (%s) holds %s%s\n", holderIndent, h.PID, clean(h.Name), endpoint(s.Local), relation(h, signalled, sys))
		}
		if len(s.Holders) == 0 {
			fmt.Fprintf(a.stdout, "%s%s holds %s\n", holderIndent, r.noHolder(&s), endpoint(s.Local))
		}
	}
	if !o.force {
		a.hint("--force sends SIGKILL to the processes that remain after --timeout")
	}
	return nil
}

// killTargets picks the processes to signal: the holders of the listening
// sockets, and with all those of the others too (clients of the port).
// It also gives the listening sockets, and counts the hidden ones.
func killTargets(socks []inspect.Socket, all bool) (targets []target, listeners []*inspect.Socket, hidden int) {
	byPID := map[int32]int{}
	for i := range socks {
		s := &socks[i]
		if s.Listening() {
			listeners = append(listeners, s)
		} else if !all {
			continue
		}
		if s.Hidden {
			hidden++
		}
		for _, h := range s.Holders {
			j, ok := byPID[h.PID]
			if !ok {
				j = len(targets)
				byPID[h.PID] = j
				targets = append(targets, target{p: h})
			}
			targets[j].socks = append(targets[j].socks, s)
		}
	}
	slices.SortFunc(targets, func(x, y target) int { return int(x.p.PID - y.p.PID) })
	return targets, listeners, hidden
}

// signalAll signals each target that is still the process that was seen.
func (a *app) signalAll(sys inspect.System, targets []target, sig syscall.Signal) {
	for _, t := range targets {
		err := sys.Signal(t.p, sig)
		switch {
		case err == nil:
			fmt.Fprintf(a.stdout, "pid %d: sent SIG%s\n", t.p.PID, sigName(sig))
		case errors.Is(err, inspect.ErrGone):
			fmt.Fprintf(a.stdout, "pid %d: already gone\n", t.p.PID)
		case errors.Is(err, inspect.ErrNotSameProcess):
			fmt.Fprintf(a.stdout, "pid %d: not signalled: the pid now belongs to another process\n", t.p.PID)
		default:
			fmt.Fprintf(a.stdout, "pid %d: not signalled: %s\n", t.p.PID, clean(err.Error()))
		}
	}
}

// waitFree waits until every listening socket's address can be bound
// again by a server that sets SO_REUSEADDR.
func (a *app) waitFree(ctx context.Context, listeners []*inspect.Socket, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		free := true
		for _, s := range listeners {
			b := inspect.Bind{Proto: s.Proto, Addr: s.Local.Addr(), Port: s.Local.Port(), V6Only: s.V6Only, ReuseAddr: true}
			if inspect.Probe(b) != nil {
				free = false
				break
			}
		}
		if free {
			return true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (a *app) freed(args []string) error {
	fmt.Fprintf(a.stdout, "%s is free now\n", strings.Join(args, ", "))
	return nil
}

// relation says how a holder relates to the processes signalled: a child
// that inherited the socket, a sibling, and whether it was signalled too
// and runs on.
func relation(h *inspect.Process, signalled map[int32]*inspect.Process, sys inspect.System) string {
	var facts []string
	ppid := h.PPID // now, perhaps 1: an orphan is given to init
	if before, ok := signalled[h.PID]; ok {
		ppid = before.PPID
	}
	if _, ok := signalled[ppid]; ok {
		facts = append(facts, fmt.Sprintf("a child of pid %d, which was signalled; it inherited the socket", ppid))
	} else {
		for _, p := range signalled {
			if p.PPID == ppid && ppid > 1 && p.PID != h.PID {
				facts = append(facts, fmt.Sprintf("a sibling of pid %d (both children of pid %d)", p.PID, ppid))
				break
			}
		}
	}
	if p, ok := signalled[h.PID]; ok && sys.Same(p) == nil {
		facts = append(facts, "it was signalled and runs on (does it ignore the signal?)")
	}
	if len(facts) == 0 {
		return ""
	}
	return ": " + strings.Join(facts, "; ")
}

// confirm asks on the terminal.
func (a *app) confirm(question string) bool {
	if f, ok := a.stdout.(interface{ Flush() error }); ok {
		f.Flush()
	}
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	line, _ := bufio.NewReader(a.stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// signals are the names kill(1) knows, without SIG.
var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT, "KILL": syscall.SIGKILL,
	"TERM": syscall.SIGTERM, "ALRM": syscall.SIGALRM,
}

func parseSignal(s string) (syscall.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := signals[name]; ok {
		return sig, nil
	}
	if sig, ok := extraSignals[name]; ok {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q: use a name such as TERM, INT, HUP or KILL, or a number", s)
}

func sigName(sig syscall.Signal) string {
	for name, s := range signals {
		if s == sig {
			return name
		}
	}
	for name, s := range extraSignals {
		if s == sig {
			return name
		}
	}
	return strconv.Itoa(int(sig))
}
