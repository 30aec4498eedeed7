package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/whoport/whoport/inspect"
)

// writeProm writes the listening sockets and the audit's findings in
// Prometheus's text exposition format (version 0.0.4), for node_exporter's
// textfile collector:
//
//	whoport_listening_socket{proto, address, port, class, service, program, user, netns}
//	    counts the sockets with those labels (SO_REUSEPORT siblings share them);
//	    program is the holder's, "" when hidden; user is the holder's, or the
//	    socket owner's when its holder is hidden; netns is the network
//	    namespace's name, "host" for whoport's own.
//	whoport_audit_findings{rule, severity}
//	    counts the findings the policy does not accept: every rule at every
//	    severity, 0 included, so that alerts resolve.
//
// Label values are escaped as the format asks (backslash, double quote,
// newline), after clean has escaped what no dashboard should show raw.
// An incomplete audit says so in a comment first.
func writeProm(w io.Writer, socks []inspect.Socket, findings []inspect.AuditFinding, incomplete string) error {
	bw := bufio.NewWriter(w)
	if incomplete != "" {
		fmt.Fprintf(bw, "# %s\n", clean(incomplete))
	}
	fmt.Fprintln(bw, "# HELP whoport_listening_socket Listening sockets (TCP LISTEN, bound UDP) by address and holder; the value counts them.")
	fmt.Fprintln(bw, "# TYPE whoport_listening_socket gauge")
	var order []string
	count := map[string]int{}
	for i := range socks {
		s := &socks[i]
		if !s.Listening() {
			continue
		}
		// promLabels cleans the values: the names go to it raw.
		program, user := "", rawUserName(s.UID, s.User)
		if len(s.Holders) > 0 {
			h, _ := inspect.MainHolder(s.Holders)
			program, user = inspect.ProgramName(h), rawUserName(h.UID, h.User)
		}
		service := "" // an unassigned port has none: a label, not a placeholder
		if len(s.Port.Services) > 0 {
			service = s.Port.Services[0].Name
		}
		netns := inspect.NetnsHost
		if s.Netns != nil {
			netns = s.Netns.Name
		}
		labels := promLabels("proto", string(s.Proto), "address", s.Local.Addr().String(), "port", fmt.Sprint(s.Local.Port()),
			"class", s.Port.Class.String(), "service", service, "program", program, "user", user, "netns", netns)
		if count[labels] == 0 {
			order = append(order, labels)
		}
		count[labels]++
	}
	for _, labels := range order {
		fmt.Fprintf(bw, "whoport_listening_socket{%s} %d\n", labels, count[labels])
	}

	fmt.Fprintln(bw, "# HELP whoport_audit_findings Findings of whoport audit that the policy does not accept, by rule and severity.")
	fmt.Fprintln(bw, "# TYPE whoport_audit_findings gauge")
	type key struct {
		rule     string
		severity inspect.Severity
	}
	found := map[key]int{}
	for _, f := range findings {
		if !f.Accepted {
			found[key{f.Rule, f.Severity}]++
		}
	}
	for _, rule := range inspect.AuditRules() {
		for _, sev := range []inspect.Severity{inspect.SeverityInfo, inspect.SeverityWarn, inspect.SeverityHigh} {
			fmt.Fprintf(bw, "whoport_audit_findings{%s} %d\n", promLabels("rule", rule, "severity", sev.String()), found[key{rule, sev}])
		}
	}
	return bw.Flush()
}

var promEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// promLabels writes name="value" pairs, the values cleaned and escaped.
func promLabels(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%s="%s"`, pairs[i], promEscaper.Replace(clean(pairs[i+1])))
	}
	return b.String()
}
