package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

func (a *app) waitCommand() *cobra.Command {
	var o bindOptions
	var free, taken bool
	var timeout time.Duration
	cmd := a.command(&cobra.Command{
		Use:   "wait [ADDR:]PORT --free|--taken",
		Short: "Wait until a port can be bound, or until something listens on it",
		Long: `wait is for scripts. --free waits until a probe bind succeeds (the bind a
server would make, as for whoport why: so a TIME_WAIT remnant still counts
unless --reuseaddr); --taken waits until something listens on the port.

Exit status: 0 reached, 1 timed out, 2 error.`,
		Example: `  whoport wait 8080 --free && ./server
  ./server & whoport wait 8080 --taken --timeout 10s && curl localhost:8080`,
		Args: args(1, 1, "one port"),
	}, "text,json", func(cmd *cobra.Command, args []string) (outcome, error) {
		if free == taken {
			return outcome{}, fmt.Errorf("give one of --free and --taken")
		}
		return a.wait(cmd.Context(), args[0], o, taken, timeout)
	})
	o.flags(cmd)
	cmd.Flags().BoolVar(&free, "free", false, "wait until the port can be bound")
	cmd.Flags().BoolVar(&taken, "taken", false, "wait until something listens on the port")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "give up after this long")
	return cmd
}

// pollEvery is how often wait looks again.
const pollEvery = 100 * time.Millisecond

// wait answers whoport wait: it looks until the port is taken (a socket
// of the bind's protocol listens on it) or free (the bind succeeds).
func (a *app) wait(ctx context.Context, arg string, o bindOptions, taken bool, timeout time.Duration) (outcome, error) {
	var out outcome
	sys, err := a.liveSystem("wait")
	if err != nil {
		return out, err
	}
	b, qs, err := o.bind(arg, sys)
	if err != nil {
		return out, err
	}
	cond := inspect.Bindable(sys, b)
	if taken {
		listening := inspect.Matcher(qs, false)
		listening.Listening, listening.Protos = true, []services.Proto{b.Proto}
		// Whether something listens, not who: wait names no holder, and
		// the tables alone cost milliseconds where every poll would
		// otherwise read every process's descriptors.
		listening.NoHolders = true
		cond = func() (bool, error) {
			snap, err := sys.Collect(ctx, listening)
			return err == nil && len(snap.Sockets) > 0, err
		}
	}
	reached, err := inspect.WaitUntil(ctx, a.clock, timeout, pollEvery, cond)
	if err != nil {
		return out, err
	}
	elsewhereHints(ctx, sys, &out, []inspect.Bind{b})
	rep := waitReport{Query: arg, Bind: b.String(), Until: "free", Reached: reached, Timeout: timeout.String()}
	if taken {
		rep.Until = "taken"
	}
	if !reached {
		out.code = exitNotFound
		if !taken {
			rep.Reason = "it succeeds now"
			if err := sys.Probe(b); err != nil {
				rep.Reason = probeReason(err)
			}
			out.hint("whoport why %s tells why", arg)
		}
	}
	return out, a.write(rep, sys)
}

// waitReport is wait's answer.
type waitReport struct {
	Query   string `json:"query"`
	Bind    string `json:"bind"`
	Until   string `json:"until"` // free or taken
	Reached bool   `json:"reached"`
	Timeout string `json:"timeout"`
	Reason  string `json:"reason,omitempty"` // why the bind still fails
}

func (rep waitReport) json() any { return rep }

func (rep waitReport) text(r *renderer) {
	switch {
	case rep.Reached && rep.Until == "taken":
		r.printf("%s is taken\n", rep.Query)
	case rep.Reached:
		r.printf("%s can be bound\n", rep.Bind)
	case rep.Until == "taken":
		r.printf("timed out after %s: nothing listens on %s\n", rep.Timeout, rep.Query)
	default:
		r.printf("timed out after %s: %s still fails (%s)\n", rep.Timeout, rep.Bind, rep.Reason)
	}
}
