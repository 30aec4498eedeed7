package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/internal/fixture"
)

// runAuditFixture runs whoport in this process on a fixture /proc, as
// root would.
func runAuditFixture(root string, args ...string) result {
	var out, errb bytes.Buffer
	code := fixtureApp(&out, &errb, asRoot).run(context.Background(), append([]string{"--proc-root", root}, args...))
	return result{out.String(), errb.String(), code}
}

func TestAuditGolden(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/audit.txt")
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"audit-table.txt", []string{"audit"}, 1},
		{"audit.json", []string{"audit", "--json"}, 1},
		{"audit.prom", []string{"audit", "--format", "prom", "--fail-on", "never"}, 0},
		{"audit-policy.txt", []string{"audit", "--policy", "../../testdata/policy/audit.json", "--fail-on", "high"}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runAuditFixture(root, c.args...)
			if r.code != c.code || r.stderr != "" {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, c.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "audit incomplete: 1 listening socket's holder is hidden") {
				t.Errorf("the output should say first that the audit is incomplete:\n%s", r.stdout)
			}
			checkGolden(t, c.name, r.stdout)
		})
	}
}

func TestAuditExitStatus(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/audit.txt")
	calm := filepath.Join(t.TempDir(), "calm.json")
	os.WriteFile(calm, []byte(`{"accept": [{"port": 23}, {"rule": "local-service-exposed", "program": "redis-server"}]}`), 0o644)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--fail-on", "info"}, 1},
		{[]string{"--fail-on", "warn"}, 1},
		{[]string{"--fail-on", "high"}, 1},
		{[]string{"--fail-on", "never"}, 0},
		{[]string{"--fail-on", "HIGH", "--policy", calm}, 0}, // no high finding left
		{[]string{"--policy", calm}, 1},
	} {
		r := runAuditFixture(root, append([]string{"audit"}, c.args...)...)
		if r.code != c.code {
			t.Errorf("audit %s: exit %d, want %d; stderr: %s", strings.Join(c.args, " "), r.code, c.code, r.stderr)
		}
	}
}

