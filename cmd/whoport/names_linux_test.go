package main

import (
	"strings"
	"testing"
)

// TestNameAsTheProcessSetIt: a process's name holding a backslash and a
// newline reaches JSON as it is (not the kernel's escaped form of
// /proc/PID/status, escaped again by JSON) and the text escaped once.
func TestNameAsTheProcessSetIt(t *testing.T) {
	t.Parallel()
	const name = "we\\ird\nname"
	c, err := startRenamedChild(t, name, "listen-on", "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, whoport(t, "--json", "-p", c.pidString(), c.said["port"]+"/tcp"))
	if len(doc.Sockets) != 1 || len(doc.Sockets[0].Holders) != 1 || doc.Sockets[0].Holders[0].Name != name {
		t.Fatalf("got %+v; want the holder named %q", doc.Sockets, name)
	}
	r := whoport(t, "--by-process", "-p", c.pidString(), c.said["port"]+"/tcp")
	if !strings.Contains(r.stdout, `we\\ird\nname`) {
		t.Errorf("text: want the name escaped once, we\\\\ird\\nname:\n%s", r.stdout)
	}
}

// TestKillSeveralPorts: several ports are free, in the plural.
func TestKillSeveralPorts(t *testing.T) {
	t.Parallel()
	ownNetNS(t) // kill checks that the ports are free: see TestKillListener
	l := holdSockets(t, "listen", "")
	r := whoport(t, "kill", "--yes", "127.0.0.1:"+l.port(t, "tcp4")+"/tcp", "127.0.0.1:"+l.port(t, "udp4")+"/udp")
	if r.code != 0 || !strings.Contains(r.stdout, "/udp are free now") {
		t.Errorf("exit %d\n%s%s\nwant the ports free, in the plural", r.code, r.stdout, r.stderr)
	}
}
