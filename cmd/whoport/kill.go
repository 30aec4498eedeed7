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
	pids                    []int32
}

func (a *app) killCommand() *cobra.Command {
	var o killOptions
	cmd := a.command(&cobra.Command{
		Use:   "kill PORT...",
		Short: "Signal the processes listening on a port, and wait until it is free",
		Long: `kill signals the processes that listen on the port (not the clients
connected to it, unless --all), after showing them and asking on a
terminal; without a terminal it needs --yes. Each pid is checked to still
be the process that was seen (by its start time) just before it is
signalled, so a reused pid is never signalled; pid 1 and whoport itself
never are. Then it waits until the port can be bound by a server that sets
SO_REUSEADDR, and says so, or names who still holds it.

Exit status: 0 the port is free (freed, or nothing was on it); 1 it is
still held, or nothing was signalled (a dry run, a declined question,
holders hidden, or only sockets that do not listen, which need --all);
2 bad input or an error.`,
		Example: `  whoport kill 8080
  whoport kill --yes --force 8080
  whoport kill --dry-run --all 5432`,
		Args: args(1, -1, "a port"),
	}, "text,json", func(cmd *cobra.Command, args []string) (outcome, error) {
		return a.kill(cmd.Context(), args, o)
	})
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "also signal the clients connected to the port")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask")
	f.BoolVarP(&o.dryRun, "dry-run", "n", false, "show what would be signalled, and signal nothing")
	f.StringVarP(&o.signal, "signal", "s", "TERM", "the `SIGNAL` to send: a name (TERM, INT, HUP, KILL, …) or a number")
	f.BoolVarP(&o.force, "force", "f", false, "send KILL to those still holding the port after --timeout")
	f.DurationVar(&o.timeout, "timeout", 5*time.Second, "how long to wait for the port to be free")
	f.Int32SliceVarP(&o.pids, "pid", "p", nil, "signal only these `PIDS` among the holders (repeat it, or 1,2)")
	return cmd
}

// kill answers whoport kill: it plans, shows the plan, asks, signals, and
// waits for the port to be free.
func (a *app) kill(ctx context.Context, args []string, o killOptions) (outcome, error) {
	var out outcome
	if err := checkPIDs(o.pids); err != nil {
		return out, err
	}
	sig, err := parseSignal(o.signal)
	if err != nil {
		return out, err
	}
	if !o.yes && !o.dryRun && !isTerminal(a.stdin) {
		return out, fmt.Errorf("standard input is not a terminal, so whoport cannot ask: add --yes to signal, or --dry-run to see what would be")
	}
	sys, err := a.liveSystem("kill")
	if err != nil {
		return out, err
	}
	qs, err := socketQueries(args, sys.Registry())
	if err != nil {
		return out, err
	}
	snap, err := sys.Collect(ctx, inspect.Matcher(qs, o.all))
	if err != nil {
		return out, err
	}
	plan := inspect.PlanKill(snap.Sockets, o.all, o.pids)
	rep := &killReport{Query: strings.Join(args, ", "), ports: len(args), pidsGiven: len(o.pids) > 0, Signal: "SIG" + sigName(sig), DryRun: o.dryRun, plan: plan,
		Targets: []jsonKillTarget{}, Sent: []signalResult{}, StillHeld: []stillHeld{}, Others: []jsonSocket{}}
	for _, s := range plan.Others {
		rep.Others = append(rep.Others, newJSONSocket(s))
	}
	if len(plan.Others) > 0 && !o.all && len(o.pids) == 0 {
		out.hint("--all signals the holders of the sockets that hold the port without listening too")
	}
	for _, t := range plan.Targets {
		jt := jsonKillTarget{Holder: newJSONHolder(t.Process)}
		for _, s := range t.Sockets {
			jt.Sockets = append(jt.Sockets, newJSONSocket(s))
		}
		rep.Targets = append(rep.Targets, jt)
	}
	if plan.Hidden > 0 {
		out.hint("%s", hiddenHint(plan.Hidden, snap, sys.Identity().Root()))
	}
	switch {
	case len(plan.Rebind) == 0 && len(plan.Targets) == 0 && len(plan.Others) > 0:
		rep.Result, out.code = "not-listening", exitNotFound
		return out, a.write(rep, sys)
	case len(plan.Rebind) == 0 && len(plan.Targets) == 0:
		rep.Result = "nothing"
		return out, a.write(rep, sys)
	case len(plan.Targets) == 0:
		rep.Result, out.code = "hidden", exitNotFound
		return out, a.write(rep, sys)
	case o.dryRun:
		rep.Result, out.code = "dry-run", exitNotFound
		return out, a.write(rep, sys)
	}
	if !o.yes {
		if a.format == formatText {
			rep.planText(a.renderer(sys))
			rep.planShown = true
		}
		if !a.confirm(fmt.Sprintf("send SIG%s to %d %s?", sigName(sig), len(plan.Targets), plural(len(plan.Targets), "process", "processes"))) {
			rep.Result, out.code = "declined", exitNotFound
			return out, a.write(rep, sys)
		}
	}
	binds := make([]inspect.Bind, len(plan.Rebind))
	for i, s := range plan.Rebind {
		binds[i] = inspect.ReboundAs(s)
	}
	rep.Sent = signalAll(sys, plan.Targets, sig)
	free, err := inspect.WaitUntil(ctx, a.clock, o.timeout, pollEvery, inspect.Bindable(sys, binds...))
	if err == nil && !free && o.force && sig != syscall.SIGKILL {
		// Those that hold it now: the targets that ignored the signal, and
		// any process that inherited the socket from one of them.
		now, err := sys.Collect(ctx, inspect.Matcher(qs, o.all))
		if err != nil {
			return out, err
		}
		rep.Forced, rep.ForcedAfter = true, o.timeout.String()
		rep.forced = inspect.PlanKill(now.Sockets, o.all, heirs(o.pids, plan.Targets, now.Sockets)).Targets
		rep.Sent = append(rep.Sent, signalAll(sys, rep.forced, syscall.SIGKILL)...)
		free, err = inspect.WaitUntil(ctx, a.clock, 2*time.Second, pollEvery, inspect.Bindable(sys, binds...))
		if err != nil {
			return out, err
		}
	}
	if err != nil {
		return out, err
	}
	if free && len(plan.Others) > 0 { // those signalled are gone, the others hold on
		rep.Result, out.code = "others-hold", exitNotFound
		return out, a.write(rep, sys)
	}
	if free {
		rep.Result = "freed"
		return out, a.write(rep, sys)
	}
	// Who holds it now: a child that inherited the socket, a sibling.
	rep.Result, out.code = "held", exitNotFound
	now, err := sys.Collect(ctx, inspect.Matcher(qs, false))
	if err != nil {
		return out, err
	}
	signalled := map[int32]*inspect.Process{}
	for _, t := range plan.Targets {
		signalled[t.Process.PID] = t.Process
	}
	same := func(p *inspect.Process) bool { return sys.Same(p) == nil }
	root := sys.Identity().Root()
	for i := range now.Sockets {
		s := &now.Sockets[i]
		if !s.Listening() {
			continue
		}
		for _, h := range s.Holders {
			rep.StillHeld = append(rep.StillHeld, stillHeld{PID: h.PID, Name: h.Name, Socket: endpoint(s.Local),
				Relation: inspect.Relation(h, signalled, same)})
		}
		if len(s.Holders) == 0 {
			rep.StillHeld = append(rep.StillHeld, stillHeld{Socket: endpoint(s.Local), NoHolder: noHolderWords(s, root)})
		}
	}
	if !o.force {
		out.hint("--force sends SIGKILL to the processes that remain after --timeout")
	}
	return out, a.write(rep, sys)
}