// TestAuditErrors: bad flags and bad policies are one line on stderr,
// and exit 2.
func TestAuditErrors(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/audit.txt")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--policy", "../../testdata/policy/unknown-key.json"},
			`whoport: error: ../../testdata/policy/unknown-key.json: policy line 6: unknown key "level": a policy has accept, expect and severity; their entries rule, port, program, reason and severity`},
		{[]string{"--policy", "../../testdata/policy/none.json"}, "whoport: error: read policy: open ../../testdata/policy/none.json: no such file or directory"},
		{[]string{"--format", "yaml"}, `whoport: error: unknown --format "yaml": use text, json, tsv or prom`},
		{[]string{"--json", "--format", "prom"}, "whoport: error: --json and --format prom ask for two formats: give one"},
		{[]string{"--json", "--format", "table"}, "whoport: error: --json and --format table ask for two formats: give one"},
		{[]string{"--fail-on", "critical"}, `whoport: error: invalid --fail-on "critical": use info, warn, high or never`},
		{[]string{"ssh"}, `whoport: error: audit takes no arguments, not ssh`},
	} {
		r := runAuditFixture(root, append([]string{"audit"}, c.args...)...)
		if r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, c.want) {
			t.Errorf("audit %s: got exit %d, stdout %q, stderr %q; want exit 2 and one line %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// evilName gives the fixture's python3 (pid 41) an executable whose name
// holds a newline, an escape sequence, quotes and backslashes.
const evilName = "py\"th\\on\x1b[31m\nx"

func withEvilName(t *testing.T, root string) {
	t.Helper()
	exe := filepath.Join(root, "41", "exe")
	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/opt/"+evilName, exe); err != nil {
		t.Fatal(err)
	}
}

// TestAuditEscapes: a name from another process reaches the terminal
// escaped, in the table and in the messages.
func TestAuditEscapes(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/audit.txt")
	withEvilName(t, root)
	r := runAuditFixture(root, "audit", "--color=always")
	if strings.Contains(r.stdout, "\x1b[31m\n") || strings.Contains(r.stdout, "\nx") {
		t.Errorf("the name reached the output raw:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, `py"th\\on\x1b[31m\nx`); n != 3 { // the table's holder twice, one message
		t.Errorf("got the escaped name %d times, want 3:\n%s", n, r.stdout)
	}
}

// promSample is one sample of the Prometheus text format.
type promSample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseProm parses the Prometheus text exposition format (0.0.4) as a
// scraper would, and checks what it asks: HELP and TYPE once per family,
// before its samples; the samples of a family together; no series twice;
// label values quoted, with only \\, \" and \n escaped.
func parseProm(t *testing.T, text string) []promSample {
	t.Helper()
	var samples []promSample
	help, typ := map[string]bool{}, map[string]string{}
	seen := map[string]bool{}
	done := map[string]bool{} // families whose samples have ended
	last := ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		bad := func(why string) { t.Fatalf("line %d: %s: %q", i+1, why, line) }
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			f := strings.SplitN(rest, " ", 3)
			switch {
			case f[0] == "HELP" && len(f) == 3:
				if help[f[1]] {
					bad("HELP twice")
				}
				help[f[1]] = true
			case f[0] == "TYPE" && len(f) == 3:
				if typ[f[1]] != "" || seen[f[1]] {
					bad("TYPE twice, or after samples")
				}
				typ[f[1]] = f[2]
			}
			continue
		}
		s := promSample{labels: map[string]string{}}
		name, rest, _ := strings.Cut(line, "{")
		s.name = name
		if !help[name] || typ[name] != "gauge" {
			bad("a sample without HELP and a gauge TYPE before it")
		}
		if name != last && done[name] {
			bad("a family's samples apart")
		}
		if last != "" && name != last {
			done[last] = true
		}
		last = name
		for rest != "" && rest[0] != '}' {
			lname, after, ok := strings.Cut(rest, `="`)
			if !ok {
				bad("a label without =\"")
			}
			var v strings.Builder
			j := 0
			for ; j < len(after) && after[j] != '"'; j++ {
				switch c := after[j]; {
				case c == '\\' && j+1 < len(after):
					j++
					switch after[j] {
					case '\\':
						v.WriteByte('\\')
					case '"':
						v.WriteByte('"')
					case 'n':
						v.WriteByte('\n')
					default:
						bad("an unknown escape")
					}
				case c < 0x20 || c == 0x7f:
					bad("a control character in a label value")
				default:
					v.WriteByte(c)
				}
			}
			if j == len(after) {
				bad("an unterminated label value")
			}
			s.labels[lname] = v.String()
			rest = strings.TrimPrefix(after[j+1:], ",")
		}
		value := strings.TrimPrefix(rest, "} ")
		var err error
		if s.value, err = strconv.ParseFloat(value, 64); err != nil {
			bad("a value that is not a number")
		}
		key := name + "{" + strings.TrimSuffix(line, " "+value)
		if seen[key] {
			bad("a series twice")
		}
		seen[key], seen[name] = true, true
		samples = append(samples, s)
	}
	return samples
}

// TestAuditProm parses whoport's metrics back and checks them.
func TestAuditProm(t *testing.T) {
	root := fixture.Materialize(t, "../../testdata/proc/audit.txt")
	withEvilName(t, root)
	r := runAuditFixture(root, "audit", "--format", "prom")
	if r.code != 1 {
		t.Errorf("exit %d, want 1: --fail-on applies to every format", r.code)
	}
	sockets, findings := 0.0, map[string]float64{}
	var evil, sshd map[string]string
	series := 0
	for _, s := range parseProm(t, r.stdout) {
		switch s.name {
		case "whoport_listening_socket":
			sockets += s.value
			switch s.labels["port"] {
			case "25":
				evil = s.labels
			case "22":
				sshd = s.labels
			}
		case "whoport_audit_findings":
			findings[s.labels["rule"]+" "+s.labels["severity"]] = s.value
			series++
		default:
			t.Errorf("unknown metric %s", s.name)
		}
	}
	if sockets != 15 {
		t.Errorf("got %v listening sockets, want 15", sockets)
	}
	want := map[string]string{"proto": "tcp", "address": "0.0.0.0", "port": "22", "class": "system", "service": "ssh", "program": "sshd", "user": "root", "netns": "host"}
	if !maps.Equal(sshd, want) {
		t.Errorf("sshd's socket: got labels %v, want %v", sshd, want)
	}
	if got := evil["program"]; got != clean(evilName) || !strings.Contains(got, `"`) || !strings.Contains(got, `\`) {
		t.Errorf("got program %q, want %q back, quotes and backslashes kept", got, clean(evilName))
	}
	if series != 6*3 {
		t.Errorf("got %d finding series, want every rule at every severity, 18", series)
	}
	for k, v := range map[string]float64{
		"plaintext-exposed high": 1, "plaintext-exposed warn": 1, "local-service-exposed high": 1, "local-service-exposed warn": 1,
		"unexpected-program warn": 1, "hidden-holder warn": 1, "non-root-system-port info": 1, "ephemeral-range info": 1, "ephemeral-range warn": 0,
	} {
		if findings[k] != v {
			t.Errorf("whoport_audit_findings %s: got %v, want %v", k, findings[k], v)
		}
	}
	if !strings.HasPrefix(r.stdout, "# audit incomplete: ") {
		t.Errorf("an incomplete audit should say so first:\n%s", r.stdout)
	}
}

// auditOf runs whoport audit --json as cred (nil for us), in whoport's own
// network namespace only: the test's sockets are there, and other
// namespaces (other tests', containers') may have findings on the same
// ports.
func auditOf(t *testing.T, cred *syscall.Credential, args ...string) (auditReport, result) {
	t.Helper()
	cmd := whoportCmd(append([]string{"audit", "--json", "--fail-on", "never", "--netns", "host"}, args...)...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	r := runCmd(t, cmd)
	var rep auditReport
	if err := jsonUnmarshal(r.stdout, &rep); err != nil {
		t.Fatalf("bad JSON: %v\nstderr: %s", err, r.stderr)
	}
	return rep, r
}

// findingOn finds the finding of a rule on a TCP socket at addr:port, or
// fails.
func findingOn(t *testing.T, rep auditReport, rule, addr, port string) jsonAuditFinding {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Rule == rule && f.Socket.Proto == "tcp" && f.Socket.Local.Addr == addr && fmt.Sprint(f.Socket.Local.Port) == port {
			return f
		}
	}
	t.Fatalf("no %s finding on tcp %s:%s among %d", rule, addr, port, len(rep.Findings))
	return jsonAuditFinding{}
}

func TestAuditEphemeralRange(t *testing.T) {
	t.Parallel()
	c := holdSockets(t, "listen-on", "127.0.0.1:0") // the kernel picks from the ephemeral range
	port := c.said["port"]
	rep, _ := auditOf(t, nil)
	f := findingOn(t, rep, inspect.RuleEphemeralRange, "127.0.0.1", port)
	if f.Severity != "info" || f.Holder == nil || f.Holder.PID != c.pid || !strings.Contains(f.Message, "ip_local_port_range") {
		t.Errorf("got %+v; want info, held by pid %d", f, c.pid)
	}
}

// TestAuditLocalServiceExposed: Redis on every address is exposed; PostgreSQL
// on loopback is not. Both listen on their own ports, free in the test's
// own network namespace.
func TestAuditLocalServiceExposed(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	wild := holdSockets(t, "listen-on", "0.0.0.0:6379")
	local := holdSockets(t, "listen-on", "127.0.0.1:5432")
	rep, _ := auditOf(t, nil)
	f := findingOn(t, rep, inspect.RuleLocalServiceExposed, "0.0.0.0", "6379")
	if f.Holder == nil || f.Holder.PID != wild.pid || !strings.Contains(f.Message, "0.0.0.0:6379") {
		t.Errorf("got %+v; want a finding held by pid %d", f, wild.pid)
	}
	for _, f := range rep.Findings {
		if f.Holder != nil && f.Holder.PID == local.pid && f.Rule == inspect.RuleLocalServiceExposed {
			t.Errorf("127.0.0.1:5432 is kept local; got %+v", f)
		}
	}
}

// startRenamedChild starts the test binary copied as name, in a directory any user
// may read, in a child mode, with attr's credentials and capabilities.
func startRenamedChild(t *testing.T, name, mode, arg string, attr *syscall.SysProcAttr) (*child, error) {
	t.Helper()
	dir, err := os.MkdirTemp("", "whoport-audit-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, name)
	// A link, not a copy, where it can: a copy's write descriptor, open
	// while a parallel test forks, can make the exec fail with ETXTBSY.
	if err := linkOrCopy(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	var c *child
	for try := 0; ; try++ {
		cmd := childCommand(bin, childMarker(t), mode, arg)
		cmd.SysProcAttr = attr
		c, err = launch(cmd, mode)
		if !errors.Is(err, syscall.ETXTBSY) || try == 10 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil {
		t.Cleanup(c.stop)
	}
	return c, err
}

// TestAuditUnexpectedProgram: a program called nginx on the mail port is
// not what that service expects. The port is free in the test's own
// network namespace.
func TestAuditUnexpectedProgram(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to listen on a system port")
	}
	ownNetNS(t)
	c, err := startRenamedChild(t, "nginx", "listen-on", "127.0.0.1:25", nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := auditOf(t, nil)
	f := findingOn(t, rep, inspect.RuleUnexpectedProgram, "127.0.0.1", "25")
	if f.Holder == nil || f.Holder.PID != c.pid || !strings.Contains(f.Message, fmt.Sprintf("pid %d (nginx)", c.pid)) {
		t.Errorf("got %+v; want nginx, pid %d, named", f, c.pid)
	}
	if slices.ContainsFunc(rep.Findings, func(f jsonAuditFinding) bool {
		return f.Rule == inspect.RulePlaintextExposed && f.Holder != nil && f.Holder.PID == c.pid
	}) {
		t.Errorf("127.0.0.1:25 is loopback: it should not be plaintext-exposed")
	}
}

// TestAuditNonRootCapability: nobody, given CAP_NET_BIND_SERVICE, holds a
// system port.
func TestAuditNonRootCapability(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to start a child as nobody with CAP_NET_BIND_SERVICE")
	}
	ownNetNS(t)
	const port = "853" // free in the test's own network namespace
	c, err := startRenamedChild(t, "lowport", "listen-on", "127.0.0.1:"+port,
		&syscall.SysProcAttr{Credential: nobody, AmbientCaps: []uintptr{10 /* CAP_NET_BIND_SERVICE */}})
	if err != nil {
		t.Skipf("cannot start a child as nobody with CAP_NET_BIND_SERVICE here: %v", err)
	}
	rep, _ := auditOf(t, nil)
	f := findingOn(t, rep, inspect.RuleNonRoot, "127.0.0.1", port)
	if f.Severity != "info" || f.Holder == nil || f.Holder.PID != c.pid || f.Holder.UID != nobody.Uid || !strings.Contains(f.Message, "CAP_NET_BIND_SERVICE") {
		t.Errorf("got %+v; want info, pid %d as nobody, through CAP_NET_BIND_SERVICE", f, c.pid)
	}
}

// TestAuditAsNobody: an audit that cannot see root's processes says so
// first, and reports their sockets as hidden.
func TestAuditAsNobody(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run whoport as another user and hide the holder from it")
	}
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := c.said["port"]
	rep, _ := auditOf(t, nobody)
	f := findingOn(t, rep, inspect.RuleHiddenHolder, "127.0.0.1", port)
	if rep.Complete || !strings.Contains(rep.Incomplete, "run as root") || f.Holder != nil || f.Socket.User != "root" {
		t.Errorf("got complete %v (%q), %+v; want incomplete, and a hidden socket of root", rep.Complete, rep.Incomplete, f)
	}
	r := runAs(t, nobody, "audit", "--fail-on", "never")
	if first, _, _ := strings.Cut(r.stdout, "\n"); !strings.HasPrefix(first, "audit incomplete: ") {
		t.Errorf("got first line %q, want it to say the audit is incomplete", first)
	}
}
