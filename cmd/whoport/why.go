package main

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// bindOptions describe the bind a server will make, for why and wait.
type bindOptions struct {
	udp, ipv6, v6only    bool
	reuseAddr, reusePort bool
}

func (o *bindOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&o.udp, "udp", "u", false, "a UDP bind (default TCP)")
	f.BoolVarP(&o.ipv6, "ipv6", "6", false, "bind [::], which also takes IPv4 unless --v6only (default 0.0.0.0)")
	f.BoolVar(&o.v6only, "v6only", false, "set IPV6_V6ONLY on an IPv6 bind")
	f.BoolVar(&o.reuseAddr, "reuseaddr", false, "set SO_REUSEADDR, as most servers do")
	f.BoolVar(&o.reusePort, "reuseport", false, "set SO_REUSEPORT")
}

// bind reads "[ADDR:]PORT[/PROTO]" into the bind it names, and gives the
// queries it parsed.
func (o *bindOptions) bind(arg string, sys inspect.System) (inspect.Bind, []inspect.Query, error) {
	qs, err := inspect.ParseQuery(arg, sys.Registry())
	if err != nil {
		return inspect.Bind{}, nil, err
	}
	q := qs[0]
	switch {
	case len(qs) > 1 && q.Addr.IsValid():
		return inspect.Bind{}, nil, fmt.Errorf("%q names two addresses: give one, 127.0.0.1:%d or [::1]:%d", arg, q.First, q.First)
	case len(qs) > 1 || q.First != q.Last:
		return inspect.Bind{}, nil, fmt.Errorf("%q names several ports: give one", arg)
	case q.Proto == services.SCTP || q.Proto == services.DCCP:
		return inspect.Bind{}, nil, fmt.Errorf("whoport binds TCP and UDP only, not %s", q.Proto)
	}
	b := inspect.Bind{Proto: services.TCP, Addr: netip.IPv4Unspecified(), Port: q.First,
		V6Only: o.v6only, ReuseAddr: o.reuseAddr, ReusePort: o.reusePort,
		UID: sys.Identity().EUID, Privileged: sys.Identity().Privileged()}
	if o.udp || q.Proto == services.UDP {
		b.Proto = services.UDP
	}
	switch {
	case q.Addr.IsValid():
		b.Addr = q.Addr
	case o.ipv6 || o.v6only:
		b.Addr = netip.IPv6Unspecified()
	}
	if b.V6Only && !b.Addr.Is6() {
		return b, nil, fmt.Errorf("--v6only applies to IPv6 binds: give an IPv6 address or -6")
	}
	return b, qs, nil
}

func (a *app) whyCommand() *cobra.Command {
	var o bindOptions
	cmd := a.command(&cobra.Command{
		Use:   "why [ADDR:]PORT",
		Short: "Why a bind to a port fails: probe it, and explain every conflict",
		Long: `why probes the bind your server will make (0.0.0.0:PORT over TCP unless told
otherwise; the socket is closed at once and never listens), reports the
exact error, and explains every conflict in the socket table with the rule
that applies and the fix.

Exit status: 0 bindable, 1 not bindable, 2 error.`,
		Example: `  whoport why 8080
  whoport why 127.0.0.1:8080 --reuseaddr
  whoport why -6 8080
  whoport why --udp 53`,
		Args: args(1, 1, "one port"),
	}, "text,json", func(cmd *cobra.Command, args []string) (outcome, error) {
		return a.why(cmd.Context(), args[0], o)
	})
	o.flags(cmd)
	return cmd
}

// whyReport is why's answer, also its JSON.
type whyReport struct {
	Bind      jsonBind      `json:"bind"`
	Bindable  bool          `json:"bindable"`
	Error     string        `json:"error,omitempty"`
	Errno     string        `json:"errno,omitempty"`
	Findings  []jsonFinding `json:"findings"`
	Unchecked []string      `json:"unchecked,omitempty"` // kernel settings that could not be read; defaults assumed

	probe error
}

type jsonBind struct {
	Proto     string `json:"proto"`
	Addr      string `json:"addr"`
	Port      uint16 `json:"port"`
	V6Only    bool   `json:"v6only"`
	ReuseAddr bool   `json:"reuseaddr"`
	ReusePort bool   `json:"reuseport"`
}

type jsonFinding struct {
	Code     string      `json:"code"`
	Blocking bool        `json:"blocking"`
	Message  string      `json:"message"`
	Fix      string      `json:"fix,omitempty"`
	Socket   *jsonSocket `json:"socket,omitempty"`
}

