package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/whoport/whoport/inspect"
)

// auditOptions are audit's flags.
type auditOptions struct {
	policy string
	failOn string
	netns  string
}

func (a *app) auditCommand() *cobra.Command {
	var o auditOptions
	cmd := a.command(&cobra.Command{
		Use:   "audit",
		Short: "Check every listening socket: who holds the system ports, and what is exposed",
		Long: `audit checks every listening socket (TCP LISTEN and bound UDP) and prints
what it finds, most severe first: a rule id that stays the same from release
to release, a severity (info, warn, high), the socket, its holder, and one
sentence of why it matters and what to do.

Rules:
  hidden-holder           no holder could be seen: the audit could not check it (warn)
  unexpected-program      a system port held by a program other than those that
                          usually serve its IANA service, e.g. 22 not sshd (warn)
  non-root-system-port    a system port bound by a process that is not root: through
                          CAP_NET_BIND_SERVICE (info), or because
                          net.ipv4.ip_unprivileged_port_start was lowered (warn)
  plaintext-exposed       telnet, ftp (high), or pop3, imap, http, smtp without their
                          TLS port on the host (warn), listening beyond loopback
  local-service-exposed   a database, cache or development server on a wildcard or
                          public address (warn; high for redis, memcached, the Docker
                          API, a Node.js inspector)
  ephemeral-range         a TCP listener in net.ipv4.ip_local_port_range, where an
                          outgoing connection may take the port first (info)

Run it as root: other users' processes are hidden from anyone else, and an
audit that cannot see a holder says so first.

A policy (--policy FILE, JSON) accepts findings, adds expected programs, and
changes severities; unknown keys are errors:

  {
    "accept":   [{"rule": "unexpected-program", "port": 80, "program": "node",
                  "reason": "the shop serves port 80 itself"}],
    "expect":   {"http": ["gunicorn"]},
    "severity": [{"rule": "ephemeral-range", "severity": "warn"}]
  }

An entry selects findings by "rule", "port" and "program" (any that is left
out matches all, but give one); "reason" is for its readers.

Every network namespace is audited (--netns narrows it): a socket in a
container's namespace exposes nothing of the host, whatever its address,
so only the rules about holders judge it; the host's side of a published
port is judged where it listens.

--format prom writes metrics for node_exporter's textfile collector:
whoport_listening_socket{proto,address,port,class,service,program,user,netns}
and whoport_audit_findings{rule,severity}.

Exit status: 0 no finding at or above --fail-on (accepted ones aside),
1 findings, 2 error.`,
		Example: `  sudo whoport audit
  sudo whoport audit --policy /etc/whoport/policy.json --fail-on high
  sudo whoport audit --json
  sudo whoport audit --format prom --fail-on never > /var/lib/node_exporter/whoport.prom.$$ &&
    mv /var/lib/node_exporter/whoport.prom.$$ /var/lib/node_exporter/whoport.prom`,
		Args: args(0, 0, "no arguments"),
	}, "text,json,prom", func(cmd *cobra.Command, args []string) (outcome, error) {
		return a.audit(cmd.Context(), o)
	})
	f := cmd.Flags()
	f.StringVar(&o.policy, "policy", "", "read a policy from `FILE` (JSON: accept, expect, severity)")
	f.StringVar(&o.failOn, "fail-on", "warn", "exit 1 on a finding of this `SEVERITY` or above: info, warn, high, or never")
	f.StringVar(&o.netns, "netns", inspect.NetnsAll, "the network namespaces to audit: `WHICH` is all, host (whoport's own), a pid, or a name")
	return cmd
}

// auditReport is audit's answer, also its JSON.
type auditReport struct {
	Version int `json:"version"`
	// Complete reports that every listening socket's holder was seen;
	// Incomplete says why not.
	Complete   bool   `json:"complete"`
	Incomplete string `json:"incomplete,omitempty"`
	Listening  int    `json:"listening_sockets"`
	// Findings are those the policy does not accept, most severe first;
	// Accepted are those it does.
	Findings []jsonAuditFinding `json:"findings"`
	Accepted []jsonAuditFinding `json:"accepted"`
	// Unchecked names the kernel settings that could not be read.
	Unchecked []string `json:"unchecked,omitempty"`

	snap     *inspect.Snapshot
	findings []inspect.AuditFinding
}

