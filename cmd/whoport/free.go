package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
)

func (a *app) freeCommand() *cobra.Command {
	var n int
	cmd := a.command(&cobra.Command{
		Use:   "free [RANGE]",
		Short: "Ports that can be bound now on TCP and UDP, outside the ephemeral range",
		Long: `free prints ports that can be bound now on TCP and UDP, IPv4 and IPv6, one
per line: outside the kernel's ephemeral range (where an outgoing
connection could take them) and its reserved list, IANA-unassigned user
ports first. The range is 1024-49151 unless given.

Exit status: 0 found as many as asked, 1 fewer, 2 error.`,
		Example: `  whoport free
  whoport free 8000-8999 -n 3`,
		Args: args(0, 1, "one range at most"),
	}, "text,json", func(cmd *cobra.Command, args []string) (outcome, error) {
		return a.free(args, n)
	})
	cmd.Flags().IntVarP(&n, "number", "n", 1, "how many ports")
	return cmd
}

// free answers whoport free: it probes the ports of the range in order
// until it has found n.
func (a *app) free(args []string, n int) (outcome, error) {
	var out outcome
	if n < 1 {
		return out, fmt.Errorf("invalid -n %d: ask for 1 port or more", n)
	}
	sys, err := a.liveSystem("free")
	if err != nil {
		return out, err
	}
	reg := sys.Registry()
	rng := inspect.PortRange{First: 1024, Last: 49151}
	if len(args) == 1 {
		qs, err := inspect.ParseQuery(args[0], reg)
		if err != nil {
			return out, err
		}
		if len(qs) != 1 || qs[0].Addr.IsValid() || qs[0].Proto != "" {
			return out, fmt.Errorf("give a port or a range of ports, such as 8000-8999")
		}
		rng = inspect.PortRange{First: qs[0].First, Last: qs[0].Last}
	}
	cfg := sys.NetConfig()
	rep := freeReport{Ports: inspect.FreePorts(reg, cfg, rng, n, sys.Identity().Privileged(), inspect.BindableEverywhere(sys))}
	if len(rep.Ports) < n {
		out.code = exitNotFound
		out.hint("found %d free %s in %d-%d outside the ephemeral range %d-%d", len(rep.Ports),
			plural(len(rep.Ports), "port", "ports"), rng.First, rng.Last, cfg.Ephemeral.First, cfg.Ephemeral.Last)
	}
	return out, a.write(rep, sys)
}

// freeReport is free's answer.
type freeReport struct {
	Ports []uint16 `json:"ports"`
}

func (rep freeReport) json() any {
	if rep.Ports == nil {
		rep.Ports = []uint16{}
	}
	return rep
}

func (rep freeReport) text(r *renderer) {
	for _, p := range rep.Ports {
		r.printf("%d\n", p)
	}
}
