package main

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/whoport/whoport/inspect"
	"github.com/whoport/whoport/services"
)

// TestNamesEscapedOnce: a user's or program's name with a backslash is
// cleaned once (its backslash doubled once) in a completion's description
// and in a metric's labels, whose own escaping comes on top.
func TestNamesEscapedOnce(t *testing.T) {
	owned := inspect.Socket{Proto: services.TCP, Local: netip.MustParseAddrPort("127.0.0.1:8080"), State: inspect.Listen,
		UID: 1000, User: `ad\min`}
	held := owned
	held.Holders = []*inspect.Process{{PID: 42, Name: `we\ird`, UID: 1001, User: `do\main`}}
	for _, c := range []struct {
		sock                  inspect.Socket
		describe              string
		wantUser, wantProgram string // the label values, as a scraper reads them
	}{
		{owned, `socket of ad\\min · tcp 127.0.0.1`, `ad\\min`, ""},
		{held, `we\\ird (pid 42) · tcp 127.0.0.1`, `do\\main`, `we\\ird`},
	} {
		if got := (listeningPort{8080, []*inspect.Socket{&c.sock}}).describe(); !strings.HasPrefix(got, c.describe) {
			t.Errorf("describe() = %q, want it to start %q", got, c.describe)
		}
		var b strings.Builder
		if err := writeProm(&b, []inspect.Socket{c.sock}, nil, ""); err != nil {
			t.Fatal(err)
		}
		samples := parseProm(t, b.String())
		if len(samples) == 0 || samples[0].name != "whoport_listening_socket" {
			t.Fatalf("no listening socket in the metrics:\n%s", b.String())
		}
		if l := samples[0].labels; l["user"] != c.wantUser || l["program"] != c.wantProgram {
			t.Errorf("labels user %q, program %q; want %q and %q:\n%s", l["user"], l["program"], c.wantUser, c.wantProgram, b.String())
		}
	}
}
