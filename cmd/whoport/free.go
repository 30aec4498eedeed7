package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

func (a *app) freeCommand() *cobra.Command {
	var n int
	cmd := a.command(&cobra.Command{
		Use:   "free [RANGE]",
		Short: "Ports that can be bound now on TCP and UDP, outside the ephemeral range",
		Long: `free prints ports that can be bound now on TCP and UDP, IPv4 and IPv6, one
per line: outside the kernel's ephemeral range (where an outgoing
connection could take them), its reserved list and the privileged ports
(below net.ipv4.ip_unprivileged_port_start), IANA-unassigned ports first.
The range is 1024-49151 unless given; RANGE/udp or RANGE/tcp probes one
protocol only.

Exit status: 0 found as many as asked, 1 fewer, 2 error.`,
		Example: `  whoport free
  whoport free 8000-8999 -n 3`,
		Args: args(0, 1, "one range at most"),
	}, "text,json", func(cmd *cobra.Command, args []string) (outcome, error) {
		return a.free(cmd.Context(), args, n)
	})
	cmd.Flags().IntVarP(&n, "number", "n", 1, "how many ports")
	return cmd
}

// free answers whoport free: it probes the ports of the range in order
// until it has found n.
func (a *app) free(ctx context.Context, args []string, n int) (outcome, error) {
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
	var protos []services.Proto
	if len(args) == 1 {
		qs, err := inspect.ParseQuery(args[0], reg)
		if err != nil {
			return out, err
		}
		if len(qs) != 1 || qs[0].Addr.IsValid() {
			return out, fmt.Errorf("give a port or a range of ports, such as 8000-8999 or 8000-8999/udp")
		}
		rng = inspect.PortRange{First: qs[0].First, Last: qs[0].Last}
		if p := qs[0].Proto; p != "" {
			if p != services.TCP && p != services.UDP {
				return out, fmt.Errorf("whoport free probes TCP and UDP, not %s", p)
			}
			protos = []services.Proto{p}
		}
	}
	cfg := sys.NetConfig()
	rep := freeReport{Ports: inspect.FreePorts(reg, cfg, rng, n, inspect.BindableEverywhere(sys, protos...))}
	var binds []inspect.Bind // a port free here may be in use in a container's namespace: say so
	probed := protos
	if len(probed) == 0 {
		probed = []services.Proto{services.TCP, services.UDP}
	}
	for _, p := range rep.Ports {
		for _, proto := range probed {
			binds = append(binds, inspect.Bind{Proto: proto, Port: p})
		}
	}
	elsewhereHints(ctx, sys, &out, binds)
	if len(rep.Ports) < n {
		out.code = exitNotFound
		out.hint("%s", freeHint(cfg, rng, len(rep.Ports)))
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

// freeHint says why free found fewer ports than asked: the range held only
// ports a server cannot count on, or those it could were taken.
func freeHint(cfg inspect.NetConfig, rng inspect.PortRange, found int) string {
	why := map[string]int{}
	for p := int(rng.First); p <= int(rng.Last); p++ {
		why[inspect.Candidate(cfg, uint16(p))]++
	}
	size := int(rng.Last) - int(rng.First) + 1
	switch {
	case why["ephemeral"] == size:
		return fmt.Sprintf("every port of %d-%d is in the ephemeral range %d-%d (net.ipv4.ip_local_port_range), where outgoing connections take ports: give a range outside it",
			rng.First, rng.Last, cfg.Ephemeral.First, cfg.Ephemeral.Last)
	case why["privileged"] == size:
		return fmt.Sprintf("every port of %d-%d is below %d (net.ipv4.ip_unprivileged_port_start), which only root or CAP_NET_BIND_SERVICE may bind: give a range from %d",
			rng.First, rng.Last, cfg.UnprivilegedPortStart, cfg.UnprivilegedPortStart)
	case why[""] == 0:
		return fmt.Sprintf("no port of %d-%d is one a server can count on: each is privileged (below %d), ephemeral (%d-%d) or reserved",
			rng.First, rng.Last, cfg.UnprivilegedPortStart, cfg.Ephemeral.First, cfg.Ephemeral.Last)
	}
	return fmt.Sprintf("found %d free %s in %d-%d (%d candidates: not privileged, outside the ephemeral range %d-%d, not reserved)",
		found, plural(found, "port", "ports"), rng.First, rng.Last, why[""], cfg.Ephemeral.First, cfg.Ephemeral.Last)
}