// jsonAuditFinding is one finding in audit's JSON.
type jsonAuditFinding struct {
	Rule     string      `json:"rule"`
	Severity string      `json:"severity"`
	Message  string      `json:"message"`
	Socket   jsonSocket  `json:"socket"`
	Holder   *jsonHolder `json:"holder"` // null when no holder was seen
}

// audit answers whoport audit: it reads the policy, collects every
// listening socket, audits them, and writes the findings in the format
// asked; the exit status is 1 when a finding not accepted reaches
// --fail-on.
func (a *app) audit(ctx context.Context, o auditOptions) (outcome, error) {
	var out outcome
	var failOn inspect.Severity // 0: never
	if o.failOn != "never" {
		s, err := inspect.ParseSeverity(o.failOn)
		if err != nil {
			return out, fmt.Errorf("invalid --fail-on %q: use info, warn, high or never", o.failOn)
		}
		failOn = s
	}
	var policy inspect.Policy
	if o.policy != "" {
		p, err := readPolicy(o.policy)
		if err != nil {
			return out, err
		}
		policy = p
	}
	sys, err := a.system()
	if err != nil {
		return out, err
	}
	snap, err := sys.Collect(ctx, inspect.Filter{Listening: true, Netns: o.netns})
	if err != nil {
		return out, err
	}
	a.snapshotNotes(&outcome{}, snap, sys) // the warnings; the hidden holders are the report's first line
	netnsHints(&out, snap, sys.Identity().Root(), false)
	cfg := sys.NetConfig()
	rep := auditReport{Version: jsonVersion, Complete: true, Listening: len(snap.Sockets),
		Findings: []jsonAuditFinding{}, Accepted: []jsonAuditFinding{}, Unchecked: cfg.Guessed,
		snap: snap, findings: inspect.Audit(snap.Sockets, cfg, sys.Registry(), policy)}
	if hidden := countHidden(snap.Sockets); hidden > 0 {
		rep.Complete, rep.Incomplete = false, auditIncomplete(hidden, snap, sys.Identity().Root())
	}
	for _, f := range rep.findings {
		jf := newJSONAuditFinding(f)
		if f.Accepted {
			rep.Accepted = append(rep.Accepted, jf)
			continue
		}
		rep.Findings = append(rep.Findings, jf)
		if failOn != 0 && f.Severity >= failOn {
			out.code = exitNotFound
		}
	}
	for _, name := range cfg.Guessed {
		switch name {
		case "ipv4.ip_local_port_range":
			out.hint("could not read net.ipv4.ip_local_port_range: the ephemeral-range rule was skipped")
		case "ipv4.ip_unprivileged_port_start":
			out.hint("could not read net.ipv4.ip_unprivileged_port_start: %d was assumed", cfg.UnprivilegedPortStart)
		}
	}
	return out, a.write(rep, sys)
}

func (rep auditReport) json() any { return rep }

func (rep auditReport) prom(w io.Writer) error {
	return writeProm(w, rep.snap.Sockets, rep.findings, rep.Incomplete)
}

