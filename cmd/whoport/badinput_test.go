package main

import (
	"strings"
	"testing"
)

// TestBadInput: bad input is one line on stderr, saying what was wrong and
// what would be right, and exit status 2; never a usage dump or a panic.
func TestBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"0"}, "port 0 is reserved: binding it asks the OS to pick a free port; give a port from 1 to 65535"},
		{[]string{"65536"}, "port 65536 is out of range: ports are 1 to 65535"},
		{[]string{"70000"}, "port 70000 is out of range"},
		{[]string{"-1"}, `invalid port "-1": ports are numbers from 1 to 65535`},
		{[]string{"--", "-1"}, `invalid port "-1": ports are numbers from 1 to 65535`},
		{[]string{"abc"}, `unknown service "abc"`},
		{[]string{"80-70"}, "range 80-70 runs backwards: write it low to high, 70-80"},
		{[]string{""}, "empty query: give a port (8080), a range (8000-8100) or a service name (ssh)"},
		{[]string{"postgress"}, `unknown service "postgress" (did you mean postgres`},
		{[]string{"qwertyuiopasdfgh"}, `unknown service "qwertyuiopasdfgh": give a port (1-65535) or an IANA service name`},
		{[]string{"8080/sctp"}, "whoport inspects TCP and UDP sockets, not sctp"},
		{[]string{"22", "0"}, "port 0 is reserved"},
		{[]string{"--bogus"}, "unknown flag: --bogus (see whoport --help)"},
		{[]string{"--color=pink", "22"}, `invalid --color "pink": use auto, always or never`},
		{[]string{"lookup"}, "lookup needs a port or a service name: whoport lookup QUERY..."},
		{[]string{"lookup", "0"}, "port 0 is reserved"},
		{[]string{"lookup", "abc"}, `unknown service "abc"`},
		{[]string{"lookup", "127.0.0.1:80"}, `lookup answers from the registry alone: give "127.0.0.1:80" without its address`},
		{[]string{"lookup", "80/xyz"}, `unknown protocol "xyz"`},
	} {
		r := runIn(c.args...)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "whoport: error: ") || !strings.Contains(lines[0], c.want) {
			t.Errorf("whoport %q: exit %d, stderr:\n%s\nwant exit 2 and one line with %q", c.args, r.code, r.stderr, c.want)
		}
		if r.stdout != "" || strings.Contains(r.stderr, "Usage") || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("whoport %q: stdout %q; want nothing, and no usage or stack trace", c.args, r.stdout)
		}
	}
}

// TestSubcommandWinsOverService: IANA has a service called audit (182);
// whoport audit is the subcommand, and the service is reached as audit/tcp.
func TestSubcommandWinsOverService(t *testing.T) {
	r := runIn("audit", "--json", "--fail-on", "never")
	if r.code != 0 || !strings.Contains(r.stdout, `"findings"`) {
		t.Errorf("whoport audit: exit %d, stdout %.200q; want the audit", r.code, r.stdout)
	}
	r = runIn("audit/tcp")
	if r.code > 1 || !strings.HasPrefix(r.stdout, "182  audit") {
		t.Errorf("whoport audit/tcp: exit %d, stdout %q; want port 182", r.code, r.stdout)
	}
}
