package main

import (
	"fmt"
	"testing"
)

// TestExposedChildren: of a child's listeners on 0.0.0.0 and on
// 127.0.0.1, --exposed keeps the wildcard one only.
func TestExposedChildren(t *testing.T) {
	t.Parallel()
	wild := holdSockets(t, "listen-on", "0.0.0.0:0")
	local := holdSockets(t, "listen-on", "127.0.0.1:0")
	for _, c := range []struct {
		child *child
		want  int
	}{{wild, 1}, {local, 0}} {
		port := c.child.said["port"]
		r := whoport(t, "--json", "--exposed", "-p", fmt.Sprint(c.child.pid), "tcp:"+port)
		socks := held(decode(t, r))
		if len(socks) != c.want {
			t.Errorf("whoport --exposed tcp:%s (pid %d): got %d sockets, want %d\n%s", port, c.child.pid, len(socks), c.want, r.stdout)
		}
		for _, s := range socks {
			if s.Local.Addr != "0.0.0.0" || s.State != "LISTEN" || len(s.Holders) != 1 || s.Holders[0].PID != c.child.pid {
				t.Errorf("got %+v, want the listener on 0.0.0.0 held by %d", s, c.child.pid)
			}
		}
	}
}
