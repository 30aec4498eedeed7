package main

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

func (a *app) freeCommand() *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "free [RANGE]",
		Short: "Ports that can be bound now on TCP and UDP, outside the ephemeral range",
		Long: `free prints ports that can be bound now on TCP and UDP, IPv4 and IPv6, one
per line: outside the kernel's ephemeral range (where an outgoing
connection could take them) and its reserved list, IANA-unassigned user
ports first. The range is 1024-49151 unless given.

Exit status: 0 found as many as asked, 1 fewer, 2 error.`,
		Example: `  whoport free
  whoport free 8000-8999 -n 3`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 1 {
				return fmt.Errorf("invalid -n %d: ask for 1 port or more", n)
			}
			rng := inspect.PortRange{First: 1024, Last: 49151}
			if len(args) == 1 {
				qs, err := inspect.ParseQuery(args[0], a.registry())
				if err != nil {
					return err
				}
				if len(qs) != 1 || qs[0].Addr.IsValid() || qs[0].Proto != "" {
					return fmt.Errorf("give a port or a range of ports, such as 8000-8999")
				}
				rng = inspect.PortRange{First: qs[0].First, Last: qs[0].Last}
			}
			cfg := a.system().NetConfig()
			ports := freePorts(a.registry(), cfg, rng, n, bindableEverywhere)
			for _, p := range ports {
				fmt.Fprintln(a.stdout, p)
			}
			if len(ports) < n {
				a.code = exitNotFound
				a.hint("found %d free %s in %d-%d outside the ephemeral range %d-%d", len(ports),
					plural(len(ports), "port", "ports"), rng.First, rng.Last, cfg.Ephemeral.First, cfg.Ephemeral.Last)
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "number", "n", 1, "how many ports")
	return cmd
}

// freePorts picks up to n ports in rng that bindable accepts, outside the
// ephemeral range and the reserved ports: first those IANA has assigned
// to nobody on TCP or UDP, then the others, each in order.
func freePorts(reg *services.Registry, cfg inspect.NetConfig, rng inspect.PortRange, n int, bindable func(uint16) bool) []uint16 {
	var unassigned, assigned []uint16
	for p := int(rng.First); p <= int(rng.Last); p++ {
		port := uint16(p)
		if inspect.InRanges([]inspect.PortRange{cfg.Ephemeral}, port) || inspect.InRanges(cfg.Reserved, port) {
			continue
		}
		if reg.Port(port, services.TCP).Status == services.Unassigned && reg.Port(port, services.UDP).Status == services.Unassigned {
			unassigned = append(unassigned, port)
		} else {
			assigned = append(assigned, port)
		}
	}
	var out []uint16
	for _, p := range slices.Concat(unassigned, assigned) {
		if len(out) == n {
			break
		}
		if bindable(p) {
			out = append(out, p)
		}
	}
	return out
}

// bindableEverywhere reports whether a server could bind the port now on
// TCP and UDP, IPv4 and IPv6: a dual-stack [::] bind, or 0.0.0.0 where the
// host has no IPv6.
func bindableEverywhere(port uint16) bool {
	for _, proto := range []services.Proto{services.TCP, services.UDP} {
		b := inspect.Bind{Proto: proto, Addr: netip.IPv6Unspecified(), Port: port}
		err := inspect.Probe(b)
		if err != nil && !inspect.InUse(err) {
			b.Addr = netip.IPv4Unspecified() // no IPv6 here
			err = inspect.Probe(b)
		}
		if err != nil {
			return false
		}
	}
	return true
}
