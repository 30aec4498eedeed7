package main

import (
	"fmt"
	"strconv"
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

// TestFreeProtocols: RANGE/udp and RANGE/tcp probe the one protocol
// asked, and other protocols are refused. In the test's own network
// namespace a child listens on TCP port P (the kernel's pick), and the
// namespace's ephemeral range is moved off P: then P is free on UDP alone.
func TestFreeProtocols(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := l.said["port"]
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("the child's port %q: %v", port, err)
	}
	eph := "61000 65000" // the kernel picked P from its ephemeral range: move the range off it
	if p >= 61000 {
		eph = "40000 49999"
	}
	writeNetSysctl(t, "ipv4.ip_local_port_range", eph)
	rng := port + "-" + port
	if r := whoport(t, "free", rng+"/udp"); r.code != 0 || r.stdout != port+"\n" {
		t.Errorf("free %s/udp: exit %d, stdout %q, stderr %q; want exit 0 and %s: only TCP is held", rng, r.code, r.stdout, r.stderr, port)
	}
	for _, q := range []string{rng + "/tcp", rng} {
		if r := whoport(t, "free", q); r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "found 0 free ports in "+rng) {
			t.Errorf("free %s: exit %d, stdout %q, stderr %q; want exit 1, nothing, and why: the child listens on TCP %s", q, r.code, r.stdout, r.stderr, port)
		}
	}
	if r := runIn("free", "8080/sctp"); r.code != 2 || !strings.Contains(r.stderr, "probes TCP and UDP, not sctp") {
		t.Errorf("free 8080/sctp: exit %d, %q; want exit 2 and why", r.code, r.stderr)
	}
}