// why answers whoport why: it probes the bind, then explains it from the
// sockets on the port.
func (a *app) why(ctx context.Context, arg string, o bindOptions) (outcome, error) {
	var out outcome
	sys, err := a.liveSystem("why")
	if err != nil {
		return out, err
	}
	b, _, err := o.bind(arg, sys)
	if err != nil {
		return out, err
	}
	probe := sys.Probe(b)
	snap, err := sys.Collect(ctx, inspect.Filter{Ports: []inspect.PortRange{{First: b.Port, Last: b.Port}}, Protos: []services.Proto{b.Proto},
		Netns: inspect.NetnsAll, DNAT: true}) // the host's explain the bind; the others are noted
	if err != nil {
		return out, err
	}
	netnsHints(&out, snap, sys.Identity().Root(), true)
	host := slices.DeleteFunc(slices.Clone(snap.Sockets), func(s inspect.Socket) bool { return !s.InHost() })
	a.snapshotNotes(&out, snap, sys)
	cfg := sys.NetConfig()
	rep := whyReport{
		Bind:      jsonBind{string(b.Proto), b.Addr.String(), b.Port, b.V6Only, b.ReuseAddr, b.ReusePort},
		Bindable:  probe == nil,
		Findings:  []jsonFinding{},
		Unchecked: cfg.Guessed,
		probe:     probe,
	}
	if probe != nil {
		rep.Error = probe.Error()
		rep.Errno = errnoOf(probe)
		out.code = exitNotFound
	}
	for _, f := range append(inspect.Reconcile(b, inspect.Explain(b, host, cfg), probe), inspect.Elsewhere(b, snap.Sockets, snap.DNAT)...) {
		jf := jsonFinding{Code: f.Code, Blocking: f.Blocking, Message: f.Message, Fix: f.Fix}
		if f.Socket != nil {
			js := newJSONSocket(f.Socket)
			jf.Socket = &js
		}
		rep.Findings = append(rep.Findings, jf)
	}
	if len(rep.Unchecked) > 0 {
		out.hint("could not read %v; Linux's defaults were assumed", rep.Unchecked)
	}
	return out, a.write(rep, sys)
}

func (rep whyReport) json() any { return rep }

// errnoOf gives the errno's name of a failed probe, as "EADDRINUSE".
func errnoOf(err error) string {
	if be, ok := err.(*inspect.BindError); ok {
		return be.Errno()
	}
	return ""
}

func (rep whyReport) text(r *renderer) {
	p, w, probe := r.p, r.w, rep.probe
	bind := fmt.Sprintf("bind %s:%d/%s", bracket(rep.Bind.Addr), rep.Bind.Port, rep.Bind.Proto)
	if probe == nil {
		fmt.Fprintf(w, "%s succeeds now\n", p.port(bind))
	} else {
		fmt.Fprintf(w, "%s fails now: %s\n", p.port(bind), p.warn(probeReason(probe)))
	}
	blocking := 0
	for _, f := range rep.Findings {
		mark := p.dim("·")
		if f.Blocking {
			mark = p.warn("✗")
			blocking++
		} else if f.Fix != "" {
			mark = p.state("!")
		}
		fmt.Fprintf(w, "\n%s %s  %s\n", mark, p.name(f.Code), clean(f.Message))
		if f.Fix != "" {
			fmt.Fprintf(w, "  %s %s\n", p.dim("fix:"), clean(f.Fix))
		}
	}
	if probe != nil && blocking == 0 {
		fmt.Fprintf(w, "\n%s\n", p.dim(unexplained(probe)))
	}
}

// probeReason is the system's error of a failed probe, without the bind.
func probeReason(err error) string {
	if be, ok := err.(*inspect.BindError); ok {
		return be.Reason()
	}
	return err.Error()
}

// unexplained says what else may block a bind whoport found no reason for.
func unexplained(err error) string {
	if inspect.InUse(err) {
		return "whoport sees no socket that explains it: the holder may be in a network namespace whoport could not read, or the socket closed between the probe and the look."
	}
	return "this is not a conflict with another socket: the address may not be on this host, or the system refuses the bind for its own reasons."
}

func bracket(addr string) string {
	if a, err := netip.ParseAddr(addr); err == nil && a.Is6() {
		return "[" + addr + "]"
	}
	return addr
}
