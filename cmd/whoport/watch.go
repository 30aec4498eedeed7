package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// watchOptions are watch's own flags.
type watchOptions struct {
	count    int
	timeout  time.Duration
	interval time.Duration
}

func (a *app) watchCommand() *cobra.Command {
	var o portOptions
	var w watchOptions
	cmd := a.command(&cobra.Command{
		Use:   "watch [flags] [PORT|ADDR:PORT|RANGE|SERVICE]...",
		Short: "Print a line each time a socket appears or goes, with its holder",
		Long: `watch prints what whoport would list (the same queries and filters) as it
changes: first the sockets there now ("present"), then a line each time one
appears ("new"), goes ("gone") or changes state ("state"), with the process
that holds it. --json writes one JSON object per line:
{"time", "event", "from", "socket"}, the socket as in whoport --json.

It reads the socket tables every --interval, which costs milliseconds, and
reads processes' descriptors only to find the holders of sockets that are
new, and then rests twice as long as that took before it reads them again
(new sockets wait meanwhile), so it may be left running. wait --taken is
watch for one listener.

Exit status: 0 it saw a change (--count changes, if given), 1 --timeout ran
out first, 2 error. Without --count and --timeout it runs until interrupted.`,
		Example: `  whoport watch
  whoport watch 8080 --json
  whoport watch -a --state established 5432
  whoport watch --exposed --count 1 --timeout 1h`,
		Args: cobra.ArbitraryArgs,
	}, "text,json", func(cmd *cobra.Command, args []string) (outcome, error) {
		return a.watch(cmd, args, o, w)
	})
	o.filterFlags(cmd)
	f := cmd.Flags()
	f.Var(countFlag{&w.count}, "count", "stop after `N` changes (0: no limit)")
	f.DurationVar(&w.timeout, "timeout", 0, "stop after this long (0: no limit)")
	f.DurationVar(&w.interval, "interval", 250*time.Millisecond, "read the socket tables this often")
	return cmd
}

// watchEvent is one line of watch: a socket that was there when watch
// started, appeared, went, or changed state.
type watchEvent struct {
	Time  time.Time  `json:"-"`
	When  string     `json:"time"`           // RFC 3339, UTC, with fractions of a second
	Event string     `json:"event"`          // present, new, gone or state
	From  string     `json:"from,omitempty"` // for state: the state before
	JSON  jsonSocket `json:"socket"`
	sock  *inspect.Socket
}

// Watch events.
const (
	eventPresent = "present"
	eventNew     = "new"
	eventGone    = "gone"
	eventState   = "state"
)

// sockKey identifies a socket from one reading of the tables to the
// next: its state aside, which may change.
type sockKey struct {
	proto         services.Proto
	local, remote netip.AddrPort
	inode         uint64
	netns         uint64 // the namespace's inode: a TIME_WAIT tuple may stand in two
}

func keyOf(s *inspect.Socket) sockKey {
	k := sockKey{proto: s.Proto, local: s.Local, remote: s.Remote, inode: s.Inode}
	if s.Netns != nil {
		k.netns = s.Netns.Inode
	}
	return k
}

// watched is a socket watch has seen: with its holders, found when it
// appeared, or ignored because its holders do not pass the filter.
type watched struct {
	sock    inspect.Socket
	ignored bool
}

// watcher reads the tables again and again, and tells what changed.
type watcher struct {
	sys    inspect.System
	clock  inspect.Clock
	filter inspect.Filter // the sockets asked for, holders and all
	known  map[sockKey]*watched
	hidden bool // a socket's holder was hidden: the hint has been given
	// nextWalk is when holders may be looked for again: a walk of every
	// process's descriptors is the one costly thing watch does, so after
	// one it rests walkRest times as long. New sockets that need holders
	// meanwhile wait (they are still new at the next reading).
	nextWalk time.Time
}

