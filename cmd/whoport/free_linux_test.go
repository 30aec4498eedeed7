package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestFreeSaysWhyNone: a range of ports no server can count on finds
// nothing, and says why instead of finding nothing silently.
func TestFreeSaysWhyNone(t *testing.T) {
	cfg := liveSystem(t).NetConfig()
	eph := fmt.Sprintf("%d-%d", cfg.Ephemeral.First, cfg.Ephemeral.First+10)
	for _, c := range []struct{ rng, want string }{
		{eph, "is in the ephemeral range"},
		{fmt.Sprintf("1-%d", min(100, int(cfg.UnprivilegedPortStart)-1)), "which only root or CAP_NET_BIND_SERVICE may bind"},
	} {
		if cfg.UnprivilegedPortStart < 2 && strings.Contains(c.want, "root") {
			continue // every port is unprivileged here
		}
		r := runIn("free", c.rng)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, c.want) {
			t.Errorf("free %s: exit %d, stdout %q, stderr %q; want exit 1, nothing, and %q", c.rng, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// TestFreeProtocols: RANGE/udp and RANGE/tcp are taken (BindableEverywhere
// probes the one asked: see inspect's tests), other protocols are not.
func TestFreeProtocols(t *testing.T) {
	for _, q := range []string{"20000-29999/udp", "20000-29999/tcp"} {
		if r := runIn("free", q); r.code > 1 || r.stderr != "" && r.code == 0 {
			t.Errorf("free %s: exit %d, %q", q, r.code, r.stderr)
		}
	}
	if r := runIn("free", "8080/sctp"); r.code != 2 || !strings.Contains(r.stderr, "probes TCP and UDP, not sctp") {
		t.Errorf("free 8080/sctp: exit %d, %q; want exit 2 and why", r.code, r.stderr)
	}
}
