package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
)

func (a *app) waitCommand() *cobra.Command {
	var o bindOptions
	var free, taken bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "wait [ADDR:]PORT --free|--taken",
		Short: "Wait until a port can be bound, or until something listens on it",
		Long: `wait is for scripts. --free waits until a probe bind succeeds (the bind a
server would make, as for whoport why: so a TIME_WAIT remnant still counts
unless --reuseaddr); --taken waits until something listens on the port.

Exit status: 0 reached, 1 timed out, 2 error.`,
		Example: `  whoport wait 8080 --free && ./server
  ./server & whoport wait 8080 --taken --timeout 10s && curl localhost:8080`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if free == taken {
				return fmt.Errorf("give one of --free and --taken")
			}
			return a.wait(cmd.Context(), args[0], o, taken, timeout)
		},
	}
	o.flags(cmd)
	cmd.Flags().BoolVar(&free, "free", false, "wait until the port can be bound")
	cmd.Flags().BoolVar(&taken, "taken", false, "wait until something listens on the port")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "give up after this long")
	return cmd
}

// pollEvery is how often wait looks again.
const pollEvery = 100 * time.Millisecond

func (a *app) wait(ctx context.Context, arg string, o bindOptions, taken bool, timeout time.Duration) error {
	b, qs, err := o.bind(arg, a.registry())
	if err != nil {
		return err
	}
	listening := inspect.Matcher(qs, false)
	listening.Listening = true
	deadline := time.Now().Add(timeout)
	for {
		var reached bool
		if taken {
			snap, err := a.system().Collect(ctx, listening)
			if err != nil {
				return err
			}
			reached = len(snap.Sockets) > 0
		} else {
			reached = inspect.Probe(b) == nil
		}
		switch {
		case reached && taken:
			fmt.Fprintf(a.stdout, "%s is taken\n", arg)
			return nil
		case reached:
			fmt.Fprintf(a.stdout, "%s can be bound\n", b)
			return nil
		case time.Now().After(deadline):
			a.code = exitNotFound
			if taken {
				fmt.Fprintf(a.stdout, "timed out after %s: nothing listens on %s\n", timeout, arg)
			} else {
				fmt.Fprintf(a.stdout, "timed out after %s: %s still fails (%s)\n", timeout, b, probeReason(inspect.Probe(b)))
				a.hint("whoport why %s tells why", arg)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}
