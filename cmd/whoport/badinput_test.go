package main

import (
	"strings"
	"testing"
)

// Bad input (one line on stderr, exit status 2) is tested by
// testdata/script/bad-input.txtar.

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

// TestPIDIsAProcessID: a --pid of 0 or less is bad input for every
// command that takes one, before anything is looked at. (kill is asked
// for a dry run: should the check be lost, nothing is signalled.)
func TestPIDIsAProcessID(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-p", "0", "22/tcp"}, "invalid --pid 0: give a process id, 1 or more"},
		{[]string{"--pid=-3", "22/tcp"}, "invalid --pid -3: give a process id, 1 or more"},
		{[]string{"kill", "--dry-run", "-p", "0", "22/tcp"}, "invalid --pid 0: give a process id, 1 or more"},
		{[]string{"kill", "--dry-run", "--pid=-3", "22/tcp"}, "invalid --pid -3: give a process id, 1 or more"},
		{[]string{"kill", "-n", "-p", "42,0", "22/tcp"}, "invalid --pid 0: give a process id, 1 or more"},
	} {
		r := runIn(c.args...)
		if r.code != 2 || r.stdout != "" || r.stderr != "whoport: error: "+c.want+"\n" {
			t.Errorf("whoport %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// TestDurationsSayTheSame: kill, wait and watch take --timeout alike,
// and say the same of a value that is no duration or is negative.
func TestDurationsSayTheSame(t *testing.T) {
	for _, cmd := range [][]string{
		{"kill", "-n", "22/tcp"},
		{"wait", "22/tcp", "--free"},
		{"watch", "22/tcp"},
	} {
		for _, c := range []struct{ value, want string }{
			{"abc", `invalid --timeout "abc": give a duration such as 500ms, 5s or 2m`},
			{"-5s", "invalid --timeout -5s: give a duration of 0 or more, such as 500ms, 5s or 2m"},
		} {
			args := append(append([]string{}, cmd...), "--timeout", c.value)
			r := runIn(args...)
			if r.code != 2 || r.stdout != "" || r.stderr != "whoport: error: "+c.want+"\n" {
				t.Errorf("whoport %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", args, r.code, r.stdout, r.stderr, c.want)
			}
		}
	}
}