// killReport is what kill planned and did.
type killReport struct {
	Query  string `json:"query"`
	Signal string `json:"signal"`
	DryRun bool   `json:"dry_run"`
	// Result is nothing (no socket), not-listening (only sockets that do
	// not listen, not signalled without --all), hidden (no holder seen),
	// dry-run, declined, freed, others-hold (those signalled are gone,
	// sockets not signalled hold the port), or held.
	Result      string           `json:"result"`
	Targets     []jsonKillTarget `json:"targets"`
	Sent        []signalResult   `json:"signals"`
	Forced      bool             `json:"forced"` // KILL sent after the timeout
	ForcedAfter string           `json:"-"`
	StillHeld   []stillHeld      `json:"still_held"`
	// Others are sockets that hold the port without listening, whose
	// holders are not signalled (without --all).
	Others []jsonSocket `json:"others"`

	plan      inspect.KillPlan
	forced    []inspect.Target // those sent KILL
	ports     int
	pidsGiven bool
	planShown bool // the plan was written before the question
}

type jsonKillTarget struct {
	Holder  jsonHolder   `json:"holder"`
	Sockets []jsonSocket `json:"sockets"`
}

// signalResult is what happened when a process was to be signalled.
type signalResult struct {
	PID    int32  `json:"pid"`
	Signal string `json:"signal"`
	// Result is sent, gone (it had exited), other-process (the pid now
	// names another process), or refused (the error says why).
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// stillHeld is a socket still held on the port after the signals.
type stillHeld struct {
	PID      int32    `json:"pid,omitempty"`
	Name     string   `json:"name,omitempty"`
	Socket   string   `json:"socket"`
	Relation []string `json:"relation,omitempty"`
	NoHolder string   `json:"no_holder,omitempty"`
}

func (rep *killReport) json() any { return rep }

// othersText writes the sockets that hold the port but are not signalled.
func (rep *killReport) othersText(r *renderer) {
	for _, s := range rep.plan.Others {
		who := r.noHolder(s)
		if len(s.Holders) > 0 {
			h, more := inspect.MainHolder(s.Holders)
			who = fmt.Sprintf("pid %d (%s)", h.PID, clean(h.Name))
			if len(more) > 0 {
				who += fmt.Sprintf(" +%d", len(more))
			}
		}
		r.printf("%s%s  %s\n", holderIndent, r.socketWords(s), who)
	}
}

// heirs gives the pids to send KILL to: those asked for, and the
// processes that hold the sockets now whose parent was signalled (they
// inherited the socket), or nil (all holders) when no pid was asked.
func heirs(asked []int32, signalled []inspect.Target, now []inspect.Socket) []int32 {
	if len(asked) == 0 {
		return nil
	}
	pids := slices.Clone(asked)
	for _, s := range now {
		for _, h := range s.Holders {
			if slices.ContainsFunc(signalled, func(t inspect.Target) bool { return t.Process.PID == h.PPID }) {
				pids = append(pids, h.PID)
			}
		}
	}
	return pids
}

// planText writes who would be signalled.
func (rep *killReport) planText(r *renderer) {
	verb := "will send"
	if rep.DryRun {
		verb = "would send"
	}
	r.printf("%s %s to:\n", verb, rep.Signal)
	for _, t := range rep.plan.Targets {
		r.holder(t.Process)
		for _, s := range t.Sockets {
			r.printf("%s  %s\n", holderIndent, r.p.dim(r.socketWords(s)))
		}
	}
	if len(rep.plan.Others) > 0 {
		r.printf("not signalled, holding the port too:\n")
		rep.othersText(r)
	}
}

func (rep *killReport) text(r *renderer) {
	switch rep.Result {
	case "nothing":
		r.printf("nothing listens on %s: nothing to do\n", rep.Query)
		return
	case "hidden":
		r.printf("%s is in use, but its holders are hidden: nothing to signal\n", rep.Query)
		return
	case "not-listening":
		if rep.pidsGiven {
			r.printf("none of the pids given holds %s; %d %s %s it:\n", rep.Query, len(rep.plan.Others),
				plural(len(rep.plan.Others), "socket", "sockets"), plural(len(rep.plan.Others), "holds", "hold"))
		} else {
			r.printf("nothing listens on %s, but %d %s %s it:\n", rep.Query, len(rep.plan.Others),
				plural(len(rep.plan.Others), "socket", "sockets"), plural(len(rep.plan.Others), "holds", "hold"))
		}
		rep.othersText(r)
		return
	}
	if !rep.planShown {
		rep.planText(r)
	}
	switch rep.Result {
	case "dry-run":
		r.printf("%s\n", r.p.dim("dry run: nothing sent"))
		return
	case "declined":
		r.printf("nothing sent\n")
		return
	}
	for i, s := range rep.Sent {
		if rep.Forced && i == len(rep.Sent)-len(rep.forced) {
			r.printf("still held after %s: sending SIGKILL\n", rep.ForcedAfter)
		}
		switch s.Result {
		case "sent":
			r.printf("pid %d: sent %s\n", s.PID, s.Signal)
		case "gone":
			r.printf("pid %d: already gone\n", s.PID)
		case "other-process":
			r.printf("pid %d: not signalled: the pid now belongs to another process\n", s.PID)
		default:
			r.printf("pid %d: not signalled: %s\n", s.PID, clean(s.Error))
		}
	}
	switch rep.Result {
	case "freed":
		r.printf("%s %s free now\n", rep.Query, plural(rep.ports, "is", "are"))
		return
	case "others-hold":
		r.printf("the sockets signalled are gone; %s %s still held by the others above\n", rep.Query, plural(rep.ports, "is", "are"))
		return
	}
	r.printf("%s %s still held:\n", rep.Query, plural(rep.ports, "is", "are"))
	for _, h := range rep.StillHeld {
		if h.PID == 0 {
			r.printf("%s%s holds %s\n", holderIndent, h.NoHolder, h.Socket)
			continue
		}
		rel := ""
		if len(h.Relation) > 0 {
			rel = ": " + strings.Join(h.Relation, "; ")
		}
		r.printf("%spid %d (%s) holds %s%s\n", holderIndent, h.PID, clean(h.Name), h.Socket, rel)
	}
}

// signalAll signals each target that is still the process that was seen.
func signalAll(sys inspect.System, targets []inspect.Target, sig syscall.Signal) []signalResult {
	var out []signalResult
	for _, t := range targets {
		res := signalResult{PID: t.Process.PID, Signal: "SIG" + sigName(sig), Result: "sent"}
		switch err := sys.Signal(t.Process, sig); {
		case err == nil:
		case errors.Is(err, inspect.ErrGone):
			res.Result = "gone"
		case errors.Is(err, inspect.ErrNotSameProcess):
			res.Result = "other-process"
		default:
			res.Result, res.Error = "refused", err.Error()
		}
		out = append(out, res)
	}
	return out
}

// confirm asks on the terminal.
func (a *app) confirm(question string) bool {
	a.flush() // the plan above the question
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
