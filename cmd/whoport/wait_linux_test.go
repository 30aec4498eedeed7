package main

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests of wait run in network namespaces of their own (ownNetNS):
// there a port freed stays free, and nothing else takes a port the test
// waits for.

func TestWaitFree(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	c := holdSockets(t, "listen-on", "127.0.0.1:0")
	port := c.said["port"]
	r := whoport(t, "wait", "127.0.0.1:"+port+"/tcp", "--free", "--timeout", "200ms")
	if r.code != 1 || !strings.Contains(r.stdout, "timed out") {
		t.Errorf("held: exit %d %q, want 1, timed out", r.code, r.stdout)
	}
	go func() { time.Sleep(300 * time.Millisecond); c.stop() }()
	r = whoport(t, "wait", "127.0.0.1:"+port+"/tcp", "--free", "--timeout", "10s")
	if r.code != 0 || !strings.Contains(r.stdout, "can be bound") {
		t.Errorf("freed: exit %d %q, want 0", r.code, r.stdout)
	}
}

func TestWaitFreeCountsTimeWait(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	c := holdSockets(t, "timewait", "")
	port := c.said["port"]
	if r := whoport(t, "wait", "127.0.0.1:"+port+"/tcp", "--free", "--timeout", "200ms"); r.code != 1 {
		t.Errorf("a TIME_WAIT remnant: exit %d, want 1: a plain bind still fails", r.code)
	}
	if r := whoport(t, "wait", "127.0.0.1:"+port+"/tcp", "--free", "--reuseaddr", "--timeout", "200ms"); r.code != 0 {
		t.Errorf("with --reuseaddr: exit %d, want 0", r.code)
	}
}

func TestWaitTaken(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	const port = "8080"
	if r := whoport(t, "wait", "127.0.0.1:"+port+"/tcp", "--taken", "--timeout", "200ms"); r.code != 1 {
		t.Errorf("nothing listens: exit %d, want 1", r.code)
	}
	// Both processes start from the test's goroutine, the one in the
	// namespace: whoport waits, then a child listens.
	wait := whoportCmd("wait", "127.0.0.1:"+port+"/tcp", "--taken", "--timeout", "10s")
	waited := make(chan result, 1)
	var out, errb strings.Builder
	wait.Stdout, wait.Stderr = &out, &errb
	if err := wait.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		wait.Wait()
		waited <- result{out.String(), errb.String(), wait.ProcessState.ExitCode()}
	}()
	time.Sleep(300 * time.Millisecond)
	holdSockets(t, "listen-on", "127.0.0.1:"+port)
	if r := <-waited; r.code != 0 || !strings.Contains(r.stdout, "is taken") {
		t.Errorf("exit %d %q, want 0, taken", r.code, r.stdout)
	}
	for _, bad := range [][]string{{"wait", "8080"}, {"wait", "8080", "--free", "--taken"}, {"wait", "abc", "--free"}} {
		if r := runIn(bad...); r.code != 2 {
			t.Errorf("whoport %v: exit %d, want 2", bad, r.code)
		}
	}
}

func TestFree(t *testing.T) {
	t.Parallel()
	ownNetNS(t)
	r := whoport(t, "free", "-n", "3")
	ports := strings.Fields(r.stdout)
	if r.code != 0 || len(ports) != 3 {
		t.Fatalf("exit %d %q, want 3 ports", r.code, r.stdout)
	}
	cfg := liveSystem(t).NetConfig()
	for _, ps := range ports {
		p, _ := strconv.Atoi(ps)
		if p < 1024 || p > 49151 || (uint16(p) >= cfg.Ephemeral.First && uint16(p) <= cfg.Ephemeral.Last) {
			t.Errorf("port %d: outside 1024-49151 or inside the ephemeral range", p)
		}
		for _, network := range []string{"tcp", "udp"} {
			addr := fmt.Sprintf(":%d", p)
			var err error
			if network == "tcp" {
				var l net.Listener
				if l, err = net.Listen(network, addr); err == nil {
					l.Close()
				}
			} else {
				var c net.PacketConn
				if c, err = net.ListenPacket(network, addr); err == nil {
					c.Close()
				}
			}
			if err != nil {
				t.Errorf("port %d is not free on %s: %v", p, network, err)
			}
		}
	}
	held := holdSockets(t, "listen-on", "127.0.0.1:0")
	if r := whoport(t, "free", held.said["port"]); r.code != 1 || r.stdout != "" {
		t.Errorf("a held port: exit %d %q, want 1 and nothing", r.code, r.stdout)
	}
}
