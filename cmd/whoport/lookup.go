package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

func (a *app) lookupCommand() *cobra.Command {
	return a.command(&cobra.Command{
		Use:   "lookup QUERY...",
		Short: "What the IANA registry says of ports and service names, without touching sockets",
		Example: `  whoport lookup 8080
  whoport lookup redis
  whoport lookup 6000-6010
  whoport lookup 53/udp tcp:443`,
		Args: args(1, -1, "a port or a service name"),
	}, "text,json", func(cmd *cobra.Command, args []string) (outcome, error) {
		sys, err := a.system()
		if err != nil {
			return outcome{}, err
		}
		answers, err := lookup(args, sys.Registry())
		if err != nil {
			return outcome{}, err
		}
		return outcome{}, a.write(answers, sys)
	})
}

// lookup answers each query from the registry: a port or range for each
// protocol asked (TCP and UDP, plus SCTP and DCCP where registered), a
// name for every port and protocol it is registered for.
func lookup(args []string, reg *services.Registry) (lookupReport, error) {
	out := lookupReport{}
	for _, arg := range args {
		qs, err := inspect.ParseQuery(arg, reg)
		if err != nil {
			return nil, err
		}
		for _, q := range qs {
			if q.Addr.IsValid() {
				return nil, fmt.Errorf("lookup answers from the registry alone: give %q without its address", arg)
			}
			var answers []lookupAnswer
			for port := int(q.First); port <= int(q.Last); port++ {
				for _, proto := range lookupProtos(reg, q, uint16(port)) {
					answers = append(answers, newLookupAnswer(reg.Port(uint16(port), proto)))
				}
			}
			// By protocol, then port, so that runs can be folded.
			slices.SortStableFunc(answers, func(x, y lookupAnswer) int { return protoRank(x.Proto) - protoRank(y.Proto) })
			out = append(out, answers...)
		}
	}
	return out, nil
}

// lookupProtos gives the protocols to answer for on port: the one asked,
// those the service name is registered for, or TCP and UDP and any other
// protocol with a name on the port.
func lookupProtos(reg *services.Registry, q inspect.Query, port uint16) []services.Proto {
	if q.Proto != "" {
		return []services.Proto{q.Proto}
	}
	var ps []services.Proto
	if q.Service != "" {
		for _, r := range reg.ByName(q.Service) {
			if r.First <= port && port <= r.Last {
				ps = append(ps, r.Proto)
			}
		}
	} else {
		ps = []services.Proto{services.TCP, services.UDP}
		for _, p := range []services.Proto{services.SCTP, services.DCCP} {
			if reg.Port(port, p).Status == services.Assigned {
				ps = append(ps, p)
			}
		}
	}
	return slices.Compact(ps)
}

func protoRank(p string) int {
	return slices.Index([]services.Proto{services.TCP, services.UDP, services.SCTP, services.DCCP}, services.Proto(p))
}

// lookupReport is lookup's answer: a list of {"port", "proto", "class",
// "status", "services"}.
type lookupReport []lookupAnswer

func (rep lookupReport) json() any { return rep }

// lookupAnswer is one lookup answer: a port on one protocol.
type lookupAnswer struct {
	Port     uint16        `json:"port"`
	Proto    string        `json:"proto"`
	Class    string        `json:"class"`
	Status   string        `json:"status"`
	Note     string        `json:"note,omitempty"` // the registry's remark on a port without a service
	Services []jsonService `json:"services"`
}

func newLookupAnswer(p services.Port) lookupAnswer {
	j := newJSONPort(p)
	return lookupAnswer{Port: p.Number, Proto: string(p.Proto), Class: j.Class, Status: j.Status, Note: p.Note, Services: j.Services}
}

// writeAnswers writes answers as a table, one line per name, folding runs
// of consecutive ports with the same answer into a range.
func (answers lookupReport) text(r *renderer) {
	p := r.p
	t := table{style: []func(...any) string{p.port, nil, nil, p.name, nil}}
	t.add("PORT", "PROTO", "CLASS", "SERVICE", "DESCRIPTION")
	for i := 0; i < len(answers); {
		j := i + 1
		for j < len(answers) && sameAnswer(answers[j], answers[j-1]) {
			j++
		}
		ans, port := answers[i], fmt.Sprint(answers[i].Port)
		if j > i+1 {
			port = fmt.Sprintf("%d-%d", ans.Port, answers[j-1].Port)
		}
		if len(ans.Services) == 0 {
			t.add(port, ans.Proto, ans.Class, "-", strings.TrimSuffix(ans.Status+": "+clean(ans.Note), ": "))
		}
		for k, s := range ans.Services {
			if k > 0 {
				port, ans.Proto, ans.Class = "", "", ""
			}
			name := s.Name
			if s.Local {
				name += " (local)"
			}
			t.add(port, ans.Proto, ans.Class, name, clean(s.Description))
		}
		i = j
	}
	t.write(r.w)
}

// sameAnswer reports whether b continues a's run: the next port, with
// the same protocol and the same answer.
func sameAnswer(b, a lookupAnswer) bool {
	return b.Port == a.Port+1 && b.Proto == a.Proto && b.Class == a.Class && b.Status == a.Status && b.Note == a.Note &&
		slices.Equal(b.Services, a.Services)
}