// walkRest is how many times as long as a walk took watch waits before
// the next one: walks take at most a third of the time however busily
// sockets come and go, and a new socket waits at most twice a walk. (A
// longer rest saves more, but delays more: on a host where a walk takes
// half a second, nine times as long held events back by four seconds.)
const walkRest = 2

// poll reads the tables (no holders: milliseconds), and for the sockets
// that are new, and only then, finds their holders. It gives what
// changed since the last poll: gone, then changed, then new, each in
// the listing's order; new sockets are called newWord.
func (w *watcher) poll(ctx context.Context, newWord string) ([]watchEvent, *inspect.Snapshot, error) {
	table := w.filter
	table.NoHolders = true
	snap, err := w.sys.Collect(ctx, table)
	if err != nil {
		return nil, nil, err
	}
	var gone, changed, fresh []watchEvent
	current := make(map[sockKey]bool, len(snap.Sockets))
	want := map[uint64]bool{}
	for i := range snap.Sockets {
		s := &snap.Sockets[i]
		k := keyOf(s)
		current[k] = true
		switch seen := w.known[k]; {
		case seen == nil:
			fresh = append(fresh, watchEvent{Event: newWord, sock: s})
			if s.Inode != 0 {
				want[s.Inode] = true
			}
		case seen.sock.State != s.State:
			from := seen.sock.State.Name(s.Proto)
			seen.sock.State = s.State
			if !seen.ignored {
				changed = append(changed, watchEvent{Event: eventState, From: from, sock: &seen.sock})
			}
		}
	}
	for k, seen := range w.known {
		if !current[k] {
			if !seen.ignored {
				gone = append(gone, watchEvent{Event: eventGone, sock: &seen.sock})
			}
			delete(w.known, k)
		}
	}
	var held *inspect.Snapshot
	if len(fresh) > 0 {
		found := map[uint64]*inspect.Socket{}
		if start := w.clock.Now(); len(want) > 0 && start.Before(w.nextWalk) {
			fresh = slices.DeleteFunc(fresh, func(ev watchEvent) bool { return ev.sock.Inode != 0 }) // at the next reading
		} else if len(want) > 0 {
			if newWord != eventPresent { // the first walk is the one every listing makes
				defer func() { end := w.clock.Now(); w.nextWalk = end.Add(walkRest * end.Sub(start)) }()
			}
			f, keep := w.filter, w.filter.Keep
			f.Keep = func(s *inspect.Socket) bool { return want[s.Inode] && (keep == nil || keep(s)) }
			if held, err = w.sys.Collect(ctx, f); err != nil {
				return nil, nil, err
			}
			for i := range held.Sockets {
				found[held.Sockets[i].Inode] = &held.Sockets[i]
			}
		}
		kept := fresh[:0]
		for _, ev := range fresh {
			s := ev.sock
			if h := found[s.Inode]; h != nil {
				s = h // with its holders
			}
			seen := &watched{sock: *s}
			// A socket whose holders do not pass (or that went before they
			// could be found) is remembered, so that it costs no walk again.
			seen.ignored = (s.Inode != 0 && found[s.Inode] == nil) || !w.filter.MatchHeld(s)
			w.known[keyOf(s)] = seen
			if !seen.ignored {
				ev.sock = &seen.sock
				kept = append(kept, ev)
			}
		}
		fresh = kept
	}
	events := slices.Concat(gone, changed, fresh)
	slices.SortStableFunc(events, func(x, y watchEvent) int {
		return cmp.Or(cmp.Compare(eventRank(x.Event), eventRank(y.Event)), compareSockets(x.sock, y.sock))
	})
	return events, held, nil
}

func eventRank(e string) int {
	return slices.Index([]string{eventGone, eventState, eventPresent, eventNew}, e)
}

// compareSockets orders sockets as the listing does: by port, protocol,
// address.
func compareSockets(a, b *inspect.Socket) int {
	return cmp.Or(cmp.Compare(a.Local.Port(), b.Local.Port()), cmp.Compare(a.Proto, b.Proto),
		a.Local.Addr().Compare(b.Local.Addr()), a.Remote.Compare(b.Remote))
}

