package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestKillNotListening: a TCP socket bound without listening holds the
// port: kill names it and exits 1, and --all signals its holder.
func TestKillNotListening(t *testing.T) {
	t.Parallel()
	ownNetNS(t) // kill checks that the port is free: see TestKillListener
	b := holdSockets(t, "bound", "")
	q := "127.0.0.1:" + b.said["port"] + "/tcp"
	r := whoport(t, "kill", "--yes", q)
	if r.code != 1 || !strings.Contains(r.stdout, "nothing listens on "+q+", but 1 socket holds it") ||
		!strings.Contains(r.stdout, fmt.Sprintf("pid %d", b.pid)) || !alive(b.pid) {
		t.Errorf("exit %d\n%s%s\nwant exit 1, the bound socket's holder named and alive", r.code, r.stdout, r.stderr)
	}
	r = whoport(t, "kill", "--yes", "--all", q)
	if r.code != 0 || !strings.Contains(r.stdout, "is free now") {
		t.Errorf("--all: exit %d\n%s%s\nwant exit 0, free", r.code, r.stdout, r.stderr)
	}
}

// TestKillDashNine: kill -9 PORT, the habit of kill(1), sends SIGKILL.
func TestKillDashNine(t *testing.T) {
	t.Parallel()
	ownNetNS(t) // kill checks that the port is free: see TestKillListener
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	r := whoport(t, "kill", "-9", "--yes", "127.0.0.1:"+l.said["port"]+"/tcp")
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("pid %d: sent SIGKILL", l.pid)) {
		t.Errorf("exit %d\n%s%s\nwant SIGKILL sent", r.code, r.stdout, r.stderr)
	}
}

// TestKillForceReachesTheHeir: a server that hands its listener to a new
// child on SIGTERM (a graceful restart) still holds the port through
// that child; --force sends KILL to the child too.
func TestKillForceReachesTheHeir(t *testing.T) {
	t.Parallel()
	ownNetNS(t) // kill checks that the port is free: see TestKillListener
	heirFile := filepath.Join(t.TempDir(), "heir")
	l := holdSockets(t, "respawn", heirFile)
	t.Cleanup(func() {
		if b, err := os.ReadFile(heirFile); err == nil {
			if pid, err := strconv.Atoi(string(b)); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	r := whoport(t, "kill", "--yes", "--force", "--timeout", "1s", "127.0.0.1:"+l.said["port"]+"/tcp")
	b, _ := os.ReadFile(heirFile)
	heir, _ := strconv.Atoi(string(b))
	if heir == 0 {
		t.Fatalf("the server did not hand its listener on:\n%s%s", r.stdout, r.stderr)
	}
	gone := eventually(func() bool { return !alive(int32(heir)) })
	if r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("pid %d: sent SIGKILL", heir)) || !gone {
		t.Errorf("exit %d\n%s%s\nwant KILL sent to the heir, pid %d, and the port free", r.code, r.stdout, r.stderr, heir)
	}
}

// TestWaitTakenOnItsProtocol: a port held on TCP alone is not taken for
// UDP. On the host, another process may have UDP on the number the kernel
// gave for TCP: the test has a network namespace of its own.
func TestWaitTakenOnItsProtocol(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	l := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := l.said["port"]
	if r := whoport(t, "wait", port, "-u", "--taken", "--timeout", "0s"); r.code != 1 {
		t.Errorf("wait %s -u --taken: exit %d %q, want 1: only TCP is there", port, r.code, r.stdout)
	}
	if r := whoport(t, "wait", port, "--taken", "--timeout", "0s"); r.code != 0 {
		t.Errorf("wait %s --taken: exit %d %q, want 0", port, r.code, r.stdout)
	}
}
