package main

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/whoport/whoport/internal/nstest"
)

// holdSocketsIn starts a child holding sockets inside the namespace (ip
// netns exec execs it: the child keeps the pid it was started with).
func holdSocketsIn(t *testing.T, ns, mode string) *child {
	t.Helper()
	cmd := childCommand(os.Args[0], childMarker(t), mode, "")
	cmd.Args = append([]string{"ip", "netns", "exec", ns}, cmd.Args...)
	cmd.Path = "/usr/sbin/ip"
	if p, err := exec.LookPath("ip"); err == nil {
		cmd.Path = p
	}
	c, err := launch(cmd, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	return c
}

// TestNetnsPort: a server in another network namespace is named from the
// host with its namespace and pid; the text says that no socket on the
// port is the host's; --netns host leaves it out.
func TestNetnsPort(t *testing.T) {
	ns := nstest.New(t)
	c := holdSocketsIn(t, ns, "listen")
	port := c.port(t, "tcp4")
	query := "tcp:" + port
	r := whoport(t, "--json", query)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (in use in %s); stderr: %s", r.code, ns, r.stderr)
	}
	var mine []jsonSocket
	hostToo := false
	for _, s := range decode(t, r).Sockets {
		switch {
		case s.Netns != nil && s.Netns.Name == ns && s.State != "TIME_WAIT":
			mine = append(mine, s)
		case s.Netns != nil && s.Netns.Name == "host":
			hostToo = true // the namespace's kernel gave a port some host socket (a TIME_WAIT remnant too) also uses
		}
	}
	if len(mine) != 1 {
		t.Fatalf("got %d sockets in %s, want 1: %s", len(mine), ns, r.stdout)
	}
	s := mine[0]
	got := fmt.Sprintf("%s %s:%d %v inode>0=%v", s.State, s.Local.Addr, s.Local.Port, holderPIDsOf(s), s.Netns.Inode > 0)
	want := fmt.Sprintf("LISTEN 127.0.0.1:%s [%d] inode>0=true", port, c.pid)
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}

	text := whoport(t, query)
	if !strings.Contains(text.stdout, "in netns "+ns) || !strings.Contains(text.stdout, fmt.Sprintf("pid %-6d", c.pid)) {
		t.Errorf("text: want the namespace and the pid; got\n%s", text.stdout)
	}
	if !hostToo && !strings.Contains(text.stdout, noHostSocketWords) {
		t.Errorf("text: want %q; got\n%s", noHostSocketWords, text.stdout)
	}

	host := whoport(t, "--netns", "host", "--json", query)
	for _, s := range decode(t, host).Sockets {
		if s.Inode == mine[0].Inode {
			t.Errorf("--netns host: the namespace's socket is there: %s", host.stdout)
		}
	}
	if !hostToo && host.code != 1 {
		t.Errorf("--netns host: exit %d, want 1", host.code)
	}
	if named := whoport(t, "--netns", ns, "--json", query); named.code != 0 || len(held(decode(t, named))) != 1 {
		t.Errorf("--netns %s: exit %d, want its socket: %s", ns, named.code, named.stdout)
	}
	if bad := whoport(t, "--netns", "no-such-namespace", query); bad.code != 2 || !strings.Contains(bad.stderr, `no network namespace "no-such-namespace"`) {
		t.Errorf("an unknown namespace: exit %d, stderr %q; want 2 and one line", bad.code, bad.stderr)
	}
}

// TestNetnsWhy: why explains a bind from the host's sockets and notes the
// socket on the port in another namespace, which does not conflict.
func TestNetnsWhy(t *testing.T) {
	ns := nstest.New(t)
	c := holdSocketsIn(t, ns, "listen")
	port := c.port(t, "tcp4")
	r := whoport(t, "why", "--json", "127.0.0.1:"+port)
	var rep struct {
		Findings []struct {
			Code     string `json:"code"`
			Blocking bool   `json:"blocking"`
			Message  string `json:"message"`
		} `json:"findings"`
	}
	if err := jsonUnmarshal(r.stdout, &rep); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Code == "other-netns" && strings.Contains(f.Message, ns) {
			found = true
			if f.Blocking {
				t.Errorf("a socket in another namespace blocks: %+v", f)
			}
		}
	}
	if !found {
		t.Errorf("why: want an other-netns finding naming %s; got %s", ns, r.stdout)
	}
}

// TestNetnsDNAT: whoport run inside a namespace whose NAT table publishes
// a port with no socket on it says so, and calls the port in use.
func TestNetnsDNAT(t *testing.T) {
	ns := nstest.New(t)
	nstest.AddDNAT(t, ns, nstest.DNAT{Port: 8080, To: netip.MustParseAddrPort("10.88.0.5:80")})
	cmd := exec.Command("ip", "netns", "exec", ns, whoportBin, "tcp:8080")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	r := runCmd(t, cmd)
	want := "published by DNAT to 10.88.0.5:80; no socket listens on the host, a host bind would succeed but be shadowed"
	if r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("exit %d, want 0 and %q; got\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	cmd = exec.Command("ip", "netns", "exec", ns, whoportBin, "why", "127.0.0.1:8080")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	r = runCmd(t, cmd)
	if r.code != 0 || !strings.Contains(r.stdout, "dnat") || !strings.Contains(r.stdout, "published by DNAT to 10.88.0.5:80") {
		t.Errorf("why: exit %d, want 0 (the bind succeeds) and the dnat finding; got\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestNetnsAsNobody: as nobody, a namespace that cannot be entered is said
// (a hint, and "not in use" only in the namespaces read), not dropped.
func TestNetnsAsNobody(t *testing.T) {
	ns := nstest.New(t)
	c := holdSocketsIn(t, ns, "listen")
	query := "tcp:127.0.0.1:" + c.port(t, "tcp4")
	r := runAs(t, nobody, "--netns", ns, query)
	if r.code != 1 || !strings.Contains(r.stdout, "in the network namespaces whoport could read") ||
		!strings.Contains(r.stderr, "netns "+ns+": entering it needs root") {
		t.Errorf("exit %d; want 1, \"not in use\" only where whoport could read, and a hint naming %s\n%s%s", r.code, ns, r.stdout, r.stderr)
	}
	j := runAs(t, nobody, "--json", "--netns", ns, query)
	doc := decode(t, j)
	if len(doc.Namespaces) != 1 || doc.Namespaces[0].Name != ns || !strings.Contains(doc.Namespaces[0].Skipped, "root") {
		t.Errorf("JSON namespaces: got %+v, want %s, skipped for want of root", doc.Namespaces, ns)
	}
}