// watch answers whoport watch: the sockets there now, then every change,
// until --count changes or --timeout.
func (a *app) watch(cmd *cobra.Command, args []string, o portOptions, wo watchOptions) (outcome, error) {
	var out outcome
	if wo.interval <= 0 {
		return out, fmt.Errorf("--interval must be more than 0, such as 250ms")
	}
	sys, _, filter, err := a.socketFilter(cmd, args, o)
	if err != nil {
		return out, err
	}
	ctx := cmd.Context()
	if wo.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wo.timeout)
		defer cancel()
	}
	w := &watcher{sys: sys, clock: a.clock, filter: filter, known: map[sockKey]*watched{}}
	r := a.renderer(sys)
	changes := 0
	for word := eventPresent; ; word = eventNew {
		events, held, err := w.poll(ctx, word)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			return out, err
		}
		if held != nil && !w.hidden && countHidden(held.Sockets) > 0 {
			w.hidden = true
			fmt.Fprintf(a.stderr, "whoport: hint: %s\n", oneLine(hiddenHint(countHidden(held.Sockets), held, sys.Identity().Root())))
		}
		now := a.clock.Now()
		for i := range events {
			ev := &events[i]
			ev.Time, ev.When = now, now.UTC().Format(time.RFC3339Nano)
			if err := a.writeEvent(r, ev); err != nil {
				return out, err
			}
			if ev.Event != eventPresent {
				changes++
			}
			if wo.count > 0 && changes >= wo.count {
				return out, a.flush()
			}
		}
		if err := a.flush(); err != nil {
			return out, nil // the reader went away (a closed pipe): stop; run reports other errors
		}
		if a.clock.Sleep(ctx, wo.interval) != nil {
			break
		}
	}
	if changes == 0 || (wo.count > 0 && changes < wo.count) {
		out.code = exitNotFound
	}
	return out, nil
}

// flush writes out what stdout holds, so that each event is seen when it
// happens.
func (a *app) flush() error {
	if f, ok := a.stdout.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}

// writeEvent writes one event: a JSON object on a line, or a line for
// people.
func (a *app) writeEvent(r *renderer, ev *watchEvent) error {
	if a.format == formatJSON {
		ev.JSON = newJSONSocket(ev.sock)
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(append(b, '\n'))
		return err
	}
	r.watchLine(ev)
	return nil
}

// watchLine writes an event for people:
//
//	10:04:05.120  new      tcp  127.0.0.1:8080  LISTEN  pid 4982 (root)  python3 -m http.server 8080
//
// On a terminal the command is cut to fit its width, and nothing else is.
func (r *renderer) watchLine(ev *watchEvent) {
	s := ev.sock
	state := s.State.Name(s.Proto)
	if ev.Event == eventState {
		state = ev.From + " → " + state
	}
	style := map[string]func(...any) string{eventNew: r.p.state, eventGone: r.p.warn, eventState: r.p.pid, eventPresent: r.p.dim}[ev.Event]
	line := fmt.Sprintf("%s  %s  %-3s  %s  %s", ev.Time.Format("15:04:05.000"), style(fmt.Sprintf("%-7s", ev.Event)), s.Proto,
		listingAddress(s, true), state)
	cells := r.holderCells(s) // pid, user, where, command
	if cells[0] != "-" {
		who := cells[1]
		if cells[2] != "" {
			who += ", " + cells[2]
		}
		line += "  " + r.p.pid("pid "+cells[0]) + " (" + who + ")"
	}
	cmd := cells[3]
	if r.width > 0 {
		cmd = fit(cmd, max(r.width-visibleWidth(line)-2, len("COMMAND")))
	}
	fmt.Fprintln(r.w, strings.TrimRight(line+"  "+cmd, " "))
}
