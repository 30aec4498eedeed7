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
		{[]string{"-p", "abc", "80"}, `invalid --pid "abc": give process ids, 1 or more`},
		{[]string{"--pid=1,x", "80"}, `invalid --pid "1,x"`},
		{[]string{"-p", "0", "80"}, "invalid --pid 0: give a process id, 1 or more"},
		{[]string{"free", "-n", "abc"}, `invalid --number "abc": give a count, 1 or more`},
		{[]string{"wait", "80", "--free", "--timeout", "abc"}, `invalid --timeout "abc": give a duration such as 500ms, 5s or 2m`},
		{[]string{"wait", "80", "--free", "--timeout", "-5s"}, "invalid --timeout -5s: give a duration of 0 or more"},
		{[]string{"kill", "--yes", "--timeout", "-1s", "80"}, "invalid --timeout -1s"},
		{[]string{"why"}, "why needs one port: whoport why [ADDR:]PORT"},
		{[]string{"why", "80", "81"}, "why takes one port, not 80 81"},
		{[]string{"kill"}, "kill needs a port: whoport kill PORT..."},
		{[]string{"wait"}, "wait needs one port"},
		{[]string{"free", "1-10", "20-30"}, "free takes one range at most, not 1-10 20-30"},
		{[]string{"help", "nosuch"}, `no help for "nosuch": the commands are`},
		{[]string{"completion", "nosh"}, `unknown shell "nosh": use bash, zsh, fish or powershell`},
		{[]string{"kil", "8080"}, `unknown command "kil": did you mean whoport kill?`},
		{[]string{"--state", "", "80"}, "--state was given an empty value"},
		{[]string{"--user", "", "80"}, "--user was given an empty value"},
		{[]string{"-c", "", "80"}, "--command was given an empty value"},
		{[]string{"--class", "sytem", "80"}, `unknown class "sytem"`},
		{[]string{"--json", "-q", "80"}, "-q prints pids alone, and --format json a document: give one"},
		{[]string{"--json", "--by-process"}, "--by-process is a way to print text"},
		{[]string{"why", "--format", "prom", "80"}, "whoport why writes text or json, not prom"},
		{[]string{"--format", "yaml", "80"}, `unknown --format "yaml": use text, json, tsv or prom`},
		{[]string{"[::1]"}, `no port in "[::1]": add one, as in [::1]:8080`},
		{[]string{"127.0.0.1"}, `no port in "127.0.0.1": add one, as in 127.0.0.1:8080`},
		{[]string{"example.com:80"}, `"example.com" is a host name, and whoport does not resolve names`},
	} {
		r := runIn(c.args...)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "whoport: error: ") || !strings.Contains(lines[0], c.want) {
			t.Errorf("whoport %q: exit %d, stderr:\n%s\nwant exit 2 and one line with %q", c.args, r.code, r.stderr, c.want)
		}
		for _, goWords := range []string{"strconv", "time: ", "pflag", "cobra", "Parse", "arg(s)"} {
			if strings.Contains(r.stderr, goWords) {
				t.Errorf("whoport %q: stderr %q speaks Go (%q)", c.args, r.stderr, goWords)
			}
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
