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