// readPolicy reads the policy file.
func readPolicy(name string) (inspect.Policy, error) {
	f, err := os.Open(name)
	if err != nil {
		return inspect.Policy{}, fmt.Errorf("read policy: %w", err)
	}
	defer f.Close()
	p, err := inspect.ParsePolicy(f)
	if err != nil {
		return p, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// auditIncomplete says why the audit could not check every socket.
func auditIncomplete(hidden int, snap *inspect.Snapshot, root bool) string {
	return fmt.Sprintf("audit incomplete: %d listening %s hidden: %s", hidden,
		plural(hidden, "socket's holder is", "sockets' holders are"), hiddenWhy(snap, root))
}

// newJSONAuditFinding converts a finding for the JSON document.
func newJSONAuditFinding(f inspect.AuditFinding) jsonAuditFinding {
	j := jsonAuditFinding{Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message, Socket: newJSONSocket(f.Socket)}
	if f.Holder != nil {
		h := newJSONHolder(f.Holder)
		j.Holder = &h
	}
	return j
}

// text writes the findings as a table, each with its message on the
// line below, after a first line that says when the audit is incomplete
// and before a line that counts.
//
//	SEVERITY  RULE               SOCKET          HOLDER
//	high      plaintext-exposed  tcp 0.0.0.0:23  pid 40 inetd (root)
//	          telnet on 0.0.0.0:23 carries passwords … in clear text beyond loopback; turn it off and use ssh.
func (rep auditReport) text(r *renderer) {
	p, w := r.p, r.w
	if rep.Incomplete != "" {
		fmt.Fprintln(w, p.warn(rep.Incomplete))
	}
	shown := slices.DeleteFunc(slices.Clone(rep.findings), func(f inspect.AuditFinding) bool { return f.Accepted })
	if len(shown) > 0 {
		t := table{style: []func(...any) string{nil, p.name}}
		t.add("SEVERITY", "RULE", "SOCKET", "HOLDER")
		for _, f := range shown {
			sock := string(f.Socket.Proto) + " " + endpoint(f.Socket.Local)
			if w := elsewhere(f.Socket); w != "" {
				sock += " " + w
			}
			t.add(f.Severity.String(), f.Rule, sock, auditHolderWords(f))
		}
		var buf bytes.Buffer
		t.write(&buf)
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		indent := strings.Repeat(" ", len("SEVERITY")+2)
		fmt.Fprintln(w, lines[0])
		for i, f := range shown {
			sev := f.Severity.String()
			fmt.Fprintln(w, severityColor(p, f.Severity)(sev)+strings.TrimPrefix(lines[i+1], sev))
			fmt.Fprintln(w, indent+clean(f.Message))
		}
	}
	fmt.Fprintln(w, p.dim(auditSummary(rep)))
}

// auditHolderWords names a finding's holder: "pid 40 inetd (root)", with
// "+N" for the other holders of the socket, or why there is none.
func auditHolderWords(f inspect.AuditFinding) string {
	s := f.Socket
	if f.Holder == nil {
		if s.Hidden {
			return "hidden; socket of " + owner(s.UID, s.User)
		}
		if s.Kernel {
			return "none; " + noHolderWords(s, false)
		}
		return "none; socket of " + owner(s.UID, s.User)
	}
	h := f.Holder
	w := fmt.Sprintf("pid %d %s (%s)", h.PID, clean(inspect.ProgramName(h)), userName(h.UID, h.User))
	if len(s.Holders) > 1 {
		w += fmt.Sprintf(" +%d", len(s.Holders)-1)
	}
	return w
}

func severityColor(p palette, s inspect.Severity) func(...any) string {
	switch s {
	case inspect.SeverityHigh:
		return p.warn
	case inspect.SeverityWarn:
		return p.pid
	}
	return p.dim
}

// auditSummary counts the sockets and the findings by severity:
// "12 listening sockets, 3 findings: 1 high, 2 warn; 1 accepted by the policy".
func auditSummary(rep auditReport) string {
	msg := fmt.Sprintf("%d listening %s, ", rep.Listening, plural(rep.Listening, "socket", "sockets"))
	if len(rep.Findings) == 0 {
		msg += "no findings"
	} else {
		count := map[string]int{}
		for _, f := range rep.Findings {
			count[f.Severity]++
		}
		var parts []string
		for _, s := range []inspect.Severity{inspect.SeverityHigh, inspect.SeverityWarn, inspect.SeverityInfo} {
			if n := count[s.String()]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		msg += fmt.Sprintf("%d %s: %s", len(rep.Findings), plural(len(rep.Findings), "finding", "findings"), strings.Join(parts, ", "))
	}
	if n := len(rep.Accepted); n > 0 {
		msg += fmt.Sprintf("; %d accepted by the policy", n)
	}
	return msg
}
